"""Application Flask de Parole : la fabrique `create_app` et la commande `parole`.

Tous les réglages sont ici : des valeurs par défaut (`DEFAUTS`), puis `instance/config.py`
s'il existe, puis les variables d'environnement préfixées `PAROLE_`, puis le dictionnaire
de test. Aucun autre module ne lit `os.environ`.
"""

from __future__ import annotations

import importlib.metadata
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

from collecte.modele import db
from collecte.nombres import nombre_fr
from collecte.terminal import franciser_click

# Réglages documentés, un par un, dans le README (section « Configuration » ; un test vérifie que
# les deux listes sont les mêmes). Une variable d'environnement PAROLE_<NOM> remplace la valeur ;
# DATABASE_URL est aussi lue sans préfixe (usage courant).
DEFAUTS = {
    "SECRET_KEY": None,  # obligatoire hors développement ; voir _verifier_secret
    "DATABASE_URL": None,  # défaut : SQLite dans le dossier d'instance
    "ENV": "production",  # production | developpement
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,  # photos comprises
    "PHOTOS_TAILLE_MAX": 12 * 1024 * 1024,
    "RATELIMIT_PUBLIC": "30 per minute",  # formulaire public des questionnaires, par adresse IP
    "QUESTIONNAIRES_DIR": None,  # défaut : les définitions livrées dans le paquet questionnaires
    "PUBLIC_TAILLE_MAX": 256 * 1024,  # corps d'une requête du formulaire public
    "RATELIMIT_STORAGE_URI": "memory://",  # redis://… dès qu'il y a plusieurs processus
    "RATELIMIT_CONNEXION_ADRESSE": "20 per minute",  # essais de connexion par adresse IP
    # essais par identifiant tapé (qu'il existe ou non)
    "RATELIMIT_CONNEXION_COMPTE": "5 per minute;30 per hour",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,  # à mettre à 1 derrière HTTPS (obligatoire en production)
    "REMEMBER_COOKIE_DURATION": 30 * 24 * 3600,  # « rester connecté » : 30 jours (secondes)
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": None,  # None : comme SESSION_COOKIE_SECURE
    # derrière N serveurs mandataires (nginx…) : leur X-Forwarded-For donne l'adresse réelle
    "PROXY_NIVEAUX": 0,
    # une écriture qui attend un long import plus longtemps répond 503 (la tablette réessaie)
    "SQLITE_ATTENTE_S": 5,
    # au-delà, un envoi de la file d'attente est tenu pour perdu et réessayé
    "TERRAIN_DELAI_RESEAU_MS": 10_000,
}

SECRETS_FAIBLES = {"", "dev", "secret", "changeme", "change-me", "parole"}

# Points d'entrée accessibles sans compte. Tout le reste exige une connexion (voir _exiger_compte).
ENDPOINTS_PUBLICS = {"static", "favicon", "comptes.connexion", "terrain.service_worker"}
PREFIXES_PUBLICS = ("public.",)

# Menu principal : (endpoint, libellé). Une entrée dont l'endpoint n'existe pas n'est pas affichée.
MENU = [
    ("demarches.liste", "Démarches"),
    ("imports.formulaire", "Importer"),
    ("temps.liste", "Temps de collecte"),
    ("revue.liste", "Revue"),
    ("themes.liste", "Thèmes"),
    ("questionnaires.liste", "Questionnaires"),
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


_VRAI, _FAUX = {"1", "true", "oui", "vrai", "yes", "on"}, {"0", "false", "non", "faux", "no", "off", ""}


def _convertir(cle: str, valeur: str):
    """Une variable d'environnement au type de sa valeur par défaut (booléen, entier) ; sinon le texte."""
    defaut = DEFAUTS[cle]
    if isinstance(defaut, bool) or cle.endswith("_SECURE"):
        if valeur.strip().lower() in _VRAI | _FAUX:
            return valeur.strip().lower() in _VRAI
        raise RuntimeError(f"PAROLE_{cle} : « {valeur} » n'est pas un booléen (1 ou 0, oui ou non).")
    if isinstance(defaut, int):
        if valeur.strip().isascii() and valeur.strip().isdigit():
            return int(valeur)
        raise RuntimeError(f"PAROLE_{cle} : « {valeur} » n'est pas un nombre entier.")
    return valeur


def _lire_environnement() -> dict:
    lus = {}
    for cle in DEFAUTS:
        valeur = os.environ.get(f"PAROLE_{cle}")
        if valeur is not None:
            lus[cle] = _convertir(cle, valeur)
    if "DATABASE_URL" not in lus and os.environ.get("DATABASE_URL"):
        lus["DATABASE_URL"] = os.environ["DATABASE_URL"]
    return lus


class ConfigurationIncomplete(click.ClickException):
    """L'application ne peut pas démarrer : `parole`, `flask run` et `parole serve` l'écrivent en une ligne
    (« Erreur : … »), sans trace de pile ; un serveur WSGI la journalise comme toute exception."""


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
        raise ConfigurationIncomplete(
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
    app.config["WTF_CSRF_TIME_LIMIT"] = (
        None  # le jeton vit avec la session : une séance de rue dure des heures
    )
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
    if app.config["REMEMBER_COOKIE_SECURE"] is None:
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    _verifier_secret(app)

    _refuser_les_octets_nuls(app)
    if app.config["PROXY_NIVEAUX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        niveaux = app.config["PROXY_NIVEAUX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=niveaux, x_proto=niveaux, x_host=niveaux)
    db.init_app(app)
    _init_connexion(app)  # avant CSRF : sans session, l'API répond 401 (et non « jeton CSRF manquant »)
    CSRFProtect(app)
    _init_limiteur(app)
    _enregistrer_blueprints(app)
    _limiter_la_connexion(app)
    _enregistrer_gestionnaires(app)
    _entetes_de_securite(app)
    _enregistrer_commandes(app)
    return app


def _refuser_les_octets_nuls(app: Flask) -> None:
    """Un octet nul dans l'adresse, les paramètres ou le formulaire : 400 tout de suite. Aucun texte saisi
    n'en contient ; PostgreSQL les refuse (l'erreur arriverait bien plus loin, déguisée en panne)."""

    @app.before_request
    def _octets_nuls():
        valeurs = [request.path, *request.args.keys(), *request.args.values()]
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            valeurs += [*request.form.keys(), *request.form.values()]
        if any("\x00" in valeur for valeur in valeurs):
            return reponse_erreur(
                400, "La demande contient un caractère nul : elle ne vient pas d'un formulaire de Parole."
            )
        return None


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


def _limiter_la_connexion(app: Flask) -> None:
    """Essais de connexion limités par adresse IP et par identifiant tapé, existant ou non (la
    limite ne dit donc rien de l'existence d'un compte)."""
    limiteur = app.extensions["parole_limiteur"]
    vue = app.view_functions["comptes.connexion"]
    vue = limiteur.limit(lambda: app.config["RATELIMIT_CONNEXION_ADRESSE"], methods=["POST"])(vue)
    vue = limiteur.limit(
        lambda: app.config["RATELIMIT_CONNEXION_COMPTE"],
        methods=["POST"],
        key_func=lambda: "compte:" + request.form.get("identifiant", "").strip().lower()[:80],
    )(vue)
    app.view_functions["comptes.connexion"] = vue  # le décorateur vérifie la limite à chaque appel


# Paquets de Parole, dans l'ordre d'enregistrement. Chacun déclare ses blueprints
# (`<paquet>.views.BLUEPRINTS`) et ses commandes (`<paquet>.cli.COMMANDES` ; `SOUS_COMMANDES` pour
# compléter le groupe d'un autre paquet, par exemple `parole themes suggerer` venu d'analyse). `collecte`
# et `questionnaires` sont le cœur ; un paquet facultatif absent (analyse, restitution) est sauté, une
# erreur à l'intérieur ne l'est jamais.
PAQUETS = ("collecte", "questionnaires", "analyse", "restitution")
PAQUETS_FACULTATIFS = ("analyse", "restitution")


def _module_du_paquet(paquet: str, role: str):
    from importlib import import_module

    try:
        return import_module(f"{paquet}.{role}")
    except ModuleNotFoundError as erreur:
        # Un paquet sans commandes (ou sans vues) n'a pas ce module ; un paquet facultatif peut manquer.
        if erreur.name == f"{paquet}.{role}" or (paquet in PAQUETS_FACULTATIFS and erreur.name == paquet):
            return None
        raise


def _enregistrer_blueprints(app: Flask) -> None:
    # La feuille « reponses » (questionnaires papier) rejoint l'import des classeurs de collecte.
    import questionnaires.import_papier  # noqa: F401

    for paquet in PAQUETS:
        module = _module_du_paquet(paquet, "views")
        for bp in module.BLUEPRINTS if module else ():
            app.register_blueprint(bp)
            if bp.name == "public":  # seules routes sans compte : débit limité par adresse IP
                app.extensions["parole_limiteur"].limit(lambda: app.config["RATELIMIT_PUBLIC"])(bp)

    from collecte.modele.models import heure_locale

    app.jinja_env.filters["heure_locale"] = lambda instant, fmt="%d/%m/%Y à %H:%M": (
        heure_locale(instant).strftime(fmt) if instant else ""
    )
    app.jinja_env.filters["nombre"] = nombre_fr

    @app.context_processor
    def _menu():
        entrees = [(e, l) for e, l in MENU if e in app.view_functions]
        return {"menu_principal": entrees}

    @app.route("/")
    def index():
        return redirect(url_for("demarches.liste"))

    @app.route("/favicon.ico")
    def favicon():
        # Demandée d'office par les navigateurs et les lecteurs de flux qui ignorent <link rel="icon">.
        return redirect(url_for("static", filename="icone.svg"), code=301)


# Pages et réponses d'erreur : (titre, message, code pour les appareils). Jamais l'anglais de Werkzeug,
# jamais de trace ; sous /api, du JSON.
ERREURS_HTTP = {
    400: (
        "Demande incorrecte",
        "La demande n'a pas pu être comprise : rechargez la page et recommencez.",
        "requete",
    ),
    403: ("Accès refusé", "Votre rôle ne permet pas cette action.", "role"),
    404: ("Page introuvable", "Cette page n'existe pas ou plus.", "introuvable"),
    405: (
        "Action impossible ici",
        "Cette adresse ne s'utilise pas ainsi : revenez en arrière et utilisez les boutons de la page.",
        "methode",
    ),
    410: ("Page expirée", "Cette page n'est plus disponible.", "expire"),
    413: (
        "Envoi trop volumineux",
        "Envoi trop volumineux : réduisez la taille des fichiers ou du texte.",
        "trop_gros",
    ),
    415: ("Format non accepté", "Ce format d'envoi n'est pas accepté.", "format"),
    429: (
        "Trop de tentatives",
        "Trop de demandes en peu de temps : patientez une minute, puis réessayez.",
        "debit",
    ),
    500: (
        "Erreur du serveur",
        "Une erreur est survenue de notre côté. Ce qui était déjà enregistré n'est pas perdu : "
        "réessayez, et prévenez l'équipe si cela se reproduit.",
        "serveur",
    ),
    503: (
        "Service momentanément indisponible",
        "La base de données ne répond pas pour l'instant : réessayez dans "
        "un moment. Ce qui était déjà enregistré n'est pas perdu.",
        "occupe",
    ),
    507: (
        "Plus de place sur le serveur",
        "Le serveur n'a plus de place pour enregistrer : prévenez la personne qui "
        "l'administre. Ce qui était déjà enregistré n'est pas perdu.",
        "disque_plein",
    ),
}
ERREUR_BASE_OCCUPEE = "La base est occupée (un import est en cours ?) : réessayez dans quelques secondes."
ERREUR_LECTURE_SEULE = (
    "Le serveur ne peut pas écrire dans son dossier de données (lecture seule ou droits) : "
    "prévenez la personne qui l'administre. Ce qui était déjà enregistré n'est pas perdu."
)


def reponse_erreur(code: int, message: str | None = None, attente_s: int | None = None):
    """Page d'erreur en français (ou JSON sous /api) pour le code HTTP `code`."""
    from flask import render_template

    titre, defaut, cle = ERREURS_HTTP.get(code) or ERREURS_HTTP[500 if code >= 500 else 400]
    entetes = {"Retry-After": str(attente_s)} if attente_s else {}
    if request.path.startswith("/api/"):
        return {"erreur": message or defaut, "code": cle}, code, entetes
    return render_template("erreur.html", titre=titre, message=message or defaut), code, entetes


def _erreur_de_base(erreur) -> tuple[int, str | None, int | None]:
    """(code, message, attente) d'une erreur de la base : occupée, pleine, en lecture seule, injoignable."""
    texte = str(getattr(erreur, "orig", erreur)).lower()
    if "locked" in texte or "busy" in texte:
        return 503, ERREUR_BASE_OCCUPEE, 5
    if "disk is full" in texte or "no space" in texte:
        return 507, None, None
    if "readonly" in texte or "read-only" in texte:
        return 503, ERREUR_LECTURE_SEULE, None
    return 503, None, 30


def _enregistrer_gestionnaires(app: Flask) -> None:
    import errno

    from flask import render_template
    from sqlalchemy.exc import DatabaseError, DataError
    from werkzeug.exceptions import HTTPException, InternalServerError

    @app.errorhandler(CSRFError)
    def _csrf(erreur):
        if request.path.startswith("/api/"):
            if not current_user.is_authenticated:  # quel que soit l'ordre des contrôles
                return ERREUR_CONNEXION, 401
            return {"erreur": "Jeton CSRF manquant ou expiré : rechargez la page.", "code": "csrf"}, 400
        if request.blueprint == "public":
            message = "La page a expiré : rechargez-la. Les réponses déjà enregistrées sont conservées."
            return render_template("public/erreur.html", titre="Page expirée", message=message), 400
        return reponse_erreur(
            400,
            "Le formulaire a expiré ou n'a pas été envoyé depuis Parole : rechargez la page et recommencez.",
        )

    @app.errorhandler(HTTPException)
    def _http(erreur):
        if erreur.code == 429 and request.endpoint == "comptes.connexion":
            flash("Trop de tentatives de connexion : patientez une minute avant de réessayer.", "erreur")
            return (
                render_template("comptes/connexion.html", identifiant=request.form.get("identifiant", "")),
                429,
                {"Retry-After": "60"},
            )
        return reponse_erreur(erreur.code or 500, attente_s=60 if erreur.code == 429 else None)

    @app.errorhandler(DatabaseError)
    def _base(erreur):
        from collecte.modele.db import get_session

        get_session().rollback()
        app.logger.error("Base de données : %s", erreur)
        if isinstance(erreur, DataError):  # une valeur que la base refuse : la demande, pas la base
            return reponse_erreur(
                400, "Une valeur envoyée est refusée par la base de données : vérifiez la saisie."
            )
        code, message, attente = _erreur_de_base(erreur)
        return reponse_erreur(code, message, attente)

    @app.errorhandler(OSError)
    def _disque(erreur):
        app.logger.error("Écriture impossible : %s", erreur)
        if erreur.errno in (errno.ENOSPC, errno.EDQUOT):
            return reponse_erreur(507)
        if erreur.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return reponse_erreur(503, ERREUR_LECTURE_SEULE)
        return reponse_erreur(500)

    @app.errorhandler(InternalServerError)
    def _serveur(erreur):
        return reponse_erreur(500)


def _entetes_de_securite(app: Flask) -> None:
    """En-têtes de sécurité sur chaque réponse ; aucune page de l'équipe dans un cache partagé."""

    politique = "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )

    @app.after_request
    def _entetes(reponse):
        entetes = reponse.headers
        entetes.setdefault("Content-Security-Policy", politique)
        entetes.setdefault("X-Frame-Options", "DENY")
        entetes.setdefault("X-Content-Type-Options", "nosniff")
        entetes.setdefault("Referrer-Policy", "no-referrer")  # le lien d'un questionnaire porte son jeton
        entetes.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        entetes.setdefault("Permissions-Policy", "geolocation=(), microphone=(), payment=(), usb=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            entetes.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user.is_authenticated and request.endpoint != "static":
            controle = entetes.get("Cache-Control", "")
            if "public" in controle or not controle:
                entetes["Cache-Control"] = (
                    "private, no-store" if reponse.mimetype == "text/html" else "private, no-cache"
                )
        return reponse


def _creer_app_cli(info=None) -> Flask:
    # La ligne de commande crée la clé secrète d'instance au premier lancement.
    instance = os.environ.get("PAROLE_INSTANCE")
    chemin = Path(instance).resolve() if instance else Path(Flask(__name__).instance_path)
    if not (os.environ.get("PAROLE_SECRET_KEY")):
        creer_secret_instance(str(chemin))
    # En ligne de commande (import d'un gros classeur, sauvegarde), personne n'attend une réponse :
    # on peut laisser une écriture patienter derrière une autre plus longtemps que sur le web.
    return create_app({"SQLITE_ATTENTE_S": 30})


def commandes_des_paquets() -> list[click.Command]:
    """Les commandes `parole` déclarées par les paquets (`<paquet>.cli.COMMANDES`), chaque groupe complété
    de ses `SOUS_COMMANDES` venues d'un autre paquet."""
    modules = [m for m in (_module_du_paquet(p, "cli") for p in PAQUETS) if m is not None]
    commandes = [commande for module in modules for commande in getattr(module, "COMMANDES", ())]
    groupes = {commande.name: commande for commande in commandes}
    for module in modules:
        for groupe, sous_commandes in getattr(module, "SOUS_COMMANDES", {}).items():
            for commande in sous_commandes:
                groupes[groupe].add_command(commande)
    return commandes


def _enregistrer_commandes(app: Flask) -> None:
    for commande in commandes_des_paquets():
        app.cli.add_command(commande)


class GroupeParole(FlaskGroup):
    """La commande `parole` : les commandes de Parole seules (ni les options ni les commandes propres à
    Flask et à ses extensions), en français (`collecte.terminal`), sans créer l'application pour afficher
    l'aide ; une base illisible ou injoignable donne une ligne en français et le code 1, jamais une trace
    de cent lignes."""

    def __init__(self, **options):
        super().__init__(add_default_commands=False, add_version_option=False, load_dotenv=False, **options)
        self.params = [p for p in self.params if p.name not in {"env_file", "app", "debug"}]
        for commande in commandes_des_paquets():
            self.add_command(commande)
        _sous_commandes_en_francais(self)

    def list_commands(self, ctx):
        return click.Group.list_commands(self, ctx)

    def get_command(self, ctx, nom):
        return click.Group.get_command(self, ctx, nom)

    def invoke(self, ctx):
        from sqlalchemy.exc import DatabaseError

        try:
            return super().invoke(ctx)
        except DatabaseError as erreur:
            cause = str(getattr(erreur, "orig", erreur)).strip().splitlines()[0]
            click.echo(
                f"Erreur : base de données illisible ou injoignable ({cause}). Vérifiez DATABASE_URL, que le "
                "serveur répond, ou restaurez une sauvegarde (parole restaurer).",
                err=True,
            )
            ctx.exit(1)


def _sous_commandes_en_francais(groupe: click.Group) -> None:
    groupe.subcommand_metavar = "COMMANDE [ARGUMENTS]..."
    for commande in groupe.commands.values():
        if isinstance(commande, click.Group):
            _sous_commandes_en_francais(commande)


franciser_click()


@click.group(cls=GroupeParole, create_app=_creer_app_cli)
@click.version_option(
    importlib.metadata.version("parole"),
    "--version",
    prog_name="parole",
    message="%(prog)s, version %(version)s",
)
def cli():
    """Parole : recueil de la parole habitante, analyse et restitution."""
