"""Revue des données personnelles dans un vrai Chromium headless, sur tablette (1024×768) et téléphone
(390×844) : le numéro repéré est surligné, « Masquer » le remplace par « [téléphone] », l'autre repérage se
marque « pas une donnée personnelle » ; boutons atteignables et d'au moins 44 px, formulaires avec CSRF.
"""

import pytest
from sqlmodel import select

from collecte.modele.models import Contribution, Reperage
from tests.conftest import TABLETTE, TELEPHONE

pytestmark = pytest.mark.navigateur

NUMERO = "06 12 34 56 78"
CITATION = f"Pour l'atelier, appelez Karima au {NUMERO}, elle a les clés de la salle."

# Un bouton est « touchable » s'il est dans la zone visible et que c'est bien lui qui reçoit le doigt.
_TOUCHABLE = """(el) => {
  el.scrollIntoView({block: 'center'});
  const r = el.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight || r.left < 0 || r.right > window.innerWidth) return false;
  const cible = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!cible && (cible === el || el.contains(cible));
}"""


@pytest.fixture
def parole(session, creer_demarche, creer_temps, creer_contribution):
    demarche = creer_demarche()
    temps = creer_temps(demarche, "PDP-1")
    creer_contribution(temps, "Le wifi de la médiathèque ne marche jamais.")
    return demarche, creer_contribution(temps, CITATION)


def _bouton(page, nom):
    bouton = page.get_by_role("button", name=nom, exact=True)
    assert bouton.count() == 1, nom
    assert bouton.evaluate(_TOUCHABLE), f"« {nom} » n'est pas touchable"
    boite = bouton.bounding_box()
    assert boite["height"] >= 44 and boite["width"] >= 44, (nom, boite)
    return bouton


@pytest.mark.parametrize("ecran", [TABLETTE, TELEPHONE], ids=["tablette", "telephone"])
def test_masquer_le_numero_et_ecarter_le_prenom(
    reseau, nouvelle_page, connecter_page, session, parole, ecran
):
    demarche, contribution = parole
    page = nouvelle_page(viewport=ecran, has_touch=True, is_mobile=ecran is TELEPHONE)
    connecter_page(page, reseau.url, "animateur")
    page.goto(f"{reseau.url}/collecte/revue/?demarche={demarche.slug}")

    carte = page.locator(f"#parole-{contribution.id}")
    surligne = carte.locator("blockquote mark.donnee-personnelle[data-sorte='telephone']")
    assert surligne.inner_text().startswith(NUMERO)
    assert "téléphone" in surligne.locator(".visuellement-cache").text_content()  # dit au lecteur d'écran
    assert page.get_by_text("1 parole avec des données personnelles à examiner").is_visible()
    # Ni la carte ni ses boutons ne débordent de l'écran (le bandeau du haut n'est pas l'objet de ce test).
    assert carte.evaluate("el => el.getBoundingClientRect().right") <= ecran["width"]
    assert carte.evaluate("el => el.scrollWidth <= el.clientWidth")

    _bouton(page, "Masquer ([téléphone])").tap()
    page.get_by_text("Donnée personnelle masquée.").wait_for()
    citation = page.locator(f"#parole-{contribution.id} blockquote")
    assert "[téléphone]" in citation.inner_text() and NUMERO not in citation.inner_text()
    assert page.url.endswith(f"#parole-{contribution.id}")  # revenu·e au même endroit
    assert page.get_by_role("button", name="Masquer ([téléphone])").count() == 0

    # L'autre repérage (le prénom) : « pas une donnée personnelle ».
    _bouton(page, "Pas une donnée personnelle").tap()
    page.get_by_text("Repérage écarté").wait_for()
    assert page.get_by_role("button", name="Pas une donnée personnelle").count() == 0
    ecarte = page.locator(f"#parole-{contribution.id} blockquote .donnee-ecartee")
    assert ecarte.inner_text() == "Karima"
    assert page.locator(f"#parole-{contribution.id} blockquote mark").count() == 0  # plus surligné
    assert page.get_by_text("0 paroles avec des données personnelles à examiner").is_visible()

    session.expire_all()
    texte = session.get(Contribution, contribution.id).texte
    assert texte == CITATION.replace(NUMERO, "[téléphone]")
    statuts = session.exec(select(Reperage.statut).where(Reperage.contribution_id == contribution.id)).all()
    assert statuts == ["ecarte"]


def test_lecteur_voit_le_surlignage_sans_boutons(reseau, nouvelle_page, connecter_page, parole):
    demarche, contribution = parole
    page = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    connecter_page(page, reseau.url, "lecteur")
    page.goto(f"{reseau.url}/collecte/revue/?demarche={demarche.slug}")
    assert page.locator(f"#parole-{contribution.id} blockquote mark.donnee-personnelle").count() == 2
    assert page.get_by_role("button", name="Masquer ([téléphone])").count() == 0
    assert page.get_by_role("button", name="Pas une donnée personnelle").count() == 0
