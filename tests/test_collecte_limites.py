"""Fichiers piégés (fabriqués par tests/donnees/fabriquer.py) : refusés en français, avant de
décompresser ou de décoder, sans rien écrire en base, par la ligne de commande comme par le web."""

import io
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import func, select

from collecte.modele.models import Demarche, Theme
from collecte.modele.validation import ErreurValidation
from collecte.tableurs.entrees import ErreurImport, importer_chemin, importer_envoi
from collecte.themes import gestion as gestion_themes
from collecte.themes.formats import exporter_yaml

DONNEES = Path(__file__).resolve().parent / "donnees"
LIVRES_PIEGES = [
    ("bombe_alias.yaml", "Le fichier YAML utilise des alias (&, *)"),
    ("profond.yaml", "Le fichier YAML est imbriqué sur plus de 50 niveaux"),
    ("profond.qdc", "Le fichier XML est imbriqué sur plus de 50 niveaux"),
    ("entites.qdc", "Le fichier XML déclare une DTD"),
]
CLASSEURS_PIEGES = [
    ("chaines_1_2_go.xlsx", "Classeur trop volumineux une fois décompressé (plus de 1 Go)"),
    ("chaines_innombrables.xlsx", "plus de 4\u202f000\u202f000 lignes et textes distincts"),
    ("textes_partages_geants.xlsx", "plus de 200\u202f000\u202f000 caractères de textes distincts"),
    ("ligne_immense.xlsx", "Une ligne du classeur compte plus de 100\u202f000 éléments"),
    ("cellule_immense.xlsx", "Une cellule du classeur dépasse 32\u202f767 caractères"),
    ("dtd.xlsx", "Ce classeur contient une DTD"),
]


def _themes(session) -> list[str]:
    return [t.slug for t in session.exec(select(Theme).order_by(Theme.slug))]


@pytest.mark.parametrize(("nom", "message"), LIVRES_PIEGES)
def test_livre_de_codes_piege_refuse_sans_rien_ecrire(session, creer_demarche, creer_theme, nom, message):
    demarche = creer_demarche()
    creer_theme(demarche, "existant", "Existant")
    with pytest.raises(ErreurValidation) as erreur:
        gestion_themes.importer_fichier(session, demarche, nom, (DONNEES / nom).read_bytes())
    assert message in erreur.value.message
    session.rollback()
    assert _themes(session) == ["existant"]


def test_livre_de_codes_piege_par_la_ligne_de_commande(runner, session, creer_demarche):
    creer_demarche("numerique")
    resultat = runner.invoke(args=["themes", "import", str(DONNEES / "bombe_alias.yaml")])
    assert resultat.exit_code != 0
    assert "Le fichier YAML utilise des alias (&, *)" in resultat.output
    assert _themes(session) == []


def test_livre_de_codes_trop_gros_refuse(session, creer_demarche):
    contenu = b"themes:\n" + b"# " + b"x" * (5 * 1024 * 1024) + b"\n"
    with pytest.raises(ErreurValidation) as erreur:
        gestion_themes.importer_fichier(session, creer_demarche(), "gros.yaml", contenu)
    assert "la limite est de 5 Mo" in erreur.value.message


@pytest.mark.parametrize(("nom", "message"), LIVRES_PIEGES)
def test_livre_de_codes_piege_par_le_web(client, connecter, session, creer_demarche, nom, message):
    demarche = creer_demarche()
    connecter("animateur")
    reponse = client.post(
        f"/collecte/themes/importer?demarche={demarche.slug}",
        data={"fichier": (io.BytesIO((DONNEES / nom).read_bytes()), nom)},
        follow_redirects=True,
    )
    assert reponse.status_code == 200
    assert "Import refusé, rien n&#39;a été modifié. " + message.replace("&", "&amp;") in reponse.get_data(
        as_text=True
    )
    assert _themes(session) == []


def test_l_export_yaml_n_ecrit_pas_d_alias_et_se_reimporte(session, creer_demarche):
    mots = ["arnaque", "virus"]  # une même liste pour deux thèmes : PyYAML y mettrait une ancre
    themes = [
        {"slug": s, "label": s.title(), "description": "", "mots_cles": mots, "couleur": ""}
        for s in ("a", "b")
    ]
    export = exporter_yaml(themes)
    assert b"&" not in export and b"*" not in export
    rapport = gestion_themes.importer_fichier(session, creer_demarche(), "themes.yaml", export)
    assert rapport.crees == ["a", "b"]


def _espionner_openpyxl(monkeypatch) -> list:
    appels = []

    def espion(*args, **kwargs):
        appels.append(args)
        raise AssertionError("openpyxl n'aurait pas dû ouvrir ce classeur")

    monkeypatch.setattr(openpyxl, "load_workbook", espion)
    return appels


def _rien_ecrit(session) -> bool:
    return session.exec(select(func.count()).select_from(Demarche)).one() == 0 and _themes(session) == []


@pytest.mark.parametrize(("nom", "message"), CLASSEURS_PIEGES)
def test_classeur_piege_refuse_avant_openpyxl(session, monkeypatch, nom, message):
    appels = _espionner_openpyxl(monkeypatch)
    with pytest.raises(ErreurImport) as erreur:
        importer_chemin(session, DONNEES / nom, "limites")
    assert any(message in e for e in erreur.value.erreurs), erreur.value.erreurs
    assert appels == []
    assert _rien_ecrit(session)


def test_classeur_aux_dimensions_demesurees_refuse_en_lisant(session):
    """A1:XFD1048576 déclarés pour deux lignes : openpyxl compléterait 17 milliards de cellules vides."""
    with pytest.raises(ErreurImport) as erreur:
        importer_chemin(session, DONNEES / "dimension_immense.xlsx", "limites")
    assert any("plus de 20\u202f000\u202f000 cellules" in e for e in erreur.value.erreurs), (
        erreur.value.erreurs
    )
    assert _rien_ecrit(session)


@pytest.mark.parametrize(
    ("nom", "message"),
    [CLASSEURS_PIEGES[0], ("dimension_immense.xlsx", "plus de 20\u202f000\u202f000 cellules")],
)
def test_classeur_piege_par_le_web(client, connecter, session, nom, message):
    connecter("animateur")
    envoi = {"fichiers": [(io.BytesIO((DONNEES / nom).read_bytes()), nom)], "nouvelle": "limites"}
    reponse = client.post("/collecte/import/", data=envoi, content_type="multipart/form-data")
    page = reponse.get_data(as_text=True)
    assert reponse.status_code == 400
    assert "Import refusé : rien n'a été écrit." in page and message in page
    assert _rien_ecrit(session)


def test_csv_au_guillemet_jamais_referme_refuse_en_francais(session, creer_demarche):
    """Le guillemet ouvert avale tout le fichier dans une cellule, au-delà de la limite du module csv."""
    contributions = b'temps;texte\nT1;"Il manque le guillemet fermant\n' + b"T1;suite\n" * 20_000
    with pytest.raises(ErreurImport) as erreur:
        importer_envoi(session, {"contributions.csv": contributions}, "limites")
    assert any("guillemet jamais refermé" in e for e in erreur.value.erreurs), erreur.value.erreurs
    assert _rien_ecrit(session)
    with pytest.raises(ErreurValidation) as refus:
        gestion_themes.importer_fichier(
            session, creer_demarche(), "themes.csv", b'slug;label\na;"A\n' + b"b;B\n" * 40_000
        )
    assert "guillemet jamais refermé" in refus.value.message
