"""Réglages « Données personnelles (RGPD) » dans un vrai Chromium : un·e admin les remplit sur tablette
dans le formulaire de la démarche, la fiche du registre les montre ; sur téléphone, la fiche se lit
sans défilement horizontal."""

from datetime import date

import pytest

from tests.conftest import TABLETTE, TELEPHONE

pytestmark = pytest.mark.navigateur

RESPONSABLE = "Ville de Vierzon, Hôtel de Ville, 6 rue de la Société Française, 18100 Vierzon"
# Un courriel sans espace ni tiret, long : il ne doit pas élargir la page du téléphone.
CONTACT = "donnees.personnelles.democratie.participative.quartiers@ville-de-vierzon-exemple.fr"
FINALITE = "Recueillir la parole des habitant·es sur le numérique & la citoyenneté, pour écrire un livret."


def test_remplir_les_reglages_puis_lire_le_registre(
    serveur_live, nouvelle_page, connecter_page, creer_demarche
):
    creer_demarche("numerique", titre="Paroles de Vierzon", date_fin=date(2025, 9, 30))
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, serveur_live, "admin")
    page.goto(f"{serveur_live}/demarches/numerique/modifier")
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLETTE["width"]
    rgpd = page.get_by_role("group", name="Données personnelles (RGPD)")
    finalite = rgpd.get_by_label("Finalité : à quoi servent les paroles")
    assert "« Paroles de Vierzon »" in finalite.get_attribute("placeholder")
    rgpd.get_by_label("Responsable du traitement").fill(RESPONSABLE)
    rgpd.get_by_label("Délégué·e à la protection des données (DPO)").fill("Pas de DPO désigné")
    rgpd.get_by_label("Où exercer ses droits").fill(CONTACT)
    finalite.fill(FINALITE)
    rgpd.get_by_label("Base légale").select_option("mission_interet_public")
    rgpd.get_by_label("Destinataires").fill("Le Hub-Lo (synthèse)")
    rgpd.get_by_label("Durée de conservation").fill("36")
    page.get_by_role("button", name="Enregistrer").click()
    assert "Démarche mise à jour." in page.locator(".messages").inner_text()
    assert "réglages de la notice d'information et du registre sont complets" in page.inner_text("main")

    page.get_by_role("link", name="Fiche du registre des traitements").click()
    fiche = page.locator(".fiche-registre").inner_text()
    for attendu in (RESPONSABLE, CONTACT, FINALITE, "Pas de DPO désigné", "Le Hub-Lo (synthèse)"):
        assert attendu in fiche, attendu
    assert "Mission d'intérêt public (article 6.1.e du RGPD)" in fiche
    assert "36 mois après la fin de la démarche (jusqu'au 30/09/2028)" in fiche

    telephone = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    connecter_page(telephone, serveur_live, "lecteur")
    telephone.goto(f"{serveur_live}/restitution/numerique/registre")
    assert CONTACT in telephone.locator(".fiche-registre").inner_text()
    assert telephone.evaluate("document.documentElement.scrollWidth") <= TELEPHONE["width"]
