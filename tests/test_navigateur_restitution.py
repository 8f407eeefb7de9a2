"""La page Restitution dans un vrai Chromium, sur tablette : écrire un texte du livret, puis
télécharger le livret A5 imposé ; la page annonce la préparation du PDF. Sur tablette et téléphone :
cocher la section « Ce qui structure les paroles » et la retrouver dans le livret."""

from pathlib import Path

import pytest

from analyse.discours import classes_de_discours
from analyse.donnees import charger_corpus
from restitution.livret_structure import TITRE
from tests.conftest import SLUG_EXEMPLE, TABLETTE, TELEPHONE, importer_exemple
from tests.donnees_livret import texte_pdf

pytestmark = pytest.mark.navigateur


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


@pytest.mark.parametrize("ecran", [TABLETTE, TELEPHONE], ids=["tablette", "telephone"])
def test_cocher_la_section_structure(serveur_live, nouvelle_page, connecter_page, session, ecran, tmp_path):
    slug = SLUG_EXEMPLE
    importer_exemple(session)
    classes = classes_de_discours(charger_corpus(session, slug), 4)["classes"]
    page = nouvelle_page(viewport=ecran, has_touch=True, accept_downloads=True)
    connecter_page(page, serveur_live, "lecteur")
    page.goto(f"{serveur_live}/restitution/{slug}")
    assert page.evaluate("document.documentElement.scrollWidth") <= ecran["width"]
    case = page.get_by_label(f"Ajouter « {TITRE} »")
    case.scroll_into_view_if_needed()
    case.check()
    page.get_by_label("Nombre de classes au plus").select_option("4")
    with page.expect_download() as telechargement:
        page.get_by_role("button", name="Télécharger le livret (PDF)").click()
    fichier = telechargement.value
    assert fichier.suggested_filename == f"livret-{slug}-A4-structure.pdf"
    texte = texte_pdf(Path(fichier.path()).read_bytes(), tmp_path, mode="raw")
    assert TITRE in texte and "Ce qui distingue les dispositifs" in texte
    assert f"Classe {len(classes)} :" in texte and f"Classe {len(classes) + 1} :" not in texte
