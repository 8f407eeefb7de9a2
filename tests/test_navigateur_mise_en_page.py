"""Mise en page de chaque page dans un vrai Chromium, sur tablette (1024 px) et sur téléphone (390 px) :
rien ne déborde horizontalement, les cibles tactiles ont au moins 44 px de haut, le menu du téléphone
atteint chaque entrée, l'icône du site existe. Même liste de pages que le test d'axe-core
(tests/navigateur/pages.py, tirée d'`app.url_map`)."""

import pytest

from app import MENU
from tests.conftest import TABLETTE, TELEPHONE
from tests.navigateur import pages

pytestmark = pytest.mark.navigateur

CIBLE_MIN = 44

# Éléments visibles qui dépassent à droite de la fenêtre (les plus profonds seulement), pour le message.
DEBORDEMENTS = """() => {
  const largeur = document.documentElement.clientWidth;
  const fautifs = [...document.querySelectorAll("body *")].filter(el => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= largeur + 1) return false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return false;  // dans une boîte qui défile
    }
    return ![...el.children].some(e => e.getBoundingClientRect().right > largeur + 1);
  });
  return {
    largeur: document.documentElement.scrollWidth,
    fautifs: fautifs.slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
      + " → " + Math.round(el.getBoundingClientRect().right) + " px"),
  };
}"""

# Cibles tactiles de l'équipe : liens de navigation, boutons, champs (hors cases à cocher et boutons
# radio, dont l'étiquette entière est la cible), visibles à l'écran.
CIBLES_TROP_PETITES = """(minimum) => {
  const selecteur = "nav a, .bouton, button, summary, select, textarea, "
    + "input:not([type=hidden]):not([type=checkbox]):not([type=radio])";
  return [...document.querySelectorAll(selecteur)].filter(el => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.right < 0 || r.left > innerWidth) return false;
    if (getComputedStyle(el).visibility === "hidden" || el.closest(".evitement")) return false;
    return r.height < minimum - 0.5;
  }).slice(0, 8).map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")
    + " « " + (el.innerText || el.name || el.id || "").trim().slice(0, 30) + " » : "
    + Math.round(el.getBoundingClientRect().height) + " px");
}"""


@pytest.mark.parametrize("taille", [TABLETTE, TELEPHONE], ids=["tablette", "telephone"])
def test_aucune_page_ne_deborde_et_les_cibles_font_44_px(
    app, monde, serveur_live, nouvelle_page, connecter_page, taille
):
    page = nouvelle_page(viewport=taille, has_touch=True, is_mobile=taille is TELEPHONE)
    connecter_page(page, serveur_live, "admin")
    debordements, cibles = [], []
    attendu = dict(pages.PAGES_D_ERREUR)
    for route, adresse in pages.adresses(app, monde) + [("erreur", a) for a in attendu]:
        assert pages.visiter(page, serveur_live + adresse) == attendu.get(adresse, 200), (route, adresse)
        mesure = page.evaluate(DEBORDEMENTS)
        if mesure["largeur"] > taille["width"]:
            debordements.append(f"{adresse} : {mesure['largeur']} px — {mesure['fautifs']}")
        cibles.extend(f"{adresse} : {c}" for c in page.evaluate(CIBLES_TROP_PETITES, CIBLE_MIN))
    assert debordements == [], "\n".join(debordements)
    assert cibles == [], "\n".join(cibles)


def test_le_menu_du_telephone_atteint_chaque_entree(app, serveur_live, nouvelle_page, connecter_page):
    page = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    connecter_page(page, serveur_live, "admin")
    page.goto(f"{serveur_live}/collecte/revue/")
    menu = page.get_by_role("navigation", name="Menu principal")
    bouton = page.get_by_role("button", name="Menu")
    assert bouton.get_attribute("aria-expanded") == "false"
    assert not menu.is_visible()  # replié : la page commence tout de suite sous le bandeau
    bouton.click()
    assert bouton.get_attribute("aria-expanded") == "true"
    libelles = [libelle for endpoint, libelle in MENU if endpoint in app.view_functions]
    for libelle in libelles:
        lien = menu.get_by_role("link", name=libelle, exact=True)
        boite = lien.bounding_box()
        assert lien.is_visible() and boite, libelle
        assert boite["x"] >= 0 and boite["x"] + boite["width"] <= TELEPHONE["width"], (libelle, boite)
        assert boite["height"] >= CIBLE_MIN, (libelle, boite)
    assert menu.get_by_role("link", name="Revue").get_attribute("aria-current") == "page"
    assert page.get_by_role("button", name="Se déconnecter").is_visible()
    page.keyboard.press("Escape")
    assert bouton.get_attribute("aria-expanded") == "false" and not menu.is_visible()


def test_le_menu_de_la_tablette_est_deplie(app, serveur_live, nouvelle_page, connecter_page):
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, serveur_live, "admin")
    page.goto(f"{serveur_live}/demarches/")
    assert not page.get_by_role("button", name="Menu").is_visible()
    menu = page.get_by_role("navigation", name="Menu principal")
    for endpoint, libelle in MENU:
        if endpoint in app.view_functions:
            assert menu.get_by_role("link", name=libelle, exact=True).is_visible(), libelle


def test_l_icone_du_site(client, serveur_live, nouvelle_page):
    reponse = client.get("/favicon.ico")
    assert reponse.status_code == 301
    icone = client.get(reponse.headers["Location"])
    assert icone.status_code == 200 and icone.mimetype == "image/svg+xml"
    page = nouvelle_page(viewport=TELEPHONE)
    page.goto(f"{serveur_live}/comptes/connexion")
    lien = page.locator("link[rel=icon]")
    assert page.request.get(serveur_live + lien.get_attribute("href")).status == 200


FAMILLE = "👨‍👩‍👧"  # un graphème, cinq points de code


def test_la_confirmation_d_enregistrement_ne_coupe_pas_un_emoji(
    serveur_live, nouvelle_page, connecter_page, session, creer_demarche, creer_temps, creer_contribution
):
    temps = creer_temps(creer_demarche())
    page = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    connecter_page(page, serveur_live, "animateur")
    page.goto(f"{serveur_live}/collecte/temps/{temps.id}/parole")
    debut = "Ma petite-fille m'appelle en visio le dimanche, la joie !:"  # 58 caractères
    page.get_by_label("Ce que la personne a dit").fill(debut + " " + FAMILLE + " et voilà.")
    page.get_by_role("button", name="Enregistrer la parole").click()
    confirmation = page.locator("#confirmation").filter(has_text="«")
    confirmation.wait_for()
    # Coupé après 60 graphèmes : l'émoji (le 60e) entier, jamais un morceau (👨 seul en points de code).
    assert len(debut) == 58
    assert confirmation.text_content().endswith(f"« {debut} {FAMILLE}… »")


# (largeur affichée / largeur dessinée) de chaque graphique SVG de la page, et l'adresse choisie.
ECHELLES = """() => [...document.querySelectorAll("figure img")].filter(i => i.currentSrc.includes(".svg"))
  .map(i => ({src: i.currentSrc, echelle: i.clientWidth / i.naturalWidth}))"""


@pytest.mark.parametrize("taille", [TABLETTE, TELEPHONE], ids=["tablette", "telephone"])
def test_les_graphiques_sont_lisibles_et_les_nombres_a_la_francaise(
    monde, serveur_live, nouvelle_page, connecter_page, taille
):
    page = nouvelle_page(viewport=taille, has_touch=True, is_mobile=taille is TELEPHONE)
    connecter_page(page, serveur_live, "lecteur")
    page.goto(f"{serveur_live}/analyse/", wait_until="load", timeout=60_000)
    for figure in page.locator("figure img").all():
        figure.scroll_into_view_if_needed()  # chargement différé (loading=lazy)
    page.wait_for_function(
        "[...document.querySelectorAll('figure img')].every(i => i.complete && i.naturalWidth)"
    )
    graphiques = page.evaluate(ECHELLES)
    assert len(graphiques) >= 6, graphiques
    # Texte dessiné en 11 pt (15 px) : montré à 80 % au moins, il garde 12 px ; au téléphone, les cartes de
    # croisement sont redessinées pour la largeur.
    assert [g for g in graphiques if g["echelle"] < 0.8] == []
    if taille is TELEPHONE:
        assert all("largeur=etroite" in g["src"] for g in graphiques), graphiques
    # Parts : virgule décimale, espace fine insécable avant « % », jamais de point décimal.
    tableau = page.locator("#t-comptes + .aide + .grille-analyse table").first.inner_text()
    assert "\u202f%" in tableau and not any(c.isdigit() and "." in c for c in tableau.split())
    svg = page.request.get(graphiques[0]["src"]).text()
    assert "\u202f%" in svg and "%)" in svg
