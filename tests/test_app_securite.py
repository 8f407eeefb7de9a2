"""Sécurité transversale : chaque route exige un compte (sauf connexion et questionnaire public),
CSRF actif hors configuration de test, rôles respectés, clé secrète exigée en production."""

import re
import uuid

import pytest

from app import ENDPOINTS_PUBLICS, PREFIXES_PUBLICS, ConfigurationIncomplete, create_app
from collecte.modele.db import init_db
from tests.conftest import MOT_DE_PASSE


def _url_factice(regle) -> str:
    valeurs = {}
    for convertisseur, options, argument in re.findall(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", regle.rule):
        if convertisseur == "any":
            valeurs[argument] = options.split(",")[0].strip()
        else:
            valeurs[argument] = 1 if convertisseur in ("int", "float") else "x"
    return regle.build(valeurs, append_unknown=False)[1]


def _routes(app):
    for regle in app.url_map.iter_rules():
        for methode in sorted(regle.methods - {"HEAD", "OPTIONS"}):
            yield regle, methode


def test_toutes_les_routes_exigent_un_compte(app, client):
    routes = list(_routes(app))
    assert len(routes) > 10, "la carte des routes paraît vide"
    for regle, methode in routes:
        public = regle.endpoint in ENDPOINTS_PUBLICS or regle.endpoint.startswith(PREFIXES_PUBLICS)
        if public:
            continue
        url = _url_factice(regle)
        reponse = client.open(url, method=methode)
        if url.startswith("/api/"):
            assert reponse.status_code == 401, (methode, url, reponse.status_code)
        else:
            assert reponse.status_code == 302, (methode, url, reponse.status_code)
            assert "/comptes/connexion" in reponse.headers["Location"], (methode, url)


def test_les_routes_publiques_ne_livrent_rien_sans_jeton_valide(app, client):
    for regle, methode in _routes(app):
        if regle.endpoint.startswith(PREFIXES_PUBLICS):
            reponse = client.open(_url_factice(regle), method=methode)
            assert reponse.status_code in (400, 404, 410), (regle.rule, reponse.status_code)


def test_la_page_de_connexion_est_publique(client):
    reponse = client.get("/comptes/connexion")
    assert reponse.status_code == 200
    assert "Identifiant" in reponse.get_data(as_text=True)


@pytest.fixture
def app_csrf(tmp_path):
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": uuid.uuid4().hex,
            "WTF_CSRF_ENABLED": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'csrf.sqlite'}",
        }
    )
    init_db(application.extensions["parole_engine"])
    yield application
    application.extensions["parole_engine"].dispose()


def _jeton(reponse) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', reponse.get_data(as_text=True)).group(1)


def test_csrf_exige_sur_la_connexion_et_les_formulaires(app_csrf):
    from collecte.comptes import creer_utilisateur
    from collecte.modele.db import get_session

    with app_csrf.app_context():
        creer_utilisateur(get_session(), "anim", MOT_DE_PASSE, "animateur")
    client = app_csrf.test_client()
    sans_jeton = client.post("/comptes/connexion", data={"identifiant": "anim", "mot_de_passe": MOT_DE_PASSE})
    assert sans_jeton.status_code == 400
    assert "expiré" in sans_jeton.get_data(as_text=True)
    jeton = _jeton(client.get("/comptes/connexion"))
    connexion = client.post(
        "/comptes/connexion", data={"identifiant": "anim", "mot_de_passe": MOT_DE_PASSE, "csrf_token": jeton}
    )
    assert connexion.status_code == 302
    creation = client.post("/demarches/nouvelle", data={"titre": "Sans jeton"})
    assert creation.status_code == 400
    api = client.post("/api/contributions", json={"texte": "x"})
    assert api.status_code == 400
    assert "CSRF" in api.get_json()["erreur"]


def test_un_lecteur_ne_peut_pas_ecrire(client, connecter):
    connecter("lecteur")
    assert client.get("/demarches/").status_code == 200
    assert client.post("/demarches/nouvelle", data={"titre": "Interdit"}).status_code == 403
    assert client.get("/comptes/").status_code == 403


def test_un_animateur_ne_gere_pas_les_comptes(client, connecter):
    connecter("animateur")
    assert client.get("/comptes/").status_code == 403
    assert client.post("/demarches/nouvelle", data={"titre": "Autorisé"}).status_code == 302


def test_mauvais_mot_de_passe_et_compte_desactive(client, creer_compte, session):
    compte = creer_compte("admin")
    refus = client.post(
        "/comptes/connexion", data={"identifiant": compte.identifiant, "mot_de_passe": "faux"}
    )
    assert refus.status_code == 401
    assert "Identifiant ou mot de passe incorrect." in refus.get_data(as_text=True)
    compte.actif = False
    session.add(compte)
    session.commit()
    desactive = client.post(
        "/comptes/connexion", data={"identifiant": compte.identifiant, "mot_de_passe": MOT_DE_PASSE}
    )
    assert desactive.status_code == 401


def test_pas_de_redirection_ouverte_apres_connexion(client, creer_compte):
    compte = creer_compte()
    reponse = client.post(
        "/comptes/connexion?next=//exemple.invalid/piege",
        data={"identifiant": compte.identifiant, "mot_de_passe": MOT_DE_PASSE},
    )
    assert reponse.headers["Location"] == "/"


@pytest.mark.parametrize("cle", [None, "dev", "court"])
def test_production_refuse_une_cle_faible(tmp_path, monkeypatch, cle):
    monkeypatch.setenv("PAROLE_INSTANCE", str(tmp_path / "instance-vide"))
    monkeypatch.delenv("PAROLE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationIncomplete, match="Clé secrète"):
        create_app({"SECRET_KEY": cle, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"})


def test_admin_gere_les_comptes(client, connecter, session):
    connecter("admin")
    cree = client.post(
        "/comptes/", data={"identifiant": "nouvelle", "mot_de_passe": "cheval-agrafe-pile", "role": "lecteur"}
    )
    assert cree.status_code == 302
    page = client.get("/comptes/").get_data(as_text=True)
    assert "nouvelle" in page
    trop_court = client.post(
        "/comptes/",
        data={"identifiant": "autre", "mot_de_passe": "court", "role": "lecteur"},
        follow_redirects=True,
    )
    assert "au moins 10 caractères" in trop_court.get_data(as_text=True)
