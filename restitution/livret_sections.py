"""Premières sections du livret : couverture et sommaire, chiffres clés, démarche, territoires et
panorama des structures. Chaque fonction reçoit le `Contenu` et le `Gabarit` et rend des flowables."""

from __future__ import annotations

from reportlab.platypus import CondPageBreak, NextPageTemplate, PageBreak, Paragraph

from analyse.chiffres import registre
from collecte.modele.models import DISPOSITIFS
from restitution.contenu import periode
from restitution.mise_en_page import echapper, espace, paragraphes, sommaire, tableau, tuiles
from restitution.polices import ESPACE_INSECABLE

# Tableau « Par territoire » : les chiffres qui tiennent dans la largeur d'une page (clé, en-tête court,
# largeur).
COLONNES_PAR_TERRITOIRE = (
    ("personnes_rencontrees", "personnes rencontrées", 1.3),
    ("paroles", "paroles", 1),
    ("structures_partenaires", "structures", 1.1),
    ("questionnaires", "questionnaires", 1.4),
)
TYPOLOGIES = (
    (
        "a_mission",
        "Structures « à mission »",
        (
            "La médiation numérique fait partie de leur mission, ou elles y consacrent un service et des "
            "salarié·es."
        ),
    ),
    (
        "proposante",
        "Structures « proposantes »",
        "Elles ont repéré une demande et proposent un accès ou une aide, sans personnel dédié.",
    ),
    (
        "confrontee",
        "Structures « confrontées »",
        "Elles font de la médiation pour que leur mission première tienne, et orientent ailleurs.",
    ),
    ("autre", "Autres structures", ""),
)
QUESTIONS_RESUMEES = 3


def texte_ou_rappel(g, texte, libelle: str) -> list:
    """Le texte de l'équipe, ou une phrase qui dit où l'écrire."""
    blocs = paragraphes(texte.contenu, g.st["Corps"])
    return blocs or [
        Paragraph(f"Texte à écrire par l'équipe (page Restitution, « {echapper(libelle)} »).", g.st["Vide"])
    ]


def couverture(contenu, g) -> list:
    st, textes = g.st, contenu.textes
    lieux = (
        " · ".join(contenu.corpus.territoires["territoire"].tolist())
        if len(contenu.corpus.territoires)
        else ""
    )
    recit = [
        espace(5 if g.format_ == "A4" else 3),
        Paragraph(echapper(textes["couverture"].titre), st["Couverture"]),
    ]
    recit += (
        [Paragraph(echapper(textes["couverture"].contenu), st["SousTitre"])]
        if textes["couverture"].contenu
        else []
    )
    recit += [espace(1)] + ([Paragraph(echapper(lieux), st["Centre"])] if lieux else [])
    recit += [Paragraph(echapper(periode(contenu)), st["Centre"])] if periode(contenu) else []
    recit += [espace(2)] + paragraphes(textes["partenaires"].contenu, st["Centre"])
    return recit + [
        NextPageTemplate("page"),
        PageBreak(),
        Paragraph("Sommaire", st["TitreSommaire"]),
        sommaire(st),
        PageBreak(),
    ]


def chiffres_cles(contenu, g) -> list:
    st, chiffres = g.st, contenu.chiffres
    colonnes = 5 if g.format_ == "A4" else 3
    valeurs = [(chiffres[c.cle], c.libelle_pour(chiffres[c.cle])) for c in registre()]
    recit = [Paragraph("Les chiffres clés", st["Chapitre"]), tuiles(st, valeurs, g.largeur, colonnes)]
    lignes = [
        [t["territoire"], *(t[cle] for cle, _, _ in COLONNES_PAR_TERRITOIRE)]
        for t in chiffres["par_territoire"]
    ]
    if len(lignes) > 1:
        recit += [
            Paragraph("Par territoire", st["Section"]),
            tableau(
                st,
                ["Territoire", *(entete for _, entete, _ in COLONNES_PAR_TERRITOIRE)],
                lignes,
                g.largeur,
                [2.4, *(largeur for _, _, largeur in COLONNES_PAR_TERRITOIRE)],
            ),
        ]
    return recit + [CondPageBreak(g.hauteur / 3)]  # la démarche suit sur la même page s'il reste de la place


def _questions_par_dispositif(temps) -> dict[str, list[str]]:
    questions: dict[str, list[str]] = {}
    for dispositif, liste in zip(temps["dispositif"], temps["questions"]):
        for question in liste or []:
            if question and question not in questions.setdefault(dispositif, []):
                questions[dispositif].append(question)
    return questions


def demarche(contenu, g) -> list:
    st, temps, contributions = g.st, contenu.corpus.temps, contenu.corpus.contributions
    texte = contenu.textes["demarche"]
    recit = [Paragraph(echapper(texte.titre), st["Chapitre"])] + texte_ou_rappel(g, texte, texte.libelle)
    recit.append(Paragraph("Les dispositifs", st["Section"]))
    if not len(temps):
        return recit + [
            Paragraph("Aucun temps de collecte n'est encore enregistré.", st["Vide"]),
            PageBreak(),
        ]
    paroles = contributions["dispositif"].value_counts() if len(contributions) else {}
    lignes = []
    for dispositif, groupe in temps.groupby("dispositif", sort=False):
        lignes.append(
            [
                DISPOSITIFS.get(dispositif, dispositif),
                len(groupe),
                int(groupe["personnes_rencontrees"].fillna(0).sum()),
                int(paroles.get(dispositif, 0)),
            ]
        )
    lignes.sort(key=lambda l: -l[1])
    recit.append(
        tableau(
            st,
            ["Dispositif", "temps de collecte", "personnes rencontrées", "paroles"],
            lignes,
            g.largeur,
            [3, 1.3, 1.5, 1],
        )
    )
    questions = _questions_par_dispositif(temps)
    if questions:
        recit.append(Paragraph("Les questions posées", st["Section"]))
    for dispositif, liste in questions.items():
        recit.append(Paragraph(f"<b>{echapper(DISPOSITIFS.get(dispositif, dispositif))}</b>", st["Corps"]))
        recit += [Paragraph(echapper(q), st["Puce"], bulletText="–") for q in liste[:QUESTIONS_RESUMEES]]
        if len(liste) > QUESTIONS_RESUMEES:
            recit.append(
                Paragraph(f"… et {len(liste) - QUESTIONS_RESUMEES} autre(s), en annexe.", st["Note"])
            )
    return recit + [PageBreak()]


def _structure(st, ligne) -> list:
    ville = ligne.get("ville") if isinstance(ligne.get("ville"), str) else ""
    nom = f"{ligne['nom']} ({ville})" if ville else str(ligne["nom"])
    offre = ligne.get("offre_numerique") if isinstance(ligne.get("offre_numerique"), str) else ""
    return [
        Paragraph(f"<b>{echapper(nom)}</b>", st["Corps"]),
        Paragraph(
            echapper(offre) if offre.strip() else "Offre numérique non renseignée.",
            st["Puce"],
            bulletText="–",
        ),
    ]


def territoires(contenu, g) -> list:
    st, corpus, texte = g.st, contenu.corpus, contenu.textes["territoires"]
    recit = [Paragraph(echapper(texte.titre), st["Chapitre"])] + paragraphes(texte.contenu, st["Corps"])
    recit.append(Paragraph("Les territoires", st["Section"]))
    if not len(corpus.territoires):
        recit.append(Paragraph("Aucun territoire n'est encore enregistré.", st["Vide"]))
    for t in corpus.territoires.to_dict("records"):
        code = f" (QPV {t['code_qpv']})" if isinstance(t.get("code_qpv"), str) and t["code_qpv"] else ""
        recit.append(Paragraph(echapper(t["territoire"] + code), st["Puce"], bulletText="–"))
    recit.append(Paragraph("Panorama des structures", st["Section"]))
    structures = corpus.structures.to_dict("records") if len(corpus.structures) else []
    if not structures:
        recit.append(Paragraph("Aucune structure partenaire n'est encore enregistrée.", st["Vide"]))
    for cle, titre, definition in TYPOLOGIES:
        groupe = [
            s
            for s in structures
            if (s.get("typologie") or "autre") == cle
            or (cle == "autre" and s.get("typologie") not in {"a_mission", "proposante", "confrontee"})
        ]
        if not groupe:
            continue
        recit.append(
            Paragraph(
                f"<b>{echapper(titre)}</b>{ESPACE_INSECABLE}: {echapper(definition)}"
                if definition
                else f"<b>{echapper(titre)}</b>",
                st["Chapeau"],
            )
        )
        for ligne in groupe:
            recit += _structure(st, ligne)
    return recit + [PageBreak()]


def texte_vide(g, phrase: str) -> list:
    return [Paragraph(echapper(phrase), g.st["Vide"]), PageBreak()]
