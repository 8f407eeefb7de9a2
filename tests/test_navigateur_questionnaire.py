"""Le questionnaire professionnel rempli sur un téléphone, dans un vrai Chromium, par un vrai lien d'invitation."""
import pytest
from sqlmodel import select

from collecte import enquetes
from collecte.models import Contribution, ReponseQuestionnaire
from tests.conftest import TELEPHONE

pytestmark = pytest.mark.navigateur

Q1 = "Quel accompagnement proposez-vous en matière de numérique ?"
Q9 = ("Si vous aviez un souhait ou une suggestion à formuler pour renforcer l'inclusion numérique de votre public et "
      "votre travail de médiation numérique, ce serait :")
REPONSE_Q1 = "Des ateliers « premiers pas » le mardi […] et <b>beaucoup</b> d'aide improvisée & bénévole."


@pytest.fixture
def lien(session, creer_demarche, creer_territoire, creer_structure):
    demarche = creer_demarche()
    structure = creer_structure(demarche, "Centre social du Tunnel", creer_territoire(demarche, "Vierzon", "Clos du Roy"))
    creees, _ = enquetes.creer_invitations(session, demarche, enquetes.definition("professionnel"), [structure.id])
    return creees[0].jeton


def test_remplir_le_questionnaire_sur_telephone(serveur_live, nouvelle_page, session, lien):
    page = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    page.goto(f"{serveur_live}/q/{lien}")
    assert page.get_by_role("heading", level=1).inner_text() == "Questionnaire aux professionnel·les des structures partenaires"
    # Rien ne déborde horizontalement sur un écran de 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= TELEPHONE["width"]

    # Envoyer sans la question obligatoire : le résumé des erreurs est annoncé et reçoit le focus.
    page.get_by_label("Votre fonction dans la structure").fill("Conseillère numérique")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    resume = page.locator("#resume-erreurs")
    assert resume.get_attribute("role") == "alert"
    assert "Question 1 : Cette question est obligatoire." in resume.inner_text()
    page.wait_for_function("document.activeElement && document.activeElement.id === 'resume-erreurs'")
    assert page.get_by_label(Q1).get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Votre fonction dans la structure").input_value() == "Conseillère numérique"

    # Le brouillon s'enregistre tout seul pendant la saisie, et se retrouve en rouvrant le lien.
    page.get_by_label(Q1).fill(REPONSE_Q1)
    page.get_by_label(Q9).fill("Un lieu unique et bien signalé.")
    page.get_by_label("Votre fonction dans la structure").focus()
    page.wait_for_function("document.querySelector('form.questionnaire').dataset.etat === 'enregistre'")
    assert "Brouillon enregistré à" in page.locator("#etat-brouillon").inner_text()
    page.goto(f"{serveur_live}/q/{lien}")
    assert page.get_by_label(Q1).input_value() == REPONSE_Q1
    assert page.get_by_label(Q9).input_value() == "Un lieu unique et bien signalé."

    page.get_by_role("button", name="Envoyer mes réponses").click()
    assert "Merci ! Vos réponses ont bien été envoyées" in page.locator("main").inner_text()
    assert REPONSE_Q1 in page.locator("dl.reponses").inner_text()  # affiché tel que tapé, balises comprises

    # Modifier après envoi, jusqu'à la clôture de la démarche.
    page.get_by_role("link", name="Modifier mes réponses").click()
    page.get_by_label(Q9).fill("Un lieu unique, bien signalé, ouvert le samedi.")
    page.get_by_role("button", name="Envoyer les modifications").click()
    assert "Merci !" in page.locator("main").inner_text()

    reponse = session.exec(select(ReponseQuestionnaire)).one()
    session.refresh(reponse)
    assert reponse.statut == "soumise" and reponse.role_repondant == "Conseillère numérique"
    textes = sorted(c.texte for c in session.exec(select(Contribution)))
    assert textes == sorted([REPONSE_Q1, "Un lieu unique, bien signalé, ouvert le samedi."])
