"""Données personnelles dans un vrai Chromium : sur un téléphone, une structure lit la notice « Vos données et
vos droits » et supprime sa réponse par son lien ; sur une tablette, un·e admin voit la suppression au
journal."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from collecte.modele.models import Contribution, ReponseQuestionnaire
from questionnaires import invitations
from tests.conftest import TABLETTE, TELEPHONE
from tests.test_confidentialite_conservation import REPONSES_PRO

pytestmark = pytest.mark.navigateur

Q1 = "Quel accompagnement proposez-vous en matière de numérique ?"


@pytest.fixture
def lien(app, client, session, creer_demarche, creer_territoire, creer_structure):
    demarche = creer_demarche(
        titre="Numérique au Clos du Roy",
        date_fin=date.today() + timedelta(days=60),
        contact_droits="donnees@ville-vierzon.example",
        finalite="Écouter les habitant·es pour préparer le plan numérique de la ville.",
    )
    structure = creer_structure(demarche, "Centre social du Tunnel", creer_territoire(demarche))
    (invitation,), _ = invitations.creer_invitations(
        session, demarche, invitations.definition("professionnel"), [structure.id]
    )
    assert (
        client.post(f"/q/{invitation.jeton}", data={**REPONSES_PRO, "action": "envoyer"}).status_code == 303
    )
    app.config["WTF_CSRF_ENABLED"] = True  # le navigateur passe par le vrai jeton CSRF
    return invitation.jeton


def test_une_structure_supprime_sa_reponse_puis_l_admin_le_voit_au_journal(
    serveur_live, nouvelle_page, connecter_page, session, lien
):
    page = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    page.goto(f"{serveur_live}/q/{lien}")
    page.get_by_text("Merci ! Vos réponses ont bien été envoyées").wait_for()

    # La notice est repliée ; la structure la déplie et y lit ses droits.
    droits = page.get_by_role("heading", name="Vos droits")
    assert not droits.is_visible()
    page.get_by_text("Vos données et vos droits").click()
    assert droits.is_visible()
    assert page.get_by_text("Écrivez à : donnees@ville-vierzon.example").is_visible()
    assert page.get_by_text(
        "Écouter les habitant·es pour préparer le plan numérique de la ville."
    ).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= TELEPHONE["width"]

    page.get_by_role("link", name="Supprimer ma réponse…").click()
    page.get_by_role("heading", name="Supprimer ma réponse ?").wait_for()
    assert session.exec(select(ReponseQuestionnaire)).one() is not None  # rien tant que ce n'est pas confirmé
    # Une copie de saisie restée dans le téléphone ne doit pas revenir après la suppression.
    cle = f"parole-questionnaire-{lien}"
    page.evaluate(
        "([cle, texte]) => localStorage.setItem(cle, JSON.stringify({valeurs: {'q-q1': [texte]}, "
        "revision: 'brouillon', envoi_en_attente: false, confirme: false}))",
        [cle, "Une réponse gardée dans le téléphone"],
    )
    page.get_by_role("button", name="Oui, supprimer ma réponse").click()
    page.get_by_text("Votre réponse a été supprimée.").wait_for()
    page.wait_for_function(f"localStorage.getItem('{cle}') === null")
    session.expire_all()
    assert session.exec(select(ReponseQuestionnaire)).all() == []
    assert session.exec(select(Contribution)).all() == []

    # Le même lien permet de répondre de nouveau, sur un formulaire vide.
    page.get_by_role("link", name="Répondre de nouveau").click()
    assert page.get_by_label(Q1).input_value() == ""
    assert page.get_by_role("button", name="Envoyer mes réponses").is_visible()
    assert page.get_by_text("Supprimer ma réponse").count() == 0

    # Sur une tablette, l'admin ouvre le journal depuis la page des comptes et filtre les suppressions.
    tablette = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(tablette, serveur_live, "admin")
    tablette.goto(f"{serveur_live}/comptes/")
    tablette.get_by_role("link", name="Journal des actions sensibles").click()
    tablette.get_by_label("Action").select_option(label="Réponse à un questionnaire supprimée")
    tablette.get_by_role("button", name="Filtrer").click()
    tablette.wait_for_url("**/comptes/journal?action=suppression_reponse**")
    ligne = tablette.locator("table.journal tbody tr")
    assert ligne.count() == 1
    cellules = ligne.locator("td").all_inner_texts()
    assert cellules[1:3] == ["structure (lien personnel)", "Réponse à un questionnaire supprimée"]
    assert cellules[3].endswith("(Centre social du Tunnel)")
    assert "paroles supprimées : 9 ; par la structure, depuis son lien" in cellules[4]
    assert "Une réponse" not in " ".join(cellules)
    assert tablette.evaluate("document.documentElement.scrollWidth") <= TABLETTE["width"]
