"""Écrans de terrain : nouvelle parole, post-its, annulation, temps de collecte (sans navigateur)."""

import uuid

from sqlmodel import select

from collecte.modele.models import Contribution, TempsDeCollecte
from collecte.terrain.saisie import theme_ids_de


def _preparer(creer_demarche, creer_territoire, creer_temps, creer_theme, dispositif="porteur_de_parole"):
    demarche = creer_demarche()
    territoire = creer_territoire(demarche)
    theme = creer_theme(demarche, "parentalite", "La parentalité numérique")
    temps = creer_temps(
        demarche,
        "PDP-1",
        dispositif,
        territoire=territoire,
        questions=["Le numérique, c'est compliqué ?", "C'est quoi être citoyen ?"],
    )
    return demarche, temps, theme


def test_saisir_une_parole_revient_vide_avec_compteur(
    client, connecter, session, creer_demarche, creer_territoire, creer_temps, creer_theme
):
    _, temps, theme = _preparer(creer_demarche, creer_territoire, creer_temps, creer_theme)
    moi = connecter("animateur")
    page = client.get(f"/collecte/temps/{temps.id}/parole").get_data(as_text=True)
    assert "Le numérique, c&#39;est compliqué ?" in page and "La parentalité numérique" in page
    reponse = client.post(
        f"/collecte/temps/{temps.id}/parole",
        data={
            "client_uuid": str(uuid.uuid4()),
            "texte": "Ma fille <b>m'aide</b> pour l'ENT […]",
            "question": "C'est quoi être citoyen ?",
            "profil": "habitant",
            "tranche_age": "40_59",
            "genre": "femme",
            "themes": ["parentalite"],
            "a_retenir": "1",
        },
    )
    html = reponse.get_data(as_text=True)
    assert reponse.status_code == 200
    assert '<strong id="compteur">1</strong>' in html
    assert "Ma fille &lt;b&gt;m&#39;aide&lt;/b&gt;" in html  # message de succès, échappé
    assert (
        '<textarea id="texte" name="texte" rows="5" maxlength="20000" required autofocus '
        'autocomplete="off" autocapitalize="sentences" spellcheck="false"></textarea>'
    ) in html
    assert 'value="C&#39;est quoi être citoyen ?" checked' in html  # la question reste choisie
    contribution = session.exec(select(Contribution)).one()
    assert contribution.texte == "Ma fille <b>m'aide</b> pour l'ENT […]"
    assert (contribution.profil, contribution.tranche_age, contribution.genre) == (
        "habitant",
        "40_59",
        "femme",
    )
    assert contribution.a_retenir and not contribution.ne_pas_citer
    assert contribution.saisie_par_id == moi.id
    assert theme_ids_de(session, contribution.id) == [theme.id]


def test_double_envoi_du_meme_formulaire_ne_cree_qu_une_parole(
    client, connecter, session, creer_demarche, creer_territoire, creer_temps, creer_theme
):
    _, temps, _ = _preparer(creer_demarche, creer_territoire, creer_temps, creer_theme)
    connecter()
    donnees = {"client_uuid": str(uuid.uuid4()), "texte": "Deux fois tapé"}
    client.post(f"/collecte/temps/{temps.id}/parole", data=donnees)
    client.post(f"/collecte/temps/{temps.id}/parole", data=donnees)
    assert len(session.exec(select(Contribution)).all()) == 1


def test_saisie_invalide_garde_ce_qui_a_ete_tape(
    client, connecter, session, creer_demarche, creer_territoire, creer_temps, creer_theme
):
    _, temps, _ = _preparer(creer_demarche, creer_territoire, creer_temps, creer_theme)
    connecter()
    vide = client.post(
        f"/collecte/temps/{temps.id}/parole",
        data={"client_uuid": str(uuid.uuid4()), "texte": "   ", "profil": "jeune"},
    )
    assert vide.status_code == 400
    assert "Le texte est vide" in vide.get_data(as_text=True)
    assert 'value="jeune" checked' in vide.get_data(as_text=True)
    long = "é" * 20_001
    trop = client.post(
        f"/collecte/temps/{temps.id}/parole", data={"client_uuid": str(uuid.uuid4()), "texte": long}
    )
    assert trop.status_code == 400
    assert "la limite est de 20" in trop.get_data(as_text=True)
    assert long in trop.get_data(as_text=True)  # rien n'est perdu : le texte revient dans le champ
    theme = client.post(
        f"/collecte/temps/{temps.id}/parole",
        data={"client_uuid": str(uuid.uuid4()), "texte": "ok", "themes": ["inconnu"]},
    )
    assert "Thème « inconnu » inconnu" in theme.get_data(as_text=True)
    assert session.exec(select(Contribution)).all() == []


def test_annuler_la_derniere(
    client, connecter, session, creer_demarche, creer_territoire, creer_temps, creer_theme
):
    _, temps, _ = _preparer(creer_demarche, creer_territoire, creer_temps, creer_theme)
    connecter()
    for texte in ("première", "seconde"):
        client.post(
            f"/collecte/temps/{temps.id}/parole", data={"client_uuid": str(uuid.uuid4()), "texte": texte}
        )
    reponse = client.post(f"/collecte/temps/{temps.id}/annuler", follow_redirects=True)
    assert "Dernière saisie annulée : « seconde »" in reponse.get_data(as_text=True)
    assert [c.texte for c in session.exec(select(Contribution))] == ["première"]
    client.post(f"/collecte/temps/{temps.id}/annuler")
    rien = client.post(f"/collecte/temps/{temps.id}/annuler", follow_redirects=True)
    assert "Rien à annuler" in rien.get_data(as_text=True)


def test_postits(client, connecter, session, creer_demarche, creer_territoire, creer_temps, creer_theme):
    _, temps, _ = _preparer(creer_demarche, creer_territoire, creer_temps, creer_theme, "ordi_panneau")
    connecter()
    reponse = client.post(
        f"/collecte/temps/{temps.id}/postits",
        data={
            "client_uuid": str(uuid.uuid4()),
            "texte": "Trop de mots de passe !",
            "question": "C'est quoi être citoyen ?",
            "profil": "habitant",
        },
    )
    assert "Trop de mots de passe !" in reponse.get_data(as_text=True)
    postit = session.exec(select(Contribution)).one()
    assert (postit.nature, postit.profil, postit.question) == (
        "postit",
        "inconnu",
        "C'est quoi être citoyen ?",
    )


def test_lecteur_ne_saisit_pas(client, connecter, creer_demarche, creer_territoire, creer_temps, creer_theme):
    _, temps, _ = _preparer(creer_demarche, creer_territoire, creer_temps, creer_theme)
    connecter("lecteur")
    assert client.get(f"/collecte/temps/{temps.id}/parole").status_code == 403
    assert client.post(f"/collecte/temps/{temps.id}/parole", data={"texte": "x"}).status_code == 403
    assert client.get(f"/collecte/temps/{temps.id}").status_code == 200


def test_creer_et_modifier_un_temps(
    client, connecter, session, creer_demarche, creer_territoire, creer_structure
):
    demarche = creer_demarche()
    territoire = creer_territoire(demarche)
    structure = creer_structure(demarche, territoire=territoire)
    connecter()
    reponse = client.post(
        f"/collecte/temps/nouveau/{demarche.slug}",
        data={
            "dispositif": "porteur_de_parole",
            "date": "05/03/2024",
            "territoire_id": territoire.id,
            "structure_id": structure.id,
            "questions": "Le numérique, c'est partout ?\n\nC'est quoi être citoyen ? | Autre",
            "personnes_rencontrees": "23",
            "dont_professionnels": "4",
            "lieu": "Place de la mairie",
        },
    )
    assert reponse.status_code == 302
    temps = session.exec(select(TempsDeCollecte)).one()
    assert temps.ref == "PDP-2024-03-05-1"
    assert temps.questions == ["Le numérique, c'est partout ?", "C'est quoi être citoyen ?", "Autre"]
    assert (temps.personnes_rencontrees, temps.dont_professionnels) == (23, 4)
    fiche = client.get(f"/collecte/temps/{temps.id}").get_data(as_text=True)
    assert "Place de la mairie" in fiche and "23</strong> personnes rencontrées, dont 4" in fiche
    incoherent = client.post(
        f"/collecte/temps/{temps.id}/modifier",
        data={
            "dispositif": "porteur_de_parole",
            "date": "2024-03-05",
            "personnes_rencontrees": "2",
            "dont_professionnels": "5",
        },
    )
    assert "ne peut pas dépasser" in incoherent.get_data(as_text=True)
    mauvaise_date = client.post(
        f"/collecte/temps/{temps.id}/modifier", data={"dispositif": "ordi_panneau", "date": "31/02/2024"}
    )
    assert "illisible" in mauvaise_date.get_data(as_text=True)
    session.refresh(temps)
    assert temps.dispositif == "porteur_de_parole"
    liste = client.get(f"/collecte/temps/?demarche={demarche.slug}").get_data(as_text=True)
    assert "PDP-2024-03-05-1" in liste


def test_un_temps_ne_peut_pas_pointer_une_autre_demarche(client, connecter, creer_demarche, creer_territoire):
    demarche, autre = creer_demarche("a"), creer_demarche("b")
    etranger = creer_territoire(autre)
    connecter()
    reponse = client.post(
        f"/collecte/temps/nouveau/{demarche.slug}",
        data={"dispositif": "autre", "date": "2024-03-05", "territoire_id": etranger.id},
    )
    assert "n&#39;appartient pas à la démarche" in reponse.get_data(as_text=True)
