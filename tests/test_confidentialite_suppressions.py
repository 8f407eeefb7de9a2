"""Suppressions définitives (RGPD, droit à l'effacement) : une parole depuis la revue, une réponse à un
questionnaire par l'équipe ou par la structure depuis son lien (pas après la clôture), un compte d'équipe.
Une suppression ne laisse rien : chaque table est recomptée."""

import re
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from collecte import comptes
from collecte.confidentialite import journal
from collecte.modele.models import (
    Contribution,
    ContributionAnnulee,
    ContributionTheme,
    Demarche,
    Journal,
    Reperage,
    ReponseQuestionnaire,
    Utilisateur,
)
from collecte.modele.validation import ErreurValidation
from questionnaires import invitations
from tests.conftest import MOT_DE_PASSE
from tests.test_confidentialite_conservation import REPONSES_PRO, compter_tables

SECRET = "Je m'appelle Ginette Durand, j'habite au 12 rue des Lilas"


def _ecart(avant: dict, apres: dict) -> dict:
    return {table: apres[table] - avant[table] for table in avant if apres[table] != avant[table]}


def _journal(session, action: str) -> list[Journal]:
    session.expire_all()
    return list(session.exec(select(Journal).where(Journal.action == action)))


def _version(page: str) -> str:
    return re.search(r'name="version" value="([^"]+)"', page).group(1)


# --- Une parole, depuis la revue ----------------------------------------------------------------------


@pytest.fixture
def temps(creer_demarche, creer_territoire, creer_temps):
    demarche = creer_demarche()
    return creer_temps(demarche, "PDP-1", territoire=creer_territoire(demarche))


def test_supprimer_une_parole_depuis_la_revue(
    client, connecter, session, temps, creer_theme, creer_contribution
):
    moi = connecter("animateur")
    theme = creer_theme(session.get(Demarche, temps.demarche_id))
    avant = compter_tables(session)
    parole = creer_contribution(temps, SECRET, [theme])
    session.add(Reperage(contribution_id=parole.id, debut=13, fin=28, sorte="nom"))
    session.commit()
    ident, client_uuid = parole.id, parole.client_uuid

    modifier = client.get(f"/collecte/revue/{ident}").get_data(as_text=True)
    assert f'href="/collecte/revue/{ident}/supprimer"' in modifier
    confirmation = client.get(f"/collecte/revue/{ident}/supprimer").get_data(as_text=True)
    assert (
        "Supprimer définitivement la parole n°" in confirmation
        and "personne ne pourra la rétablir" in confirmation
    )
    # Une page ouverte avant une modification : refus, rien n'est supprimé.
    perimee = client.post(
        f"/collecte/revue/{ident}/supprimer",
        data={"version": "2020-01-01T00:00:00+00:00"},
        follow_redirects=True,
    )
    assert "a été modifiée depuis l&#39;ouverture de cette page" in perimee.get_data(as_text=True)
    assert session.get(Contribution, ident) is not None

    reponse = client.post(f"/collecte/revue/{ident}/supprimer", data={"version": _version(confirmation)})
    assert reponse.status_code == 302 and reponse.headers["Location"].endswith(
        "/collecte/revue/?demarche=demarche-test"
    )
    # Plus rien : ni la parole, ni ses thèmes, ni son repérage ; reste la trace sans texte (un appareil qui
    # la renverrait ne la recrée pas) et la ligne du journal.
    assert _ecart(avant, compter_tables(session)) == {"contributionannulee": 1, "journal": 1}
    trace = session.exec(select(ContributionAnnulee)).one()
    assert trace.client_uuid == client_uuid
    (ligne,) = _journal(session, "suppression_parole")
    assert (ligne.acteur, ligne.utilisateur_id, ligne.objet) == (
        moi.identifiant,
        moi.id,
        f"parole n° {ident}",
    )
    assert ligne.details == "démarche demarche-test ; temps PDP-1 ; venue de : appareil ou import"
    assert "Ginette" not in ligne.details + ligne.objet
    # Renvoyée par une tablette qui l'avait encore dans sa file : pas recréée.
    renvoi = client.post(
        "/api/contributions/lot",
        json={"contributions": [{"client_uuid": str(client_uuid), "temps": temps.id, "texte": SECRET}]},
    )
    assert renvoi.get_json()["resultats"][0]["statut"] == "annulee"
    assert session.exec(select(Contribution)).all() == []
    # Deuxième envoi du formulaire (double clic) : un message, pas d'erreur.
    encore = client.post(f"/collecte/revue/{ident}/supprimer", data={"version": _version(confirmation)})
    assert encore.status_code == 302


def test_un_lecteur_ne_supprime_rien(client, connecter, session, temps, creer_contribution):
    parole = creer_contribution(temps, SECRET)
    connecter("lecteur")
    assert client.get(f"/collecte/revue/{parole.id}/supprimer").status_code == 403
    assert client.post(f"/collecte/revue/{parole.id}/supprimer", data={"version": "x"}).status_code == 403
    assert session.get(Contribution, parole.id) is not None


# --- Réponses aux questionnaires --------------------------------------------------------------------


@pytest.fixture
def lien(session, creer_demarche, creer_territoire, creer_structure):
    demarche = creer_demarche(date_fin=date.today() + timedelta(days=30), contact_droits="dpo@ville.example")
    structure = creer_structure(demarche, "Centre social du Tunnel", creer_territoire(demarche))
    (invitation,), _ = invitations.creer_invitations(
        session, demarche, invitations.definition("professionnel"), [structure.id]
    )
    return invitation


def _repondre(client, jeton: str) -> None:
    assert client.post(f"/q/{jeton}", data={**REPONSES_PRO, "action": "envoyer"}).status_code == 303


def _la_reponse(session) -> ReponseQuestionnaire:
    session.expire_all()
    return session.exec(select(ReponseQuestionnaire)).one()


def test_supprimer_une_reponse_libre_depuis_la_revue_la_retire_de_la_reponse(
    client, connecter, session, lien
):
    _repondre(client, lien.jeton)
    connecter("animateur")
    q3 = session.exec(select(Contribution).where(Contribution.question_ref == "q3")).one()
    page = client.get(f"/collecte/revue/{q3.id}/supprimer").get_data(as_text=True)
    assert "elle est aussi retirée de la réponse de la structure" in page
    client.post(f"/collecte/revue/{q3.id}/supprimer", data={"version": _version(page)})
    reponse = _la_reponse(session)
    assert "q3" not in reponse.valeurs and reponse.valeurs["q4"] == "Réponse 4 de la structure"
    assert session.exec(select(ContributionAnnulee)).all() == []  # rien à tracer : elle venait de la réponse
    assert len(session.exec(select(Contribution)).all()) == 8
    (ligne,) = _journal(session, "suppression_parole")
    assert f"venue de : réponse n° {reponse.id} au questionnaire professionnel" in ligne.details


def test_l_equipe_supprime_une_reponse(client, connecter, session, lien, creer_theme):
    client.get(f"/q/{lien.jeton}")  # lien ouvert : la date d'ouverture est notée avant le décompte
    avant = compter_tables(session)
    _repondre(client, lien.jeton)
    reponse = _la_reponse(session)
    reponse_id = reponse.id
    theme = creer_theme(session.get(Demarche, reponse.demarche_id))
    une = session.exec(select(Contribution)).first()
    session.add(ContributionTheme(contribution_id=une.id, theme_id=theme.id))
    session.add(Reperage(contribution_id=une.id, debut=0, fin=7, sorte="nom"))
    session.commit()
    avant["theme"] += 1

    moi = connecter("animateur")
    fiche = client.get(f"/questionnaires/reponse/{reponse_id}").get_data(as_text=True)
    assert f'href="/questionnaires/reponse/{reponse_id}/supprimer"' in fiche
    confirmation = client.get(f"/questionnaires/reponse/{reponse_id}/supprimer").get_data(as_text=True)
    assert (
        "ses <strong>9 parole(s)</strong>" in confirmation
        and "elle pourra répondre de nouveau" in confirmation
    )
    resultat = client.post(f"/questionnaires/reponse/{reponse_id}/supprimer", follow_redirects=True)
    assert "Réponse supprimée définitivement, avec ses 9 parole(s)." in resultat.get_data(as_text=True)
    # Réponse, paroles, thèmes, repérages et temps de la réponse : partis ; le compte connecté et le journal.
    assert _ecart(avant, compter_tables(session)) == {
        "utilisateur": 1,
        "journal": 2,
    }  # connexion, suppression
    (ligne,) = _journal(session, "suppression_reponse")
    assert (ligne.acteur, ligne.objet) == (
        moi.identifiant,
        f"réponse n° {reponse_id} (Centre social du Tunnel)",
    )
    assert ligne.details == (
        "démarche demarche-test ; questionnaire professionnel ; en ligne ; "
        "paroles supprimées : 9 ; par l'équipe"
    )
    # Le lien de la structure reste valable : elle peut répondre de nouveau.
    _repondre(client, lien.jeton)
    assert _la_reponse(session).statut == "soumise"


def test_un_lecteur_ne_supprime_pas_une_reponse(client, connecter, session, lien):
    _repondre(client, lien.jeton)
    connecter("lecteur")
    reponse = _la_reponse(session)
    assert "Supprimer définitivement" not in client.get(f"/questionnaires/reponse/{reponse.id}").get_data(
        as_text=True
    )
    assert client.post(f"/questionnaires/reponse/{reponse.id}/supprimer").status_code == 403
    assert _la_reponse(session).id == reponse.id


def test_la_structure_supprime_sa_reponse_par_son_lien(app, client, session, lien):
    app.config["WTF_CSRF_ENABLED"] = True
    formulaire = client.get(f"/q/{lien.jeton}").get_data(as_text=True)
    avant = compter_tables(session)
    assert "<summary>Vos données et vos droits</summary>" in formulaire
    assert "Supprimer ma réponse" not in formulaire  # rien à supprimer encore
    jeton_csrf = re.search(r'name="csrf_token" value="([^"]+)"', formulaire).group(1)
    client.post(f"/q/{lien.jeton}", data={**REPONSES_PRO, "action": "envoyer", "csrf_token": jeton_csrf})
    merci = client.get(f"/q/{lien.jeton}").get_data(as_text=True)
    assert "Merci ! Vos réponses ont bien été envoyées" in merci
    assert f'href="/q/{lien.jeton}/supprimer"' in merci and "Écrivez à : dpo@ville.example" in merci

    confirmation = client.get(f"/q/{lien.jeton}/supprimer")
    assert confirmation.status_code == 200
    assert "avec les 9 réponse(s) écrite(s) déjà versée(s) au recueil" in confirmation.get_data(as_text=True)
    sans_csrf = client.post(f"/q/{lien.jeton}/supprimer")
    assert sans_csrf.status_code == 400 and _la_reponse(session).statut == "soumise"

    supprimee = client.post(f"/q/{lien.jeton}/supprimer", data={"csrf_token": jeton_csrf})
    assert supprimee.status_code == 303 and supprimee.headers["Location"] == f"/q/{lien.jeton}/supprimee"
    page = client.get(f"/q/{lien.jeton}/supprimee").get_data(as_text=True)
    assert "Votre réponse a été supprimée." in page and 'data-revision="supprimee"' in page
    assert _ecart(avant, compter_tables(session)) == {"journal": 1}
    (ligne,) = _journal(session, "suppression_reponse")
    assert (ligne.acteur, ligne.utilisateur_id) == ("structure (lien personnel)", None)
    assert ligne.details.endswith("paroles supprimées : 9 ; par la structure, depuis son lien")
    # Le lien peut répondre de nouveau ; une seconde suppression n'a plus rien à effacer.
    assert "Envoyer mes réponses" in client.get(f"/q/{lien.jeton}").get_data(as_text=True)
    rien = client.post(f"/q/{lien.jeton}/supprimer", data={"csrf_token": jeton_csrf})
    assert rien.status_code == 409 and "Aucune réponse" in rien.get_data(as_text=True)
    client.post(f"/q/{lien.jeton}", data={**REPONSES_PRO, "action": "envoyer", "csrf_token": jeton_csrf})
    assert _la_reponse(session).statut == "soumise"


@pytest.mark.parametrize("close", ["cloturee", "date_fin_passee"])
def test_demarche_close_la_structure_ne_supprime_plus(client, session, lien, close):
    _repondre(client, lien.jeton)
    demarche = session.get(Demarche, lien.demarche_id)
    if close == "cloturee":
        demarche.cloturee = True
    else:
        demarche.date_fin = date.today() - timedelta(days=1)
    session.add(demarche)
    session.commit()
    avant = compter_tables(session)
    assert "Supprimer ma réponse" not in client.get(f"/q/{lien.jeton}").get_data(as_text=True)
    for reponse in (client.get(f"/q/{lien.jeton}/supprimer"), client.post(f"/q/{lien.jeton}/supprimer")):
        texte = reponse.get_data(as_text=True)
        assert reponse.status_code == 409
        assert "votre réponse ne peut plus être supprimée depuis ce lien" in texte
        assert "écrivez à : dpo@ville.example" in texte
    assert compter_tables(session) == avant


def test_lien_inconnu_pour_supprimer(client):
    assert client.get("/q/inconnu/supprimer").status_code == 404
    assert client.post("/q/inconnu/supprimer").status_code == 404


# --- Comptes d'équipe -----------------------------------------------------------------------------


def test_un_admin_supprime_un_compte(app, client, connecter, session, temps, creer_contribution):
    moi = connecter("admin")
    client.post(
        "/comptes/", data={"identifiant": "camille", "mot_de_passe": MOT_DE_PASSE, "role": "animateur"}
    )
    camille_id = comptes.compte_par_identifiant(session, "camille").id
    autre = app.test_client()  # camille se connecte, saisit et modifie une parole
    autre.post("/comptes/connexion", data={"identifiant": "camille", "mot_de_passe": MOT_DE_PASSE})
    parole = creer_contribution(
        temps, "Une parole saisie par camille", saisie_par_id=camille_id, modifiee_par_id=camille_id
    )

    liste = client.get("/comptes/").get_data(as_text=True)
    assert f'href="/comptes/{camille_id}/supprimer"' in liste
    assert f'href="/comptes/{moi.id}/supprimer"' not in liste  # pas le sien
    assert "compte supprimé n° " in client.get(f"/comptes/{camille_id}/supprimer").get_data(as_text=True)
    reponse = client.post(f"/comptes/{camille_id}/supprimer", follow_redirects=True)
    pseudonyme = f"compte supprimé n° {camille_id}"
    assert (
        f"Compte « camille » supprimé ; le journal le nomme désormais « {pseudonyme} »."
        in reponse.get_data(as_text=True)
    )

    session.expire_all()
    assert session.get(Utilisateur, camille_id) is None
    relue = session.get(Contribution, parole.id)
    assert (relue.texte, relue.saisie_par_id, relue.modifiee_par_id) == (
        "Une parole saisie par camille",
        None,
        None,
    )
    lignes = session.exec(select(Journal).order_by(Journal.id)).all()
    assert all("camille" not in f"{l.acteur} {l.objet} {l.details}" for l in lignes)
    assert [(l.action, l.acteur, l.objet) for l in lignes if pseudonyme in (l.acteur, l.objet)] == [
        ("compte_cree", moi.identifiant, pseudonyme),
        ("connexion", pseudonyme, ""),
        ("compte_supprime", moi.identifiant, pseudonyme),
    ]
    assert autre.get("/collecte/revue/").status_code == 302  # sa session est tombée


def test_ni_son_propre_compte_ni_le_dernier_admin(app, client, connecter, session, runner, creer_compte):
    moi = connecter("admin")
    refus = client.post(f"/comptes/{moi.id}/supprimer", follow_redirects=True)
    assert "Vous ne pouvez pas supprimer votre propre compte." in refus.get_data(as_text=True)
    assert session.get(Utilisateur, moi.id) is not None
    with pytest.raises(ErreurValidation, match="dernier compte admin actif"):
        comptes.supprimer_utilisateur(session, moi, journal.ACTEUR_TERMINAL)
    second = creer_compte("admin")
    second_id, second_identifiant = second.id, second.identifiant
    second.actif = False
    session.add(second)
    session.commit()
    resultat = runner.invoke(args=["supprimer-compte", moi.identifiant, "--oui"])
    assert resultat.exit_code == 1 and "dernier compte admin actif" in resultat.output
    # Un admin désactivé peut partir : il en reste un actif.
    mal_retape = runner.invoke(args=["supprimer-compte", second_identifiant], input="oui\n")
    assert mal_retape.exit_code == 1 and "Rien n'a été supprimé." in mal_retape.output
    assert session.get(Utilisateur, second_id) is not None
    resultat = runner.invoke(args=["supprimer-compte", second_identifiant], input=f"{second_identifiant}\n")
    assert resultat.exit_code == 0, resultat.output
    assert f"le journal le nomme désormais « compte supprimé n° {second_id} »" in resultat.output
    session.expire_all()
    assert session.get(Utilisateur, second_id) is None
    (ligne,) = _journal(session, "compte_supprime")
    assert (ligne.acteur, ligne.objet, ligne.details) == (
        "ligne de commande",
        f"compte supprimé n° {second_id}",
        "rôle : Administrateur·rice",
    )
    inconnu = runner.invoke(args=["supprimer-compte", "personne", "--oui"])
    assert inconnu.exit_code == 1 and "Aucun compte « personne »." in inconnu.output


def test_un_animateur_ne_supprime_pas_de_compte(client, connecter, creer_compte, session):
    cible = creer_compte("lecteur")
    connecter("animateur")
    assert client.post(f"/comptes/{cible.id}/supprimer").status_code == 403
    with Session(session.get_bind()) as autre:
        assert autre.get(Utilisateur, cible.id) is not None


def test_une_reponse_modifiee_par_la_structure_est_reexaminee(client, session, lien):
    from collecte.confidentialite import examen
    from collecte.modele.models import Reperage

    jeton = lien.jeton
    avec_telephone = {**REPONSES_PRO, "q-q1": "Appelez Mme Durand au 06 12 34 56 78 pour les ateliers."}
    assert client.post(f"/q/{jeton}", data={**avec_telephone, "action": "envoyer"}).status_code == 303
    examen.examiner_en_attente(session)
    parole = session.exec(select(Contribution).where(Contribution.texte == avec_telephone["q-q1"])).one()
    assert session.exec(select(Reperage).where(Reperage.contribution_id == parole.id)).all() != []
    corrigee = {**REPONSES_PRO, "q-q1": "Les ateliers du mardi sont complets."}
    page = client.get(f"/q/{jeton}?modifier=1").get_data(as_text=True)  # la structure rouvre et corrige
    revision = re.search(r'name="revision" value="([^"]*)"', page).group(1)
    envoi = client.post(f"/q/{jeton}", data={**corrigee, "action": "envoyer", "revision": revision})
    assert envoi.status_code == 303
    session.expire_all()
    parole = session.get(Contribution, parole.id)
    assert parole.texte == "Les ateliers du mardi sont complets." and parole.examinee_par == ""
    assert session.exec(select(Reperage).where(Reperage.contribution_id == parole.id)).all() == []


def test_masquer_une_reponse_libre_la_masque_aussi_dans_la_reponse(client, session, lien):
    """Données personnelles : l'original n'est gardé nulle part, pas même dans la réponse de la structure
    (ce que montre son lien et ce que sort l'export des réponses)."""
    from collecte.confidentialite import examen
    from collecte.confidentialite.journal import ACTEUR_TERMINAL
    from collecte.modele.models import Reperage

    telephone = "06 12 34 56 78"
    avec_telephone = {**REPONSES_PRO, "q-q1": f"Pour les ateliers, appelez le {telephone} le matin."}
    assert client.post(f"/q/{lien.jeton}", data={**avec_telephone, "action": "envoyer"}).status_code == 303
    examen.examiner_en_attente(session)
    parole = session.exec(select(Contribution).where(Contribution.question_ref == "q1")).one()
    assert examen.masquer_tout(session, [parole.id], ACTEUR_TERMINAL) >= 1
    session.expire_all()
    reponse = _la_reponse(session)
    assert reponse.valeurs["q1"] == "Pour les ateliers, appelez le [téléphone] le matin."
    assert session.get(Contribution, parole.id).texte == reponse.valeurs["q1"]
    assert reponse.valeurs["q2"] == "Réponse 2 de la structure"
    assert session.exec(select(Reperage).where(Reperage.contribution_id == parole.id)).all() == []
    assert telephone not in str(reponse.valeurs)
