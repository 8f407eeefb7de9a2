"""Exports du corpus : CSV, XLSX, IRaMuTeQ (règles de formats.md, ligne à ligne), REFI-QDA (.qdpx
validé par xmllint, positions en points de code), livre de codes .qdc, commande `parole export` ;
registre des formats (page, adresse, commande et README en dérivent)."""

import csv
import io
import re
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from markupsafe import escape
from openpyxl import load_workbook

from collecte.modele.models import PROFILS
from collecte.modele.validation import ErreurValidation
from restitution import exports
from restitution.iramuteq import ENTETE, modalite
from tests.conftest import exiger_outil

SCHEMAS = Path(__file__).resolve().parent / "schemas"
NS = {"q": "urn:QDA-XML:project:1.0"}
CITATIONS = {
    "accents": "Ma fille m’a dit « maman, c’est facile » […] mais œuvrer seule, non 😅",
    "etoiles": "**** *faux_texte voilà ce que je pense",
    "tiret": "-*theme_pirate et puis rien",
    "lignes": "Première ligne\nseconde ligne <b>&amp;</b>",
}


@pytest.fixture
def corpus(
    session, creer_demarche, creer_territoire, creer_structure, creer_theme, creer_temps, creer_contribution
):
    demarche = creer_demarche(slug="vierzon-2023", titre="Numérique & citoyenneté à Vierzon")
    territoire = creer_territoire(demarche, "Vierzon", "Clos du Roy")
    structure = creer_structure(demarche, "Centre social du Tunnel", territoire)
    parentalite = creer_theme(demarche, "parentalite", "La parentalité numérique", 0)
    arnaques = creer_theme(demarche, "arnaques", "Peur des arnaques", 1)
    temps = creer_temps(demarche, "PDP-1", territoire=territoire, structure=structure)
    autre = creer_temps(demarche, "OP-1", "ordi_panneau", territoire=territoire)
    paroles = {
        cle: creer_contribution(temps, texte, themes=[parentalite] if cle == "accents" else ())
        for cle, texte in CITATIONS.items()
    }
    paroles["postit"] = creer_contribution(
        autre, "Plus de bornes !", nature="postit", themes=[arnaques, parentalite]
    )
    creer_contribution(temps, "Secret : ne pas citer.", ne_pas_citer=True)
    creer_contribution(temps, "Propos masqué par la modération.", masquee=True)
    return demarche, paroles


def _exporter(session, slug, format_, **options):
    tampon = io.BytesIO()
    resultat = exports.exporter(session, slug, format_, tampon, **options)
    return tampon.getvalue(), resultat


def test_iramuteq_ligne_a_ligne(session, corpus):
    demarche, _ = corpus
    contenu, resultat = _exporter(session, demarche.slug, "iramuteq")
    assert not contenu.startswith(b"\xef\xbb\xbf")  # pas de BOM
    lignes = contenu.decode("utf-8").split("\n")
    entetes = [l for l in lignes if l.startswith("****")]
    corps = [l for l in lignes if l and not l.startswith("****")]
    assert len(entetes) == resultat.paroles == 5
    assert all(ENTETE.match(e) for e in entetes), entetes
    assert not any(l.startswith(("****", "-*")) for l in corps)
    assert "*quartier_closduroy" in entetes[0] and "*structure_centresocialdutunnel" in entetes[0]
    assert "*theme_parentalite" in entetes[0] and "*dispositif_porteurdeparole" in entetes[0]
    assert corps[0] == CITATIONS["accents"]
    assert "* *** *faux_texte voilà ce que je pense" in corps
    assert "- *theme_pirate et puis rien" in corps
    assert "Première ligne seconde ligne <b>&amp;</b>" in corps
    # Deux thèmes : pas de thème seul ; une variable à deux modalités par thème, ordre du livre de codes.
    assert entetes[-1].endswith("*theme_plusieurs *thparentalite_1 *tharnaques_1")
    texte = contenu.decode("utf-8")
    assert "Secret" not in texte and "masqué" not in texte
    assert any("1 parole(s) marquée(s) « ne pas citer »" in a for a in resultat.avertissements)


def test_modalites_sans_accents_ni_separateurs():
    assert modalite("Clos du Roy – Centre-Ville") == "closduroycentreville"
    assert modalite("Europe-Chateaubriand") == "europechateaubriand"
    assert (
        modalite("60_plus") == "60plus" and modalite("") == "nr" and modalite("Œuvre d’été") == "oeuvredete"
    )


def test_qdpx_valide_et_positions_exactes(session, corpus):
    xmllint = exiger_outil("xmllint")
    demarche, paroles = corpus
    contenu, resultat = _exporter(session, demarche.slug, "qdpx")
    archive = zipfile.ZipFile(io.BytesIO(contenu))
    noms = archive.namelist()
    assert "project.qde" in noms and all(n == "project.qde" or n.startswith("sources/") for n in noms)
    qde = archive.read("project.qde")
    valide = subprocess.run(
        [xmllint, "--noout", "--schema", str(SCHEMAS / "Project.xsd"), "-"], input=qde, capture_output=True
    )
    assert valide.returncode == 0, valide.stderr.decode()
    racine = ET.fromstring(qde)
    assert racine.get("name") == "Numérique & citoyenneté à Vierzon"
    codes = {c.get("guid"): c.get("name") for c in racine.iter("{urn:QDA-XML:project:1.0}Code")}
    sources = racine.findall("q:Sources/q:TextSource", NS)
    assert len(sources) == resultat.paroles == 5
    textes = set()
    for source in sources:
        chemin = source.get("plainTextPath")
        assert chemin.startswith("internal://")
        brut = archive.read("sources/" + chemin.removeprefix("internal://"))
        assert not brut.startswith(b"\xef\xbb\xbf")
        texte = brut.decode("utf-8")
        textes.add(texte)
        for selection in source.findall("q:PlainTextSelection", NS):
            debut, fin = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert texte[debut:fin] == texte and fin == len(texte)  # points de code, pas octets
            assert all(
                c.find("q:CodeRef", NS).get("targetGUID") in codes for c in selection.findall("q:Coding", NS)
            )
    assert textes == {*CITATIONS.values(), "Plus de bornes !"}
    accents = next(
        s
        for s in sources
        if CITATIONS["accents"]
        in archive.read("sources/" + s.get("plainTextPath").removeprefix("internal://")).decode()
    )
    assert int(accents.find("q:PlainTextSelection", NS).get("endPosition")) == len(CITATIONS["accents"])
    assert len(CITATIONS["accents"].encode()) > len(CITATIONS["accents"])
    cas = racine.findall("q:Cases/q:Case", NS)
    assert sorted(c.get("name") for c in cas) == ["OP-1", "PDP-1"]
    assert sum(len(c.findall("q:SourceRef", NS)) for c in cas) == 5
    # Réexporter donne les mêmes GUID.
    encore = ET.fromstring(
        zipfile.ZipFile(io.BytesIO(_exporter(session, demarche.slug, "qdpx")[0])).read("project.qde")
    )
    assert [s.get("guid") for s in encore.findall("q:Sources/q:TextSource", NS)] == [
        s.get("guid") for s in sources
    ]


def test_qdc_valide(session, corpus):
    xmllint = exiger_outil("xmllint")
    demarche, _ = corpus
    contenu, _ = _exporter(session, demarche.slug, "qdc")
    valide = subprocess.run(
        [xmllint, "--noout", "--schema", str(SCHEMAS / "Codebook.xsd"), "-"],
        input=contenu,
        capture_output=True,
    )
    assert valide.returncode == 0, valide.stderr.decode()
    assert "La parentalité numérique" in contenu.decode("utf-8")


def _contributions_csv(contenu: bytes) -> list[dict]:
    """La feuille contributions de l'export CSV (archive .zip d'un CSV par feuille)."""
    texte = zipfile.ZipFile(io.BytesIO(contenu)).read("contributions.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(texte), delimiter=";"))


def test_csv_et_xlsx_au_format_de_l_import_avec_toutes_les_metadonnees(session, corpus):
    demarche, paroles = corpus
    contenu, resultat = _exporter(session, demarche.slug, "csv")
    assert resultat.nom_fichier == "vierzon-2023.csv.zip"
    lignes = _contributions_csv(contenu)
    assert len(lignes) == resultat.paroles == 5
    premiere = lignes[0]
    assert premiere["texte"] == CITATIONS["accents"] and premiere["themes"] == "parentalite"
    assert (premiere["ville"], premiere["quartier"], premiere["structure"]) == (
        "Vierzon",
        "Clos du Roy",
        "Centre social du Tunnel",
    )
    # Les codes, que l'import relit ; les libellés dans des colonnes pour les humains.
    assert (premiere["temps"], premiere["profil"], premiere["profil_libelle"]) == (
        "PDP-1",
        "inconnu",
        PROFILS["inconnu"],
    )
    assert premiere["dispositif_libelle"] == "Porteur de parole" and premiere["id"] == str(
        paroles["accents"].client_uuid
    )
    assert "ne_pas_citer" not in premiere
    assert next(l for l in lignes if l["temps"] == "OP-1")["themes"] == "parentalite ; arnaques"
    assert "'-*theme_pirate et puis rien" in [l["texte"] for l in lignes]  # désamorcé pour le tableur
    temps = zipfile.ZipFile(io.BytesIO(contenu)).read("temps.csv").decode("utf-8-sig").splitlines()
    assert temps[0].startswith("ref;dispositif;date") and temps[1].startswith("PDP-1;porteur_de_parole;")
    classeur = load_workbook(io.BytesIO(_exporter(session, demarche.slug, "xlsx")[0]), read_only=True)
    assert classeur.sheetnames == [
        "demarche",
        "themes",
        "territoires",
        "structures",
        "temps",
        "contributions",
        "reponses",
    ]
    valeurs = list(classeur["contributions"].iter_rows(values_only=True))
    assert valeurs[0][:3] == ("id", "temps", "nature") and len(valeurs) == 6
    assert "-*theme_pirate et puis rien" in [v for ligne in valeurs for v in ligne]
    assert [l[:2] for l in classeur["themes"].iter_rows(values_only=True)] == [
        ("slug", "label"),
        ("parentalite", "La parentalité numérique"),
        ("arnaques", "Peur des arnaques"),
    ]
    textes = [v for ligne in valeurs for v in ligne]
    classeur.close()
    assert "Secret : ne pas citer." not in textes and "Propos masqué par la modération." not in textes


def test_ne_pas_citer_seulement_dans_les_tableurs_et_sur_demande(session, corpus):
    demarche, _ = corpus
    contenu, resultat = _exporter(session, demarche.slug, "csv", avec_ne_pas_citer=True)
    lignes = _contributions_csv(contenu)
    assert (
        resultat.paroles == 6
        and {l["texte"]: l["ne_pas_citer"] for l in lignes}["Secret : ne pas citer."] == "oui"
    )
    assert "Propos masqué par la modération." not in [l["texte"] for l in lignes]
    for format_ in ("iramuteq", "qdpx"):
        with pytest.raises(Exception, match="tableur interne"):
            _exporter(session, demarche.slug, format_, avec_ne_pas_citer=True)


def test_commande_export(runner, session, corpus, tmp_path):
    demarche, _ = corpus
    sortie = tmp_path / "corpus.txt"
    resultat = runner.invoke(args=["export", "--format", "iramuteq", "-o", str(sortie)])
    assert resultat.exit_code == 0, resultat.output
    assert "5 parole(s) exportée(s) au format iramuteq" in resultat.output
    assert "Attention : IRaMuTeQ ne garde ni la question posée" in resultat.output
    assert sortie.read_text(encoding="utf-8").startswith("**** *id_")
    inconnu = runner.invoke(
        args=["export", "--format", "csv", "-o", str(tmp_path / "x.csv"), "--demarche", "nulle-part"]
    )
    assert inconnu.exit_code != 0 and "Démarche « nulle-part » introuvable" in inconnu.output
    refus = runner.invoke(
        args=["export", "--format", "qdpx", "-o", str(tmp_path / "x.qdpx"), "--avec-ne-pas-citer"]
    )
    assert refus.exit_code != 0 and "tableur interne" in refus.output


def test_demarche_vide(session, creer_demarche):
    creer_demarche(slug="vide")
    contenu, resultat = _exporter(session, "vide", "qdpx")
    assert resultat.paroles == 0
    qde = zipfile.ZipFile(io.BytesIO(contenu)).read("project.qde").decode()
    assert "<Sources>" not in qde and "<Cases>" not in qde
    assert _exporter(session, "vide", "iramuteq")[0] == b""


def test_page_restitution_et_telechargements(client, connecter, session, corpus):
    demarche, _ = corpus
    connecter("lecteur")
    page = client.get("/restitution/", follow_redirects=True).get_data(as_text=True)
    assert (
        "Exports pour les outils d'analyse" in page
        and "<strong>5</strong> parole(s) seront exportées" in page
    )
    assert "1 parole(s) « ne pas citer » restent de côté." in page
    assert "REFI-QDA n&#39;a pas de notion de « ne pas citer »" in page
    with client.get(f"/restitution/{demarche.slug}/export/iramuteq") as reponse:
        assert reponse.status_code == 200 and reponse.headers["Content-Disposition"].endswith(
            "vierzon-2023.txt"
        )
        assert reponse.data.decode("utf-8").startswith("**** *id_")
    with client.get(f"/restitution/{demarche.slug}/export/qdpx") as qdpx:
        assert zipfile.ZipFile(io.BytesIO(qdpx.data)).read("project.qde").startswith(b"<?xml")
    assert client.get("/restitution/inconnue/export/csv").status_code == 404


# Registre des formats : chaque format déclaré est sur la page, au téléchargement et en ligne de commande.


def test_chaque_format_du_registre_sur_la_page_et_au_telechargement(client, connecter, corpus):
    demarche, _ = corpus
    connecter("lecteur")
    page = client.get(f"/restitution/{demarche.slug}").get_data(as_text=True)
    assert [f.cle for f in exports.formats("web")] == ["csv", "xlsx", "iramuteq", "qdpx", "qdc"]
    for format_ in exports.formats("web"):
        assert f'{escape(format_.libelle)} <span class="meta">(.{format_.extension})</span>' in page
        assert format_.pertes and all(f"<li>{escape(perte)}</li>" in page for perte in format_.pertes)
        lien = f"/restitution/{demarche.slug}/export/{format_.cle}"
        assert f'href="{lien}"' in page
        with client.get(lien) as reponse:
            assert reponse.status_code == 200, format_.cle
            assert reponse.headers["Content-Type"].replace(" ", "") == format_.type_mime.replace(" ", "")
            assert reponse.headers["Content-Disposition"].endswith(f"{demarche.slug}.{format_.extension}")
            assert reponse.data, format_.cle


def test_chaque_format_du_registre_en_ligne_de_commande(runner, corpus, tmp_path):
    for format_ in exports.formats("cli"):
        sortie = tmp_path / f"export.{format_.extension}"
        resultat = runner.invoke(args=["export", "--format", format_.cle, "-o", str(sortie)])
        assert resultat.exit_code == 0, resultat.output
        assert sortie.stat().st_size > 0, format_.cle
        assert "Export" not in resultat.output.splitlines()  # pas d'étiquette de barre hors terminal
        assert all(f"Attention : {perte}" in resultat.output for perte in format_.pertes), resultat.output
        if format_.paroles:
            assert f"5 parole(s) exportée(s) au format {format_.cle}" in resultat.output
            assert (
                "Attention : 1 parole(s) marquée(s) « ne pas citer » laissée(s) de côté." in resultat.output
            )
        else:
            assert f"{format_.libelle} exporté dans {sortie}." in resultat.output
            assert "ne pas citer" not in resultat.output  # aucune parole : rien d'écarté à annoncer
    aide = runner.invoke(args=["export", "--help"]).output
    assert all(f.cle in aide for f in exports.formats("cli"))


def test_format_inconnu_404_et_erreur_en_francais(client, connecter, runner, corpus, tmp_path):
    demarche, _ = corpus
    connecter("lecteur")
    assert client.get(f"/restitution/{demarche.slug}/export/pdf").status_code == 404
    assert client.get(f"/restitution/{demarche.slug}/export/").status_code == 404
    sortie = tmp_path / "x.pdf"
    refus = runner.invoke(args=["export", "--format", "pdf", "-o", str(sortie)])
    assert refus.exit_code != 0 and not sortie.exists()
    assert "Format « pdf » inconnu (formats : csv, xlsx, iramuteq, qdpx, qdc)." in refus.output
    with pytest.raises(ErreurValidation, match="Format « pdf » inconnu"):
        _exporter(None, demarche.slug, "pdf")
    refus = runner.invoke(
        args=["export", "--format", "qdpx", "-o", str(tmp_path / "x.qdpx"), "--avec-ne-pas-citer"]
    )
    assert refus.exit_code != 0 and not (tmp_path / "x.qdpx").exists()  # rien d'écrit


def test_livre_de_codes_vide_refuse_sans_fichier(runner, creer_demarche, tmp_path):
    creer_demarche(slug="sans-themes")
    refus = runner.invoke(args=["export", "--format", "qdc", "-o", str(tmp_path / "x.qdc")])
    assert refus.exit_code != 0 and "Le livre de codes est vide" in refus.output
    assert not (tmp_path / "x.qdc").exists()


def _ecrire_textes_bruts(matiere, sortie, progression=None) -> int:
    nombre = 0
    for lot in matiere.lots():
        sortie.write("".join(f"{p['texte']}\n" for p in lot).encode("utf-8"))
        nombre += len(lot)
    return nombre


BRUT = exports.FormatExport(
    "brut",
    "Textes bruts",
    "txt",
    "text/plain; charset=utf-8",
    _ecrire_textes_bruts,
    ("Seulement les textes, sans aucune métadonnée.",),
)


def test_un_format_de_plus_est_une_seule_entree_du_registre(
    monkeypatch, client, connecter, runner, corpus, tmp_path
):
    demarche, _ = corpus
    monkeypatch.setitem(exports.FORMATS, "brut", BRUT)
    connecter("lecteur")
    page = client.get(f"/restitution/{demarche.slug}").get_data(as_text=True)
    assert 'Textes bruts <span class="meta">(.txt)</span>' in page
    assert "<li>Seulement les textes, sans aucune métadonnée.</li>" in page
    with client.get(f"/restitution/{demarche.slug}/export/brut") as reponse:
        assert reponse.status_code == 200 and reponse.mimetype == "text/plain"
        assert reponse.data.decode("utf-8").splitlines()[0] == CITATIONS["accents"]
    sortie = tmp_path / "brut.txt"
    resultat = runner.invoke(args=["export", "--format", "brut", "-o", str(sortie)])
    assert resultat.exit_code == 0, resultat.output
    assert "5 parole(s) exportée(s) au format brut" in resultat.output
    assert "Attention : Seulement les textes, sans aucune métadonnée." in resultat.output
    assert "Plus de bornes !" in sortie.read_text(encoding="utf-8")
    # Réservé à la ligne de commande : ni sur la page, ni à l'adresse.
    monkeypatch.setitem(exports.FORMATS, "brut", replace(BRUT, web=False))
    assert "Textes bruts" not in client.get(f"/restitution/{demarche.slug}").get_data(as_text=True)
    assert client.get(f"/restitution/{demarche.slug}/export/brut").status_code == 404


def test_le_readme_liste_exactement_les_formats_du_registre():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Exports") :]
    section = section[: section.index("\n## ", 1)]
    lignes = re.findall(r"^\| `([a-z0-9_-]+)` \|", section, flags=re.MULTILINE)
    assert lignes == [f.cle for f in exports.formats("cli")]
    commande = re.search(r"`parole export --format ([^ ]+) ", readme).group(1)
    assert commande.split("\\|") == [f.cle for f in exports.formats("cli")]
