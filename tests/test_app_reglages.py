"""Les réglages documentés sont ceux que l'application lit, et réciproquement (à la manière de Datasette).

Un réglage ajouté à `app.DEFAUTS` sans ligne dans le README, une ligne du README qui décrit un réglage
que plus rien ne lit, une variable `PAROLE_…` lue dans le code sans être documentée : chacun fait échouer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import app as module_app
from app import DEFAUTS, create_app

RACINE = Path(__file__).resolve().parent.parent
README = (RACINE / "README.md").read_text(encoding="utf-8")
VARIABLE = re.compile(r"PAROLE_[A-Z][A-Z0-9_]*[A-Z0-9]")
HORS_DEFAUTS = {"PAROLE_INSTANCE"}  # lue avant les réglages : elle dit où les chercher
DE_TEST = {"PAROLE_TEST_DATABASE_URL", "PAROLE_EXIGER_OUTILS", "PAROLE_CHROMIUM", "PAROLE_CAPTURES"}


def _tableau_configuration() -> str:
    section = README.split("### Configuration", 1)[1].split("\n#", 1)[0]
    return "\n".join(ligne for ligne in section.splitlines() if ligne.startswith("| `"))


def _lues_dans(fichiers) -> set[str]:
    return {v for f in fichiers for v in VARIABLE.findall(f.read_text(encoding="utf-8"))}


def test_chaque_reglage_a_sa_ligne_et_chaque_ligne_son_reglage():
    documentees = set(VARIABLE.findall(_tableau_configuration()))
    attendues = {f"PAROLE_{cle}" for cle in DEFAUTS} | HORS_DEFAUTS
    assert documentees - attendues == set(), "documentées mais lues par personne"
    assert attendues - documentees == set(), "lues mais absentes du tableau « Configuration » du README"


def test_toute_variable_citee_ou_lue_est_un_reglage_ou_une_variable_de_test():
    connues = {f"PAROLE_{cle}" for cle in DEFAUTS} | HORS_DEFAUTS | DE_TEST
    code = list(RACINE.glob("*.py")) + [
        p
        for d in ("collecte", "analyse", "restitution", "questionnaires")
        for p in (RACINE / d).rglob("*.py")
    ]
    assert set(VARIABLE.findall(README)) - connues == set()
    assert _lues_dans(code) - connues == set()
    tests = _lues_dans([*(RACINE / "tests").glob("*.py"), RACINE / ".ci" / "run"]) - {
        f"PAROLE_{c}" for c in DEFAUTS
    }
    assert tests - HORS_DEFAUTS <= DE_TEST and set(VARIABLE.findall(README)) >= DE_TEST


@pytest.mark.parametrize(
    "cle", [c for c, v in DEFAUTS.items() if isinstance(v, int) and not isinstance(v, bool)]
)
def test_une_variable_d_environnement_remplace_le_defaut(cle, tmp_path, monkeypatch):
    monkeypatch.setenv("PAROLE_INSTANCE", str(tmp_path))
    monkeypatch.setenv(f"PAROLE_{cle}", "7")
    application = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite'}"})
    assert application.config[cle] == 7
    application.extensions["parole_engine"].dispose()


def test_une_valeur_mal_formee_est_refusee_en_francais(monkeypatch):
    monkeypatch.setenv("PAROLE_PROXY_NIVEAUX", "deux")
    with pytest.raises(RuntimeError, match="n'est pas un nombre entier"):
        module_app._lire_environnement()
