"""Revue : chaque filtre, recherche sans accents, actions groupées, droits, doublons probables, données
personnelles repérées (surlignage échappé, masquer, écarter, filtre, actions groupées, droits)."""

from datetime import date

import pytest
from sqlmodel import select

from collecte import doublons, revue
from collecte.confidentialite import detection
from collecte.modele.models import Contribution, Journal, Reperage
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
    assert paires[0][2] >= doublons.SEUIL_DOUBLON


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


# --- Données personnelles repérées ------------------------------------------------------------------

TELEPHONE = "06 12 34 56 78"


@pytest.fixture
def avec_donnees(corpus, creer_contribution):
    demarche, objets, c = corpus
    c["telephone"] = creer_contribution(objets["rue"], f"<b>Mon</b> numéro & le sien : {TELEPHONE} !")
    c["courriel"] = creer_contribution(objets["rue"], "Écrivez-moi : camille.dupuis@exemple.fr")
    return demarche, objets, c


def _reperages(session, contribution_id):
    session.expire_all()
    return list(
        session.exec(
            select(Reperage).where(Reperage.contribution_id == contribution_id).order_by(Reperage.debut)
        )
    )


def test_la_page_examine_surligne_et_echappe(client, connecter, session, avec_donnees):
    demarche, _, c = avec_donnees
    connecter("lecteur")
    page = client.get(f"/collecte/revue/?demarche={demarche.slug}").get_data(as_text=True)
    # Les paroles affichées ont été examinées avant le rendu.
    (telephone,) = _reperages(session, c["telephone"].id)
    assert session.get(Contribution, c["telephone"].id).examinee_par == detection.VERSION
    debut = '&lt;b&gt;Mon&lt;/b&gt; numéro &amp; le sien : <mark class="donnee-personnelle" data-sorte='
    assert debut + '"telephone"' in page
    cache = '<span class="visuellement-cache"> (téléphone, donnée personnelle à examiner)</span>'
    assert f"{TELEPHONE}{cache}</mark> !</blockquote>" in page
    assert "<b>Mon</b>" not in page
    assert "<strong>2</strong> paroles avec des données personnelles à examiner" in page
    # Lecteur·rice : les surlignages, pas les boutons ; et un envoi direct est refusé.
    assert "Masquer ([téléphone])" not in page and "Pas une donnée personnelle" not in page
    version = session.get(Contribution, c["telephone"].id).modifiee_le.isoformat()
    for action in ("masquer", "ecarter"):
        reponse = client.post(f"/collecte/revue/reperages/{telephone.id}/{action}", data={"version": version})
        assert reponse.status_code == 403
    assert client.post("/collecte/revue/donnees", data={"action": "masquer_donnees"}).status_code == 403
    assert session.get(Contribution, c["telephone"].id).texte.endswith(f"{TELEPHONE} !")


def test_masquer_et_ecarter_depuis_la_page(client, connecter, session, avec_donnees):
    demarche, _, c = avec_donnees
    connecter("animateur")
    liste = f"/collecte/revue/?demarche={demarche.slug}&profil="
    page = client.get(liste).get_data(as_text=True)
    assert page.count("Masquer ([téléphone])") == 1 and page.count("Masquer ([courriel])") == 1
    (telephone,) = _reperages(session, c["telephone"].id)
    affichee = session.get(Contribution, c["telephone"].id).modifiee_le.isoformat()
    assert f'name="version" value="{affichee}"' in page

    retour = f"{liste}#parole-{c['telephone'].id}"
    reponse = client.post(
        f"/collecte/revue/reperages/{telephone.id}/masquer", data={"version": affichee, "retour": retour}
    )
    assert reponse.status_code == 302 and reponse.location == retour
    session.expire_all()
    assert session.get(Contribution, c["telephone"].id).texte == "<b>Mon</b> numéro & le sien : [téléphone] !"
    suite = client.get(liste).get_data(as_text=True)
    assert "Donnée personnelle masquée." in suite and "Masquer ([téléphone])" not in suite

    # La même page, restée ouverte dans un autre onglet : refusée, rien ne bouge.
    (courriel,) = _reperages(session, c["courriel"].id)
    perimee = client.post(
        f"/collecte/revue/reperages/{courriel.id}/ecarter",
        data={"version": "2000-01-01T00:00:00+00:00", "retour": "https://ailleurs.example/"},
    )
    assert perimee.location == "/collecte/revue/"  # redirection sûre
    assert "La parole a changé depuis l&#39;affichage de la page : rien n&#39;a été écarté." in client.get(
        liste
    ).get_data(as_text=True)
    assert _reperages(session, c["courriel"].id)[0].statut == "a_examiner"
    version = session.get(Contribution, c["courriel"].id).modifiee_le.isoformat()
    client.post(f"/collecte/revue/reperages/{courriel.id}/ecarter", data={"version": version})
    assert _reperages(session, c["courriel"].id)[0].statut == "ecarte"
    page = client.get(liste).get_data(as_text=True)
    assert '<span class="donnee-ecartee" data-sorte="courriel"' in page
    assert "<strong>0</strong> paroles avec des données personnelles à examiner" in page


def test_filtre_et_actions_groupees_donnees_personnelles(client, connecter, session, avec_donnees):
    demarche, _, c = avec_donnees
    connecter("animateur")
    client.get(f"/collecte/revue/?demarche={demarche.slug}")  # examine la page

    def filtre(cle):
        lignes, total = revue.page(session, revue.Filtres(demarche_id=demarche.id, donnees=cle))
        return sorted(l.contribution.id for l in lignes)

    assert filtre("a_examiner") == sorted([c["telephone"].id, c["courriel"].id])
    assert filtre("ecartees") == []
    assert c["enfant"].id in filtre("aucune") and c["telephone"].id not in filtre("aucune")
    page = client.get(f"/collecte/revue/?demarche={demarche.slug}&donnees=a_examiner").get_data(as_text=True)
    assert "<strong>2</strong> paroles" in page and 'value="a_examiner" selected' in page

    # Sélection : « tout marquer pas une donnée personnelle » sur une parole cochée.
    reponse = client.post(
        "/collecte/revue/actions",
        data={"ids": [c["courriel"].id], "action": "ecarter_donnees"},
        follow_redirects=True,
    )
    assert "1 repérage(s) marqué(s) « pas une donnée personnelle »." in reponse.get_data(as_text=True)
    assert filtre("ecartees") == [c["courriel"].id]

    # Tout le filtre : la confirmation est exigée, puis tout est masqué.
    filtre_affiche = f"demarche={demarche.slug}&donnees=a_examiner"
    sans_confirmation = client.post(
        "/collecte/revue/donnees",
        data={"filtre": filtre_affiche, "action": "masquer_donnees"},
        follow_redirects=True,
    )
    assert "Cochez « Je confirme »" in sans_confirmation.get_data(as_text=True)
    assert TELEPHONE in session.get(Contribution, c["telephone"].id).texte
    reponse = client.post(
        "/collecte/revue/donnees",
        data={"filtre": filtre_affiche, "action": "masquer_donnees", "confirmation": "1"},
        follow_redirects=True,
    )
    assert "1 donnée(s) personnelle(s) masquée(s)." in reponse.get_data(as_text=True)
    session.expire_all()
    assert session.get(Contribution, c["telephone"].id).texte.endswith("[téléphone] !")
    assert session.get(Contribution, c["courriel"].id).texte.endswith("camille.dupuis@exemple.fr")  # écartée
    assert filtre("a_examiner") == []
    (ligne,) = session.exec(select(Journal).where(Journal.action == "masquage")).all()
    assert ligne.details == "1 parole ; téléphone × 1" and TELEPHONE not in ligne.objet + ligne.details


def test_la_page_de_modification_montre_les_reperages_et_reexamine(client, connecter, session, avec_donnees):
    _, _, c = avec_donnees
    connecter("animateur")
    page = client.get(f"/collecte/revue/{c['telephone'].id}").get_data(as_text=True)
    assert "Données personnelles repérées" in page and "Masquer ([téléphone])" in page
    assert f'name="retour" value="/collecte/revue/{c["telephone"].id}"' in page
    avant = [(r.debut, r.fin) for r in _reperages(session, c["telephone"].id)]
    client.post(f"/collecte/revue/{c['telephone'].id}", data={"texte": "Le mieux : 07 81 22 45 90."})
    (apres,) = _reperages(session, c["telephone"].id)
    texte = session.get(Contribution, c["telephone"].id).texte
    assert texte[apres.debut : apres.fin] == "07 81 22 45 90"
    assert [(apres.debut, apres.fin)] != avant
    assert session.get(Contribution, c["telephone"].id).examinee_par == detection.VERSION
