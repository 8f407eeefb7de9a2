"""Connexion dans un vrai Chromium headless (vérifie aussi l'outillage navigateur)."""

import pytest

from tests.conftest import TELEPHONE

pytestmark = pytest.mark.navigateur


def test_connexion_puis_liste_des_demarches(serveur_live, nouvelle_page, connecter_page, creer_demarche):
    creer_demarche(titre="Numérique & citoyenneté <test>")
    page = nouvelle_page(viewport=TELEPHONE)
    page.goto(serveur_live + "/demarches/")
    assert "/comptes/connexion" in page.url
    connecter_page(page, serveur_live, "lecteur")
    page.goto(serveur_live + "/demarches/")
    assert page.get_by_role("link", name="Numérique & citoyenneté <test>").is_visible()


def test_mauvais_mot_de_passe(serveur_live, nouvelle_page, creer_compte):
    compte = creer_compte("admin")
    page = nouvelle_page()
    page.goto(serveur_live + "/comptes/connexion")
    page.get_by_label("Identifiant").fill(compte.identifiant)
    page.get_by_label("Mot de passe").fill("faux mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_text("Identifiant ou mot de passe incorrect.").is_visible()
