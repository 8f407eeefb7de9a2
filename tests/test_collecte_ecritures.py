"""Écritures tout ou rien : l'unité de travail (`collecte.modele.db.unite_de_travail`) et les fonctions de
logique qui l'ouvrent. Chaque test relit la base par une autre session : ce qui compte est ce qu'elle
garde."""

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from collecte import demarches, revue
from collecte.modele.db import unite_de_travail
from collecte.modele.models import (
    Contribution,
    Demarche,
    Invitation,
    Photo,
    ReponseQuestionnaire,
    Structure,
    TempsDeCollecte,
    Territoire,
    Theme,
)
from collecte.modele.validation import ErreurValidation
from collecte.terrain import photos
from collecte.terrain import temps as logique_temps
from collecte.terrain.saisie import remplacer_themes, theme_ids_de
from collecte.themes import gestion as gestion_themes
from questionnaires import invitations, reponses


@pytest.fixture
def relire(app):
    """relire(Modele, [condition]) → les lignes que la base garde, lues par une autre session."""

    def _relire(modele, *conditions):
        with Session(app.extensions["parole_engine"]) as autre:
            return list(autre.exec(select(modele).where(*conditions)))

    return _relire


class Panne(Exception):
    pass


def tomber(*_args):
    raise Panne()


# --- L'unité de travail ------------------------------------------------------------------------------


def test_l_unite_valide_a_la_sortie_et_annule_tout_sur_une_exception(session, relire):
    with unite_de_travail(session):
        session.add(Demarche(slug="gardee", titre="Gardée"))
    with pytest.raises(Panne), unite_de_travail(session):
        session.add(Demarche(slug="perdue", titre="Perdue"))
        session.flush()
        raise Panne()
    assert [d.slug for d in relire(Demarche)] == ["gardee"]


def test_un_doublon_devient_l_erreur_en_francais_donnee(session, relire):
    with unite_de_travail(session):
        session.add(Demarche(slug="vierzon", titre="Première"))
    deja = ErreurValidation("Une démarche « vierzon » existe déjà.", "slug")
    with pytest.raises(ErreurValidation) as erreur, unite_de_travail(session, doublon=deja):
        session.add(Demarche(slug="vierzon", titre="Seconde, arrivée en même temps"))
    assert erreur.value is deja and isinstance(erreur.value.__cause__, IntegrityError)
    assert [d.titre for d in relire(Demarche)] == ["Première"]


def test_une_autre_contrainte_que_l_unicite_remonte_telle_quelle(session, creer_demarche):
    demarche = creer_demarche()
    # clé étrangère : pas un doublon, pas de message trompeur
    with pytest.raises(IntegrityError), unite_de_travail(session, doublon=ErreurValidation("Doublon.")):
        session.add(Territoire(demarche_id=demarche.id + 1000, ville="Nulle part"))


def test_une_unite_ne_s_ouvre_pas_dans_une_autre(session, relire):
    with pytest.raises(RuntimeError, match="imbriquée"), unite_de_travail(session):
        session.add(Demarche(slug="externe", titre="Externe"))
        with unite_de_travail(session):
            pass
    assert relire(Demarche) == []
    with unite_de_travail(session):  # la session resservira
        session.add(Demarche(slug="apres", titre="Après"))
    assert [d.slug for d in relire(Demarche)] == ["apres"]


# --- Revue : une correction est une seule écriture ---------------------------------------------------


@pytest.fixture
def parole(creer_demarche, creer_temps, creer_contribution, creer_theme):
    demarche = creer_demarche()
    moyens, ecole = creer_theme(demarche, "moyens", "Moyens", 0), creer_theme(demarche, "ecole", "École", 1)
    contribution = creer_contribution(creer_temps(demarche, "PDP-1"), "Texte d'origine", themes=[moyens])
    return contribution, moyens, ecole


def test_corriger_une_parole_champs_themes_et_masquee_ensemble(session, relire, parole, creer_compte):
    contribution, _moyens, ecole = parole
    moi = creer_compte("animateur")
    revue.modifier_parole(
        session,
        contribution,
        {"texte": "Texte corrigé", "themes": ["ecole"], "masquee": "1", "profil": "jeune"},
        moi.id,
    )
    [relue] = relire(Contribution)
    assert (relue.texte, relue.profil, relue.masquee, relue.modifiee_par_id) == (
        "Texte corrigé",
        "jeune",
        True,
        moi.id,
    )
    assert theme_ids_de(session, relue.id) == [ecole.id]


def test_une_correction_qui_echoue_en_cours_d_ecriture_ne_laisse_rien(session, relire, parole, monkeypatch):
    contribution, moyens, _ecole = parole

    def remplacer_puis_tomber(*args):
        remplacer_themes(*args)  # les thèmes sont écrits (flush), puis la panne
        session.flush()
        raise Panne()

    monkeypatch.setattr(revue, "remplacer_themes", remplacer_puis_tomber)
    with pytest.raises(Panne):
        revue.modifier_parole(session, contribution, {"texte": "Texte corrigé", "masquee": "1"}, None)
    [relue] = relire(Contribution)
    assert (relue.texte, relue.masquee) == ("Texte d'origine", False)
    assert theme_ids_de(session, relue.id) == [moyens.id]


def test_une_correction_refusee_ne_touche_a_rien(session, relire, parole):
    contribution, moyens, _ecole = parole
    with pytest.raises(ErreurValidation, match="Thème « inconnu » inconnu"):
        revue.modifier_parole(
            session, contribution, {"texte": "Autre", "themes": ["inconnu"], "masquee": "1"}, None
        )
    with pytest.raises(ErreurValidation, match="oui ou non"):
        revue.modifier_parole(session, contribution, {"texte": "Autre", "masquee": "peut-être"}, None)
    [relue] = relire(Contribution)
    assert (relue.texte, relue.masquee) == ("Texte d'origine", False)
    assert theme_ids_de(session, relue.id) == [moyens.id]


def test_une_action_groupee_qui_echoue_ne_marque_aucune_parole(
    session, relire, parole, creer_contribution, monkeypatch
):
    contribution, _moyens, _ecole = parole
    autre = creer_contribution(session.get(TempsDeCollecte, contribution.temps_id), "Une autre parole")
    monkeypatch.setattr(revue, "maintenant", tomber)  # la première parole est déjà marquée
    with pytest.raises(Panne):
        revue.action_groupee(session, [contribution.id, autre.id], "masquer", None, None)
    assert not any(c.masquee for c in relire(Contribution))


# --- Démarches, thèmes, temps : refus typés, base inchangée ------------------------------------------


def test_structure_refusee_reste_telle_quelle(
    session, relire, creer_demarche, creer_structure, creer_territoire
):
    demarche, ailleurs = creer_demarche(), creer_demarche("ailleurs")
    structure = creer_structure(demarche, "Centre social")
    etranger = creer_territoire(ailleurs)
    for territoire_id in (etranger.id, "douze", "999999"):  # « douze » menait à une erreur 500
        with pytest.raises(ErreurValidation, match="n'appartient pas"):
            demarches.enregistrer_structure(
                session, demarche.id, {"nom": "Autre nom", "territoire_id": territoire_id}, structure
            )
    [relue] = relire(Structure)
    assert (relue.nom, relue.territoire_id) == ("Centre social", None)


def test_le_territoire_ajoute_est_enregistre_sans_autre_commit(session, relire, creer_demarche):
    demarche = creer_demarche()
    demarches.trouver_ou_creer_territoire(session, demarche.id, "Vierzon", "Clos du Roy", "QN01812M")
    demarches.trouver_ou_creer_territoire(session, demarche.id, "Vierzon", "Clos du Roy")
    assert [(t.ville, t.quartier, t.code_qpv) for t in relire(Territoire)] == [
        ("Vierzon", "Clos du Roy", "QN01812M")
    ]
    with pytest.raises(ErreurValidation):
        demarches.trouver_ou_creer_territoire(session, demarche.id, "", "Sans ville")
    assert len(relire(Territoire)) == 1


def test_theme_refuse_ni_renomme_ni_rattache(session, relire, creer_demarche, creer_theme):
    demarche = creer_demarche()
    a = creer_theme(demarche, "a", "A")
    b = creer_theme(demarche, "b", "B", parent_id=a.id)
    with pytest.raises(ErreurValidation, match="ancêtre"):
        gestion_themes.enregistrer_theme(
            session, demarche.id, {"slug": "a", "label": "Renommé", "parent_id": b.id}, a
        )
    with pytest.raises(ErreurValidation, match="parent inconnu"):
        gestion_themes.enregistrer_theme(session, demarche.id, {"slug": "c", "label": "C", "parent_id": "b"})
    assert sorted((t.slug, t.label, t.parent_id) for t in relire(Theme)) == [
        ("a", "A", None),
        ("b", "B", a.id),
    ]


def test_temps_refuse_pour_un_choix_illisible(session, relire, creer_demarche):
    demarche = creer_demarche()
    donnees = {"dispositif": "porteur_de_parole", "date": "2024-03-05", "structure_id": "le-tunnel"}
    with pytest.raises(ErreurValidation, match="n'appartient pas à la démarche"):
        logique_temps.enregistrer_temps(session, demarche, donnees)
    assert relire(TempsDeCollecte) == []


# --- Photos : la ligne et le fichier vont ensemble ----------------------------------------------------


def test_supprimer_une_photo_que_la_base_refuse_garde_le_fichier(
    session, relire, creer_demarche, creer_temps, tmp_path, monkeypatch
):
    dossier = tmp_path / "photos"
    dossier.mkdir()
    (dossier / "une.png").write_bytes(b"image")
    photo = Photo(
        temps_id=creer_temps(creer_demarche()).id, fichier="une.png", type_mime="image/png", taille=5
    )
    session.add(photo)
    session.commit()

    monkeypatch.setattr(session, "commit", tomber)
    with pytest.raises(Panne):
        photos.supprimer_photo(session, photo, str(dossier))
    assert (dossier / "une.png").is_file() and len(relire(Photo)) == 1
    monkeypatch.undo()
    photos.supprimer_photo(session, session.get(Photo, photo.id), str(dossier))
    assert not (dossier / "une.png").exists() and relire(Photo) == []


# --- Questionnaires : un envoi est une seule écriture -------------------------------------------------


@pytest.fixture
def invitation(session, creer_demarche, creer_structure):
    demarche = creer_demarche()
    structure = creer_structure(demarche)
    definition = invitations.definition("professionnel")
    return invitations.creer_invitations(session, demarche, definition, [structure.id])[0][0]


def test_inviter_une_structure_illisible_est_refuse(session, relire, creer_demarche, creer_structure):
    demarche = creer_demarche()
    structure = creer_structure(demarche)
    with pytest.raises(ErreurValidation, match="n'appartient pas à cette démarche"):
        invitations.creer_invitations(
            session, demarche, invitations.definition("professionnel"), [structure.id, "tunnel"]
        )
    assert relire(Invitation) == []


def test_un_envoi_qui_echoue_en_cours_d_ecriture_ne_laisse_rien(session, relire, invitation, monkeypatch):
    definition = invitations.definition("professionnel")
    saisie = reponses.Saisie({"q1": ["Nous accompagnons les démarches en ligne."]})
    monkeypatch.setattr(reponses, "synchroniser_contributions", tomber)
    with pytest.raises(Panne):
        reponses.soumettre(session, invitation, definition, saisie, "brouillon")
    assert relire(ReponseQuestionnaire) == [] and relire(Contribution) == []
    monkeypatch.undo()
    assert reponses.soumettre(session, invitation, definition, saisie, "brouillon") is not None
    [envoyee] = relire(ReponseQuestionnaire)
    assert envoyee.statut == "soumise" and [c.texte for c in relire(Contribution)] == [
        saisie.valeurs["q1"][0]
    ]


def test_un_brouillon_apres_envoi_est_refuse_sans_trace(session, relire, invitation):
    definition = invitations.definition("professionnel")
    reponses.soumettre(
        session, invitation, definition, reponses.Saisie({"q1": ["Première réponse."]}), "brouillon"
    )
    with pytest.raises(reponses.RefusEnvoi):
        reponses.enregistrer_brouillon(
            session, invitation, definition, reponses.Saisie({"q1": ["Autre réponse."]})
        )
    [envoyee] = relire(ReponseQuestionnaire)
    assert (envoyee.statut, envoyee.valeurs) == ("soumise", {"q1": "Première réponse."})


# --- Par le web : la vue traduit le refus de la logique (avant : erreurs 500) -------------------------


def test_un_formulaire_trafique_donne_un_message_et_garde_la_saisie(
    client, connecter, relire, creer_demarche, creer_theme, creer_structure
):
    demarche = creer_demarche()
    theme = creer_theme(demarche, "a", "A")
    creer_structure(demarche, "Sans territoire")
    connecter("admin")
    cas = [
        (
            f"/demarches/{demarche.slug}/structures/nouvelle",
            {"nom": "Le Tunnel", "territoire_id": "abc"},
            "Ce territoire n&#39;appartient pas à la démarche.",
            "Le Tunnel",
        ),
        (
            f"/collecte/temps/nouveau/{demarche.slug}",
            {
                "dispositif": "porteur_de_parole",
                "date": "2024-03-05",
                "structure_id": "abc",
                "lieu": "Place de la gare",
            },
            "Ce choix n&#39;appartient pas à la démarche.",
            "Place de la gare",
        ),
        (
            f"/collecte/themes/nouveau?demarche={demarche.slug}",
            {"slug": "b", "label": "Bus", "parent_id": "zz"},
            "Thème parent inconnu dans cette démarche.",
            "Bus",
        ),
    ]
    for adresse, donnees, message, tape in cas:
        page = client.post(adresse, data=donnees)
        assert page.status_code == 200, adresse
        assert message in page.get_data(as_text=True) and tape in page.get_data(as_text=True), adresse
    assert client.post(f"/collecte/themes/{theme.id}/fusionner", data={"cible": "zz"}).status_code == 404
    invitation = client.post(
        f"/questionnaires/{demarche.slug}/inviter",
        follow_redirects=True,
        data={"questionnaire": "professionnel", "structures": ["zz"]},
    )
    assert "Une des structures cochées n&#39;appartient pas à cette démarche." in invitation.get_data(
        as_text=True
    )
    assert [s.nom for s in relire(Structure)] == ["Sans territoire"]
    assert (
        relire(TempsDeCollecte) == []
        and [t.slug for t in relire(Theme)] == ["a"]
        and relire(Invitation) == []
    )


def test_ajouter_un_territoire_puis_voir_la_demarche(
    client, connecter, relire, creer_demarche, creer_structure
):
    demarche = creer_demarche()
    creer_structure(demarche, "Sans territoire")  # la page plantait sur une structure sans territoire
    connecter("animateur")
    page = client.post(
        f"/demarches/{demarche.slug}/territoires", data={"ville": "Vierzon"}, follow_redirects=True
    )
    assert page.status_code == 200 and "Territoire enregistré." in page.get_data(as_text=True)
    assert [(t.ville, t.quartier) for t in relire(Territoire)] == [("Vierzon", "")]
    vide = client.post(f"/demarches/{demarche.slug}/territoires", data={"ville": " "}, follow_redirects=True)
    assert "Le texte est vide" in vide.get_data(as_text=True) and len(relire(Territoire)) == 1
