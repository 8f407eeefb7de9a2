"""Page « Structure des paroles » dans un vrai Chromium, tablette et téléphone : on y arrive par le
sous-menu de l'analyse, on change le nombre de classes et la variable de l'AFC, les images se chargent (la
version étroite sur téléphone), rien ne déborde et axe-core n'y trouve aucune violation grave."""

import pytest

from tests.conftest import TABLETTE, TELEPHONE
from tests.navigateur import pages
from tests.test_analyse_structure import TERRITOIRES, trois_univers  # noqa: F401 (fixture)
from tests.test_navigateur_accessibilite import GRAVES, LIRE_VIOLATIONS
from tests.test_navigateur_mise_en_page import DEBORDEMENTS

pytestmark = pytest.mark.navigateur

# Chaque image de la page, amenée à l'écran (chargement paresseux), puis sa source retenue et sa largeur.
IMAGES = """async () => {
  const images = [...document.querySelectorAll("main img")];
  for (const image of images) {
    image.scrollIntoView();
    if (!image.complete) await new Promise(fin => { image.onload = fin; image.onerror = fin; });
  }
  return images.map(i => ({source: i.currentSrc, largeur: i.naturalWidth}));
}"""


@pytest.mark.parametrize("taille", [TABLETTE, TELEPHONE], ids=["tablette", "telephone"])
def test_structure_reglee_et_dessinee(serveur_live, nouvelle_page, connecter_page, trois_univers, taille):  # noqa: F811
    page = nouvelle_page(viewport=taille, has_touch=True, is_mobile=taille is TELEPHONE)
    connecter_page(page, serveur_live, "lecteur")
    page.goto(f"{serveur_live}/analyse/?demarche=trois-univers")
    if taille is TELEPHONE:
        page.get_by_role("link", name="Structure des paroles").scroll_into_view_if_needed()
    page.get_by_role("link", name="Structure des paroles").click()
    page.get_by_role("heading", name="Ce qui structure les paroles · Trois univers").wait_for()

    page.get_by_label("Nombre de classes").select_option("3")
    page.get_by_label("Correspondances avec").select_option("territoire")
    page.get_by_role("button", name="Recalculer").click()
    page.get_by_role("heading", name="Analyse des correspondances : mots × territoire").wait_for()
    assert "classes=3" in page.url and "variable=territoire" in page.url
    assert page.locator("article.classe-discours").count() == 3
    cartes = page.locator("article.classe-discours").all_inner_texts()
    for ville in TERRITOIRES.values():
        assert sum(f"Territoire : {ville}" in carte for carte in cartes) == 1, ville

    images = page.evaluate(IMAGES)
    assert len(images) == 2, images
    assert all(i["largeur"] > 0 for i in images), images
    sources = " ".join(i["source"] for i in images)
    assert "graphique/afc/territoire.svg" in sources and "graphique/similitudes.svg" in sources
    assert ("largeur=etroite" in sources) is (taille is TELEPHONE)

    mesure = page.evaluate(DEBORDEMENTS)
    assert mesure["largeur"] <= taille["width"], mesure["fautifs"]
    # Avec ses trois classes, ses tableaux et ses images (la visite d'axe de toutes les pages ne voit cette
    # page que sur un corpus trop petit pour des classes).
    page.add_script_tag(path=str(pages.exiger_axe()))
    assert page.evaluate(LIRE_VIOLATIONS, list(GRAVES)) == []

    # le filtre garde les réglages de la structure
    page.get_by_label("Territoire", exact=True).select_option(label=f"{TERRITOIRES['ecrans']} – Centre")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("heading", name="Analyse des correspondances : mots × territoire").wait_for()
    assert "classes=3" in page.url
    assert page.get_by_text("Pas assez de données pour une analyse des correspondances").is_visible()
