"""Import d'un projet REFI-QDA (.qdpx) : celui qu'exporte Parole (aller-retour), celui d'un autre logiciel
écrit comme QualCoder l'écrit (valide contre Project.xsd), les fichiers piégés ou abîmés, le formulaire
web (avec CSRF) et la ligne de commande. Le projet passe par l'import de classeur : mêmes validations,
même rapport, et réimporter le même fichier ne crée rien."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select

from collecte.modele.champs import champ
from collecte.modele.models import (
    Contribution,
    ContributionTheme,
    Demarche,
    Structure,
    TempsDeCollecte,
    Territoire,
    Theme,
    Utilisateur,
)
from collecte.tableurs import lecture_qdpx
from collecte.tableurs.entrees import ErreurImport, importer_envoi
from collecte.themes.formats import couleur_theme, guid_theme
from restitution import exports, refiqda
from tests.conftest import MOT_DE_PASSE, exiger_outil
from tests.test_aller_retour import _vider

SCHEMAS = Path(__file__).resolve().parent / "schemas"
LIMITE = champ("texte").longueur_max

# --- Un projet écrit comme QualCoder l'écrit (données inventées) --------------------------------

G = {
    nom: f"{rang:08x}-1111-4222-8333-{rang:012x}"
    for rang, nom in enumerate(
        [
            *("user", "acces", "caf", "fracture", "inconnu", "cas"),
            *("v_profil", "v_question", "v_enqueteur", "v_duree", "v_genre", "v_ville"),
            *("s_ligne", "s_fichier", "s_pdf", "s_longue", "sel1", "sel2", "sel3", "sel4"),
            *("cod1", "cod2", "cod3", "cod4", "cod5"),
        ],
        start=1,
    )
}
TEXTE_EN_LIGNE = "J'ai jamais réussi à faire ma déclaration CAF en ligne."
TEXTE_FICHIER = "Au centre social, on m'aide pour les papiers."
PASSAGE_1 = "Les bornes de la mairie, je n'y comprends rien 😀."
PASSAGE_2 = "Ma fille fait tout pour moi sur le téléphone."
# Plus long qu'une parole : deux passages codés au milieu d'un texte non codé (accents et émojis avant eux,
# pour que les positions comptent bien des points de code).
REMPLISSAGE = "Entretien long, à découper. 😀 é " * (LIMITE // 30)
TEXTE_LONG = REMPLISSAGE + PASSAGE_1 + " bla " + PASSAGE_2 + REMPLISSAGE
DEBUT_1 = len(REMPLISSAGE)
DEBUT_2 = DEBUT_1 + len(PASSAGE_1) + len(" bla ")
QUAND = 'creatingUser="{user}" creationDateTime="2024-02-01T09:30:00Z"'.format(user=G["user"])


def _valeur(variable: str, balise: str, valeur: str) -> str:
    reference = f'<VariableRef targetGUID="{G[variable]}"/>'
    return f"<VariableValue>{reference}<{balise}>{valeur}</{balise}></VariableValue>"


def _selection(nom: str, debut: int, fin: int, *codages: tuple[str, str]) -> str:
    codes = "".join(
        f'<Coding guid="{G[c]}" {QUAND}><CodeRef targetGUID="{G[code]}"/></Coding>' for c, code in codages
    )
    etendue = f'startPosition="{debut}" endPosition="{fin}"'
    return f'<PlainTextSelection guid="{G[nom]}" {etendue} {QUAND}>{codes}</PlainTextSelection>'


def qde_qualcoder(chemin_fichier: str = "internal://{s_fichier}.txt") -> str:
    chemin_fichier = chemin_fichier.format(**G)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Enquête accès aux droits" origin="QualCoder 3.5"
 creatingUserGUID="{G["user"]}" creationDateTime="2024-01-15T10:00:00Z">
<Users><User guid="{G["user"]}" name="Anne-Laure Exemple"/></Users>
<CodeBook><Codes>
 <Code guid="{G["acces"]}" name="Accès aux droits" isCodable="true" color="#F80">
  <Description>Démarches administratives.</Description>
  <Code guid="{G["caf"]}" name="CAF" isCodable="true" color="#1f77b4"/>
 </Code>
 <Code guid="{G["fracture"]}" name="Fracture numérique" isCodable="true"/>
</Codes></CodeBook>
<Variables>
 <Variable guid="{G["v_profil"]}" name="profil" typeOfVariable="Text"/>
 <Variable guid="{G["v_question"]}" name="question" typeOfVariable="Text"/>
 <Variable guid="{G["v_enqueteur"]}" name="Enquêteur" typeOfVariable="Text"/>
 <Variable guid="{G["v_duree"]}" name="Durée" typeOfVariable="Integer"/>
 <Variable guid="{G["v_genre"]}" name="Genre" typeOfVariable="Text"/>
 <Variable guid="{G["v_ville"]}" name="Ville" typeOfVariable="Text"/>
</Variables>
<Cases><Case guid="{G["cas"]}" name="Entretiens Vierzon">
 {_valeur("v_genre", "TextValue", "Femme")}{_valeur("v_ville", "TextValue", "Vierzon")}
 <SourceRef targetGUID="{G["s_ligne"]}"/><SourceRef targetGUID="{G["s_fichier"]}"/>
</Case></Cases>
<Sources>
 <TextSource guid="{G["s_ligne"]}" name="Entretien 1" {QUAND}>
  <PlainTextContent>{TEXTE_EN_LIGNE}</PlainTextContent>
  {_selection("sel1", 0, len(TEXTE_EN_LIGNE), ("cod1", "caf"), ("cod2", "inconnu"))}
  {_valeur("v_profil", "TextValue", "Habitant·e")}{_valeur("v_question", "TextValue", "Et en ligne ?")}
  {_valeur("v_enqueteur", "TextValue", "Anne-Laure")}
 </TextSource>
 <TextSource guid="{G["s_fichier"]}" name="Entretien 2" plainTextPath="{chemin_fichier}" {QUAND}>
  {_selection("sel2", 3, 16, ("cod3", "acces"))}
  {_valeur("v_profil", "TextValue", "benevole")}{_valeur("v_duree", "IntegerValue", "45")}
 </TextSource>
 <PDFSource guid="{G["s_pdf"]}" name="Compte rendu.pdf" path="internal://{G["s_pdf"]}.pdf" {QUAND}/>
 <TextSource guid="{G["s_longue"]}" name="Entretien fleuve"
  plainTextPath="internal://{G["s_longue"]}.txt" {QUAND}>
  {_selection("sel3", DEBUT_1, DEBUT_1 + len(PASSAGE_1), ("cod4", "fracture"))}
  {_selection("sel4", DEBUT_2, DEBUT_2 + len(PASSAGE_2), ("cod5", "caf"))}
 </TextSource>
</Sources>
</Project>
"""


def _zip(fichiers: dict[str, bytes]) -> bytes:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as zip_:
        for nom, contenu in fichiers.items():
            zip_.writestr(nom, contenu)
    return tampon.getvalue()


def archive(qde: str, fichiers: dict[str, bytes] | None = None) -> bytes:
    return _zip({"project.qde": qde.encode("utf-8"), **(fichiers or {})})


def projet_qualcoder() -> bytes:
    """Le projet entier : project.qde et ses fichiers (texte avec BOM, PDF factice)."""
    return archive(
        qde_qualcoder(),
        {
            f"sources/{G['s_fichier']}.txt": "\ufeff".encode() + TEXTE_FICHIER.encode(),
            f"sources/{G['s_longue']}.txt": TEXTE_LONG.encode(),
            f"sources/{G['s_pdf']}.pdf": b"%PDF-1.4 factice",
        },
    )


def _compter(session, modele) -> int:
    return session.exec(select(func.count()).select_from(modele)).one()


def _themes_des_paroles(session, demarche_id: int) -> dict[str, list[str]]:
    """Texte de chaque parole → slugs de ses thèmes."""
    lignes = session.exec(
        select(Contribution.texte, Theme.slug)
        .join(TempsDeCollecte, TempsDeCollecte.id == Contribution.temps_id)
        .outerjoin(ContributionTheme, ContributionTheme.contribution_id == Contribution.id)
        .outerjoin(Theme, Theme.id == ContributionTheme.theme_id)
        .where(TempsDeCollecte.demarche_id == demarche_id)
        .order_by(Contribution.texte, Theme.slug)
    ).all()
    resultat: dict[str, list[str]] = {}
    for texte, slug in lignes:
        resultat.setdefault(texte, [])
        if slug:
            resultat[texte].append(slug)
    return resultat


# --- Projet d'un autre logiciel --------------------------------------------------------------------


def test_le_projet_de_test_est_valide_contre_le_schema():
    xmllint = exiger_outil("xmllint")
    valide = subprocess.run(
        [xmllint, "--noout", "--schema", str(SCHEMAS / "Project.xsd"), "-"],
        input=qde_qualcoder().encode("utf-8"),
        capture_output=True,
    )
    assert valide.returncode == 0, valide.stderr.decode()
    assert len(TEXTE_LONG) > LIMITE and TEXTE_LONG[DEBUT_2 : DEBUT_2 + len(PASSAGE_2)] == PASSAGE_2


def test_projet_qualcoder_importe(session):
    rapport = importer_envoi(session, {"Enquête.qdpx": projet_qualcoder()}, "acces-droits")
    demarche = session.exec(select(Demarche).where(Demarche.slug == "acces-droits")).one()
    themes = session.exec(select(Theme).where(Theme.demarche_id == demarche.id).order_by(Theme.slug)).all()
    parents = {t.id: t.slug for t in themes}
    assert [(t.slug, t.label, t.description, t.couleur, parents.get(t.parent_id)) for t in themes] == [
        ("acces-aux-droits", "Accès aux droits", "Démarches administratives.", "#ff8800", None),
        ("caf", "CAF", "", "#1f77b4", "acces-aux-droits"),
        ("fracture-numerique", "Fracture numérique", "", "", None),
    ]
    # Sources texte → paroles ; codages → thèmes ; la source longue donne ses deux passages codés.
    assert _themes_des_paroles(session, demarche.id) == {
        TEXTE_EN_LIGNE: ["caf"],
        TEXTE_FICHIER: ["acces-aux-droits"],
        PASSAGE_1: ["fracture-numerique"],
        PASSAGE_2: ["caf"],
    }
    paroles = {c.texte: c for c in session.exec(select(Contribution))}
    assert (paroles[TEXTE_EN_LIGNE].profil, paroles[TEXTE_EN_LIGNE].question) == ("habitant", "Et en ligne ?")
    assert (paroles[TEXTE_FICHIER].profil, paroles[PASSAGE_1].profil) == ("benevole", "inconnu")
    # Les variables d'un cas valent pour ses paroles (genre) ou pour son temps (ville).
    assert [paroles[t].genre for t in (TEXTE_EN_LIGNE, TEXTE_FICHIER, PASSAGE_1)] == ["femme", "femme", ""]
    # Le cas devient un temps ; les sources sans cas vont dans le temps du projet, daté de sa création.
    temps = {t.ref: t for t in session.exec(select(TempsDeCollecte))}
    assert sorted(temps) == ["Enquête accès aux droits", "Entretiens Vierzon"]
    assert {(t.dispositif, t.date) for t in temps.values()} == {("autre", date(2024, 1, 15))}
    assert paroles[TEXTE_EN_LIGNE].temps_id == temps["Entretiens Vierzon"].id
    assert paroles[PASSAGE_2].temps_id == temps["Enquête accès aux droits"].id
    lieu = session.get(Territoire, temps["Entretiens Vierzon"].territoire_id)
    assert (lieu.ville, temps["Enquête accès aux droits"].territoire_id) == ("Vierzon", None)
    assert _compter(session, Utilisateur) == 0  # les <Users> ne deviennent pas des comptes
    assert rapport.lignes() == [
        "démarche : 1 créée",
        "thèmes : 3 créés",
        "territoires : 1 créé",
        "temps : 2 créés",
        "contributions : 4 créées",
    ]
    assert rapport.avertissements == [
        "Sources PDF, images, audio ou vidéo sans texte non importées (1) : Compte rendu.pdf.",
        f"1 source(s) de plus de {LIMITE} caractères (la longueur maximale d'une parole) : chacun de leurs "
        "passages codés est devenu une parole ; leur texte non codé n'est pas importé.",
        "1 codage(s) vers un code absent du livre de codes, ignoré(s).",
        "Variables sans champ correspondant dans Parole, ignorées : Enquêteur, Durée.",
    ]
    encore = importer_envoi(session, {"Enquête.qdpx": projet_qualcoder()}, "acces-droits")
    assert encore.lignes() == [
        "thèmes : 3 inchangés",
        "temps : 2 inchangés",
        "contributions : 4 déjà présentes",
    ]
    assert _compter(session, Contribution) == 4 and _compter(session, Theme) == 3


def test_codes_rapproches_des_themes_existants(session, creer_demarche, creer_theme):
    """Un code de même GUID, puis de même libellé qu'un thème de la démarche, prend son slug ; les
    mots-clés, que REFI-QDA ne transporte pas, restent."""
    demarche = creer_demarche(slug="acces-droits")
    creer_theme(demarche, "droits", "accès  AUX droits", 0, mots_cles=["caf", "impôts"])
    creer_theme(demarche, "allocations", "Allocations", 1)
    qde = qde_qualcoder().replace(G["caf"], guid_theme("acces-droits", "allocations"))
    fichiers = {n: zipfile.ZipFile(io.BytesIO(projet_qualcoder())).read(n) for n in _sources()}
    rapport = importer_envoi(session, {"p.qdpx": archive(qde, fichiers)}, "acces-droits")
    themes = {t.slug: t for t in session.exec(select(Theme).where(Theme.demarche_id == demarche.id))}
    assert sorted(themes) == ["allocations", "droits", "fracture-numerique"]
    assert (themes["allocations"].label, themes["allocations"].parent_id) == ("CAF", themes["droits"].id)
    assert themes["droits"].mots_cles == ["caf", "impôts"] and themes["droits"].label == "Accès aux droits"
    assert _themes_des_paroles(session, demarche.id)[TEXTE_EN_LIGNE] == ["allocations"]
    assert "thèmes : 1 créé, 2 mis à jour" in rapport.lignes()


def _sources() -> list[str]:
    return [n for n in zipfile.ZipFile(io.BytesIO(projet_qualcoder())).namelist() if n.startswith("sources/")]


def test_les_sources_sont_videes_au_fil_de_la_lecture():
    """project.qde est lu au fil de l'eau : chaque source, une fois traduite en paroles, est vidée (la
    mémoire ne dépend pas du nombre de sources) ; le livre de codes, lu avant, sert à ses codages."""
    with zipfile.ZipFile(io.BytesIO(projet_qualcoder())) as contenu:
        lecteur = lecture_qdpx._Lecteur(contenu, None)
        lecture_qdpx._lire_qde(contenu, lecteur)
    sources = lecteur.racine.find(f"{{{lecture_qdpx.NS}}}Sources")
    assert len(sources) == 4 and all(len(source) == 0 and not source.attrib for source in sources)
    assert [p["themes"] for p in lecteur.paroles][:2] == ["caf", "acces-aux-droits"]


TEXTE_PDF = "Compte rendu de l'atelier : la CAF ferme son guichet le mardi."
TRANSCRIPTION = "Bon. Moi la fracture numérique, je la vis tous les jours. Voilà."
DEBUT_TRANSCRIPTION = TRANSCRIPTION.index("la fracture")
FIN_TRANSCRIPTION = TRANSCRIPTION.index(" Voilà")


def qde_medias() -> str:
    """Un PDF avec sa version texte (NVivo, MAXQDA) et un enregistrement avec sa transcription ; chacun a
    aussi un codage posé sur le média (zone de page, extrait), qui n'a pas de texte."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Atelier" creationDateTime="2024-03-01T10:00:00Z">
<CodeBook><Codes>
 <Code guid="{G["caf"]}" name="CAF" isCodable="true"/>
 <Code guid="{G["fracture"]}" name="Fracture numérique" isCodable="true"/>
</Codes></CodeBook>
<Variables><Variable guid="{G["v_profil"]}" name="profil" typeOfVariable="Text"/></Variables>
<Sources>
 <PDFSource guid="{G["s_pdf"]}" name="Compte rendu.pdf" path="internal://{G["s_pdf"]}.pdf">
  <PDFSelection guid="{G["sel1"]}" page="1" firstX="0" firstY="0" secondX="10" secondY="10">
   <Coding guid="{G["cod1"]}"><CodeRef targetGUID="{G["fracture"]}"/></Coding>
  </PDFSelection>
  <Representation guid="{G["s_ligne"]}" name="Compte rendu.txt">
   <PlainTextContent>{TEXTE_PDF}</PlainTextContent>
   {_selection("sel2", 0, 10, ("cod2", "caf"))}
  </Representation>
  {_valeur("v_profil", "TextValue", "professionnel")}
 </PDFSource>
 <AudioSource guid="{G["s_longue"]}" name="Entretien marché.m4a" path="internal://{G["s_longue"]}.m4a">
  <Transcript guid="{G["s_fichier"]}" name="Transcription" plainTextPath="internal://{G["s_fichier"]}.txt">
   <SyncPoint guid="{G["sel3"]}" timeStamp="2000" position="{DEBUT_TRANSCRIPTION}"/>
   <SyncPoint guid="{G["sel4"]}" timeStamp="9000" position="{FIN_TRANSCRIPTION}"/>
   <TranscriptSelection guid="{G["cod3"]}" fromSyncPoint="{G["sel3"]}" toSyncPoint="{G["sel4"]}">
    <Coding guid="{G["cod4"]}"><CodeRef targetGUID="{G["fracture"]}"/></Coding>
   </TranscriptSelection>
  </Transcript>
  <AudioSelection guid="{G["cod5"]}" begin="0" end="1000">
   <Coding guid="{G["inconnu"]}"><CodeRef targetGUID="{G["caf"]}"/></Coding>
  </AudioSelection>
 </AudioSource>
 <VideoSource guid="{G["cas"]}" name="Clip.mp4" path="internal://{G["cas"]}.mp4"/>
</Sources>
</Project>
"""


def test_version_texte_d_un_pdf_et_transcription_d_un_enregistrement(session):
    """Le texte d'un média, quand le logiciel l'exporte, devient une parole : la version texte d'un PDF
    (ses passages codés et les variables du PDF) et la transcription d'un enregistrement (passages bornés
    par ses points de synchronisation). Un codage posé sur une zone de page ou un extrait n'a pas de texte :
    compté ; une vidéo sans transcription est nommée."""
    xmllint = exiger_outil("xmllint")
    qde = qde_medias()
    valide = subprocess.run(
        [xmllint, "--noout", "--schema", str(SCHEMAS / "Project.xsd"), "-"],
        input=qde.encode(),
        capture_output=True,
    )
    assert valide.returncode == 0, valide.stderr.decode()
    contenu = archive(qde, {f"sources/{G['s_fichier']}.txt": TRANSCRIPTION.encode()})
    rapport = importer_envoi(session, {"atelier.qdpx": contenu}, "medias")
    demarche = session.exec(select(Demarche).where(Demarche.slug == "medias")).one()
    assert _themes_des_paroles(session, demarche.id) == {
        TEXTE_PDF: ["caf"],
        TRANSCRIPTION: ["fracture-numerique"],
    }
    profils = {c.texte: c.profil for c in session.exec(select(Contribution))}
    assert profils == {TEXTE_PDF: "professionnel", TRANSCRIPTION: "inconnu"}
    assert rapport.avertissements == [
        "Sources PDF, images, audio ou vidéo sans texte non importées (1) : Clip.mp4.",
        "2 codage(s) posé(s) sur une zone de PDF ou un extrait audio ou vidéo, et non sur leur texte, "
        "ignoré(s).",
    ]


def test_dossier_des_sources_ecrit_autrement(session):
    """« Sources/ » avec une majuscule, et le dossier répété dans le chemin (« internal://Sources/x.txt »),
    comme l'écrivent d'autres logiciels : le texte est trouvé."""
    contenu = archive(
        qde_qualcoder("internal://Sources/{s_fichier}.txt"),
        {
            f"Sources/{G['s_fichier']}.txt": TEXTE_FICHIER.encode(),
            f"Sources/{G['s_longue']}.txt": TEXTE_LONG.encode(),
        },
    )
    rapport = importer_envoi(session, {"projet.qdpx": contenu}, "dossiers")
    assert TEXTE_FICHIER in {c.texte for c in session.exec(select(Contribution))}
    assert "contributions : 4 créées" in rapport.lignes()
    assert not any("manque" in a for a in rapport.avertissements)


def test_source_liee_hors_du_projet_ignoree_et_signalee(session):
    contenu = archive(
        qde_qualcoder("absolute://C:/Users/al/entretien2.txt"),
        {f"sources/{G['s_longue']}.txt": TEXTE_LONG.encode()},
    )
    rapport = importer_envoi(session, {"p.qdpx": contenu}, "essai")
    assert (
        "Sources liées à un fichier hors du projet (absolute://, relative://) non importées (1) : "
        "Entretien 2." in rapport.avertissements
    )
    assert TEXTE_FICHIER not in {c.texte for c in session.exec(select(Contribution))}
    assert "contributions : 3 créées" in rapport.lignes()


# --- Mauvaises entrées : un message en français, rien d'écrit -----------------------------------


def _taille_annoncee_enorme() -> bytes:
    """Une archive dont le répertoire central annonce 4 Go décompressés pour project.qde."""
    contenu = bytearray(archive("<Project/>"))
    central = contenu.rindex(b"PK\x01\x02")
    contenu[central + 24 : central + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    return bytes(contenu)


MAUVAIS = [
    pytest.param(b"ceci n'est pas une archive", "n'est pas un projet REFI-QDA .qdpx", id="pas-un-zip"),
    pytest.param(
        _zip({"sources/a.txt": b"bonjour"}), "ne contient pas de fichier project.qde", id="sans-project-qde"
    ),
    pytest.param(
        archive('<Project xmlns="urn:QDA-XML:project:1.0"><Sources>'),
        "XML illisible (ligne 1) : ce n'est pas un projet .qdpx",
        id="xml",
    ),
    pytest.param(
        archive(
            '<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            '<Project xmlns="urn:QDA-XML:project:1.0" name="&b;"/>'
        ),
        "Le fichier XML déclare une DTD",
        id="entites",
    ),
    pytest.param(_taille_annoncee_enorme(), "Projet trop volumineux une fois décompressé", id="taille"),
    pytest.param(
        archive('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>'), "élément racine Project", id="pas-un-projet"
    ),
    pytest.param(
        archive(qde_qualcoder("internal://../x.txt")),
        "le chemin « internal://../x.txt » sort du dossier sources/",
        id="chemin-remontant",
    ),
    pytest.param(
        archive(qde_qualcoder("internal:///etc/passwd")), "sort du dossier sources/", id="chemin-absolu"
    ),
    pytest.param(
        archive(qde_qualcoder(), {f"sources/{G['s_fichier']}.txt": "é".encode("latin-1")}),
        "n'est pas en UTF-8",
        id="pas-utf8",
    ),
]


@pytest.mark.parametrize(("contenu", "message"), MAUVAIS)
def test_mauvais_fichier_refuse_sans_rien_ecrire(session, contenu, message):
    with pytest.raises(ErreurImport) as refus:
        importer_envoi(session, {"projet.qdpx": contenu}, "essai")
    assert len(refus.value.erreurs) == 1 and message in refus.value.erreurs[0]
    assert _compter(session, Demarche) == 0 and _compter(session, Contribution) == 0


def test_passage_hors_du_texte_refuse(session):
    qde = qde_qualcoder().replace('startPosition="3" endPosition="16"', 'startPosition="3" endPosition="900"')
    with pytest.raises(ErreurImport) as refus:
        importer_envoi(session, {"p.qdpx": archive(qde, dict.fromkeys(_sources(), b"court"))}, "essai")
    assert refus.value.erreurs == [
        "Source « Entretien 2 » : un passage codé (3–900) sort du texte (5 caractères). Exportez à nouveau "
        "le projet."
    ]
    assert _compter(session, Demarche) == 0


# --- Aller-retour : ce que Parole exporte, Parole le reprend ------------------------------------


def _etat(session, slug: str, textes: set[str]) -> dict:
    """Ce que l'équipe retrouve des paroles `textes` : thèmes, paroles, étiquettes, temps."""
    demarche = session.exec(select(Demarche).where(Demarche.slug == slug)).one()
    themes = session.exec(select(Theme).where(Theme.demarche_id == demarche.id)).all()
    slugs = {t.id: t.slug for t in themes}
    temps = session.exec(
        select(TempsDeCollecte, Territoire, Structure)
        .outerjoin(Territoire, Territoire.id == TempsDeCollecte.territoire_id)
        .outerjoin(Structure, Structure.id == TempsDeCollecte.structure_id)
        .where(TempsDeCollecte.demarche_id == demarche.id)
    ).all()
    refs = {t.id: t.ref for t, _, _ in temps}
    paroles = session.exec(
        select(Contribution)
        .where(Contribution.temps_id.in_(list(refs)), Contribution.texte.in_(list(textes)))
        .order_by(Contribution.texte)
    ).all()
    utilises = {c.temps_id for c in paroles}
    return {
        "themes": sorted(
            (t.slug, t.label, t.description, couleur_theme(t.model_dump()), slugs.get(t.parent_id))
            for t in themes
        ),
        "paroles": [
            (refs[c.temps_id], c.texte, c.nature, c.profil, c.tranche_age, c.genre, c.question, c.a_retenir)
            for c in paroles
        ],
        "etiquettes": {t: s for t, s in _themes_des_paroles(session, demarche.id).items() if t in textes},
        "temps": sorted(
            (
                t.ref,
                t.dispositif,
                t.date,
                lieu.ville if lieu else "",
                lieu.quartier if lieu else "",
                structure.nom if structure else "",
                structure.typologie if structure else "",
            )
            for t, lieu, structure in temps
            if t.id in utilises
        ),
    }


def _exporter(session, slug: str) -> bytes:
    tampon = io.BytesIO()
    exports.exporter(session, slug, "qdpx", tampon, donnees_brutes=True)
    return tampon.getvalue()


def test_aller_retour_parole(session, campagne):
    slug = campagne.demarche.slug
    projet = _exporter(session, slug)
    archive_ = zipfile.ZipFile(io.BytesIO(projet))
    exportees = {archive_.read(n).decode("utf-8") for n in archive_.namelist() if n.startswith("sources/")}
    # L'export ne sort ni la parole masquée ni celle à ne pas citer.
    assert len(exportees) == _compter(session, Contribution) - 2
    avant = _etat(session, slug, exportees)
    assert len(avant["paroles"]) == len(exportees) and len(avant["temps"]) == 2
    _vider(session)
    rapport = importer_envoi(session, {"projet.qdpx": projet}, slug)
    assert _etat(session, slug, exportees) == avant
    assert _compter(session, Contribution) == len(exportees)
    assert rapport.avertissements == []  # toutes les variables qu'écrit Parole sont comprises
    assert f"contributions : {len(exportees)} créées" in rapport.lignes()
    encore = importer_envoi(session, {"projet.qdpx": projet}, slug)
    assert encore.lignes() == [
        "thèmes : 3 inchangés",
        "structures : 2 inchangées",
        "temps : 2 inchangés",
        f"contributions : {len(exportees)} déjà présentes",
    ]
    assert _compter(session, Contribution) == len(exportees)


def test_noms_des_variables_de_parole_suivis():
    """Les noms que l'import reconnaît sont ceux qu'écrit l'export (restitution/refiqda.py)."""
    assert lecture_qdpx.SUFFIXE_CAS == refiqda.SUFFIXE_CAS
    assert ("temps_ref", lecture_qdpx.VARIABLE_TEMPS) in refiqda.VARIABLES_CONTEXTE
    assert ("typologie", lecture_qdpx.VARIABLE_TYPOLOGIE) in refiqda.VARIABLES_CAS
    assert lecture_qdpx.NS == refiqda.NS


# --- Formulaire web (avec CSRF) et ligne de commande ---------------------------------------------


def _jeton(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_formulaire_web_accepte_le_qdpx(app, client, session, creer_compte):
    app.config["WTF_CSRF_ENABLED"] = True
    compte = creer_compte("animateur")
    connexion = client.get("/comptes/connexion").get_data(as_text=True)
    reponse = client.post(
        "/comptes/connexion",
        data={
            "identifiant": compte.identifiant,
            "mot_de_passe": MOT_DE_PASSE,
            "csrf_token": _jeton(connexion),
        },
    )
    assert reponse.status_code == 302
    formulaire = client.get("/collecte/import/").get_data(as_text=True)
    assert re.search(r'accept="[^"]*\.qdpx', formulaire) and "projet REFI-QDA .qdpx" in formulaire
    assert "16 Mo au plus par envoi ; au-delà, importez en ligne de commande" in formulaire
    sans_jeton = {"fichiers": [(io.BytesIO(projet_qualcoder()), "enquete.qdpx")], "nouvelle": "web-qdpx"}
    assert (
        client.post("/collecte/import/", data=sans_jeton, content_type="multipart/form-data").status_code
        == 400
    )
    assert _compter(session, Contribution) == 0
    envoi = {
        "fichiers": [(io.BytesIO(projet_qualcoder()), "enquete.qdpx")],
        "nouvelle": "web-qdpx",
        "csrf_token": _jeton(formulaire),
    }
    reponse = client.post("/collecte/import/", data=envoi, content_type="multipart/form-data")
    page = reponse.get_data(as_text=True)
    assert reponse.status_code == 200, page
    assert "Démarche « web-qdpx » importée." in page and "contributions : 4 créées" in page
    assert (
        "Attention : Sources PDF, images, audio ou vidéo sans texte non importées (1) : Compte rendu.pdf."
        in page
    )
    assert _compter(session, Contribution) == 4


def test_ligne_de_commande(runner, session, tmp_path):
    chemin = tmp_path / "enquete.qdpx"
    chemin.write_bytes(projet_qualcoder())
    resultat = runner.invoke(args=["import", str(chemin), "--demarche", "essai"])
    assert resultat.exit_code == 0, resultat.output
    assert "Démarche « essai » importée" in resultat.output and "contributions : 4 créées" in resultat.output
    assert "Attention : 1 codage(s) vers un code absent du livre de codes" in resultat.output
    casse = tmp_path / "casse.qdpx"
    casse.write_bytes(b"pas une archive")
    refus = runner.invoke(args=["import", str(casse), "--demarche", "essai"])
    assert refus.exit_code == 1 and "n'est pas un projet REFI-QDA .qdpx" in refus.output
    assert _compter(session, Contribution) == 4
