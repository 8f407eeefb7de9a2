"""Servir Parole comme le dit le README : `parole serve` (Waitress) après `init-db`, et, avant, un message
d'une ligne en français plutôt qu'une trace de pile — y compris par `flask --app app run`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _executable(nom: str) -> str:
    return shutil.which(nom, path=os.path.dirname(sys.executable)) or shutil.which(nom)


def _environnement(tmp_path) -> dict:
    environnement = {**os.environ, "PAROLE_INSTANCE": str(tmp_path / "instance")}
    for cle in ("PAROLE_TEST_DATABASE_URL", "DATABASE_URL", "PAROLE_DATABASE_URL", "PAROLE_SECRET_KEY"):
        environnement.pop(cle, None)
    return environnement


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "commande",
    [["flask", "--app", "app", "run", "--port", "{port}"], ["parole", "serve", "--port", "{port}"]],
    ids=["flask-run", "parole-serve"],
)
def test_avant_init_db_une_ligne_en_francais(tmp_path, commande):
    port = str(_port_libre())
    ligne = [_executable(commande[0]), *(mot.format(port=port) for mot in commande[1:])]
    fini = subprocess.run(ligne, env=_environnement(tmp_path), capture_output=True, text=True, timeout=60)
    sortie = fini.stdout + fini.stderr
    assert "Traceback" not in sortie and "Error" not in sortie, sortie
    assert "Erreur : " in sortie and "parole init-db" in sortie, sortie


def _servir_puis_lire(commande: list[str], environnement: dict) -> tuple[str, str]:
    """Lance la commande qui sert Parole, attend la page de connexion, l'arrête : (page, sortie)."""
    port = _port_libre()
    processus = subprocess.Popen(
        [_executable(commande[0]), *commande[1:], "--port", str(port)],
        env=environnement,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                adresse = f"http://127.0.0.1:{port}/comptes/connexion"
                with urllib.request.urlopen(adresse, timeout=2) as reponse:
                    page = reponse.read().decode()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"{' '.join(commande)} n'a pas répondu")
    finally:
        processus.terminate()
        sortie, _ = processus.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in sortie
    return page, sortie


def test_parole_demo_sert_vraiment_l_application(tmp_path):
    """La commande du README, lancée comme un·e nouvel·le venu·e : elle sert une page de connexion."""
    page, sortie = _servir_puis_lire(["parole", "demo"], _environnement(tmp_path))
    assert "Se connecter" in page and "Identifiant    : demo" in sortie
    assert "development server" not in sortie and "WARNING" not in sortie  # servie par Waitress


def test_parole_serve_apres_init_db(tmp_path):
    environnement = _environnement(tmp_path)
    init = subprocess.run(
        [_executable("parole"), "init-db"], env=environnement, capture_output=True, text=True, timeout=60
    )
    assert init.returncode == 0, init.stderr
    page, sortie = _servir_puis_lire(["parole", "serve"], environnement)
    assert "Se connecter" in page and "Parole servie sur http://127.0.0.1:" in sortie
    assert "development server" not in sortie and "WARNING" not in sortie
