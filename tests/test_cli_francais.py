"""La commande `parole` parle français : aide, usage, erreurs d'arguments, de chaque commande.

Chaque commande (et sous-commande) est lancée avec `--help`, puis avec une option inconnue ; aucune des
tournures anglaises de click ou de Flask ne doit apparaître, et l'aide n'écrit rien sur le disque (pas même
la clé secrète du dossier d'instance)."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

import app as module_app

# Ce que click et Flask écrivent d'eux-mêmes en anglais (textes, noms de types, options de Flask).
ANGLAIS = [
    "Usage:",
    "Commands:",
    "Show this message",
    "Show the version",
    "Error:",
    "Try '",
    "for help",
    "Missing",
    "No such",
    "Invalid value",
    "does not",
    "is not",
    "Got unexpected",
    "Did you mean",
    "Aborted",
    "Repeat for confirmation",
    "default:",
    "required",
    "Load environment",
    "--env-file",
    "--app",
    "--debug",
    "Set debug",
    "Run a development",
    "Show the routes",
    "Run a shell",
    "Flask",
    "limiter",
]
TYPES_ANGLAIS = re.compile(
    r"\b(TEXT|INTEGER|PATH|FILE|FILENAME|DIRECTORY|BOOLEAN|FLOAT|RANGE|COMMAND|ARGS)\b"
)


def _chemins(groupe: click.Group, prefixe=()):
    for nom, commande in sorted(groupe.commands.items()):
        yield (*prefixe, nom)
        if isinstance(commande, click.Group):
            yield from _chemins(commande, (*prefixe, nom))


CHEMINS = [(), *_chemins(module_app.cli)]


def _sans_anglais(sortie: str) -> None:
    trouves = [mot for mot in ANGLAIS if mot in sortie] + TYPES_ANGLAIS.findall(sortie)
    assert not trouves, f"anglais : {trouves}\n{sortie}"


@pytest.fixture
def lancer(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("PAROLE_INSTANCE", str(instance))
    monkeypatch.setenv("PAROLE_DATABASE_URL", f"sqlite:///{tmp_path / 'base.sqlite'}")

    def _lancer(*arguments):
        resultat = CliRunner().invoke(module_app.cli, list(arguments), prog_name="parole")
        return resultat, instance

    return _lancer


def test_les_commandes_de_parole_seules():
    noms = set(module_app.cli.commands)
    assert {"import", "export", "livret", "analyse", "themes", "init-db", "demo"} <= noms
    assert not noms & {"run", "shell", "routes", "limiter"}


@pytest.mark.parametrize("chemin", CHEMINS, ids=lambda c: " ".join(c) or "parole")
def test_aide_en_francais_et_sans_rien_ecrire(lancer, chemin):
    resultat, instance = lancer(*chemin, "--help")
    assert resultat.exit_code == 0, resultat.output
    assert "Usage :" in resultat.output and "Affiche cette aide et s'arrête." in resultat.output
    _sans_anglais(resultat.output)
    assert not instance.exists()


@pytest.mark.parametrize("chemin", CHEMINS, ids=lambda c: " ".join(c) or "parole")
def test_mauvais_argument_en_francais(lancer, chemin):
    resultat, _ = lancer(*chemin, "--option-inconnue")
    assert resultat.exit_code == 2
    assert "Erreur : Option inconnue : '--option-inconnue'." in resultat.output
    _sans_anglais(resultat.output)


def test_commande_inconnue_et_valeur_refusee(lancer):
    inconnue, _ = lancer("exporter")
    assert inconnue.exit_code == 2 and "Commande inconnue : 'exporter'." in inconnue.output
    _sans_anglais(inconnue.output)
    refusee, _ = lancer("analyse", "--lemmes", "beaucoup")
    assert refusee.exit_code == 2 and "n'est pas un entier valable" in refusee.output
    _sans_anglais(refusee.output)


def test_version(lancer):
    resultat, _ = lancer("--version")
    assert resultat.exit_code == 0 and re.fullmatch(r"parole, version \d+\.\d+\.\d+\n", resultat.output)
