"""Comptes : essais de connexion limités, mots de passe évidents refusés, sessions qui finissent vraiment,
redirections qui restent sur le site, en-têtes de sécurité, pages d'erreur en français."""

import errno
import subprocess
import sys
import urllib.parse
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from collecte import comptes
from collecte.modele.models import Utilisateur
from collecte.modele.validation import ErreurValidation
from tests.conftest import MOT_DE_PASSE

DONNEES = Path(__file__).parent / "donnees"


def _lignes(nom: str) -> list[str]:
    lignes = (DONNEES / nom).read_text(encoding="utf-8").splitlines()
    return [
        l.replace("\\t", "\t").replace("\\r", "\r").replace("\\n", "\n").replace("\\\\", "\\")
        for l in lignes
        if l and not l.startswith("#")
    ]


def _connexion(client, identifiant, mot_de_passe=MOT_DE_PASSE, **champs):
    return client.post(
        "/comptes/connexion", data={"identifiant": identifiant, "mot_de_passe": mot_de_passe, **champs}
    )


# --- Essais de connexion ----------------------------------------------------------------------


def test_essais_limites_par_compte_sans_dire_s_il_existe(app, client, creer_compte):
    compte = creer_compte("animateur")
    statuts = {}
    for identifiant in (compte.identifiant, "personne-inconnue"):
        statuts[identifiant] = [
            _connexion(client, identifiant, "mauvais-mot-de-passe").status_code for _ in range(6)
        ]
    # Même réponse pour un compte qui existe et pour un inconnu : la limite ne trahit rien.
    assert statuts[compte.identifiant] == statuts["personne-inconnue"] == [401] * 5 + [429]
    bloque = _connexion(client, compte.identifiant)  # même le bon mot de passe attend
    assert bloque.status_code == 429 and bloque.headers["Retry-After"] == "60"
    page = bloque.get_data(as_text=True)
    assert "Trop de tentatives de connexion : patientez une minute" in page
    assert f'value="{compte.identifiant}"' in page  # l'identifiant tapé reste dans le champ


def test_essais_limites_par_adresse(app, client):
    app.config["RATELIMIT_CONNEXION_ADRESSE"] = "8 per minute"
    statuts = [_connexion(client, f"inconnu-{n}", "x").status_code for n in range(9)]
    assert statuts == [401] * 8 + [429]


# --- Mots de passe ----------------------------------------------------------------------------


@pytest.mark.parametrize("mot_de_passe", _lignes("mots_de_passe_refuses.txt"))
def test_mots_de_passe_evidents_refuses(session, mot_de_passe):
    with pytest.raises(ErreurValidation) as refus:
        comptes.creer_utilisateur(session, "camille", mot_de_passe, "animateur")
    assert refus.value.champ == "mot_de_passe"
    assert session.exec(select(Utilisateur)).all() == []


def test_un_mot_de_passe_solide_est_accepte(session):
    assert (
        comptes.creer_utilisateur(session, "camille", "cheval agrafe pile", "animateur").identifiant
        == "camille"
    )


def test_changer_pour_un_mot_de_passe_evident_est_refuse(client, connecter, creer_compte):
    connecter("admin")
    autre = creer_compte("animateur")
    page = client.post(
        f"/comptes/{autre.id}",
        data={"role": "animateur", "actif": "1", "mot_de_passe": "azertyuiop"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "parmi les plus courants" in page


# --- Sessions qui finissent ---------------------------------------------------------------------


def _cookie(client, nom):
    return client.get_cookie(nom)


def _copie(app, cookies: dict):
    """Un autre navigateur qui n'a que ces cookies (copiés, volés…)."""
    autre = app.test_client()
    for nom, valeur in cookies.items():
        autre.set_cookie(nom, valeur)
    return autre


def _connecte(client) -> bool:
    return client.get("/demarches/").status_code == 200


def test_deconnexion_ferme_la_session_copiee_et_le_cookie_rester_connecte(app, client, creer_compte):
    compte = creer_compte("animateur")
    _connexion(client, compte.identifiant, se_souvenir="1")
    copies = {nom: _cookie(client, nom).value for nom in ("session", "remember_token")}
    seulement_souvenir = _copie(app, {"remember_token": copies["remember_token"]})
    assert _connecte(_copie(app, copies)) and _connecte(seulement_souvenir)
    client.post("/comptes/deconnexion")
    assert not _connecte(_copie(app, copies))
    assert not _connecte(_copie(app, {"remember_token": copies["remember_token"]}))
    # Nouvelle connexion : un nouveau jeton « rester connecté ».
    _connexion(client, compte.identifiant, se_souvenir="1")
    assert _cookie(client, "remember_token").value != copies["remember_token"]


@pytest.mark.parametrize(
    "changement", [{"mot_de_passe": "cheval agrafe pile nouvelle"}, {}], ids=["mot_de_passe", "desactivation"]
)
def test_changement_de_mot_de_passe_ou_desactivation_ferme_les_sessions(
    app, client, creer_compte, changement
):
    compte = creer_compte("animateur")
    _connexion(client, compte.identifiant, se_souvenir="1")
    copies = {nom: _cookie(client, nom).value for nom in ("session", "remember_token")}
    admin = app.test_client()
    administrateur = creer_compte("admin")
    _connexion(admin, administrateur.identifiant)
    actif = {"actif": "1"} if changement else {}
    admin.post(f"/comptes/{compte.id}", data={"role": "animateur", **actif, **changement})
    assert not _connecte(client)
    assert not _connecte(_copie(app, copies))
    assert not _connecte(_copie(app, {"remember_token": copies["remember_token"]}))


def _jours_avant_expiration(entete: str) -> float:
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    expire = next(p.split("=", 1)[1] for p in entete.split("; ") if p.lower().startswith("expires="))
    return (parsedate_to_datetime(expire) - datetime.now(UTC)).total_seconds() / 86400


def test_cookies_rester_connecte_limites_et_proteges(app, client, creer_compte):
    compte = creer_compte("animateur")
    reponse = _connexion(client, compte.identifiant, se_souvenir="1")
    entetes = [h for h in reponse.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]
    assert entetes, reponse.headers
    attributs = entetes[0].lower()
    assert "httponly" in attributs and "samesite=lax" in attributs and "secure" not in attributs
    assert 29 <= _jours_avant_expiration(entetes[0]) <= 30  # 30 jours, plus un an


def test_cookies_secure_par_l_environnement(tmp_path, monkeypatch, creer_compte):
    monkeypatch.setenv("PAROLE_SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("PAROLE_REMEMBER_COOKIE_DURATION", "86400")
    from app import create_app
    from collecte.modele.db import init_db

    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 40,
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}",
        }
    )
    init_db(application.extensions["parole_engine"])
    from sqlmodel import Session

    with Session(application.extensions["parole_engine"]) as s:
        comptes.creer_utilisateur(s, "camille", MOT_DE_PASSE, "animateur")
    client = application.test_client()
    reponse = _connexion(client, "camille", se_souvenir="1")
    cookies = {h.split("=", 1)[0]: h.lower() for h in reponse.headers.getlist("Set-Cookie")}
    assert "secure" in cookies["session"] and "secure" in cookies["remember_token"]
    assert 0 <= _jours_avant_expiration(cookies["remember_token"]) <= 1
    assert reponse.headers["Strict-Transport-Security"] == "max-age=31536000"
    monkeypatch.setenv("PAROLE_SESSION_COOKIE_SECURE", "peut-être")
    with pytest.raises(RuntimeError, match="PAROLE_SESSION_COOKIE_SECURE"):
        create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite'}"})


# --- Redirections ---------------------------------------------------------------------------------


def _reste_sur_le_site(location: str) -> bool:
    morceaux = urllib.parse.urlsplit(location)
    return (
        morceaux.netloc in ("", "localhost")
        and morceaux.scheme in ("", "http")
        and not any(c in location for c in "\r\n\t\\")
        and location.startswith(("/", "http://localhost/"))
    )


@pytest.mark.parametrize("cible", _lignes("redirections_piegees.txt"))
def test_next_piege_apres_une_vraie_connexion(client, creer_compte, cible):
    compte = creer_compte("animateur")
    reponse = client.post(
        "/comptes/connexion?next=" + cible.replace("\r", "%0d").replace("\n", "%0a").replace("\t", "%09"),
        data={"identifiant": compte.identifiant, "mot_de_passe": MOT_DE_PASSE},
    )
    assert reponse.status_code == 302
    assert _reste_sur_le_site(reponse.headers["Location"]), reponse.headers["Location"]


@pytest.mark.parametrize("cible", _lignes("redirections_piegees.txt"))
def test_retour_piege_de_la_revue(client, connecter, cible):
    connecter("animateur")
    reponse = client.post("/collecte/revue/actions", data={"retour": cible, "action": "a_retenir"})
    assert reponse.status_code == 302
    assert _reste_sur_le_site(reponse.headers["Location"]), reponse.headers["Location"]


@pytest.mark.parametrize("cible", _lignes("redirections_piegees.txt"))
def test_retour_piege_des_photos(client, connecter, creer_demarche, creer_temps, cible):
    connecter("animateur")
    temps = creer_temps(creer_demarche())
    reponse = client.post(f"/collecte/temps/{temps.id}/photos", data={"retour": cible})
    assert reponse.status_code == 302
    assert _reste_sur_le_site(reponse.headers["Location"]), reponse.headers["Location"]


def test_une_cible_interne_est_gardee(client, creer_compte):
    compte = creer_compte("animateur")
    reponse = client.post(
        "/comptes/connexion?next=/collecte/revue/%3Fpage%3D2",
        data={"identifiant": compte.identifiant, "mot_de_passe": MOT_DE_PASSE},
    )
    assert reponse.headers["Location"] == "/collecte/revue/?page=2"


# --- En-têtes, erreurs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "adresse",
    [
        "/comptes/connexion",
        "/demarches/",
        "/api/session",
        "/static/parole.css",
        "/n-existe-pas",
        "/q/jeton-inconnu",
    ],
)
def test_entetes_de_securite_partout(client, connecter, adresse):
    connecter("animateur")
    entetes = client.get(adresse).headers
    politique = entetes["Content-Security-Policy"]
    assert (
        "script-src 'self'" in politique
        and "frame-ancestors 'none'" in politique
        and "'unsafe-inline'" not in politique
    )
    assert entetes["X-Frame-Options"] == "DENY"
    assert entetes["X-Content-Type-Options"] == "nosniff"
    assert entetes["Referrer-Policy"] == "no-referrer"
    if adresse != "/static/parole.css":
        assert "public" not in entetes.get("Cache-Control", "")
    if adresse in ("/demarches/", "/api/session"):
        assert entetes["Cache-Control"].startswith("private")


def test_aucun_gestionnaire_en_ligne_dans_les_gabarits():
    gabarits = (Path(__file__).parent.parent / "templates").rglob("*.html")
    fautifs = [
        (g.name, m)
        for g in gabarits
        for m in __import__("re").findall(r"\son[a-z]+=|\sstyle=|<script>", g.read_text())
    ]
    assert fautifs == []


def test_erreur_500_en_francais_et_json_sous_api(app, client, connecter, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    connecter("admin")

    def panne(*_args, **_kwargs):
        raise RuntimeError("panne inattendue")

    monkeypatch.setattr("collecte.views.demarches.logique.lister_demarches", panne)
    page = client.get("/demarches/")
    assert page.status_code == 500 and "Erreur du serveur" in page.get_data(as_text=True)
    assert "Traceback" not in page.get_data(as_text=True) and "Internal Server Error" not in page.get_data(
        as_text=True
    )
    monkeypatch.setattr("collecte.views.api.enregistrer_lot", panne)
    api = client.post("/api/contributions/lot", json={"contributions": []})
    assert api.status_code == 500 and api.get_json()["code"] == "serveur"
    assert client.delete("/demarches/").status_code == 405
    assert "Action impossible ici" in client.delete("/demarches/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("erreur", "code", "attendu"),
    [
        (OperationalError("INSERT", {}, Exception("database is locked")), 503, "occupée"),
        (OperationalError("INSERT", {}, Exception("database or disk is full")), 507, "plus de place"),
        (
            OperationalError("INSERT", {}, Exception("attempt to write a readonly database")),
            503,
            "lecture seule",
        ),
        (OSError(errno.ENOSPC, "No space left on device"), 507, "plus de place"),
        (OSError(errno.EROFS, "Read-only file system"), 503, "lecture seule"),
    ],
)
def test_base_occupee_disque_plein_lecture_seule(app, client, connecter, monkeypatch, erreur, code, attendu):
    connecter("animateur")

    def panne(*_args, **_kwargs):
        raise erreur

    monkeypatch.setattr("collecte.views.api.enregistrer_lot", panne)
    reponse = client.post("/api/contributions/lot", json={"contributions": []})
    assert reponse.status_code == code
    assert attendu in reponse.get_json()["erreur"]
    if code == 503 and "occupée" in attendu:
        assert reponse.headers["Retry-After"] == "5"


def test_commande_sur_une_base_corrompue(tmp_path):
    base = tmp_path / "parole.sqlite"
    base.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    env = {
        "PAROLE_INSTANCE": str(tmp_path),
        "PAROLE_DATABASE_URL": f"sqlite:///{base}",
        "PAROLE_SECRET_KEY": "x" * 40,
        "PATH": "/usr/bin:/bin",
    }
    fini = subprocess.run(
        [str(Path(sys.executable).parent / "parole"), "init-db"], env=env, capture_output=True, text=True
    )
    assert fini.returncode == 1
    assert fini.stderr.strip().startswith("Erreur : base de données illisible ou injoignable")
    assert len(fini.stderr.strip().splitlines()) == 1 and "Traceback" not in fini.stderr


def test_ecriture_pendant_un_long_import_repond_503_vite(tmp_path, creer_compte):
    """SQLite : un import tient le verrou d'écriture ; l'API répond 503 + Retry-After après une courte
    attente (la file de la tablette réessaiera), au lieu de pendre 30 s puis d'échouer en 500."""
    import sqlite3
    import uuid

    from sqlmodel import Session

    from app import create_app
    from collecte.modele.db import init_db
    from collecte.modele.models import Demarche, TempsDeCollecte

    base = tmp_path / "occupee.sqlite"
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 40,
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": f"sqlite:///{base}",
            "SQLITE_ATTENTE_S": 0.5,
        }
    )
    init_db(application.extensions["parole_engine"])
    with Session(application.extensions["parole_engine"]) as s:
        comptes.creer_utilisateur(s, "camille", MOT_DE_PASSE, "animateur")
        demarche = Demarche(slug="d", titre="D")
        s.add(demarche)
        s.flush()
        s.add(
            TempsDeCollecte(
                demarche_id=demarche.id,
                ref="T",
                dispositif="porteur_de_parole",
                date=__import__("datetime").date(2024, 3, 5),
            )
        )
        s.commit()
    client = application.test_client()
    _connexion(client, "camille")
    import_en_cours = sqlite3.connect(base, timeout=0)
    import_en_cours.execute("BEGIN IMMEDIATE")  # le verrou d'écriture, comme un import tout ou rien
    try:
        reponse = client.post(
            "/api/contributions/lot",
            json={
                "contributions": [{"client_uuid": str(uuid.uuid4()), "temps": 1, "texte": "Pendant l'import"}]
            },
        )
    finally:
        import_en_cours.rollback()
        import_en_cours.close()
    assert reponse.status_code == 503
    assert reponse.headers["Retry-After"] == "5"
    assert reponse.get_json()["code"] == "occupe" and "import est en cours" in reponse.get_json()["erreur"]
    reprise = client.post(
        "/api/contributions/lot",
        json={"contributions": [{"client_uuid": str(uuid.uuid4()), "temps": 1, "texte": "Après l'import"}]},
    )
    assert reprise.get_json()["resultats"][0]["statut"] == "creee"
    application.extensions["parole_engine"].dispose()


def test_derriere_un_mandataire_la_limite_vise_l_adresse_reelle(tmp_path, monkeypatch):
    monkeypatch.setenv("PAROLE_PROXY_NIVEAUX", "1")
    from app import create_app
    from collecte.modele.db import init_db

    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x" * 40,
            "WTF_CSRF_ENABLED": False,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}",
            "RATELIMIT_CONNEXION_ADRESSE": "3 per minute",
        }
    )
    init_db(application.extensions["parole_engine"])
    client = application.test_client()

    def essai(adresse, n):
        return client.post(
            "/comptes/connexion",
            data={"identifiant": f"x{n}", "mot_de_passe": "y"},
            headers={"X-Forwarded-For": adresse},
        ).status_code

    assert [essai("203.0.113.7", n) for n in range(4)] == [401, 401, 401, 429]
    assert essai("198.51.100.9", 9) == 401  # une autre personne derrière le même mandataire n'est pas bloquée
    application.extensions["parole_engine"].dispose()
