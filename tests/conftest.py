"""Fixtures communes : une application sur une base jetable, des comptes, des fabriques.

Par défaut la base est un fichier SQLite temporaire. Si PAROLE_TEST_DATABASE_URL est défini
(CI : un vrai serveur PostgreSQL), toute la suite tourne sur cette base, vidée entre deux tests.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from contextlib import suppress
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel
from werkzeug.serving import WSGIRequestHandler, make_server

from app import create_app
from collecte import comptes
from collecte.modele.db import creer_engine, init_db
from collecte.modele.models import (
    Contribution,
    ContributionTheme,
    Demarche,
    Structure,
    TempsDeCollecte,
    Territoire,
    Theme,
)

URL_POSTGRES = os.environ.get("PAROLE_TEST_DATABASE_URL")
MOT_DE_PASSE = "mot-de-passe-de-test"


@pytest.fixture(scope="session")
def _schema_postgres():
    if not URL_POSTGRES:
        return None
    engine = creer_engine(URL_POSTGRES)
    with engine.begin() as connexion:
        connexion.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    init_db(engine)
    engine.dispose()
    return URL_POSTGRES


def _vider_postgres(engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connexion:
        # Une connexion laissée ouverte par un test (réponse en flux jamais fermée…) bloquerait TRUNCATE pour
        # toujours : au-delà de 20 s, une erreur qui le dit plutôt qu'une suite qui ne finit pas.
        connexion.execute(text("SET LOCAL lock_timeout = '20s'"))
        connexion.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(tmp_path, _schema_postgres, monkeypatch):
    config = {
        "TESTING": True,
        "SECRET_KEY": "cle-de-test-" + uuid.uuid4().hex,
        "WTF_CSRF_ENABLED": False,
        "DATABASE_URL": _schema_postgres or f"sqlite:///{tmp_path / 'test.sqlite'}",
        "PHOTOS_DIR": str(tmp_path / "photos"),
        "RATELIMIT_ENABLED": True,
    }
    monkeypatch.setenv("PAROLE_INSTANCE", str(tmp_path / "instance"))  # propre à chaque test, jamais hérité
    application = create_app(config)
    engine = application.extensions["parole_engine"]
    if _schema_postgres:
        _vider_postgres(engine)
    else:
        init_db(engine)
    yield application
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    with Session(app.extensions["parole_engine"], expire_on_commit=False) as s:
        yield s


@pytest.fixture
def creer_compte(session):
    def fabrique(role: str = "animateur", identifiant: str | None = None):
        return comptes.creer_utilisateur(
            session, identifiant or f"{role}-{uuid.uuid4().hex[:6]}", MOT_DE_PASSE, role
        )

    return fabrique


@pytest.fixture
def connecter(client, creer_compte):
    """Connecte le client de test avec un compte du rôle demandé ; renvoie l'utilisateur."""

    def _connecter(role: str = "animateur"):
        utilisateur = creer_compte(role)
        reponse = client.post(
            "/comptes/connexion", data={"identifiant": utilisateur.identifiant, "mot_de_passe": MOT_DE_PASSE}
        )
        assert reponse.status_code == 302, reponse.data
        return utilisateur

    return _connecter


@pytest.fixture
def creer_demarche(session):
    def fabrique(slug: str = "demarche-test", **champs):
        demarche = Demarche(slug=slug, titre=champs.pop("titre", "Démarche de test"), **champs)
        session.add(demarche)
        session.commit()
        return demarche

    return fabrique


@pytest.fixture
def creer_territoire(session):
    def fabrique(demarche, ville="Vierzon", quartier="Clos du Roy", **champs):
        territoire = Territoire(demarche_id=demarche.id, ville=ville, quartier=quartier, **champs)
        session.add(territoire)
        session.commit()
        return territoire

    return fabrique


@pytest.fixture
def creer_structure(session):
    def fabrique(demarche, nom="Centre social du Tunnel", territoire=None, typologie="a_mission", **champs):
        structure = Structure(
            demarche_id=demarche.id,
            nom=nom,
            typologie=typologie,
            territoire_id=territoire.id if territoire else None,
            **champs,
        )
        session.add(structure)
        session.commit()
        return structure

    return fabrique


@pytest.fixture
def creer_theme(session):
    def fabrique(demarche, slug="parentalite", label="La parentalité numérique", ordre=0, **champs):
        theme = Theme(demarche_id=demarche.id, slug=slug, label=label, ordre=ordre, **champs)
        session.add(theme)
        session.commit()
        return theme

    return fabrique


@pytest.fixture
def creer_temps(session):
    def fabrique(
        demarche, ref=None, dispositif="porteur_de_parole", territoire=None, structure=None, **champs
    ):
        temps = TempsDeCollecte(
            demarche_id=demarche.id,
            ref=ref or f"T-{uuid.uuid4().hex[:6]}",
            dispositif=dispositif,
            date=champs.pop("date", date(2024, 3, 5)),
            territoire_id=territoire.id if territoire else None,
            structure_id=structure.id if structure else None,
            **champs,
        )
        session.add(temps)
        session.commit()
        return temps

    return fabrique


@pytest.fixture
def creer_contribution(session):
    def fabrique(temps, texte="Le numérique, ça me dépasse.", themes=(), **champs):
        contribution = Contribution(temps_id=temps.id, texte=texte, **champs)
        session.add(contribution)
        session.flush()
        for theme in themes:
            session.add(ContributionTheme(contribution_id=contribution.id, theme_id=theme.id))
        session.commit()
        return contribution

    return fabrique


@pytest.fixture
def campagne(
    session, creer_demarche, creer_territoire, creer_structure, creer_theme, creer_temps, creer_contribution
):
    """La démarche des tests du livret, des affiches et de la page Restitution
    (`tests.donnees_livret.creer_campagne`). Les tests des questionnaires, du suivi et de la sécurité ont
    leur propre `campagne`, qui remplace celle-ci dans leur module."""
    from tests.donnees_livret import creer_campagne

    fabriques = (creer_demarche, creer_territoire, creer_structure, creer_theme, creer_temps)
    return creer_campagne(session, *fabriques, creer_contribution)


# --- Outils externes et navigateur -----------------------------------------------------------
# En CI (PAROLE_EXIGER_OUTILS=1), un outil absent (chromium, pdftotext, xmllint…) fait échouer
# le test au lieu de le sauter : un test sauté ne prouve rien.

CHROMIUM = os.environ.get("PAROLE_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def monde(
    session, creer_demarche, creer_territoire, creer_structure, creer_theme, creer_temps, creer_contribution
):
    """Une démarche peuplée pour visiter chaque page (`tests/navigateur/pages.py`) : accessibilité et mise
    en page."""
    from tests.navigateur import pages

    fabriques = (creer_demarche, creer_territoire, creer_structure, creer_theme, creer_temps)
    return pages.peupler(session, (*fabriques, creer_contribution))


EXEMPLES = Path(__file__).resolve().parent.parent / "exemples"
SLUG_EXEMPLE = "numerique-citoyennete"


def importer_exemple(session, slug: str = SLUG_EXEMPLE):
    """La démarche d'exemple importée comme le dit le README (livre de codes à part), sous `slug` ;
    renvoie le rapport d'import."""
    from collecte.tableurs.entrees import importer_chemin

    return importer_chemin(session, EXEMPLES / SLUG_EXEMPLE, slug, EXEMPLES / "themes.yaml")


def exiger_outil(nom: str) -> str:
    """Chemin de l'outil `nom` ; sinon saute le test (échoue en CI)."""
    chemin = shutil.which(nom)
    if chemin:
        return chemin
    if os.environ.get("PAROLE_EXIGER_OUTILS"):
        pytest.fail(f"Outil « {nom} » introuvable alors que PAROLE_EXIGER_OUTILS est défini.")
    pytest.skip(f"Outil « {nom} » non installé (paquet Debian correspondant requis).")


@pytest.fixture
def serveur_live(app):
    """Sert l'application de test sur 127.0.0.1 (port libre) dans un fil ; renvoie l'URL de base."""
    serveur = make_server("127.0.0.1", 0, app, threaded=True)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    yield f"http://127.0.0.1:{serveur.server_port}"
    arreter_serveur(serveur, fil)


def arreter_serveur(serveur, fil: threading.Thread) -> None:
    """Arrête le serveur de test, puis attend ses requêtes encore en cours (et ce qu'elles font après la
    réponse, comme l'examen des données personnelles) : les fils de requête de Werkzeug sont « daemon »,
    `server_close()` ne les attend pas. Sinon une requête finissante prendrait une connexion à la base
    après la fermeture du moteur du test, connexion que plus rien ne fermerait (ResourceWarning de psycopg
    au ramasse-miettes, dans un test suivant)."""
    serveur.shutdown()
    serveur.server_close()
    fil.join(timeout=5)
    attendre_les_requetes(serveur)


def attendre_les_requetes(serveur) -> None:
    for requete in threading.enumerate():
        if getattr(requete, "_target", None) == serveur.process_request_thread:
            requete.join(timeout=30)


@pytest.fixture(scope="session")
def _navigateur():
    if not CHROMIUM:
        exiger_outil("chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        navigateur = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-quic",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield navigateur
        navigateur.close()


TABLETTE = {"width": 1024, "height": 768}  # tablette 10" en paysage
TELEPHONE = {"width": 390, "height": 844}


@pytest.fixture
def nouvelle_page(_navigateur):
    """Fabrique de pages Playwright : nouvelle_page(viewport=TABLETTE, has_touch=True)."""
    contextes = []

    def fabrique(viewport=TABLETTE, **options):
        # Les attentes de Playwright (wait_for_function) évaluent du texte : la CSP de Parole l'interdit.
        # Seul le test de la CSP (test_navigateur_securite.py) la laisse s'appliquer (bypass_csp=False).
        options.setdefault("bypass_csp", True)
        contexte = _navigateur.new_context(viewport=viewport, locale="fr-FR", **options)
        contexte.set_default_timeout(10_000)
        contextes.append(contexte)
        return contexte.new_page()

    yield fabrique
    for contexte in contextes:
        contexte.close()


@pytest.fixture
def connecter_page(creer_compte):
    """Connecte une page Playwright : connecter_page(page, base_url, role) → utilisateur."""

    def _connecter(page, base_url: str, role: str = "animateur"):
        utilisateur = creer_compte(role)
        page.goto(f"{base_url}/comptes/connexion")
        page.get_by_label("Identifiant").fill(utilisateur.identifiant)
        page.get_by_label("Mot de passe").fill(MOT_DE_PASSE)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(lambda url: "/comptes/connexion" not in url)
        return utilisateur

    return _connecter


# --- Réseau simulé : serveur qu'on coupe, ralentit ou fait pendre ------------------------------


class _SansConnexionPersistante(WSGIRequestHandler):
    # HTTP/1.0 : une connexion par requête ; couper le serveur coupe vraiment tout (pas de keep-alive
    # qui survivrait à l'arrêt).
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):  # journal silencieux pendant les tests
        pass


class ReseauSimule:
    """Le serveur de test vu depuis la tablette : `couper()` l'arrête (connexion refusée, comme sans
    réseau), `retablir()` le relance sur le même port ; `ralentir(s, chemin)` retarde les réponses
    dont l'adresse commence par `chemin` ; `suspendre(chemin)` les fait pendre jusqu'à `relacher()`."""

    def __init__(self, app):
        self.app = app
        self.latences: dict[str, float] = {}
        self.suspendus: set[str] = set()
        self.relache = threading.Event()
        self.requetes: list[str] = []
        self.serveur = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_SansConnexionPersistante
        )
        self.serveurs = [self.serveur]  # celui-ci et ceux de chaque `retablir()`
        self.port = self.serveur.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._demarrer()

    def _wsgi(self, environ, start_response):
        chemin = environ.get("PATH_INFO", "")
        self.requetes.append(f"{environ.get('REQUEST_METHOD')} {chemin}")
        for prefixe, secondes in self.latences.items():
            if chemin.startswith(prefixe):
                threading.Event().wait(secondes)
        if any(chemin.startswith(p) for p in self.suspendus):
            self.relache.wait(60)
        return self.app(environ, start_response)

    def _demarrer(self):
        self.fil = threading.Thread(target=self.serveur.serve_forever, daemon=True)
        self.fil.start()

    def couper(self):
        """Comme un réseau coupé : plus de connexion possible ; une requête déjà en cours (suspendue) finit
        quand on la relâche."""
        self.serveur.shutdown()
        self.serveur.server_close()
        self.fil.join(timeout=5)

    def retablir(self):
        self.serveur = make_server(
            "127.0.0.1", self.port, self._wsgi, threaded=True, request_handler=_SansConnexionPersistante
        )
        self.serveurs.append(self.serveur)
        self._demarrer()

    def ralentir(self, secondes: float, chemin: str):
        self.latences[chemin] = secondes

    def suspendre(self, chemin: str):
        self.relache.clear()
        self.suspendus.add(chemin)

    def relacher(self):
        self.suspendus.clear()
        self.relache.set()

    def fermer(self):
        """Fin du test : tout est relâché, le serveur arrêté, et chaque requête encore en cours attendue
        (voir `arreter_serveur`)."""
        self.relacher()
        with suppress(OSError):
            self.couper()
        for serveur in self.serveurs:
            attendre_les_requetes(serveur)


@pytest.fixture
def reseau(app):
    """Le serveur de test derrière un réseau qu'on coupe, ralentit ou fait pendre ; CSRF actif."""
    app.config["WTF_CSRF_ENABLED"] = True
    app.config["TERRAIN_DELAI_RESEAU_MS"] = 3000  # délai d'envoi raccourci : les tests n'attendent pas 10 s
    simule = ReseauSimule(app)
    yield simule
    simule.fermer()
