"""Livre de codes : import YAML/CSV/QDC, export valide REFI-QDA, ordre, fusion, suppression."""

import csv
import io
import subprocess
from pathlib import Path

import pytest
from sqlmodel import select

from collecte.modele.models import ContributionTheme, Theme
from collecte.modele.validation import ErreurValidation
from collecte.themes import gestion as gestion_themes
from collecte.themes.formats import guid_theme
from tests.conftest import exiger_outil

RACINE = Path(__file__).resolve().parent.parent
YAML_EXEMPLE = RACINE / "exemples" / "themes.yaml"


def _slugs(session, demarche):
    return [t.slug for t, _ in gestion_themes.lister_themes(session, demarche.id)]


def test_le_yaml_de_l_exemple_s_importe_tel_quel(session, creer_demarche):
    demarche = creer_demarche()
    rapport = gestion_themes.importer_fichier(session, demarche, "themes.yaml", YAML_EXEMPLE.read_bytes())
    assert len(rapport.crees) == 20
    slugs = _slugs(session, demarche)
    assert slugs[:3] == ["sollicitations-demarches", "ressources-non-identifiees", "rupture-sociabilites"]
    assert slugs[-1] == "angles-morts"
    parentalite = session.exec(select(Theme).where(Theme.slug == "parentalite-numerique")).one()
    assert parentalite.label == "La parentalité numérique"
    assert "contrôle parental" in parentalite.mots_cles
    second = gestion_themes.importer_fichier(session, demarche, "themes.yaml", YAML_EXEMPLE.read_bytes())
    assert (len(second.crees), len(second.mis_a_jour)) == (0, 20)


@pytest.mark.parametrize("encodage", ["utf-8-sig", "cp1252", "utf-8"])
@pytest.mark.parametrize("sep", [";", ","])
def test_csv_aller_retour_et_encodages(session, creer_demarche, encodage, sep):
    demarche = creer_demarche()
    texte = (
        f"Slug{sep}Label{sep}Mots clés{sep}Couleur{sep}parent\n"
        f'peur{sep}Peur des arnaques{sep}"arnaque; virus"{sep}#AA0000{sep}\n'
        f"peur-seniors{sep}Les aînés inquiets{sep}senior{sep}{sep}peur\n"
    )
    gestion_themes.importer_fichier(session, demarche, "codes.csv", texte.encode(encodage))
    enfant = session.exec(select(Theme).where(Theme.slug == "peur-seniors")).one()
    parent = session.exec(select(Theme).where(Theme.slug == "peur")).one()
    assert enfant.parent_id == parent.id and parent.mots_cles == ["arnaque", "virus"]
    assert parent.couleur == "#aa0000" and parent.label == "Peur des arnaques"
    export = gestion_themes.exporter(session, demarche, "csv")
    assert export.startswith("\ufeff".encode())
    assert "peur-seniors;Les aînés inquiets;;senior;;2;peur" in export.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("contenu", "nom", "message"),
    [
        (b"slug;label\nBad Slug;X\n", "a.csv", "Ligne 2, slug"),
        (b"slug;label\nok;X\nok;Y\n", "a.csv", "apparaît deux fois"),
        (b"slug;label;parent\nok;X;fantome\n", "a.csv", "parent « fantome » inconnu"),
        (b"label\nX\n", "a.csv", "Colonnes manquantes"),
        (b"themes: [", "a.yaml", "YAML illisible"),
        (b"- juste une liste", "a.yaml", "liste « themes: »"),
        (b"<CodeBook><Codes>", "a.qdc", "XML illisible"),
        (b"<autre/>", "a.qdc", "pas un livre de codes"),
        (b"   ", "a.csv", "est vide"),
        (b"slug;label\nx;y", "a.docx", "format non reconnu"),
    ],
)
def test_fichiers_invalides_rien_n_est_ecrit(session, creer_demarche, creer_theme, contenu, nom, message):
    demarche = creer_demarche()
    creer_theme(demarche, "existant", "Existant")
    with pytest.raises(ErreurValidation) as erreur:
        gestion_themes.importer_fichier(session, demarche, nom, contenu)
    assert message in erreur.value.message
    session.rollback()
    assert _slugs(session, demarche) == ["existant"]


def test_qdc_valide_contre_le_schema_et_se_reimporte(session, creer_demarche, tmp_path):
    xmllint = exiger_outil("xmllint")
    demarche = creer_demarche()
    gestion_themes.importer_fichier(session, demarche, "themes.yaml", YAML_EXEMPLE.read_bytes())
    parent = session.exec(select(Theme).where(Theme.slug == "seniors-depasses")).one()
    enfant = session.exec(select(Theme).where(Theme.slug == "barriere-langue")).one()
    enfant.parent_id = parent.id
    session.add(enfant)
    session.commit()
    qdc = gestion_themes.exporter(session, demarche, "qdc")
    fichier = tmp_path / "codes.qdc"
    fichier.write_bytes(qdc)
    verification = subprocess.run(
        [xmllint, "--noout", "--schema", str(RACINE / "tests/schemas/Codebook.xsd"), str(fichier)],
        capture_output=True,
        text=True,
    )
    assert verification.returncode == 0, verification.stderr
    assert guid_theme(demarche.slug, "parentalite-numerique") in qdc.decode()
    assert gestion_themes.exporter(session, demarche, "qdc") == qdc  # GUID stables

    autre = creer_demarche("autre")
    rapport = gestion_themes.importer_fichier(session, autre, "codes.qdc", qdc)
    assert len(rapport.crees) == 20 and "mots-clés" in rapport.avertissements[0]
    retour = gestion_themes.importer_fichier(session, demarche, "codes.qdc", qdc)
    assert len(retour.mis_a_jour) == 20 and not retour.crees


def _themes(session, demarche) -> dict[str, tuple[str, str, str]]:
    """slug → (libellé, description, slug du parent)."""
    themes = gestion_themes.themes_en_dicts(session, demarche.id)
    return {t["slug"]: (t["label"], t["description"], t["parent"]) for t in themes}


def test_qdc_aller_retour_slugs_retrouves_et_rien_de_double(session, creer_demarche):
    origine = creer_demarche("origine")
    gestion_themes.importer_fichier(session, origine, "themes.yaml", YAML_EXEMPLE.read_bytes())
    parent = session.exec(select(Theme).where(Theme.slug == "seniors-depasses")).one()
    enfant = session.exec(select(Theme).where(Theme.slug == "barriere-langue")).one()
    enfant.parent_id = parent.id
    session.add(enfant)
    session.commit()
    qdc = gestion_themes.exporter(session, origine, "qdc")
    assert "[slug Parole : parentalite-numerique]" in qdc.decode()

    # Dans une démarche vide : les 20 slugs d'origine, descriptions sans la marque, hiérarchie gardée.
    vide = creer_demarche("vide")
    premier = gestion_themes.importer_fichier(session, vide, "codes.qdc", qdc)
    assert len(premier.crees) == 20
    assert _themes(session, vide) == _themes(session, origine)
    second = gestion_themes.importer_fichier(session, vide, "codes.qdc", qdc)
    assert (len(second.crees), len(second.mis_a_jour)) == (0, 20)
    assert _themes(session, vide) == _themes(session, origine)

    # Dans une démarche qui a déjà ces thèmes par une autre voie (YAML) : rien n'est créé.
    autre_voie = creer_demarche("autre-voie")
    gestion_themes.importer_fichier(session, autre_voie, "themes.yaml", YAML_EXEMPLE.read_bytes())
    rapport = gestion_themes.importer_fichier(session, autre_voie, "codes.qdc", qdc)
    assert not rapport.crees and len(_slugs(session, autre_voie)) == 20


def test_qdc_d_un_autre_logiciel_rapproche_par_guid_libelle_et_marque(session, creer_demarche, creer_theme):
    demarche = creer_demarche("cible")
    creer_theme(demarche, "acces-droits", "Accès aux droits", 0)
    creer_theme(demarche, "transports", "Transports", 1)
    guid_connu = guid_theme(demarche.slug, "transports")
    # Un logiciel qui refait les GUID, change la casse d'un libellé et garde le mémo (la description).
    qdc = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="QualCoder">
  <Codes>
    <Code guid="{guid_connu}" name="Mobilité" isCodable="true"/>
    <Code guid="11111111-2222-4333-8444-555555555555" name="  accès AUX droits " isCodable="true"/>
    <Code guid="21111111-2222-4333-8444-555555555555" name="Écrans des enfants" isCodable="true">
      <Description>Contrôle parental.

[slug Parole : parentalite-numerique]</Description>
      <Code guid="31111111-2222-4333-8444-555555555555" name="Autre" isCodable="true"/>
    </Code>
    <Code guid="41111111-2222-4333-8444-555555555555" name="Autre" isCodable="true"/>
  </Codes>
</CodeBook>""".encode()
    rapport = gestion_themes.importer_fichier(session, demarche, "codes.qdc", qdc)
    assert sorted(rapport.mis_a_jour) == ["acces-droits", "transports"]  # par GUID, par libellé
    assert rapport.crees == ["parentalite-numerique", "autre", "autre-2"]  # marque, puis nom
    themes = _themes(session, demarche)
    assert themes["transports"][0] == "Mobilité"
    assert themes["parentalite-numerique"] == ("Écrans des enfants", "Contrôle parental.", "")
    assert themes["autre"][2] == "parentalite-numerique" and themes["autre-2"][2] == ""
    encore = gestion_themes.importer_fichier(session, demarche, "codes.qdc", qdc)
    assert not encore.crees and len(_slugs(session, demarche)) == 5


def test_qdc_vide_refuse(session, creer_demarche):
    with pytest.raises(ErreurValidation, match="au moins un code"):
        gestion_themes.exporter(session, creer_demarche(), "qdc")


def test_ordre_fusion_suppression(session, creer_demarche, creer_temps, creer_contribution, creer_theme):
    demarche = creer_demarche()
    a, b, c = (creer_theme(demarche, s, s.upper(), i) for i, s in enumerate(["a", "b", "c"]))
    gestion_themes.deplacer(session, c, -1)
    assert _slugs(session, demarche) == ["a", "c", "b"]
    gestion_themes.deplacer(session, a, -1)
    assert _slugs(session, demarche) == ["a", "c", "b"]
    temps = creer_temps(demarche)
    creer_contribution(temps, "deux étiquettes", themes=[a, b])
    creer_contribution(temps, "une étiquette", themes=[a])
    creer_contribution(temps, "seulement b", themes=[b])
    c.parent_id = a.id
    session.add(c)
    session.commit()
    assert gestion_themes.fusionner(session, a, b) == 1
    assert _slugs(session, demarche) == ["c", "b"]
    assert len(session.exec(select(ContributionTheme).where(ContributionTheme.theme_id == b.id)).all()) == 3
    session.refresh(c)
    assert c.parent_id == b.id
    assert gestion_themes.supprimer(session, b) == 3
    assert _slugs(session, demarche) == ["c"]


def test_pas_de_cycle_de_parents(session, creer_demarche, creer_theme):
    demarche = creer_demarche()
    a = creer_theme(demarche, "a", "A")
    b = creer_theme(demarche, "b", "B", parent_id=a.id)
    with pytest.raises(ErreurValidation, match="ancêtre"):
        gestion_themes.enregistrer_theme(
            session, demarche.id, {"slug": "a", "label": "A", "parent_id": b.id}, a
        )


def test_pages_et_droits(client, connecter, session, creer_demarche, creer_theme):
    demarche = creer_demarche()
    creer_theme(demarche, "peur", "Peur <des> arnaques")
    connecter("lecteur")
    page = client.get("/collecte/themes/").get_data(as_text=True)
    assert "Peur &lt;des&gt; arnaques" in page and "Fusionner" not in page
    assert (
        client.post(
            f"/collecte/themes/nouveau?demarche={demarche.slug}", data={"slug": "x", "label": "X"}
        ).status_code
        == 403
    )
    export = client.get(f"/collecte/themes/exporter/yaml?demarche={demarche.slug}")
    assert export.status_code == 200 and "Peur <des> arnaques" in export.get_data(as_text=True)


def test_creer_fusionner_importer_par_le_web(client, connecter, session, creer_demarche):
    demarche = creer_demarche()
    connecter("animateur")
    for slug, label in (("a", "Alpha"), ("b", "Bêta")):
        reponse = client.post(
            f"/collecte/themes/nouveau?demarche={demarche.slug}", data={"slug": slug, "label": label}
        )
        assert reponse.status_code == 302
    mauvais = client.post(
        f"/collecte/themes/nouveau?demarche={demarche.slug}", data={"slug": "A B", "label": "x"}
    )
    assert "invalide" in mauvais.get_data(as_text=True)
    a = session.exec(select(Theme).where(Theme.slug == "a")).one()
    b = session.exec(select(Theme).where(Theme.slug == "b")).one()
    fusion = client.post(f"/collecte/themes/{a.id}/fusionner", data={"cible": b.id}, follow_redirects=True)
    assert "« Alpha » fusionné dans « Bêta » : 0 parole(s) reportée(s)." in fusion.get_data(as_text=True)
    envoi = client.post(
        f"/collecte/themes/importer?demarche={demarche.slug}",
        data={"fichier": (YAML_EXEMPLE.open("rb"), "themes.yaml")},
        follow_redirects=True,
    )
    assert "20 thème(s) créé(s)" in envoi.get_data(as_text=True)


def test_cli_import_export(runner, app, session, creer_demarche, tmp_path):
    creer_demarche("numerique")
    resultat = runner.invoke(args=["themes", "import", str(YAML_EXEMPLE)])
    assert resultat.exit_code == 0, resultat.output
    assert "numerique : 20 thème(s) créé(s)" in resultat.output
    sortie = tmp_path / "export.csv"
    resultat = runner.invoke(args=["themes", "export", "-o", str(sortie), "--format", "csv"])
    assert resultat.exit_code == 0
    assert "parentalite-numerique;La parentalité numérique" in sortie.read_text(encoding="utf-8-sig")
    inconnue = runner.invoke(args=["themes", "import", str(YAML_EXEMPLE), "--demarche", "nope"])
    assert inconnue.exit_code != 0 and "introuvable (démarches existantes : numerique)" in inconnue.output


FORMULES = [
    '=HYPERLINK("http://exemple.org";"clic")',
    "+33 6 12 34 56 78",
    "-moins de moyens",
    "@SOMME(A1)",
    "'=déjà une apostrophe",
    "- tiret puis espace",
    "Rien de spécial",
]


def test_export_csv_sans_formule_et_aller_retour(session, creer_demarche, creer_theme):
    demarche = creer_demarche()
    for rang, label in enumerate(FORMULES):
        creer_theme(demarche, f"t{rang}", label, ordre=rang, description="=1+1", mots_cles=["=2+2", "ok"])
    export = gestion_themes.exporter(session, demarche, "csv").decode("utf-8-sig")
    lignes = list(csv.reader(io.StringIO(export), delimiter=";"))[1:]
    assert [ligne[1] for ligne in lignes] == [
        "'" + FORMULES[0],
        "'+33 6 12 34 56 78",
        "'-moins de moyens",
        "'@SOMME(A1)",
        "''=déjà une apostrophe",
        "- tiret puis espace",
        "Rien de spécial",
    ]
    assert {(ligne[2], ligne[3]) for ligne in lignes} == {("'=1+1", "'=2+2; ok")}
    copie = creer_demarche("copie")
    gestion_themes.importer_fichier(session, copie, "themes.csv", export.encode("utf-8-sig"))
    relus = session.exec(select(Theme).where(Theme.demarche_id == copie.id).order_by(Theme.ordre)).all()
    assert [t.label for t in relus] == FORMULES
    assert {(t.description, tuple(t.mots_cles)) for t in relus} == {("=1+1", ("=2+2", "ok"))}
