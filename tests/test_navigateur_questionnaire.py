"""Le questionnaire professionnel rempli sur un téléphone, dans un vrai Chromium, par un vrai lien
d'invitation."""

import pytest
from sqlmodel import select

from collecte.modele.models import Contribution, ReponseQuestionnaire
from questionnaires import invitations
from tests.conftest import TELEPHONE

pytestmark = pytest.mark.navigateur

Q1 = "Quel accompagnement proposez-vous en matière de numérique ?"
Q9 = (
    "Si vous aviez un souhait ou une suggestion à formuler pour renforcer l'inclusion numérique de "
    "votre public et votre travail de médiation numérique, ce serait :"
)
REPONSE_Q1 = "Des ateliers « premiers pas » le mardi […] et <b>beaucoup</b> d'aide improvisée & bénévole."


@pytest.fixture
def lien(session, creer_demarche, creer_territoire, creer_structure):
    demarche = creer_demarche()
    structure = creer_structure(
        demarche, "Centre social du Tunnel", creer_territoire(demarche, "Vierzon", "Clos du Roy")
    )
    creees, _ = invitations.creer_invitations(
        session, demarche, invitations.definition("professionnel"), [structure.id]
    )
    return creees[0].jeton


def test_remplir_le_questionnaire_sur_telephone(serveur_live, nouvelle_page, session, lien):
    page = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    page.goto(f"{serveur_live}/q/{lien}")
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == "Questionnaire aux professionnel·les des structures partenaires"
    )
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
    page.get_by_text(
        "Merci ! Vos réponses ont bien été envoyées"
    ).wait_for()  # envoi par le script, puis la page merci
    assert REPONSE_Q1 in page.locator("dl.reponses").inner_text()  # affiché tel que tapé, balises comprises

    # Modifier après envoi, jusqu'à la clôture de la démarche.
    page.get_by_role("link", name="Modifier mes réponses").click()
    page.get_by_label(Q9).fill("Un lieu unique, bien signalé, ouvert le samedi.")
    page.get_by_role("button", name="Envoyer les modifications").click()
    page.get_by_text("Merci ! Vos réponses ont bien été envoyées").wait_for()

    reponse = session.exec(select(ReponseQuestionnaire)).one()
    session.refresh(reponse)
    assert reponse.statut == "soumise" and reponse.role_repondant == "Conseillère numérique"
    textes = sorted(c.texte for c in session.exec(select(Contribution)))
    assert textes == sorted([REPONSE_Q1, "Un lieu unique, bien signalé, ouvert le samedi."])


# --- Réseau coupé : la saisie reste sur le téléphone jusqu'à ce que le serveur l'ait ------------------

Q3 = "À quoi cela permet-il de répondre pour les usagers de la structure ?"
PAS_DE_CONNEXION = (
    "Pas de connexion : vos réponses sont gardées sur ce téléphone et seront envoyées dès que la "
    "connexion revient."
)
REMISES = (
    "Vos réponses tapées sur ce téléphone et pas encore enregistrées ont été remises dans le formulaire."
)
BROUILLON_AUTO = "**/q/*/brouillon"


def _telephone(nouvelle_page):
    return nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)


def _remplir(page, reponses: dict) -> None:
    for libelle, texte in reponses.items():
        page.get_by_label(libelle).fill(texte)


def _reponse_envoyee(session) -> ReponseQuestionnaire:
    session.expire_all()  # le serveur a écrit depuis un autre fil
    return session.exec(select(ReponseQuestionnaire).where(ReponseQuestionnaire.statut == "soumise")).one()


def test_envoyer_sans_reseau_attend_puis_envoie_au_retour_du_reseau(
    serveur_live, nouvelle_page, session, lien
):
    page = _telephone(nouvelle_page)
    page.route(
        BROUILLON_AUTO, lambda route: route.abort()
    )  # le brouillon automatique n'a rien pu enregistrer
    page.goto(f"{serveur_live}/q/{lien}")
    tapees = {
        Q1: REPONSE_Q1,
        Q3: "Aux « invisibles » du quartier : <i>seniors</i>, jeunes sans ordinateur.",
        Q9: "Un lieu unique et bien signalé.",
    }
    _remplir(page, {**tapees, "Votre fonction dans la structure": "Animateur jeunesse"})

    page.context.set_offline(True)
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.get_by_role("status").filter(has_text=PAS_DE_CONNEXION).wait_for()
    assert [page.get_by_label(libelle).input_value() for libelle in tapees] == list(tapees.values())
    session.expire_all()
    assert session.exec(select(ReponseQuestionnaire)).all() == []

    page.context.set_offline(False)  # Chromium annonce « online » : l'envoi repart seul et change de page
    page.get_by_text("Merci ! Vos réponses ont bien été envoyées").wait_for()
    assert REPONSE_Q1 in page.locator("dl.reponses").inner_text()
    reponse = _reponse_envoyee(session)
    assert reponse.valeurs == {"q1": tapees[Q1], "q3": tapees[Q3], "q9": tapees[Q9]}
    assert reponse.role_repondant == "Animateur jeunesse"
    assert sorted(c.texte for c in session.exec(select(Contribution))) == sorted(tapees.values())
    assert page.evaluate("Object.keys(localStorage)") == []  # le serveur a tout : plus rien à garder


@pytest.fixture
def lien_essai(app, tmp_path, session, creer_demarche, creer_structure):
    """Un lien vers un questionnaire qui a chaque type de question (cases multiples, échelle, oui/non)."""
    from tests.test_questionnaires_definitions import TOUS_LES_TYPES

    dossier = tmp_path / "questionnaires"
    dossier.mkdir()
    (dossier / "essai.toml").write_text(TOUS_LES_TYPES, encoding="utf-8")
    app.config["QUESTIONNAIRES_DIR"] = str(dossier)
    demarche = creer_demarche()
    creees, _ = invitations.creer_invitations(
        session,
        demarche,
        invitations.definition("essai", str(dossier)),
        [creer_structure(demarche, "Les Francas").id],
    )
    return creees[0].jeton


def test_recharger_la_page_garde_chaque_frappe(serveur_live, nouvelle_page, session, lien_essai):
    page = _telephone(nouvelle_page)
    page.route(BROUILLON_AUTO, lambda route: route.abort())
    page.goto(f"{serveur_live}/q/{lien_essai}")
    _remplir(page, {"Nom de l'atelier ?": "Atelier « tablette »", "Racontez.": "On <b>apprend</b> ensemble."})
    page.get_by_label("Seniors").check()
    page.get_by_label("Ordinateur").check()
    page.get_by_label("Tablette").check()
    page.get_by_role("group", name="Aisance").get_by_label("3", exact=True).check()
    page.get_by_role("group", name="conseiller numérique").get_by_label("Oui", exact=True).check()

    page.reload()
    page.get_by_role("status").filter(has_text=REMISES).wait_for()
    assert page.get_by_label("Nom de l'atelier ?").input_value() == "Atelier « tablette »"
    assert page.get_by_label("Racontez.").input_value() == "On <b>apprend</b> ensemble."
    coches = page.locator("input:checked").evaluate_all("cases => cases.map(c => c.name + '=' + c.value)")
    assert coches == [
        "q-public=Seniors",
        "q-outils=Ordinateur",
        "q-outils=Tablette",
        "q-aise=3",
        "q-conseiller=oui",
    ]

    # Le réseau revient : le brouillon automatique pousse ce qui a été remis.
    page.unroute(BROUILLON_AUTO)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("document.querySelector('form.questionnaire').dataset.etat === 'enregistre'")
    session.expire_all()
    brouillon = session.exec(select(ReponseQuestionnaire)).one()
    assert brouillon.statut == "brouillon"
    assert brouillon.valeurs == {
        "court": "Atelier « tablette »",
        "long": "On <b>apprend</b> ensemble.",
        "public": "Seniors",
        "outils": ["Ordinateur", "Tablette"],
        "aise": 3,
        "conseiller": "oui",
    }

    # Confirmée par le serveur, la copie du téléphone ne recouvre plus ce que le serveur rend
    # (la structure a pu répondre depuis un autre appareil).
    page.request.post(f"{serveur_live}/q/{lien_essai}/brouillon", form={"q-court": "Changé ailleurs"})
    page.reload()
    assert page.get_by_label("Nom de l'atelier ?").input_value() == "Changé ailleurs"
    assert page.locator("#etat-local").inner_text() == ""


def test_un_envoi_garde_reprend_en_rouvrant_le_lien(serveur_live, nouvelle_page, session, lien):
    page = _telephone(nouvelle_page)
    page.goto(f"{serveur_live}/q/{lien}")
    _remplir(page, {Q1: REPONSE_Q1, Q9: "Plus de temps humain."})
    contexte = page.context
    contexte.set_offline(True)
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.get_by_role("status").filter(has_text=PAS_DE_CONNEXION).wait_for()
    page.close()

    contexte.set_offline(False)
    page = contexte.new_page()
    page.goto(f"{serveur_live}/q/{lien}")
    page.get_by_text("Merci ! Vos réponses ont bien été envoyées").wait_for()
    reponse = _reponse_envoyee(session)
    assert reponse.valeurs == {"q1": REPONSE_Q1, "q9": "Plus de temps humain."}
    assert sorted(c.texte for c in session.exec(select(Contribution))) == sorted(
        [REPONSE_Q1, "Plus de temps humain."]
    )


def test_sans_stockage_local_le_formulaire_marche_comme_avant(serveur_live, nouvelle_page, session, lien):
    page = _telephone(nouvelle_page)
    # Navigation privée stricte : tout accès à localStorage lève une exception.
    page.add_init_script(
        "Object.defineProperty(window, 'localStorage', "
        "{get() { throw new DOMException('refusé', 'SecurityError'); }})"
    )
    page.goto(f"{serveur_live}/q/{lien}")
    _remplir(page, {Q1: REPONSE_Q1})
    page.context.set_offline(True)
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.get_by_role("status").filter(has_text="Pas de connexion : gardez cette page ouverte").wait_for()
    page.context.set_offline(False)  # Chromium annonce « online » : l'envoi repart seul et change de page
    page.get_by_text("Merci ! Vos réponses ont bien été envoyées").wait_for()
    assert _reponse_envoyee(session).valeurs == {"q1": REPONSE_Q1}


def test_une_modification_envoyee_sans_reseau_arrive_en_rouvrant_le_lien(
    serveur_live, nouvelle_page, session, lien
):
    page = _telephone(nouvelle_page)
    page.goto(f"{serveur_live}/q/{lien}")
    _remplir(page, {Q1: REPONSE_Q1})
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.get_by_role("link", name="Modifier mes réponses").click()
    _remplir(page, {Q9: "Ajouté sans réseau."})
    contexte = page.context
    contexte.set_offline(True)
    page.get_by_role("button", name="Envoyer les modifications").click()
    page.get_by_role("status").filter(has_text=PAS_DE_CONNEXION).wait_for()
    page.close()

    # Le lien rouvert mène à la page « merci » : la modification gardée y est reprise et envoyée.
    contexte.set_offline(False)
    page = contexte.new_page()
    page.goto(f"{serveur_live}/q/{lien}")
    page.locator("dl.reponses").get_by_text("Ajouté sans réseau.").wait_for()
    assert _reponse_envoyee(session).valeurs == {"q1": REPONSE_Q1, "q9": "Ajouté sans réseau."}
    assert sorted(c.texte for c in session.exec(select(Contribution))) == sorted(
        [REPONSE_Q1, "Ajouté sans réseau."]
    )


def test_page_expiree_les_reponses_restent_et_partent_apres_rechargement(
    app, serveur_live, nouvelle_page, session, lien
):
    app.config["WTF_CSRF_ENABLED"] = True
    page = _telephone(nouvelle_page)
    page.goto(f"{serveur_live}/q/{lien}")
    _remplir(page, {Q1: REPONSE_Q1})
    page.context.clear_cookies()  # session perdue : le jeton CSRF de la page ne vaut plus rien
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.get_by_text("La page a expiré : rechargez-la. Vos réponses sont gardées sur ce téléphone").wait_for()
    session.expire_all()
    assert (
        session.exec(select(ReponseQuestionnaire).where(ReponseQuestionnaire.statut == "soumise")).all() == []
    )

    page.get_by_role("link", name="Recharger la page").click()
    page.get_by_text("Merci ! Vos réponses ont bien été envoyées").wait_for()
    assert _reponse_envoyee(session).valeurs == {"q1": REPONSE_Q1}
