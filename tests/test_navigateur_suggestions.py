"""Suggestions de thèmes sur l'écran de saisie, dans un vrai Chromium, tablette et téléphone : en tapant,
les pastilles des thèmes suggérés passent en pointillés (« · suggéré ») ; la personne choisit, rien n'est
coché à sa place. Réseau lent, pendu ou coupé : la saisie continue, rien n'est perdu, et une suggestion
arrivée trop tard (après l'enregistrement) ne marque pas les thèmes de la personne suivante."""

import pytest
from sqlmodel import select

from collecte.modele.models import Contribution, ContributionTheme, TempsTheme, Theme
from tests.conftest import TABLETTE, TELEPHONE

pytestmark = pytest.mark.navigateur

API = "/analyse/api/suggestions"
ECRANS = "Mes enfants passent leurs soirées sur les écrans, je ne sais plus comment les en sortir."
ARNAQUE = "Un faux conseiller bancaire m'a arnaqué au téléphone, j'ai perdu trois cents euros."


@pytest.fixture
def terrain(session, creer_demarche, creer_territoire, creer_temps, creer_theme):
    demarche = creer_demarche("suggestions", titre="Suggestions")
    territoire = creer_territoire(demarche, "Bourges", "Chancellerie")
    themes = [
        creer_theme(demarche, "parentalite", "La parentalité numérique", 0, mots_cles=["enfant", "écran"],
                    description="Les parents face aux écrans de leurs enfants."),
        creer_theme(demarche, "arnaques", "Peur des arnaques", 1, mots_cles=["arnaque", "escroquerie"],
                    description="Faux conseillers, faux sites, argent perdu."),
        creer_theme(demarche, "langue", "La barrière de la langue", 2, mots_cles=["traduire", "français"],
                    description="Ne pas comprendre le français administratif."),
        creer_theme(demarche, "mobilite", "Se déplacer", 3, mots_cles=["bus", "voiture"],
                    description="Transports pour aller aux permanences."),
    ]  # fmt: skip
    temps = creer_temps(demarche, "PDP-1", territoire=territoire, lieu="Marché")
    for theme in themes[:3]:  # « Se déplacer » reste dans « Autres thèmes »
        session.add(TempsTheme(temps_id=temps.id, theme_id=theme.id))
    session.commit()
    return temps


def _suggerees(page) -> list[str]:
    return page.locator("#puces-themes .puce.suggeree").evaluate_all("els => els.map(e => e.dataset.theme)")


def _themes_enregistres(session, texte: str) -> set[str]:
    session.expire_all()
    parole = session.exec(select(Contribution).where(Contribution.texte == texte)).one()
    liens = session.exec(select(Theme.slug).join(ContributionTheme).where(
        ContributionTheme.contribution_id == parole.id)).all()  # fmt: skip
    return set(liens)


@pytest.mark.parametrize("ecran", [TABLETTE, TELEPHONE], ids=["tablette", "telephone"])
def test_les_suggestions_guident_sans_choisir_a_la_place(
    reseau, nouvelle_page, connecter_page, session, terrain, ecran
):
    page = nouvelle_page(viewport=ecran, has_touch=True, is_mobile=ecran is TELEPHONE)
    connecter_page(page, reseau.url, "animateur")
    page.goto(f"{reseau.url}/collecte/temps/{terrain.id}/parole")
    texte = page.get_by_label("Ce que la personne a dit")
    texte.press_sequentially(ECRANS[:40], delay=5)
    page.locator('.puce.suggeree[data-theme="parentalite"]').wait_for()
    assert page.get_by_text("(suggérés en pointillés)").is_visible()
    assert page.locator('#puces-themes input[name="themes"]:checked').count() == 0  # rien n'est coché
    texte.press_sequentially(ECRANS[40:], delay=2)
    page.get_by_text("La parentalité numérique").tap()
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator(".etat-parole.envoyee").first.wait_for()
    assert _themes_enregistres(session, ECRANS) == {"parentalite"}
    assert _suggerees(page) == [] and not page.get_by_text("(suggérés en pointillés)").is_visible()

    # Un thème suggéré rangé dans « Autres thèmes » (fermé) : le titre le dit.
    texte.fill("Sans voiture et avec un seul bus par heure, je ne vais jamais aux permanences.")
    texte.press("End")
    texte.press_sequentially(" Voilà.", delay=5)
    page.locator("summary.suggeree").filter(has_text="Autres thèmes").wait_for()
    assert "mobilite" in _suggerees(page)


@pytest.mark.parametrize("panne", ["pendu", "coupe"])
def test_sans_reponse_des_suggestions_la_saisie_continue(
    reseau, nouvelle_page, connecter_page, session, terrain, panne
):
    page = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    connecter_page(page, reseau.url, "animateur")
    page.goto(f"{reseau.url}/collecte/temps/{terrain.id}/parole")
    page.wait_for_function("window.ParoleBoite && window.ParoleBoite.etat")
    if panne == "pendu":
        reseau.suspendre(API)
    else:
        reseau.couper()
    texte = page.get_by_label("Ce que la personne a dit")
    texte.press_sequentially(ARNAQUE, delay=2)
    page.wait_for_timeout(1000)  # la demande de suggestion est partie (ou a échoué)
    assert _suggerees(page) == []
    page.get_by_text("Peur des arnaques").tap()
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator("#confirmation").filter(has_text="Gardée sur l'appareil").wait_for()
    assert texte.input_value() == ""
    if panne == "coupe":
        reseau.retablir()
    else:
        reseau.relacher()
    page.locator(".etat-parole.envoyee").first.wait_for(timeout=30_000)
    assert _themes_enregistres(session, ARNAQUE) == {"arnaques"}


def test_une_suggestion_arrivee_apres_l_enregistrement_est_ignoree(
    reseau, nouvelle_page, connecter_page, session, terrain
):
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, reseau.url, "animateur")
    page.goto(f"{reseau.url}/collecte/temps/{terrain.id}/parole")
    reseau.ralentir(2.5, API)
    texte = page.get_by_label("Ce que la personne a dit")
    texte.fill(ARNAQUE)
    texte.press("End")
    texte.press_sequentially(" Voilà.", delay=5)
    page.wait_for_function("performance.getEntriesByType('resource').length >= 0")
    page.wait_for_timeout(800)  # la demande (lente) est partie
    assert f"POST {API}" in reseau.requetes
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator(".etat-parole.envoyee").first.wait_for()
    page.wait_for_timeout(2500)  # la réponse lente est arrivée entre-temps
    assert _suggerees(page) == []  # la personne suivante part sans thème marqué
    assert not page.get_by_text("(suggérés en pointillés)").is_visible()
    # Une frappe plus récente l'emporte sur une réponse plus ancienne : seule la dernière compte.
    reseau.ralentir(0, API)
    texte.fill(ECRANS)
    texte.press("End")
    texte.press_sequentially(" Voilà.", delay=5)
    page.locator('.puce.suggeree[data-theme="parentalite"]').wait_for()
    assert "arnaques" not in _suggerees(page)
