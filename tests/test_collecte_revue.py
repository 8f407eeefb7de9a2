"""Revue : chaque filtre, recherche sans accents, actions groupées, droits, doublons probables."""

from datetime import date

import pytest

from collecte import revue
from collecte.modele.models import Contribution
from collecte.terrain.saisie import theme_ids_de


@pytest.fixture
def corpus(creer_demarche, creer_territoire, creer_temps, creer_contribution, creer_theme, creer_compte):
    demarche = creer_demarche()
    vierzon, tours = (
        creer_territoire(demarche, "Vierzon", "Clos du Roy"),
        creer_territoire(demarche, "Tours", "Europe"),
    )
    parent, moyens = (
        creer_theme(demarche, "parentalite", "Parentalité", 0),
        creer_theme(demarche, "moyens", "Moyens", 1),
    )
    auteur = creer_compte("animateur", "camille")
    rue = creer_temps(demarche, "PDP-1", territoire=vierzon, date=date(2024, 3, 5))
    panneau = creer_temps(demarche, "OP-1", "ordi_panneau", territoire=tours, date=date(2024, 5, 2))
    c = {
        "enfant": creer_contribution(
            rue, "Mon ENFANT m'aide pour l'école", themes=[parent], profil="habitant", saisie_par_id=auteur.id
        ),
        "forfait": creer_contribution(
            rue, "Le forfait est trop cher, vraiment trop cher pour moi", themes=[moyens], profil="jeune"
        ),
        "postit": creer_contribution(panneau, "Des ordis à la médiathèque", nature="postit"),
        "masquee": creer_contribution(panneau, "Propos injurieux", masquee=True),
        "doublon": creer_contribution(
            panneau, "Le forfait est trop cher vraiment, trop cher pour moi !", profil="habitant"
        ),
    }
    return demarche, {"vierzon": vierzon, "tours": tours, "parent": parent, "moyens": moyens, "rue": rue}, c


def _textes(session, filtres):
    lignes, total = revue.page(session, filtres)
    assert total == len(lignes)
    return sorted(l.contribution.texte for l in lignes)


def test_chaque_filtre(session, corpus):
    demarche, objets, c = corpus
    base = {"demarche_id": demarche.id}
    cas = [
        (
            {},
            [
                "Des ordis à la médiathèque",
                c["forfait"].texte,
                c["doublon"].texte,
                "Mon ENFANT m'aide pour l'école",
            ],
        ),
        ({"territoire_id": objets["vierzon"].id}, [c["forfait"].texte, "Mon ENFANT m'aide pour l'école"]),
        ({"dispositif": "ordi_panneau"}, ["Des ordis à la médiathèque", c["doublon"].texte]),
        ({"theme_id": objets["parent"].id}, ["Mon ENFANT m'aide pour l'école"]),
        ({"profil": "jeune"}, [c["forfait"].texte]),
        ({"date_debut": date(2024, 4, 1)}, ["Des ordis à la médiathèque", c["doublon"].texte]),
        ({"date_fin": date(2024, 4, 1)}, [c["forfait"].texte, "Mon ENFANT m'aide pour l'école"]),
        ({"recherche": "ECOLE enfant"}, []),
        ({"recherche": "enfant m aide pour l ecole"}, ["Mon ENFANT m'aide pour l'école"]),
        ({"recherche": "médiathèque"}, ["Des ordis à la médiathèque"]),
        ({"recherche": "MEDIATHEQUE"}, ["Des ordis à la médiathèque"]),
        (
            {"masquees": True, "dispositif": "ordi_panneau"},
            ["Des ordis à la médiathèque", c["doublon"].texte, "Propos injurieux"],
        ),
    ]
    for filtres, attendu in cas:
        assert _textes(session, revue.Filtres(**base, **filtres)) == sorted(attendu), filtres


def test_doublons_probables(session, corpus):
    demarche, _, c = corpus
    lignes, _ = revue.page(session, revue.Filtres(demarche_id=demarche.id))
    marques = {l.contribution.id: l.doublon_de for l in lignes}
    assert marques[c["forfait"].id][0] == c["doublon"].id and marques[c["doublon"].id][0] == c["forfait"].id
    assert marques[c["enfant"].id] is None and marques[c["postit"].id] is None
    paires = revue.doublons_probables(session, demarche.id)
    assert [(a.contribution.id, b.contribution.id) for a, b, _ in paires] == [
        (c["doublon"].id, c["forfait"].id)
    ]
    assert paires[0][2] >= revue.SEUIL_DOUBLON


def test_actions_groupees(session, corpus, creer_compte):
    demarche, objets, c = corpus
    moi = creer_compte()
    ids = [c["enfant"].id, c["postit"].id]
    assert revue.action_groupee(session, ids, "ajouter_theme", objets["moyens"].id, moi.id) == 2
    assert revue.action_groupee(session, ids, "ajouter_theme", objets["moyens"].id, moi.id) == 0
    assert theme_ids_de(session, c["enfant"].id) == sorted([objets["parent"].id, objets["moyens"].id])
    assert revue.action_groupee(session, [c["enfant"].id], "retirer_theme", objets["parent"].id, moi.id) == 1
    assert revue.action_groupee(session, ids, "retenir", None, moi.id) == 2
    assert revue.action_groupee(session, [c["postit"].id], "masquer", None, moi.id) == 1
    session.expire_all()
    postit = session.get(Contribution, c["postit"].id)
    assert postit.a_retenir and postit.masquee and postit.modifiee_par_id == moi.id
    with pytest.raises(Exception, match="Choisissez un thème"):
        revue.action_groupee(session, ids, "ajouter_theme", None, moi.id)


def test_page_web_lecteur_en_lecture_seule(client, connecter, corpus, creer_contribution):
    demarche, objets, _ = corpus
    creer_contribution(objets["rue"], "<script>alert('x')</script> & « bonjour »")
    connecter("lecteur")
    page = client.get(f"/collecte/revue/?demarche={demarche.slug}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; « bonjour »" in page
    assert "<script>alert" not in page
    assert "Pour les paroles cochées" not in page and "Doublon probable de" in page
    assert "saisie par camille" in page
    assert client.post("/collecte/revue/actions", data={"ids": "1", "action": "masquer"}).status_code == 403
    filtre = client.get(f"/collecte/revue/?demarche={demarche.slug}&profil=jeune").get_data(as_text=True)
    assert "<strong>1</strong> parole" in filtre
    mauvaise_date = client.get(f"/collecte/revue/?demarche={demarche.slug}&date_debut=32/13/2024").get_data(
        as_text=True
    )
    assert "illisible" in mauvaise_date


def test_modifier_une_parole_enregistre_l_editeur(client, connecter, session, corpus):
    demarche, objets, c = corpus
    moi = connecter("animateur")
    reponse = client.post(
        f"/collecte/revue/{c['enfant'].id}",
        data={
            "texte": "Mon enfant m'aide pour l'école [corrigé]",
            "profil": "professionnel",
            "tranche_age": "40_59",
            "themes": ["moyens"],
            "a_retenir": "1",
        },
    )
    assert reponse.status_code == 302
    session.expire_all()
    modifiee = session.get(Contribution, c["enfant"].id)
    assert (modifiee.texte, modifiee.profil, modifiee.a_retenir) == (
        "Mon enfant m'aide pour l'école [corrigé]",
        "professionnel",
        True,
    )
    assert modifiee.modifiee_par_id == moi.id and modifiee.saisie_par_id != moi.id
    assert theme_ids_de(session, modifiee.id) == [objets["moyens"].id]
    vide = client.post(f"/collecte/revue/{c['enfant'].id}", data={"texte": " "})
    assert "Le texte est vide" in vide.get_data(as_text=True)
    session.expire_all()
    assert session.get(Contribution, c["enfant"].id).texte == "Mon enfant m'aide pour l'école [corrigé]"


def test_actions_par_le_web(client, connecter, session, corpus):
    demarche, objets, c = corpus
    connecter("animateur")
    reponse = client.post(
        "/collecte/revue/actions",
        data={
            "ids": [c["forfait"].id, c["doublon"].id],
            "action": "ajouter_theme",
            "theme": objets["parent"].id,
        },
        follow_redirects=True,
    )
    assert "2 parole(s) modifiée(s)." in reponse.get_data(as_text=True)
    rien = client.post("/collecte/revue/actions", data={"action": "masquer"}, follow_redirects=True)
    assert "Cochez au moins une parole." in rien.get_data(as_text=True)
    doublons = client.get(f"/collecte/revue/doublons?demarche={demarche.slug}").get_data(as_text=True)
    assert "Ressemblance" in doublons
