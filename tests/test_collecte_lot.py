"""Envoi par lots des tablettes (POST /api/contributions/lot), annulation depuis un appareil, 401 avant
CSRF, thèmes fusionnés redirigés, et deux tablettes qui rejouent le même lot en même temps.

Tourne sur SQLite et, en CI, sur PostgreSQL (PAROLE_TEST_DATABASE_URL)."""

import http.cookiejar
import json
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from sqlmodel import select

from collecte.modele.models import AliasTheme, Contribution, ContributionAnnulee, TempsDeCollecte, Theme
from collecte.terrain.saisie import LOT_TAILLE_MAX, theme_ids_de
from collecte.themes import gestion as gestion_themes
from tests.conftest import MOT_DE_PASSE


@pytest.fixture
def lieu(creer_demarche, creer_territoire, creer_temps, creer_theme):
    demarche = creer_demarche()
    themes = {
        slug: creer_theme(demarche, slug, label, rang)
        for rang, (slug, label) in enumerate(
            [
                ("parentalite", "La parentalité numérique"),
                ("manque-moyens", "Manque de moyens"),
                ("moyens-financiers", "Moyens financiers"),
            ]
        )
    }
    temps = creer_temps(demarche, "PDP-1", territoire=creer_territoire(demarche))
    return temps, themes


def _parole(temps, texte, **champs):
    return {
        "client_uuid": str(uuid.uuid4()),
        "temps": temps.id,
        "texte": texte,
        "profil": "habitant",
        **champs,
    }


def _textes(session):
    session.expire_all()
    return [c.texte for c in session.exec(select(Contribution).order_by(Contribution.id))]


def test_un_lot_un_resultat_par_parole(client, connecter, session, lieu):
    temps, themes = lieu
    moi = connecter()
    deja = _parole(temps, "Déjà envoyée hier")
    assert client.post("/api/contributions", json=deja).status_code == 201
    lot = [
        _parole(temps, "Première du lot", themes=["parentalite"]),
        deja,  # rejeu
        {**deja, "texte": "Autre texte, même identifiant"},  # conflit
        _parole(temps, "   "),  # refusée : vide
        _parole(temps, "Thème inconnu", themes=["n-existe-pas"]),  # refusée
        {**_parole(temps, "Temps supprimé"), "temps": 999_999},
        "pas un objet",
        {"texte": "sans identifiant", "temps": temps.id},
        _parole(temps, "Dernière du lot", profil="jeune"),
    ]
    reponse = client.post("/api/contributions/lot", json={"contributions": lot})
    assert reponse.status_code == 200
    corps = reponse.get_json()
    resultats = corps["resultats"]
    assert [r["statut"] for r in resultats] == [
        "creee",
        "deja_enregistree",
        "conflit",
        "refusee",
        "refusee",
        "refusee",
        "refusee",
        "refusee",
        "creee",
    ]
    assert [r["code"] for r in resultats] == [201, 200, 409, 400, 400, 400, 400, 400, 201]
    assert resultats[3]["champ"] == "texte" and "vide" in resultats[3]["erreur"]
    assert resultats[4]["champ"] == "themes" and "n-existe-pas" in resultats[4]["erreur"]
    assert resultats[5]["champ"] == "temps" and "supprimé" in resultats[5]["erreur"]
    assert resultats[7]["champ"] == "client_uuid"
    assert resultats[0]["client_uuid"] == lot[0]["client_uuid"]
    assert corps["compteurs"] == {str(temps.id): 3}
    assert _textes(session) == ["Déjà envoyée hier", "Première du lot", "Dernière du lot"]
    session.expire_all()
    premiere = session.exec(select(Contribution).where(Contribution.texte == "Première du lot")).one()
    assert theme_ids_de(session, premiere.id) == [themes["parentalite"].id]
    assert premiere.saisie_par_id == moi.id and premiere.cree_le == premiere.modifiee_le
    # Rejouer le lot entier ne crée rien de plus.
    rejeu = client.post("/api/contributions/lot", json={"contributions": lot}).get_json()["resultats"]
    assert [r["statut"] for r in rejeu][:3] == ["deja_enregistree", "deja_enregistree", "conflit"]
    assert rejeu[8]["statut"] == "deja_enregistree" and rejeu[8]["id"] == resultats[8]["id"]
    assert len(_textes(session)) == 3


def test_meme_identifiant_deux_fois_dans_le_lot(client, connecter, session, lieu):
    temps, _ = lieu
    connecter()
    parole = _parole(temps, "En double dans le lot")
    resultats = client.post(
        "/api/contributions/lot", json={"contributions": [parole, parole, {**parole, "texte": "Autre"}]}
    ).get_json()["resultats"]
    assert [r["statut"] for r in resultats] == ["creee", "deja_enregistree", "conflit"]
    assert resultats[0]["id"] == resultats[1]["id"]
    assert _textes(session) == ["En double dans le lot"]


def test_une_parole_retouchee_dans_la_revue_n_est_pas_un_conflit(client, connecter, session, lieu):
    temps, _ = lieu
    connecter()
    parole = _parole(temps, "Texte avec une fote")
    ident = client.post("/api/contributions", json=parole).get_json()["id"]
    client.post(
        f"/collecte/revue/{ident}", data={"texte": "Texte avec une faute corrigée", "profil": "habitant"}
    )
    session.expire_all()
    assert session.get(Contribution, ident).texte == "Texte avec une faute corrigée"
    # La tablette, qui n'avait pas reçu la réponse, renvoie la version d'origine : déjà enregistrée.
    resultat = client.post("/api/contributions/lot", json={"contributions": [parole]}).get_json()[
        "resultats"
    ][0]
    assert (resultat["statut"], resultat["id"]) == ("deja_enregistree", ident)
    assert _textes(session) == ["Texte avec une faute corrigée"]


def test_lot_mal_forme_ou_trop_grand(client, connecter, lieu):
    temps, _ = lieu
    connecter()
    for corps in ({"contributions": "non"}, [1, 2], {"autre": []}):
        reponse = client.post("/api/contributions/lot", json=corps)
        assert reponse.status_code == 400 and "contributions" in reponse.get_json()["erreur"]
    trop = [_parole(temps, f"Parole {n}") for n in range(LOT_TAILLE_MAX + 1)]
    reponse = client.post("/api/contributions/lot", json={"contributions": trop})
    assert reponse.status_code == 413 and reponse.get_json()["code"] == "trop_gros"


def test_theme_fusionne_redirige_vers_sa_cible(client, connecter, session, lieu):
    temps, themes = lieu
    connecter()
    gestion_themes.fusionner(session, themes["manque-moyens"], themes["moyens-financiers"])
    assert session.exec(select(AliasTheme.slug)).all() == ["manque-moyens"]
    resultat = client.post(
        "/api/contributions/lot",
        json={
            "contributions": [
                _parole(temps, "Le forfait coûte cher", themes=["manque-moyens", "moyens-financiers"])
            ]
        },
    ).get_json()["resultats"][0]
    assert resultat["statut"] == "creee"
    assert resultat["avertissements"] == ["Thème « manque-moyens » fusionné dans « moyens-financiers »."]
    assert theme_ids_de(session, resultat["id"]) == [themes["moyens-financiers"].id]
    # Fusionner encore la cible : l'ancien alias suit.
    gestion_themes.fusionner(
        session, session.get(Theme, themes["moyens-financiers"].id), themes["parentalite"]
    )
    session.expire_all()
    assert dict(session.exec(select(AliasTheme.slug, AliasTheme.theme_id)).all()) == {
        "manque-moyens": themes["parentalite"].id,
        "moyens-financiers": themes["parentalite"].id,
    }
    # Un nouveau thème qui reprend un ancien slug l'emporte sur l'alias.
    nouveau = Theme(demarche_id=temps.demarche_id, slug="manque-moyens", label="Manque de moyens (nouveau)")
    session.add(nouveau)
    session.commit()
    resultat = client.post(
        "/api/contributions", json=_parole(temps, "Nouveau thème", themes=["manque-moyens"])
    )
    assert resultat.get_json()["themes"] == ["manque-moyens"]
    assert theme_ids_de(session, resultat.get_json()["id"]) == [nouveau.id]


def test_annuler_depuis_un_appareil_est_idempotent(client, connecter, creer_compte, session, lieu):
    temps, _ = lieu
    moi = connecter()
    parole = _parole(temps, "À annuler")
    client.post("/api/contributions", json=parole)
    url = f"/api/contributions/{parole['client_uuid']}/annulation"
    premiere = client.post(url).get_json()
    assert (premiere["statut"], premiere["compteurs"]) == ("annulee", {str(temps.id): 0})
    assert client.post(url).get_json()["statut"] == "deja_annulee"
    assert _textes(session) == []
    # Le renvoi tardif de la parole annulée ne la recrée pas.
    resultat = client.post("/api/contributions/lot", json={"contributions": [parole]}).get_json()[
        "resultats"
    ][0]
    assert (resultat["statut"], resultat["code"]) == ("annulee", 410)
    assert client.post("/api/contributions", json=parole).status_code == 410
    assert _textes(session) == []
    # Annulation arrivée avant la parole (réseau capricieux) : la parole n'est jamais créée.
    avant = _parole(temps, "Annulée avant d'arriver")
    assert (
        client.post(f"/api/contributions/{avant['client_uuid']}/annulation").get_json()["statut"] == "absente"
    )
    assert (
        client.post("/api/contributions/lot", json={"contributions": [avant]}).get_json()["resultats"][0][
            "statut"
        ]
        == "annulee"
    )
    assert _textes(session) == []
    # La trace ne garde jamais le texte.
    assert set(ContributionAnnulee.model_fields) == {"id", "client_uuid", "annulee_le"}
    # Une parole saisie par un autre compte ne s'annule pas.
    autre = creer_compte("animateur")
    sienne = Contribution(temps_id=temps.id, texte="La sienne", saisie_par_id=autre.id)
    session.add(sienne)
    session.commit()
    refus = client.post(f"/api/contributions/{sienne.client_uuid}/annulation")
    assert refus.status_code == 403 and "autre compte" in refus.get_json()["erreur"]
    assert _textes(session) == ["La sienne"]
    assert client.post("/api/contributions/pas-un-uuid/annulation").status_code == 400
    assert moi.id != autre.id


def test_session_et_temps_pour_l_appareil(client, connecter, lieu, session):
    temps, themes = lieu
    assert client.get("/api/session").status_code == 401
    connecter()
    corps = client.get("/api/session").get_json()
    assert corps["csrf"] and corps["utilisateur"]["role"] == "animateur"
    fiche = client.get(f"/api/temps/{temps.id}").get_json()
    assert fiche["ref"] == "PDP-1" and fiche["urls"]["parole"] == f"/collecte/temps/{temps.id}/parole"
    assert [t["slug"] for t in fiche["themes"]] == ["parentalite", "manque-moyens", "moyens-financiers"]
    assert client.get("/api/temps/999999").status_code == 404
    assert client.get(f"/api/temps/{2**40}").status_code == 404


def test_les_lecteurs_n_envoient_rien(client, connecter, lieu):
    temps, _ = lieu
    connecter("lecteur")
    reponse = client.post("/api/contributions/lot", json={"contributions": [_parole(temps, "Non")]})
    assert reponse.status_code == 403 and reponse.get_json()["code"] == "role"


# --- 401 avant CSRF, avec la vraie protection CSRF ----------------------------------------------


@pytest.fixture
def client_csrf(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def _jeton(client):
    return client.get("/api/session").get_json()["csrf"]


def test_sans_session_l_api_repond_401_meme_sans_jeton_csrf(client_csrf, lieu):
    temps, _ = lieu
    for url in (
        "/api/contributions",
        "/api/contributions/lot",
        f"/api/contributions/{uuid.uuid4()}/annulation",
    ):
        reponse = client_csrf.post(url, json={"contributions": []})
        assert reponse.status_code == 401, url
        assert reponse.get_json() == {
            "erreur": "Authentification requise : reconnectez-vous.",
            "code": "connexion",
        }


def test_jeton_csrf_perime_400_csrf_puis_jeton_frais(client_csrf, creer_compte, session, lieu):
    temps, _ = lieu
    compte = creer_compte("animateur")
    page = client_csrf.get("/comptes/connexion").get_data(as_text=True)
    jeton_connexion = page.split('name="csrf-token" content="')[1].split('"')[0]
    client_csrf.post(
        "/comptes/connexion",
        data={"identifiant": compte.identifiant, "mot_de_passe": MOT_DE_PASSE, "csrf_token": jeton_connexion},
    )
    jeton = _jeton(client_csrf)
    with client_csrf.session_transaction() as sess:  # le secret CSRF de la session a changé
        sess.pop("csrf_token")
    perime = client_csrf.post(
        "/api/contributions/lot",
        json={"contributions": [_parole(temps, "x")]},
        headers={"X-CSRFToken": jeton},
    )
    assert perime.status_code == 400 and perime.get_json()["code"] == "csrf"
    frais = _jeton(client_csrf)
    ok = client_csrf.post(
        "/api/contributions/lot",
        json={"contributions": [_parole(temps, "Avec un jeton frais")]},
        headers={"X-CSRFToken": frais},
    )
    assert ok.status_code == 200 and ok.get_json()["resultats"][0]["statut"] == "creee"
    assert _textes(session) == ["Avec un jeton frais"]


# --- Deux tablettes rejouent le même lot au même instant -------------------------------------------


def _ouvreur(base: str, compte) -> tuple:
    ouvreur = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    donnees = f"identifiant={compte.identifiant}&mot_de_passe={MOT_DE_PASSE}".encode()
    ouvreur.open(base + "/comptes/connexion", donnees)
    return ouvreur


def test_rejeu_concurrent_du_meme_lot(serveur_live, session, creer_compte, lieu):
    temps, themes = lieu
    compte = creer_compte("animateur")
    lot = [
        _parole(temps, f"Parole {n} du lot rejoué", themes=["parentalite"] if n % 2 else [])
        for n in range(60)
    ]
    corps = json.dumps({"contributions": lot}).encode()
    ouvreurs = [_ouvreur(serveur_live, compte) for _ in range(4)]
    barriere, reponses, erreurs = threading.Barrier(len(ouvreurs)), [], []

    def envoyer(ouvreur):
        requete = urllib.request.Request(
            serveur_live + "/api/contributions/lot", corps, {"Content-Type": "application/json"}
        )
        barriere.wait()
        try:
            with ouvreur.open(requete, timeout=60) as reponse:
                reponses.append(json.loads(reponse.read()))
        except urllib.error.URLError as erreur:  # noqa: PERF203
            erreurs.append(erreur)

    fils = [threading.Thread(target=envoyer, args=(o,)) for o in ouvreurs]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=90)
    assert erreurs == []
    assert len(reponses) == 4
    # Chaque parole : créée par exactement une des quatre requêtes, « déjà enregistrée » pour les autres.
    for rang in range(len(lot)):
        statuts = sorted(r["resultats"][rang]["statut"] for r in reponses)
        assert statuts == ["creee", "deja_enregistree", "deja_enregistree", "deja_enregistree"], (
            rang,
            statuts,
        )
        assert len({r["resultats"][rang]["id"] for r in reponses}) == 1
    assert sorted(_textes(session)) == sorted(p["texte"] for p in lot)
    session.expire_all()
    assert session.exec(select(TempsDeCollecte)).one().id == temps.id


@pytest.mark.parametrize(
    ("champs", "champ"),
    [
        ({"texte": 123}, "texte"),
        ({"texte": ["a"]}, "texte"),
        ({"texte": {"a": 1}}, "texte"),
        ({"temps": True}, "temps"),
        ({"temps": "1"}, "temps"),
        ({"temps": 1.0}, "temps"),
        ({"profil": 1}, "profil"),
        ({"a_retenir": "oui"}, "a_retenir"),
        ({"ne_pas_citer": 1}, "ne_pas_citer"),
        ({"themes": "parentalite"}, "themes"),
        ({"themes": [1]}, "themes"),
        ({"client_uuid": 12}, "client_uuid"),
    ],
)
def test_l_api_refuse_les_types_inattendus(client, connecter, session, lieu, champs, champ):
    temps, _ = lieu
    connecter()
    reponse = client.post("/api/contributions", json={**_parole(temps, "Texte"), **champs})
    assert reponse.status_code == 400 and reponse.get_json()["champ"] == champ
    assert _textes(session) == []


INVISIBLES = [
    "Avant\u202eaprès",
    "Texte\u2066isolé\u2069",
    "Mot\u200bcollé",
    "Fin\ufeff",
    "Son\x07nerie",
    "Cassé\ud800",
]


@pytest.mark.parametrize("texte", INVISIBLES)
def test_meme_politique_de_caracteres_api_formulaire_et_import(
    client, connecter, session, lieu, tmp_path, texte
):
    from collecte.tableurs.entrees import importer_chemin
    from collecte.tableurs.import_classeur import ErreurImport

    temps, _ = lieu
    connecter()
    api = client.post("/api/contributions", json=_parole(temps, texte))
    assert api.status_code == 400 and "caractères invisibles" in api.get_json()["erreur"]
    # Un formulaire HTML ou un fichier UTF-8 ne peuvent pas transporter une moitié de paire UTF-16 : l'API
    # seule.
    if "\ud800" not in texte:
        formulaire = client.post(
            f"/collecte/temps/{temps.id}/parole", data={"client_uuid": str(uuid.uuid4()), "texte": texte}
        )
        assert formulaire.status_code == 400 and "caractères invisibles" in formulaire.get_data(as_text=True)
        dossier = tmp_path / "classeur"
        dossier.mkdir()
        (dossier / "contributions.csv").write_text(f"temps;texte\nPDP-1;{texte}\n", encoding="utf-8")
        with pytest.raises(ErreurImport, match="caractères invisibles"):
            importer_chemin(session, dossier, "demarche-test")
    assert _textes(session) == []


def test_les_emojis_composes_restent_acceptes(client, connecter, session, lieu):
    temps, _ = lieu
    connecter()
    famille = "Ma famille 👨‍👩‍👧 et moi 👍🏽"
    assert client.post("/api/contributions", json=_parole(temps, famille)).status_code == 201
    assert _textes(session) == [famille]
