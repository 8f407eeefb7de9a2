"""Saisie de terrain dans un vrai Chromium headless, à la taille d'une tablette 10 pouces."""
import pytest
from sqlmodel import select

from collecte.models import Contribution
from collecte.saisie import theme_ids_de
from tests.conftest import TABLETTE

pytestmark = pytest.mark.navigateur

CITATION = "Mon petit-fils m'a dit « mamie, c'est facile » […] mais <b>moi</b> j'y arrive pas & ça m'énerve"


@pytest.fixture
def terrain(creer_demarche, creer_territoire, creer_temps, creer_theme):
    demarche = creer_demarche()
    territoire = creer_territoire(demarche, "Vierzon", "Clos du Roy")
    themes = {
        "parentalite": creer_theme(demarche, "parentalite", "La parentalité numérique", 0),
        "maitrise-technique": creer_theme(demarche, "maitrise-technique", "Maîtrise technique", 1),
    }
    rue = creer_temps(demarche, "PDP-1", territoire=territoire,
                      questions=["Le numérique, c'est compliqué ?", "Est-ce que le numérique est un plaisir ?"])
    panneau = creer_temps(demarche, "OP-1", "ordi_panneau", territoire=territoire,
                          questions=["Qu'est-ce qui vous manque ?"])
    return rue, panneau, themes


def test_saisir_annuler_et_transcrire_sur_tablette(serveur_live, nouvelle_page, connecter_page, session, terrain):
    rue, panneau, themes = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, serveur_live, "animateur")

    page.goto(f"{serveur_live}/collecte/temps/{rue.id}/parole")
    page.get_by_text("Est-ce que le numérique est un plaisir ?").click()
    page.get_by_label("Ce que la personne a dit").fill(CITATION)
    page.get_by_text("60 ans et plus").click()
    page.get_by_text("Habitant·e").click()
    page.get_by_text("La parentalité numérique").click()
    page.get_by_text("Maîtrise technique").click()
    page.get_by_text("À retenir pour le livret").click()
    page.get_by_role("button", name="Enregistrer la parole").click()
    page.locator("#compteur").filter(has_text="1").wait_for()
    assert page.get_by_label("Ce que la personne a dit").input_value() == ""
    assert page.get_by_label("Est-ce que le numérique est un plaisir ?").is_checked()  # question gardée

    page.get_by_label("Ce que la personne a dit").fill("Je préfère le guichet, voilà.")
    page.get_by_text("Bénévole").click()
    page.get_by_text("Ne pas citer").click()
    page.get_by_role("button", name="Enregistrer la parole").click()
    page.locator("#compteur").filter(has_text="2").wait_for()

    page.get_by_label("Ce que la personne a dit").fill("Celle-ci sera annulée")
    page.get_by_role("button", name="Enregistrer la parole").click()
    page.locator("#compteur").filter(has_text="3").wait_for()
    page.get_by_role("button", name="Annuler la dernière").click()
    page.get_by_text("Dernière saisie annulée : « Celle-ci sera annulée »").wait_for()
    assert page.locator("#compteur").inner_text() == "2"

    page.goto(f"{serveur_live}/collecte/temps/{panneau.id}/postits")
    zone = page.get_by_label("Texte du post-it")
    for postit in ("Plus d'ordis à la médiathèque", "Des cours gratuits le samedi", "Un humain au guichet !"):
        zone.fill(postit)
        zone.press("Enter")
        page.locator("#liste-postits li").filter(has_text=postit).wait_for()
        assert zone.input_value() == ""
    assert page.locator("#compteur").inner_text() == "3"

    paroles = session.exec(select(Contribution).order_by(Contribution.id)).all()
    assert [c.texte for c in paroles] == [
        CITATION, "Je préfère le guichet, voilà.",
        "Plus d'ordis à la médiathèque", "Des cours gratuits le samedi", "Un humain au guichet !",
    ]
    premiere, seconde = paroles[0], paroles[1]
    assert (premiere.question, premiere.profil, premiere.tranche_age) == (
        "Est-ce que le numérique est un plaisir ?", "habitant", "60_plus")
    assert premiere.a_retenir and not premiere.ne_pas_citer
    assert theme_ids_de(session, premiere.id) == sorted(t.id for t in themes.values())
    assert (seconde.profil, seconde.tranche_age, seconde.ne_pas_citer, seconde.a_retenir) == (
        "benevole", "inconnu", True, False)
    assert theme_ids_de(session, seconde.id) == []
    assert all(c.temps_id == panneau.id and c.nature == "postit" and c.question == "Qu'est-ce qui vous manque ?"
               for c in paroles[2:])


def test_hors_ligne_la_parole_attend_puis_arrive_une_fois(serveur_live, nouvelle_page, connecter_page, session, terrain):
    rue, _, _ = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, serveur_live, "animateur")
    page.goto(f"{serveur_live}/collecte/temps/{rue.id}/parole")
    page.context.set_offline(True)
    page.get_by_label("Ce que la personne a dit").fill("Ici le réseau passe mal")
    page.get_by_role("button", name="Enregistrer la parole").click()
    page.get_by_text("1 en attente d'envoi").wait_for()
    assert page.get_by_label("Ce que la personne a dit").input_value() == ""
    assert session.exec(select(Contribution)).all() == []
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.locator("#file-attente").wait_for(state="hidden")
    page.locator("#compteur").filter(has_text="1").wait_for()
    assert [c.texte for c in session.exec(select(Contribution))] == ["Ici le réseau passe mal"]
