"""La page Restitution dans un vrai Chromium, sur tablette : écrire un texte du livret, puis
télécharger le livret A5 imposé ; la page annonce la préparation du PDF."""

from pathlib import Path

import pytest

from tests.conftest import TABLETTE
from tests.donnees_livret import creer_campagne, texte_pdf

pytestmark = pytest.mark.navigateur


@pytest.fixture
def campagne(
    session, creer_demarche, creer_territoire, creer_structure, creer_theme, creer_temps, creer_contribution
):
    return creer_campagne(
        session,
        creer_demarche,
        creer_territoire,
        creer_structure,
        creer_theme,
        creer_temps,
        creer_contribution,
    )


def test_ecrire_puis_telecharger_le_livret(serveur_live, nouvelle_page, connecter_page, campagne, tmp_path):
    page = nouvelle_page(viewport=TABLETTE, has_touch=True, accept_downloads=True)
    connecter_page(page, serveur_live, "animateur")
    page.goto(f"{serveur_live}/restitution/livret-test")
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLETTE["width"]

    page.get_by_role("link", name="Modifier « Synthèse »").click()
    page.get_by_label("Texte").fill("Trois mots reviennent : « attendre », « seul·e », « papier ».")
    page.get_by_role("button", name="Enregistrer").click()
    assert "« Synthèse » enregistré." in page.locator(".messages").inner_text()
    assert "Trois mots reviennent" in page.locator("#texte-synthese").inner_text()

    page.get_by_role("radio", name="A5").check()
    page.get_by_label("Imposé pour un livret plié agrafé").check()
    with page.expect_download() as telechargement:
        page.get_by_role("button", name="Télécharger le livret (PDF)").click()
    assert "Préparation du livret" in page.locator(".statut-attente").inner_text()
    fichier = telechargement.value
    assert fichier.suggested_filename == "livret-livret-test-A5-impose.pdf"
    pdf = Path(fichier.path()).read_bytes()
    assert "Trois mots reviennent : « attendre », « seul·e », « papier »." in texte_pdf(pdf, tmp_path)
