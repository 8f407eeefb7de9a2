"""API JSON : création, rejeu idempotent, conflit, erreurs, droits, et rejeu concurrent."""

import json
import threading
import urllib.request
import uuid

import pytest
from sqlmodel import Session, select

from collecte.modele.champs import valider_contribution
from collecte.modele.models import Contribution
from collecte.terrain.saisie import ConflitContribution, enregistrer_contribution


@pytest.fixture
def temps_api(creer_demarche, creer_territoire, creer_temps, creer_theme):
    demarche = creer_demarche()
    creer_theme(demarche, "parentalite")
    creer_theme(demarche, "manque-moyens", "Manque de moyens", 1)
    return creer_temps(demarche, "PDP-1", territoire=creer_territoire(demarche))


def _corps(temps_, **champs):
    return {
        "client_uuid": str(uuid.uuid4()),
        "temps": temps_.id,
        "texte": "Le forfait coûte trop cher.",
        "profil": "habitant",
        "themes": ["manque-moyens"],
        **champs,
    }


def test_creation_puis_rejeu_puis_conflit(client, connecter, session, temps_api):
    connecter()
    corps = _corps(temps_api, a_retenir=True)
    creee = client.post("/api/contributions", json=corps)
    assert creee.status_code == 201
    assert creee.get_json()["texte"] == "Le forfait coûte trop cher."
    assert creee.get_json()["themes"] == ["manque-moyens"]
    rejouee = client.post("/api/contributions", json=corps)
    assert rejouee.status_code == 200
    assert rejouee.get_json()["id"] == creee.get_json()["id"]
    autre = client.post("/api/contributions", json={**corps, "texte": "Autre chose"})
    assert autre.status_code == 409
    assert "déjà été utilisé" in autre.get_json()["erreur"]
    # Même texte, autres thèmes : c'est la même parole (le livre de codes ou la revue ont pu changer
    # depuis l'envoi) ; la version enregistrée est gardée telle quelle.
    autres_themes = client.post("/api/contributions", json={**corps, "themes": ["parentalite"]})
    assert autres_themes.status_code == 200
    assert autres_themes.get_json()["themes"] == ["manque-moyens"]
    assert [c.texte for c in session.exec(select(Contribution))] == ["Le forfait coûte trop cher."]


@pytest.mark.parametrize(
    ("modif", "statut", "champ"),
    [
        ({"texte": ""}, 400, "texte"),
        ({"texte": "x" * 20_001}, 400, "texte"),
        ({"client_uuid": "pas-un-uuid"}, 400, "client_uuid"),
        ({"temps": 999_999}, 400, "temps"),
        ({"profil": "élu"}, 400, "profil"),
        ({"themes": ["inconnu"]}, 400, "themes"),
    ],
)
def test_erreurs_de_validation(client, connecter, session, temps_api, modif, statut, champ):
    connecter()
    reponse = client.post("/api/contributions", json=_corps(temps_api, **modif))
    assert reponse.status_code == statut
    assert reponse.get_json()["champ"] == champ
    assert session.exec(select(Contribution)).all() == []


def test_json_mal_forme(client, connecter):
    connecter()
    for contenu in ("{pas du json", "[1, 2]", ""):
        reponse = client.post("/api/contributions", data=contenu, content_type="application/json")
        assert reponse.status_code == 400
        assert "Corps JSON attendu" in reponse.get_json()["erreur"]


def test_droits(client, connecter, temps_api):
    assert client.post("/api/contributions", json=_corps(temps_api)).status_code == 401
    connecter("lecteur")
    assert client.post("/api/contributions", json=_corps(temps_api)).status_code == 403


def test_rejeu_concurrent_via_http_une_seule_ligne(serveur_live, session, temps_api, creer_compte):
    """Deux tablettes (ou deux onglets) renvoient la même parole au même instant."""
    from tests.conftest import MOT_DE_PASSE

    compte = creer_compte("animateur")
    corps = json.dumps(_corps(temps_api)).encode()

    def ouvrir_session():
        import http.cookiejar

        ouvreur = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        donnees = f"identifiant={compte.identifiant}&mot_de_passe={MOT_DE_PASSE}".encode()
        ouvreur.open(serveur_live + "/comptes/connexion", donnees)
        return ouvreur

    ouvreurs = [ouvrir_session() for _ in range(4)]
    barriere, statuts = threading.Barrier(len(ouvreurs)), []

    def envoyer(ouvreur):
        requete = urllib.request.Request(
            serveur_live + "/api/contributions", corps, {"Content-Type": "application/json"}
        )
        barriere.wait()
        with ouvreur.open(requete) as reponse:
            statuts.append(reponse.status)

    fils = [threading.Thread(target=envoyer, args=(o,)) for o in ouvreurs]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=30)
    assert sorted(statuts) == [200, 200, 200, 201]
    assert len(session.exec(select(Contribution)).all()) == 1


def test_course_au_niveau_de_la_base(app, temps_api):
    """Deux sessions indépendantes insèrent le même UUID en même temps : une ligne, aucune erreur."""
    engine = app.extensions["parole_engine"]
    ident = uuid.uuid4()
    donnees = valider_contribution({"texte": "Même parole", "themes": "parentalite"}, {"parentalite": 1})
    barriere, resultats, erreurs = threading.Barrier(2), [], []

    def inserer():
        with Session(engine, expire_on_commit=False) as s:
            barriere.wait()
            try:
                resultats.append(enregistrer_contribution(s, temps_api, donnees, ident)[1])
            except (ConflitContribution, Exception) as erreur:  # noqa: BLE001 — on veut voir toute erreur
                erreurs.append(erreur)

    fils = [threading.Thread(target=inserer) for _ in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join(timeout=30)
    assert erreurs == []
    assert sorted(resultats) == [False, True]
    with Session(engine) as s:
        assert len(s.exec(select(Contribution)).all()) == 1
