"""Application Flask de Parole : la fabrique `create_app` et la commande `parole`.

Tous les réglages sont ici : des valeurs par défaut (`DEFAUTS`), puis `instance/config.py`
s'il existe, puis les variables d'environnement préfixées `PAROLE_`, puis le dictionnaire
de test. Aucun autre module ne lit `os.environ`.
"""
from __future__ import annotations

import mimetypes
import os
import secrets
import sys
from pathlib import Path

import click
from flask import Flask, flash, redirect, request, url_for
from flask.cli import FlaskGroup
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from collecte import db

# Réglages documentés (README, section « Configuration »). Une variable d'environnement
# PAROLE_<NOM> remplace la valeur ; DATABASE_URL est aussi lue sans préfixe (usage courant).
DEFAUTS = {
    "SECRET_KEY": None,  # obligatoire hors développement ; voir _verifier_secret
    "DATABASE_URL": None,  # défaut : SQLite dans le dossier d'instance
    "ENV": "production",  # production | developpement
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # photos comprises
    "PHOTOS_TAILLE_MAX": 12 * 1024 * 1024,
    "TEXTE_LONGUEUR_MAX": 20_000,
    "RATELIMIT_PUBLIC": "30 per minute",  # formulaire public des questionnaires, par adresse IP
    "QUESTIONNAIRES_DIR": None,  # défaut : les définitions livrées dans le paquet questionnaires
    "PUBLIC_TAILLE_MAX": 256 * 1024,  # corps d'une requête du formulaire public
    "RATELIMIT_STORAGE_URI": "memory://",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # une session de rue dure des heures
    "TERRAIN_DELAI_RESEAU_MS": 10_000,  # au-delà, un envoi de la file d'attente est tenu pour perdu et réessayé
}

SECRETS_FAIBLES = {"", "dev", "secret", "changeme", "change-me", "parole"}

# Points d'entrée accessibles sans compte. Tout le reste exige une connexion (voir _exiger_compte).
ENDPOINTS_PUBLICS = {"static", "comptes.connexion", "terrain.service_worker"}
PREFIXES_PUBLICS = ("public.",)

# Menu principal : (endpoint, libellé). Une entrée dont l'endpoint n'existe pas n'est pas affichée.
MENU = [
    ("demarches.liste", "Démarches"),
    ("imports.formulaire", "Importer"),
    ("temps.liste", "Temps de collecte"),
    ("revue.liste", "Revue"),
    ("themes.liste", "Thèmes"),
    ("enquetes.liste", "Questionnaires"),
    ("analyse.tableau_de_bord", "Analyse"),
    ("restitution.accueil", "Restitution"),
    ("comptes.liste", "Comptes"),
]


def racine_ressources() -> Path:
    """Dossier qui contient templates/, static/ et exemples/.

    Le dépôt lui-même en développement ou après `pip install -e .` ; <prefix>/share/parole
    après une installation classique.
    """
    ici = Path(__file__).resolve().parent
    if (ici / "templates").is_dir():
        return ici
    return Path(sys.prefix) / "share" / "parole"


def _lire_environnement() -> dict:
    lus = {}
    for cle in DEFAUTS:
        valeur = os.environ.get(f"PAROLE_{cle}")
        if valeur is not None:
            lus[cle] = int(valeur) if isinstance(DEFAUTS[cle], int) and valeur.isdigit() else valeur
    if "DATABASE_URL" not in lus and os.environ.get("DATABASE_URL"):
        lus["DATABASE_URL"] = os.environ["DATABASE_URL"]
    return lus


def _verifier_secret(app: Flask) -> None:
    fichier = Path(app.instance_path) / "secret_key"
    if not app.config.get("SECRET_KEY") and fichier.is_file():
        app.config["SECRET_KEY"] = fichier.read_text(encoding="utf-8").strip()
    cle = app.config.get("SECRET_KEY")
    if app.config.get("TESTING") or app.config["ENV"] == "developpement":
        if not cle:
            app.config["SECRET_KEY"] = secrets.token_hex(32)
        return
    if not cle or cle.strip().lower() in SECRETS_FAIBLES or len(cle) < 24:
        raise RuntimeError(
            "Clé secrète absente ou trop faible : définissez PAROLE_SECRET_KEY (au moins 24 "
            "caractères aléatoires) ou lancez `parole init-db`, qui en crée une dans le dossier d'instance."
        )


def creer_secret_instance(instance_path: str) -> None:
    """Crée instance/secret_key (aléatoire, lisible du seul propriétaire) s'il n'existe pas."""
    fichier = Path(instance_path) / "secret_key"
    if fichier.exists():
        return
    fichier.parent.mkdir(parents=True, exist_ok=True)
    fichier.write_text(secrets.token_hex(32), encoding="utf-8")
    fichier.chmod(0o600)


mimetypes.add_type("application/manifest+json", ".webmanifest")


def create_app(test_config: dict | None = None) -> Flask:
    racine = racine_ressources()
    instance = os.environ.get("PAROLE_INSTANCE")
    app = Flask(
        __name__,
        instance_path=str(Path(instance).resolve()) if instance else None,
        instance_relative_config=True,
        template_folder=str(racine / "templates"),
        static_folder=str(racine / "static"),
    )
    app.config.from_mapping(DEFAUTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(_lire_environnement())
    if test_config:
        app.config.update(test_config)
    app.config["RACINE_RESSOURCES"] = str(racine)
    app.config.setdefault("EXEMPLES_DIR", str(racine / "exemples"))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'parole.sqlite'}"
    app.config.setdefault("PHOTOS_DIR", str(Path(app.instance_path) / "photos"))
    _verifier_secret(app)

    db.init_app(app)
    _init_connexion(app)  # avant CSRF : sans session, l'API répond 401 (et non « jeton CSRF manquant »)
    CSRFProtect(app)
    _init_limiteur(app)
    _enregistrer_blueprints(app)
    _enregistrer_gestionnaires(app)
    _enregistrer_commandes(app)
    return app


ERREUR_CONNEXION = {"erreur": "Authentification requise : reconnectez-vous.", "code": "connexion"}


def _init_connexion(app: Flask) -> None:
    from collecte.comptes import charger_utilisateur

    gestion = LoginManager(app)
    gestion.login_view = "comptes.connexion"
    gestion.login_message = "Connectez-vous pour accéder à cette page."
    gestion.login_message_category = "info"
    gestion.user_loader(lambda ident: charger_utilisateur(db.get_session(), ident))

    @app.before_request
    def _exiger_compte():
        endpoint = request.endpoint or ""
        if endpoint in ENDPOINTS_PUBLICS or endpoint.startswith(PREFIXES_PUBLICS):
            return None
        if current_user.is_authenticated:
            return None
        if request.path.startswith("/api/"):
            return ERREUR_CONNEXION, 401
        return gestion.unauthorized()


def _init_limiteur(app: Flask) -> None:
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiteur = Limiter(
        get_remote_address,
        app=app,
        default_limits=[],
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
    )
    app.extensions["parole_limiteur"] = limiteur


def _enregistrer_blueprints(app: Flask) -> None:
    from collecte.views import BLUEPRINTS as blueprints_collecte

    for bp in blueprints_collecte:
        app.register_blueprint(bp)
        if bp.name == "public":  # seules routes sans compte : débit limité par adresse IP
            app.extensions["parole_limiteur"].limit(lambda: app.config["RATELIMIT_PUBLIC"])(bp)
    for module in _modules_presents("analyse.views", "restitution.views"):
        app.register_blueprint(module.bp)

    from collecte.models import heure_locale

    app.jinja_env.filters["heure_locale"] = lambda instant, fmt="%d/%m/%Y à %H:%M": (
        heure_locale(instant).strftime(fmt) if instant else ""
    )

    @app.context_processor
    def _menu():
        entrees = [(e, l) for e, l in MENU if e in app.view_functions]
        return {"menu_principal": entrees}

    @app.route("/")
    def index():
        return redirect(url_for("demarches.liste"))


def _enregistrer_gestionnaires(app: Flask) -> None:
    from flask import render_template

    @app.errorhandler(CSRFError)
    def _csrf(erreur):
        if request.path.startswith("/api/"):
            if not current_user.is_authenticated:  # quel que soit l'ordre des contrôles
                return ERREUR_CONNEXION, 401
            return {"erreur": "Jeton CSRF manquant ou expiré : rechargez la page.", "code": "csrf"}, 400
        if request.blueprint == "public":
            message = "La page a expiré : rechargez-la. Les réponses déjà enregistrées sont conservées."
            return render_template("public/erreur.html", titre="Page expirée", message=message), 400
        flash("Le formulaire a expiré ou n'a pas été envoyé depuis Parole : rechargez la page et recommencez.", "erreur")
        return render_template("erreur.html", titre="Formulaire expiré", message=erreur.description), 400

    @app.errorhandler(413)
    def _trop_gros(erreur):
        message = "Envoi trop volumineux : réduisez la taille des fichiers ou du texte."
        if request.path.startswith("/api/"):
            return {"erreur": message, "code": "trop_gros"}, 413
        return render_template("erreur.html", titre="Envoi trop volumineux", message=message), 413

    @app.errorhandler(404)
    def _introuvable(erreur):
        if request.path.startswith("/api/"):
            return {"erreur": "Ressource introuvable.", "code": "introuvable"}, 404
        return render_template("erreur.html", titre="Page introuvable", message="Cette page n'existe pas ou plus."), 404

    @app.errorhandler(403)
    def _interdit(erreur):
        message = "Votre rôle ne permet pas cette action."
        if request.path.startswith("/api/"):
            return {"erreur": message, "code": "role"}, 403
        return render_template("erreur.html", titre="Accès refusé", message=message), 403


def _creer_app_cli(info=None) -> Flask:
    # La ligne de commande crée la clé secrète d'instance au premier lancement.
    instance = os.environ.get("PAROLE_INSTANCE")
    chemin = Path(instance).resolve() if instance else Path(Flask(__name__).instance_path)
    if not (os.environ.get("PAROLE_SECRET_KEY")):
        creer_secret_instance(str(chemin))
    return create_app()


def _enregistrer_commandes(app: Flask) -> None:
    from collecte.cli import commandes as commandes_collecte

    for commande in commandes_collecte:
        app.cli.add_command(commande)
    for module in _modules_presents("analyse.cli", "restitution.cli"):
        for commande in module.commandes:
            app.cli.add_command(commande)


def _modules_presents(*noms: str) -> list:
    """Modules web et commandes des paquets `analyse` et `restitution`, s'ils sont installés.

    Le cœur de collecte fonctionne seul ; une erreur à l'intérieur d'un module présent n'est
    jamais masquée.
    """
    from importlib import import_module

    presents = []
    for nom in noms:
        try:
            presents.append(import_module(nom))
        except ModuleNotFoundError as erreur:
            if erreur.name != nom:
                raise
    return presents


@click.group(cls=FlaskGroup, create_app=_creer_app_cli, add_default_commands=True, add_version_option=False)
def cli():
    """Parole : recueil de la parole habitante, analyse et restitution."""
