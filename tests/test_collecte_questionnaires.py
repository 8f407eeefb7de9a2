"""Questionnaires en ligne : invitations, formulaire public (brouillon, reprise, envoi, modification),
liens révoqués ou expirés, démarche close, mauvaises saisies, réponses versées au corpus."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from collecte.modele.models import Contribution, Invitation, ReponseQuestionnaire, TempsDeCollecte, maintenant
from questionnaires import invitations
from tests.test_questionnaires_definitions import TOUS_LES_TYPES


@pytest.fixture
def campagne(session, creer_demarche, creer_territoire, creer_structure):
    demarche = creer_demarche()
    territoire = creer_territoire(demarche, "Vierzon", "Clos du Roy")
    tunnel = creer_structure(demarche, "Centre social du Tunnel", territoire)
    francas = creer_structure(demarche, "Les Francas", territoire, typologie="proposante")
    return demarche, tunnel, francas


@pytest.fixture
def essai(app, tmp_path):
    """Un dossier de questionnaires avec une définition qui couvre chaque type de question."""
    dossier = tmp_path / "questionnaires"
    dossier.mkdir()
    (dossier / "essai.toml").write_text(TOUS_LES_TYPES, encoding="utf-8")
    app.config["QUESTIONNAIRES_DIR"] = str(dossier)
    return dossier


def _inviter(session, demarche, structure, nom="professionnel", dossier=None, **champs):
    creees, _ = invitations.creer_invitations(
        session, demarche, invitations.definition(nom, dossier), [structure.id], **champs
    )
    return creees[0]


def _page(client, jeton, **params):
    reponse = client.get(f"/q/{jeton}", query_string=params)
    return reponse, reponse.get_data(as_text=True)


REPONSES_PRO = {f"q-q{n}": f"Réponse {n} du Tunnel" for n in range(1, 10)}


def test_invitation_un_lien_imprevisible_par_structure(client, connecter, session, campagne):
    demarche, tunnel, francas = campagne
    connecter("animateur")
    reponse = client.post(
        f"/questionnaires/{demarche.slug}/inviter",
        data={"questionnaire": "professionnel", "structures": [tunnel.id, francas.id]},
        follow_redirects=True,
    )
    assert "2 lien(s) créé(s)" in reponse.get_data(as_text=True)
    invitations = session.exec(select(Invitation)).all()
    assert len({i.jeton for i in invitations}) == 2
    assert all(len(i.jeton) >= 32 for i in invitations)  # 24 octets d'aléa en base64url
    page = client.get(f"/questionnaires/{demarche.slug}").get_data(as_text=True)
    for invitation in invitations:
        assert f"/q/{invitation.jeton}" in page
    assert page.count("Pas encore ouvert") == 2
    # Réinviter garde le lien existant.
    reponse = client.post(
        f"/questionnaires/{demarche.slug}/inviter",
        data={"questionnaire": "professionnel", "structures": [tunnel.id]},
        follow_redirects=True,
    )
    assert "Déjà invitée(s), lien conservé : Centre social du Tunnel." in reponse.get_data(as_text=True)
    assert len(session.exec(select(Invitation)).all()) == 2


def test_un_lecteur_ne_voit_ni_les_liens_ni_le_formulaire_d_invitation(client, connecter, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    connecter("lecteur")
    page = client.get(f"/questionnaires/{demarche.slug}").get_data(as_text=True)
    assert invitation.jeton not in page and "Créer les liens" not in page
    assert (
        client.post(
            f"/questionnaires/{demarche.slug}/inviter",
            data={"questionnaire": "professionnel", "structures": [tunnel.id]},
        ).status_code
        == 403
    )
    assert client.post(f"/questionnaires/invitation/{invitation.id}/revoquer").status_code == 403


def test_le_formulaire_public_affiche_les_neuf_questions_sans_compte(client, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    reponse, page = _page(client, invitation.jeton)
    assert reponse.status_code == 200
    assert "Quel accompagnement proposez-vous en matière de numérique ?" in page
    assert "ce serait :" in page
    assert page.count('id="bloc-q-') == 9
    assert 'value="Centre social du Tunnel"' in page  # nom de structure proposé, modifiable
    session.refresh(invitation)
    assert invitation.ouverte_le is not None


def test_brouillon_reprise_puis_envoi(client, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    client.post(
        f"/q/{invitation.jeton}",
        data={
            "action": "brouillon",
            "q-q1": "Ateliers du mardi <b>gratuits</b>",
            "role_repondant": "Conseillère numérique",
        },
    )
    _, page = _page(client, invitation.jeton)
    assert "Ateliers du mardi &lt;b&gt;gratuits&lt;/b&gt;" in page  # repris, échappé
    assert 'value="Conseillère numérique"' in page
    assert "Brouillon enregistré" in page
    assert session.exec(select(Contribution)).all() == []  # un brouillon n'entre pas dans le corpus
    revision = re.search(r'name="revision" value="([^"]*)"', page).group(1)
    reponse = client.post(
        f"/q/{invitation.jeton}",
        data={
            **REPONSES_PRO,
            "q-q1": "Ateliers du mardi <b>gratuits</b>",
            "action": "envoyer",
            "revision": revision,
        },
    )
    assert reponse.status_code == 303
    _, page = _page(client, invitation.jeton)
    assert "Merci ! Vos réponses ont bien été envoyées" in page
    assert "Ateliers du mardi &lt;b&gt;gratuits&lt;/b&gt;" in page


def test_les_reponses_libres_deviennent_des_contributions(client, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    client.post(
        f"/q/{invitation.jeton}",
        data={
            "q-q1": "On aide pour les démarches CAF.",
            "q-q9": "Plus de temps humain.",
            "action": "envoyer",
            "revision": "brouillon",
        },
    )
    contributions = session.exec(select(Contribution).order_by(Contribution.question_ref)).all()
    assert [(c.question_ref, c.texte) for c in contributions] == [
        ("q1", "On aide pour les démarches CAF."),
        ("q9", "Plus de temps humain."),
    ]
    assert {c.nature for c in contributions} == {"reponse"} and {c.profil for c in contributions} == {
        "professionnel"
    }
    assert contributions[0].question == "Quel accompagnement proposez-vous en matière de numérique ?"
    temps = session.get(TempsDeCollecte, contributions[0].temps_id)
    assert temps.dispositif == "questionnaire" and temps.structure_id == tunnel.id
    assert temps.territoire_id == tunnel.territoire_id


def test_modifier_apres_envoi_met_a_jour_sans_doublon(client, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    client.post(
        f"/q/{invitation.jeton}",
        data={
            "q-q1": "Première version.",
            "q-q2": "Des limites.",
            "action": "envoyer",
            "revision": "brouillon",
        },
    )
    _, page = _page(client, invitation.jeton, modifier=1)
    assert "Envoyer les modifications" in page and "Première version." in page
    revision = re.search(r'name="revision" value="([^"]*)"', page).group(1)
    client.post(
        f"/q/{invitation.jeton}",
        data={"q-q1": "Version corrigée.", "q-q2": "", "action": "envoyer", "revision": revision},
    )
    contributions = session.exec(select(Contribution)).all()
    assert [(c.question_ref, c.texte) for c in contributions] == [("q1", "Version corrigée.")]
    assert len(session.exec(select(ReponseQuestionnaire)).all()) == 1


def test_un_envoi_rejoue_est_refuse_sans_rien_changer(client, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    donnees = {"q-q1": "Réponse envoyée.", "action": "envoyer", "revision": "brouillon"}
    assert client.post(f"/q/{invitation.jeton}", data=donnees).status_code == 303
    rejeu = client.post(f"/q/{invitation.jeton}", data={**donnees, "q-q1": "Autre texte"})
    assert rejeu.status_code == 409
    assert "Ces réponses ont déjà été envoyées" in rejeu.get_data(as_text=True)
    assert [c.texte for c in session.exec(select(Contribution))] == ["Réponse envoyée."]


JSON = {"Accept": "application/json"}


def test_envoi_en_json_pour_le_script_du_telephone(app, client, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    adresse = f"/q/{invitation.jeton}"
    manque = client.post(
        adresse, data={"q-q2": "Des limites.", "action": "envoyer", "revision": "brouillon"}, headers=JSON
    )
    assert manque.status_code == 422 and manque.is_json
    assert manque.get_json()["erreurs"] == {"q1": "Cette question est obligatoire."}
    assert session.exec(select(ReponseQuestionnaire)).one().statut == "brouillon"

    donnees = {
        "q-q1": "Des ateliers « tablette ».",
        "q-q2": "Des limites.",
        "action": "envoyer",
        "revision": "brouillon",
    }
    envoi = client.post(adresse, data=donnees, headers=JSON)
    assert envoi.status_code == 200
    assert envoi.get_json() == {"statut": "envoye", "url": f"/q/{invitation.jeton}?envoye=1"}
    assert "Merci ! Vos réponses ont bien été envoyées" in _page(client, invitation.jeton)[1]

    # Le même envoi répété (réponse perdue en route, le téléphone réessaie) : reconnu, rien n'est doublé.
    assert client.post(adresse, data=donnees, headers=JSON).get_json()["statut"] == "envoye"
    # Un autre contenu depuis la même page ancienne : rejeu refusé, en JSON.
    rejeu = client.post(adresse, data={**donnees, "q-q2": "Autre texte."}, headers=JSON)
    assert rejeu.status_code == 409 and rejeu.get_json()["erreur"].startswith(
        "Ces réponses ont déjà été envoyées"
    )
    assert sorted(c.texte for c in session.exec(select(Contribution))) == [
        "Des ateliers « tablette ».",
        "Des limites.",
    ]
    assert len(session.exec(select(ReponseQuestionnaire)).all()) == 1

    # Les erreurs du lien public répondent aussi en JSON au script : lien inconnu, envoi trop gros.
    inconnu = client.post("/q/lien-inconnu", data=donnees, headers=JSON)
    assert inconnu.status_code == 404 and inconnu.get_json()["erreur"].startswith("Ce lien n'existe pas")
    trop_gros = client.post(
        adresse, data={**donnees, "q-q1": "x" * app.config["PUBLIC_TAILLE_MAX"]}, headers=JSON
    )
    assert trop_gros.status_code == 413 and trop_gros.get_json()["erreur"].startswith(
        "Vos réponses dépassent"
    )


def test_question_obligatoire_et_texte_trop_long_gardent_la_saisie(client, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    trop_long = "é" * 5001
    reponse = client.post(
        f"/q/{invitation.jeton}",
        data={"q-q2": trop_long, "q-q3": "À garder.", "action": "envoyer", "revision": "brouillon"},
    )
    page = reponse.get_data(as_text=True)
    assert reponse.status_code == 422
    assert "2 réponse(s) à corriger" in page
    assert "Question 1 : Cette question est obligatoire." in page
    assert "5\u202f001 caractères ; la limite est de 5\u202f000" in page
    assert trop_long in page and "À garder." in page  # rien de ce qui a été tapé n'est perdu
    enregistree = session.exec(select(ReponseQuestionnaire)).one()
    assert enregistree.statut == "brouillon" and enregistree.valeurs == {"q3": "À garder."}


def test_chaque_type_de_question_est_valide(client, session, campagne, essai):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel, "essai", str(essai))
    _, page = _page(client, invitation.jeton)
    assert 'type="radio" name="q-public" value="Seniors"' in page
    assert 'type="checkbox" name="q-outils" value="Tablette"' in page
    assert "1 = pas du tout" in page and "4 = très à l&#39;aise" in page
    mauvais = client.post(
        f"/q/{invitation.jeton}",
        data={
            "q-court": "Atelier",
            "q-public": "Enfants",
            "q-outils": ["Smartphone", "Minitel"],
            "q-aise": "9",
            "q-conseiller": "peut-être",
            "action": "envoyer",
            "revision": "brouillon",
        },
    )
    page = mauvais.get_data(as_text=True)
    assert mauvais.status_code == 422
    assert "« Enfants » ne fait pas partie des réponses proposées." in page
    assert "« Minitel » ne fait pas partie des réponses proposées." in page
    assert "Choisissez une valeur entre 1 et 4." in page and "Répondez par oui ou par non." in page
    bon = client.post(
        f"/q/{invitation.jeton}",
        data={
            "q-court": "Atelier",
            "q-long": "Court.",
            "q-public": "Seniors",
            "q-outils": ["Tablette", "Ordinateur"],
            "q-aise": "3",
            "q-conseiller": "oui",
            "action": "envoyer",
            "revision": "brouillon",
        },
    )
    assert bon.status_code == 303
    enregistree = session.exec(select(ReponseQuestionnaire)).one()
    assert enregistree.valeurs == {
        "court": "Atelier",
        "long": "Court.",
        "public": "Seniors",
        "outils": ["Ordinateur", "Tablette"],
        "aise": 3,
        "conseiller": "oui",
    }
    # Seules les réponses libres entrent dans le corpus ; les autres restent des valeurs.
    assert sorted(c.question_ref for c in session.exec(select(Contribution))) == ["court", "long"]
    _, page = _page(client, invitation.jeton)
    assert "Ordinateur ; Tablette" in page and "Oui" in page


def test_lien_revoque_inconnu_ou_expire(client, connecter, session, campagne):
    demarche, tunnel, francas = campagne
    invitation = _inviter(session, demarche, tunnel)
    client.post(
        f"/q/{invitation.jeton}", data={"q-q1": "Gardée.", "action": "envoyer", "revision": "brouillon"}
    )
    connecter("animateur")
    client.post(f"/questionnaires/invitation/{invitation.id}/revoquer")
    client.get("/comptes/deconnexion")
    reponse, page = _page(client, invitation.jeton)
    assert reponse.status_code == 404 and "Lien introuvable" in page
    assert client.post(f"/q/{invitation.jeton}", data={"q-q1": "x", "action": "envoyer"}).status_code == 404
    assert [c.texte for c in session.exec(select(Contribution))] == ["Gardée."]  # la réponse reste au corpus
    assert _page(client, "n-importe-quoi")[0].status_code == 404
    expiree = _inviter(session, demarche, francas, expire_le=maintenant() + timedelta(minutes=5))
    expiree.expire_le = maintenant() - timedelta(days=1)
    session.add(expiree)
    session.commit()
    reponse, page = _page(client, expiree.jeton)
    assert reponse.status_code == 410 and "Ce lien a expiré le" in page


def test_demarche_close_plus_de_modification(client, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    client.post(
        f"/q/{invitation.jeton}",
        data={"q-q1": "Avant clôture.", "action": "envoyer", "revision": "brouillon"},
    )
    demarche.cloturee = True
    session.add(demarche)
    session.commit()
    _, page = _page(client, invitation.jeton, modifier=1)
    assert (
        "La démarche est close" in page
        and "Avant clôture." in page
        and "Envoyer les modifications" not in page
    )
    refus = client.post(
        f"/q/{invitation.jeton}", data={"q-q1": "Après.", "action": "envoyer", "revision": "x"}
    )
    assert refus.status_code == 409 and "La démarche est close" in refus.get_data(as_text=True)
    assert [c.texte for c in session.exec(select(Contribution))] == ["Avant clôture."]


def test_enregistrement_automatique_en_json(client, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    reponse = client.post(f"/q/{invitation.jeton}/brouillon", data={"q-q4": "En cours…"})
    assert reponse.status_code == 200 and reponse.get_json()["message"].startswith("Brouillon enregistré à ")
    assert session.exec(select(ReponseQuestionnaire)).one().valeurs == {"q4": "En cours…"}
    client.post(
        f"/q/{invitation.jeton}", data={"q-q1": "Envoyé.", "action": "envoyer", "revision": "brouillon"}
    )
    refus = client.post(f"/q/{invitation.jeton}/brouillon", data={"q-q1": "écrasé ?"})
    assert refus.status_code == 409
    assert session.exec(select(ReponseQuestionnaire)).one().valeurs == {"q1": "Envoyé."}


def test_taille_de_requete_limitee(client, app, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    reponse = client.post(
        f"/q/{invitation.jeton}",
        data={"q-q1": "x" * (app.config["PUBLIC_TAILLE_MAX"] + 10), "action": "brouillon"},
    )
    assert reponse.status_code == 413
    assert "Envoi trop volumineux" in reponse.get_data(as_text=True)


def test_debit_limite_sur_les_routes_publiques(app, client, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    app.config["RATELIMIT_PUBLIC"] = "3 per minute"
    codes = [client.get(f"/q/{invitation.jeton}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Trop de tentatives" in client.get(f"/q/{invitation.jeton}").get_data(as_text=True)


def test_une_reponse_envoyee_compte_une_fois_dans_les_chiffres(client, session, campagne):
    from analyse.chiffres import chiffres_cles
    from analyse.donnees import charger_corpus

    demarche, tunnel, francas = campagne
    for structure in (tunnel, francas):
        invitation = _inviter(session, demarche, structure)
        client.post(
            f"/q/{invitation.jeton}", data={"q-q1": f"Réponse de {structure.nom}.", "action": "brouillon"}
        )
    jeton = session.exec(select(Invitation).where(Invitation.structure_id == tunnel.id)).one().jeton
    client.post(
        f"/q/{jeton}", data={"q-q1": "Réponse envoyée.", "action": "envoyer", "revision": "brouillon"}
    )
    _, page = _page(client, jeton, modifier=1)
    revision = re.search(r'name="revision" value="([^"]*)"', page).group(1)
    client.post(f"/q/{jeton}", data={"q-q1": "Réponse modifiée.", "action": "envoyer", "revision": revision})
    chiffres = chiffres_cles(charger_corpus(session, demarche.slug))
    assert chiffres["questionnaires"] == 1  # le brouillon des Francas ne compte pas, la modification non plus
    assert chiffres["paroles"] == 1 and chiffres["structures_partenaires"] == 1


def test_les_reponses_apparaissent_dans_la_revue(client, connecter, session, campagne):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel)
    client.post(
        f"/q/{invitation.jeton}",
        data={
            "q-q5": "Les aidants <script>x</script> s'épuisent.",
            "q-q1": "Accueil.",
            "action": "envoyer",
            "revision": "brouillon",
        },
    )
    connecter("lecteur")
    page = client.get(f"/collecte/revue/?demarche={demarche.slug}").get_data(as_text=True)
    assert "Les aidants &lt;script&gt;x&lt;/script&gt; s&#39;épuisent." in page
    assert "<script>x</script>" not in page


def test_une_nouvelle_version_garde_les_anciennes_reponses_lisibles(
    client, connecter, session, campagne, essai
):
    demarche, tunnel, _ = campagne
    invitation = _inviter(session, demarche, tunnel, "essai", str(essai))
    client.post(
        f"/q/{invitation.jeton}",
        data={"q-court": "Atelier tablette", "q-aise": "2", "action": "envoyer", "revision": "brouillon"},
    )
    # Modifier le fichier sans changer de version : refusé tant que des réponses existent.
    (essai / "essai.toml").write_text(
        TOUS_LES_TYPES.replace("Nom de l'atelier ?", "Intitulé de l'atelier ?"), encoding="utf-8"
    )
    with pytest.raises(Exception, match="augmentez le champ « version »"):
        invitations.enregistrer_version(session, invitations.definition("essai", str(essai)))
    session.rollback()
    # Nouvelle version : l'ancienne réponse se relit avec ses questions d'origine.
    (essai / "essai.toml").write_text(
        TOUS_LES_TYPES.replace("version = 2", "version = 3").replace(
            "Nom de l'atelier ?", "Intitulé de l'atelier ?"
        ),
        encoding="utf-8",
    )
    reponse_id = session.exec(select(ReponseQuestionnaire)).one().id
    connecter("lecteur")
    page = client.get(f"/questionnaires/reponse/{reponse_id}").get_data(as_text=True)
    assert "Nom de l&#39;atelier ?" in page and "Atelier tablette" in page and "version 2" in page


def test_csrf_exige_sur_le_formulaire_public(tmp_path):
    import uuid as uuid_

    from sqlmodel import Session

    from app import create_app
    from collecte.modele.db import init_db
    from collecte.modele.models import Demarche, Structure

    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": uuid_.uuid4().hex,
            "WTF_CSRF_ENABLED": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'csrf.sqlite'}",
        }
    )
    engine = application.extensions["parole_engine"]
    init_db(engine)
    with Session(engine) as session:
        demarche = Demarche(slug="d", titre="D")
        session.add(demarche)
        session.flush()
        structure = Structure(demarche_id=demarche.id, nom="GEM 37")
        session.add(structure)
        session.flush()
        invitation = _inviter(session, demarche, structure)
        jeton = invitation.jeton
    client = application.test_client()
    page = client.get(f"/q/{jeton}").get_data(as_text=True)
    sans = client.post(f"/q/{jeton}", data={"q-q1": "Sans jeton.", "action": "brouillon"})
    assert sans.status_code == 400
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    avec = client.post(f"/q/{jeton}/brouillon", data={"q-q1": "Avec jeton."}, headers={"X-CSRFToken": csrf})
    assert avec.status_code == 200
    # La taille maximale vaut aussi quand le jeton CSRF (lu avant la vue) est présent.
    trop_gros = client.post(
        f"/q/{jeton}",
        data={
            "csrf_token": csrf,
            "q-q1": "x" * application.config["PUBLIC_TAILLE_MAX"],
            "action": "brouillon",
        },
    )
    assert trop_gros.status_code == 413 and "Envoi trop volumineux" in trop_gros.get_data(as_text=True)
    with Session(engine) as session:
        assert session.exec(select(ReponseQuestionnaire)).one().valeurs == {"q1": "Avec jeton."}
    engine.dispose()


def test_un_temps_de_collecte_reprend_les_questions_d_un_jeu(client, connecter, session, campagne):
    demarche, _, _ = campagne
    connecter("animateur")
    page = client.get(f"/collecte/temps/nouveau/{demarche.slug}").get_data(as_text=True)
    assert "Ajouter des questions du jeu « Porteur de parole : questions du panneau »" in page
    assert "Ajouter des questions du jeu « Ordi-panneau : questions de l&#39;écran »" in page
    reponse = client.post(
        f"/collecte/temps/nouveau/{demarche.slug}",
        data={
            "dispositif": "porteur_de_parole",
            "date": "2023-03-18",
            "questions": "Une question à nous ?",
            "questions_jeu": ["Le numérique, c'est compliqué ?", "Est-ce que le numérique est un plaisir ?"],
        },
    )
    assert reponse.status_code == 302
    temps = session.exec(select(TempsDeCollecte)).one()
    assert temps.questions == [
        "Une question à nous ?",
        "Le numérique, c'est compliqué ?",
        "Est-ce que le numérique est un plaisir ?",
    ]
