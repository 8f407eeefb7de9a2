"""Chapitres par thème (chapeau, chiffres, encadrés de paroles, nuage de mots) puis synthèse,
angles morts et préconisations par axe."""

from __future__ import annotations

from reportlab.platypus import KeepTogether, PageBreak, Paragraph

from analyse.nuages import nuage_de_mots
from restitution.livret_sections import texte_ou_rappel
from restitution.mise_en_page import (
    FOND_HABITANTS,
    FOND_STRUCTURES,
    ImagePNG,
    citation,
    echapper,
    nombre,
    nombre_part,
    paragraphes,
    tableau,
)
from restitution.polices import ESPACE_INSECABLE
from restitution.selection import ENCADRES, citations_du_theme
from restitution.textes import TITRE_AXES, axes

NUAGE = (720, 320)  # pixels : environ 140 points par pouce à la largeur imprimée en A4
FONDS = {"habitants": FOND_HABITANTS, "structures": FOND_STRUCTURES}
ABSENCES = {
    "habitants": "Aucune parole d'habitant·e citable sur ce thème.",
    "structures": "Aucune parole de structure citable sur ce thème.",
}


def _lignes_croisement(croisement, slug: str) -> list[list]:
    if slug not in croisement.effectifs.index:
        return []
    lignes = []
    for colonne in croisement.effectifs.columns:
        effectif = int(croisement.effectifs.at[slug, colonne])
        if effectif:
            lignes.append(
                [
                    croisement.libelles_colonnes[colonne],
                    effectif,
                    nombre_part(croisement.parts.at[slug, colonne]),
                ]
            )
    return sorted(lignes, key=lambda l: -l[1])


def chiffres_du_theme(contenu, g, slug: str) -> list:
    st, total = g.st, len(contenu.corpus.contributions)
    territoire = contenu.croisements["territoire"]
    effectif = int(territoire.effectifs.loc[slug].sum()) if slug in territoire.effectifs.index else 0
    if not effectif:
        return [Paragraph("Aucune parole recueillie sur ce thème pour l'instant.", st["Vide"])]
    recit = [
        Paragraph(
            f"<b>{nombre(effectif)}</b> parole{'s' if effectif > 1 else ''} sur ce thème, "
            f"soit {nombre_part(effectif / total)} des paroles recueillies.",
            st["Corps"],
        )
    ]
    for critere, titre in (("territoire", "Territoire"), ("profil", "Profil")):
        lignes = _lignes_croisement(contenu.croisements[critere], slug)
        if lignes:
            recit.append(
                tableau(
                    st,
                    [titre, "paroles du thème", f"part des paroles du {critere}"],
                    lignes,
                    g.largeur,
                    [3, 1.2, 1.6],
                )
            )
    return recit


def encadres(g, citations: dict) -> list:
    st, recit = g.st, []
    for cle, titre in ENCADRES.items():
        recit.append(Paragraph(f"{titre}{ESPACE_INSECABLE}:", st["TitreEncadre"]))
        if not citations[cle]:
            recit.append(Paragraph(ABSENCES[cle], st["Vide"]))
        recit += [citation(st, c.texte, c.source, FONDS[cle]) for c in citations[cle]]
    return recit


def nuage(contenu, g, slug: str) -> list:
    frequences = contenu.frequences(slug)
    if not len(frequences):
        return []
    png = ImagePNG(
        nuage_de_mots(
            frequences, largeur=NUAGE[0], hauteur=NUAGE[1], mots_max=len(frequences), optimiser=False
        ),
        *NUAGE,
    )
    return [
        KeepTogether(
            [Paragraph("Les mots les plus employés", g.st["TitreEncadre"]), png.flowable(g.largeur * 0.75)]
        )
    ]


def chapitre(contenu, g, theme: dict) -> list:
    """Chapitre d'un thème : titre, chapeau de l'équipe (ou description du livre de codes), chiffres,
    nuage de mots (placé avant les encadrés : seul en fin de chapitre, il laissait des pages presque
    vides), encadrés « Paroles d'habitants » et « Paroles de structures »."""
    st, slug = g.st, theme["slug"]
    chapeau = next(
        (
            t
            for t in (theme.get("introduction"), theme.get("description"))
            if isinstance(t, str) and t.strip()
        ),
        "",
    )
    recit = [Paragraph(echapper(theme["label"]), st["Chapitre"])] + paragraphes(chapeau, st["Chapeau"])
    recit += chiffres_du_theme(contenu, g, slug) + nuage(contenu, g, slug)
    recit += encadres(g, citations_du_theme(contenu.lexical, slug, structures=contenu.structures))
    return recit + [PageBreak()]


def synthese(contenu, g) -> list:
    st, textes, recit = g.st, contenu.textes, []
    for cle in ("synthese", "angles_morts"):
        recit += [Paragraph(echapper(textes[cle].titre), st["Chapitre"])] + texte_ou_rappel(
            g, textes[cle], textes[cle].libelle
        )
    recit += [PageBreak(), Paragraph(TITRE_AXES, st["Chapitre"])]
    liste = axes(textes)
    if not liste:
        recit.append(
            Paragraph(
                "Préconisations à écrire par l'équipe (page Restitution, un axe à la fois).", st["Vide"]
            )
        )
    for axe in liste:
        recit.append(Paragraph(echapper(axe.titre), st["Section"]))
        recit += [Paragraph(echapper(ligne), st["Puce"], bulletText="•") for ligne in axe.lignes]
    return recit + [PageBreak()]
