"""Les captures du back office du README (revue, tableau de bord, restitution, et les trois méthodes de la
structure des paroles), faites par le navigateur de la suite, sur tablette (1024 × 768), avec la démarche
d'exemple.

Chaque passage vérifie que ces pages s'affichent entières dans Chromium (titre, contenu, aucun débordement) ;
avec `PAROLE_CAPTURES=1`, il réécrit aussi `docs/backoffice-*.png` (ce que montre le README) :

    PAROLE_CAPTURES=1 .venv/bin/pytest tests/test_navigateur_captures.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from collecte.tableurs.entrees import importer_chemin
from tests.conftest import SLUG_EXEMPLE, TABLETTE

pytestmark = pytest.mark.navigateur

DOCS = Path(__file__).resolve().parent.parent / "docs"
README = Path(__file__).resolve().parent.parent / "README.md"
SLUG = SLUG_EXEMPLE
# (fichier, adresse, ce que la page doit montrer)
CAPTURES = [
    ("backoffice-revue.png", f"/collecte/revue/?demarche={SLUG}", "Revue des paroles"),
    ("backoffice-tableau-de-bord.png", f"/analyse/?demarche={SLUG}", "Analyse"),
    ("backoffice-restitution.png", f"/restitution/{SLUG}", "Restitution"),
]
# Les trois méthodes de la page « Structure des paroles » : (fichier, section de la page)
STRUCTURE = f"/analyse/structure?demarche={SLUG}&classes=5&variable=dispositif"
SECTIONS = [
    ("analyse-classes.png", "t-classes"),
    ("analyse-afc.png", "t-afc"),
    ("analyse-similitudes.png", "t-similitudes"),
]


HAUTEUR_MAX = 1300


def _cadre(hauteur: int) -> dict:
    return {"x": 0, "y": 0, "width": TABLETTE["width"], "height": hauteur}


@pytest.fixture
def exemple(app, session):
    exemples = Path(app.config["EXEMPLES_DIR"])
    importer_chemin(session, exemples / SLUG, SLUG, exemples / "themes.yaml")


def test_captures_du_back_office(serveur_live, nouvelle_page, connecter_page, exemple, tmp_path):
    dossier = DOCS if os.environ.get("PAROLE_CAPTURES") == "1" else tmp_path
    page = nouvelle_page(viewport=TABLETTE, has_touch=True, device_scale_factor=1)
    connecter_page(page, serveur_live, "animateur")
    for fichier, adresse, titre in CAPTURES:
        page.goto(f"{serveur_live}{adresse}")
        page.wait_for_load_state("networkidle")
        assert titre in page.locator("h1").first.inner_text(), adresse
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLETTE["width"], adresse
        # Le haut de la page et ce qui suit (filtres puis premières paroles, premiers chiffres…).
        hauteur = min(page.evaluate("document.documentElement.scrollHeight"), HAUTEUR_MAX)
        page.screenshot(path=str(dossier / fichier), full_page=True, clip=_cadre(hauteur))
        assert (dossier / fichier).stat().st_size > 10_000  # une vraie image, pas une page vide
        assert f"](docs/{fichier})" in README.read_text(encoding="utf-8"), f"{fichier} absente du README"
    page.goto(f"{serveur_live}{STRUCTURE}")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # images chargées paresseusement
    page.wait_for_load_state("networkidle")
    assert page.locator("article.classe-discours").count() == 5
    for fichier, section in SECTIONS:
        cadre = page.locator(f"section[aria-labelledby={section}]").bounding_box()
        assert cadre and cadre["height"] > 200, section
        defilement = page.evaluate("window.scrollY")
        clip = {**cadre, "y": cadre["y"] + defilement, "height": min(cadre["height"], HAUTEUR_MAX)}
        page.screenshot(path=str(dossier / fichier), full_page=True, clip=clip)
        assert (dossier / fichier).stat().st_size > 10_000
        assert f"](docs/{fichier})" in README.read_text(encoding="utf-8"), f"{fichier} absente du README"
