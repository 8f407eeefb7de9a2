"""Commandes `parole` du paquet collecte (init-db, create-user…)."""

from __future__ import annotations

import errno
import sqlite3
import sys
from pathlib import Path

import click
import waitress
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from collecte import comptes
from collecte import demarches as logique_demarches
from collecte.confidentialite import detection, examen
from collecte.confidentialite.journal import ACTEUR_TERMINAL
from collecte.modele import sauvegarde
from collecte.modele.db import get_engine, get_session, init_db, revision_courante
from collecte.modele.models import ROLES
from collecte.modele.validation import ErreurValidation
from collecte.themes import gestion as gestion_themes


@click.command("init-db")
@with_appcontext
def init_db_commande():
    """Crée la base (ou la migre vers le dernier schéma, sans rien perdre)."""
    etat = init_db(get_engine())
    url = get_engine().url.render_as_string(hide_password=True)
    click.echo(f"Base {'créée' if etat == 'creee' else 'à jour'} : {url}")


@click.command("create-user")
@click.argument("identifiant")
@click.option("--role", type=click.Choice(list(ROLES)), default="animateur", show_default=True)
@click.option("--nom", default="", help="Nom affiché dans l'interface.")
@click.option(
    "--mot-de-passe",
    help="10 caractères au moins. Sans cette option : demandé deux fois au terminal, ou lu sur la première "
    "ligne de l'entrée standard (echo … | parole create-user …).",
)
@with_appcontext
def create_user_commande(identifiant, role, nom, mot_de_passe):
    """Crée un compte d'équipe."""
    if mot_de_passe is None:
        mot_de_passe = _lire_mot_de_passe()
    try:
        comptes.creer_utilisateur(get_session(), identifiant, mot_de_passe, role, nom, ACTEUR_TERMINAL)
    except ErreurValidation as erreur:
        raise click.ClickException(erreur.message) from None
    click.echo(f"Compte « {identifiant} » ({ROLES[role]}) créé.")


def _lire_mot_de_passe() -> str:
    """Au terminal : demandé masqué, puis retapé. Sinon (tube, script) : la première ligne de l'entrée
    standard, sans sa fin de ligne ; une entrée vide est refusée avant tout enregistrement."""
    entree = sys.stdin
    if entree.isatty():
        return click.prompt(
            "Mot de passe", hide_input=True, confirmation_prompt="Mot de passe (encore une fois)"
        )
    brute = entree.buffer.readline() if hasattr(entree, "buffer") else entree.readline().encode()
    try:
        ligne = brute.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise click.ClickException(
            "Le mot de passe reçu n'est pas en UTF-8 (terminal ou fichier en Latin-1 ?) : rien n'a été créé."
        ) from None
    if not ligne:
        raise click.ClickException(
            "Aucun mot de passe reçu sur l'entrée standard : donnez-le sur une ligne ou par --mot-de-passe."
        )
    return ligne


@click.command("supprimer-compte")
@click.argument("identifiant")
@click.option("--oui", is_flag=True, help="Sans confirmation (sinon : retaper l'identifiant).")
@with_appcontext
def supprimer_compte_commande(identifiant: str, oui: bool):
    """Supprime un compte d'équipe : ses paroles restent, sans auteur ; son identifiant devient un
    pseudonyme dans le journal. Pour seulement le suspendre, désactivez-le (page Comptes)."""
    session = get_session()
    utilisateur = comptes.compte_par_identifiant(session, identifiant)
    if utilisateur is None:
        raise click.ClickException(f"Aucun compte « {identifiant} ».")
    if not oui:
        retape = click.prompt(
            f"Supprimer définitivement le compte « {identifiant} » ? Retapez son identifiant pour confirmer",
            default="",
            show_default=False,
        )
        if retape.strip() != identifiant:
            raise click.ClickException("Rien n'a été supprimé.")
    try:
        pseudonyme = comptes.supprimer_utilisateur(session, utilisateur, ACTEUR_TERMINAL)
    except ErreurValidation as erreur:
        raise click.ClickException(erreur.message) from None
    click.echo(f"Compte « {identifiant} » supprimé ; le journal le nomme désormais « {pseudonyme} ».")


def choisir_demarche(session, slug: str | None):
    """La démarche nommée, ou la seule de la base ; sinon une erreur qui liste les choix."""
    demarches = logique_demarches.lister_demarches(session)
    if slug:
        demarche = logique_demarches.demarche_par_slug(session, slug)
        if demarche is None:
            connues = ", ".join(d.slug for d in demarches) or "aucune"
            raise click.ClickException(f"Démarche « {slug} » introuvable (démarches existantes : {connues}).")
        return demarche
    if len(demarches) == 1:
        return demarches[0]
    if not demarches:
        raise click.ClickException(
            "Aucune démarche dans la base : importez d'abord un classeur (parole import)."
        )
    raise click.ClickException(
        "Plusieurs démarches : précisez --demarche parmi " + ", ".join(d.slug for d in demarches) + "."
    )


@click.group("themes")
def themes_groupe():
    """Livre de codes (thèmes) d'une démarche."""


@themes_groupe.command("import")
@click.argument("fichier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--demarche", "slug", help="Identifiant de la démarche (facultatif s'il n'y en a qu'une).")
@with_appcontext
def themes_import(fichier: Path, slug: str | None):
    """Importe un livre de codes YAML, CSV ou REFI-QDA (.qdc), tout ou rien."""
    session = get_session()
    demarche = choisir_demarche(session, slug)
    try:
        rapport = gestion_themes.importer_fichier(session, demarche, fichier.name, fichier.read_bytes())
    except ErreurValidation as erreur:
        session.rollback()
        raise click.ClickException(f"Import refusé, rien n'a été modifié. {erreur.message}") from None
    click.echo(f"{demarche.slug} : {rapport.resume()}")
    for avertissement in rapport.avertissements:
        click.echo(f"Attention : {avertissement}", err=True)


@themes_groupe.command("export")
@click.option("-o", "--sortie", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--format",
    "format_",
    type=click.Choice(sorted(gestion_themes.FORMATS_EXPORT)),
    default="yaml",
    show_default=True,
)
@click.option("--demarche", "slug")
@with_appcontext
def themes_export(sortie: Path, format_: str, slug: str | None):
    """Exporte le livre de codes (CSV, YAML ou REFI-QDA .qdc)."""
    session = get_session()
    demarche = choisir_demarche(session, slug)
    try:
        sortie.write_bytes(gestion_themes.exporter(session, demarche, format_))
    except ErreurValidation as erreur:
        raise click.ClickException(erreur.message) from None
    click.echo(f"Livre de codes écrit dans {sortie}")


@click.command("import")
@click.argument("chemin", type=click.Path(exists=True, path_type=Path))
@click.option("--demarche", "slug", help="Démarche cible (créée si besoin) ; sinon la feuille « demarche ».")
@click.option(
    "--themes",
    "fichier_themes",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Livre de codes à importer d'abord (.yaml, .csv ou .qdc).",
)
@with_appcontext
def import_commande(chemin: Path, slug: str | None, fichier_themes: Path | None):
    """Importe une démarche depuis un classeur .xlsx, un dossier de .csv, un .zip de .csv ou un projet
    REFI-QDA .qdpx (QualCoder, ATLAS.ti, MAXQDA…) : tout ou rien."""
    from collecte.tableurs import entrees as imports

    init_db(get_engine())  # une instance neuve reçoit son schéma ; une ancienne est mise à jour
    try:
        rapport = imports.importer_chemin(
            get_session(), chemin, slug, fichier_themes, current_app.config["QUESTIONNAIRES_DIR"]
        )
    except imports.ErreurImport as erreur:
        click.echo("Import refusé, rien n'a été écrit :", err=True)
        for ligne in erreur.erreurs:
            click.echo(f"  - {ligne}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Démarche « {rapport.demarche} » importée :")
    for ligne in rapport.lignes():
        click.echo(f"  {ligne}")
    for avertissement in rapport.avertissements:
        click.echo(f"Attention : {avertissement}", err=True)


@click.command("demo")
@click.option("--port", default=5000, show_default=True, help="Port d'écoute (sur 127.0.0.1).")
@click.option("--sans-serveur", is_flag=True, help="Prépare la base et le compte, sans lancer le serveur.")
@with_appcontext
def demo_commande(port: int, sans_serveur: bool):
    """Crée la base, charge la démarche d'exemple, crée un compte de démonstration et sert l'application."""
    import secrets

    from sqlmodel import select

    from collecte.modele.models import Utilisateur
    from collecte.tableurs import entrees as imports

    init_db(get_engine())
    session = get_session()
    exemples = Path(current_app.config["EXEMPLES_DIR"])
    if logique_demarches.demarche_par_slug(session, "numerique-citoyennete") is None:
        rapport = imports.importer_chemin(
            session, exemples / "numerique-citoyennete", "numerique-citoyennete", exemples / "themes.yaml"
        )
        click.echo(f"Démarche d'exemple chargée : {', '.join(rapport.lignes())}")
    else:
        click.echo("Démarche d'exemple déjà présente : rien n'est rechargé.")
    mot_de_passe = secrets.token_urlsafe(9)
    compte = session.exec(select(Utilisateur).where(Utilisateur.identifiant == "demo")).first()
    if compte is None:
        comptes.creer_utilisateur(session, "demo", mot_de_passe, "admin", "Compte de démonstration")
    else:
        comptes.modifier_utilisateur(session, compte, "admin", True, mot_de_passe)
    click.echo("")
    if not sans_serveur:
        click.echo(f"  Adresse        : http://127.0.0.1:{port}/")
    click.echo("  Identifiant    : demo")
    click.echo(f"  Mot de passe   : {mot_de_passe}")
    click.echo("")
    if sans_serveur:
        click.echo(
            "Base prête, aucun serveur lancé. Pour servir l'application : parole demo (nouveau mot de passe)."
        )
        return
    _servir("127.0.0.1", port, 8)


def _servir(hote: str, port: int, fils: int) -> None:
    """Sert l'application avec Waitress, serveur WSGI de production (pas le serveur de développement de
    Werkzeug ni son avertissement) ; Ctrl+C l'arrête."""
    click.echo("Ctrl+C pour arrêter.")
    waitress.serve(current_app._get_current_object(), host=hote, port=port, threads=fils, _quiet=True)


@click.command("serve")
@click.option(
    "--host", "hote", default="127.0.0.1", show_default=True, help="Adresse d'écoute (0.0.0.0 : le réseau)."
)
@click.option("--port", default=5000, show_default=True, help="Port d'écoute.")
@click.option("--fils", default=8, show_default=True, help="Requêtes servies en même temps.")
@with_appcontext
def serve_commande(hote: str, port: int, fils: int):
    """Sert l'application (Waitress) pour l'équipe, après init-db et create-user."""
    if revision_courante(get_engine()) is None:
        raise click.ClickException("La base n'est pas créée : lancez d'abord « parole init-db ».")
    click.echo(f"Parole servie sur http://{hote}:{port}/")
    _servir(hote, port, fils)


def _paroles(n: int, singulier: str, pluriel: str) -> str:
    return f"{n} {singulier if n == 1 else pluriel}"


@click.command("examiner")
@click.option("--demarche", "slug", help="Identifiant de la démarche (sinon toutes).")
@with_appcontext
def examiner_commande(slug: str | None):
    """Passe au détecteur de données personnelles les paroles qu'il n'a pas encore vues (import,
    questionnaires, nouvelle version du détecteur) ; les repérages s'examinent ensuite dans la revue."""
    session = get_session()
    demarche_id = choisir_demarche(session, slug).id if slug else None
    n = examen.examiner_en_attente(session, demarche_id)
    click.echo(f"{_paroles(n, 'parole examinée', 'paroles examinées')} (détecteur {detection.VERSION}).")
    a_examiner = examen.compter_a_examiner(session, demarche_id)
    click.echo(
        _paroles(a_examiner, "parole avec", "paroles avec")
        + " des données personnelles à examiner dans la revue (Revue → filtre « Données personnelles »)."
    )
    reste = examen.compter_en_attente(session, demarche_id)
    if reste:  # modifiées pendant l'examen : elles le seront au prochain passage
        click.echo(
            f"{_paroles(reste, 'parole', 'paroles')} encore en attente : relancez la commande.", err=True
        )


ERREURS_SYSTEME = {
    errno.ENOENT: "fichier ou dossier introuvable",
    errno.EACCES: "accès refusé",
    errno.EPERM: "accès refusé",
    errno.ENOSPC: "plus de place sur le disque",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.EROFS: "disque en lecture seule",
}


def _signaler(message: str) -> None:
    click.echo(message, err=True)


def _sans_trace(fonction, *arguments, **options):
    """Appelle `fonction` ; toute erreur attendue devient une ligne en français et le code de sortie 1."""
    try:
        return fonction(*arguments, **options)
    except sauvegarde.ErreurSauvegarde as erreur:
        message = erreur.message
    except OSError as erreur:
        cause = ERREURS_SYSTEME.get(erreur.errno, erreur.strerror or str(erreur))
        message = f"{erreur.filename} : {cause}" if erreur.filename else cause
    except (sqlite3.Error, SQLAlchemyError) as erreur:
        message = "Base de données inaccessible : " + (str(erreur).strip().splitlines() or ["?"])[0]
    click.echo(f"Erreur : {message}", err=True)
    raise SystemExit(1)


@click.command("sauvegarde")
@click.argument("fichier", type=click.Path(path_type=Path))
@with_appcontext
def sauvegarde_commande(fichier: Path):
    """Sauvegarde la base et les photos dans une archive .zip (lisible de son seul propriétaire)."""
    manifeste = _sans_trace(
        sauvegarde.sauvegarder, get_engine(), current_app.config["PHOTOS_DIR"], fichier, signaler=_signaler
    )
    click.echo(f"Sauvegarde écrite dans {fichier} : {sauvegarde.decrire(manifeste['comptes'])}.", err=True)


@click.command("restaurer")
@click.argument("fichier", type=click.Path(path_type=Path))  # fichier absent : message en français, plus bas
@click.option(
    "--force", is_flag=True, help="Remplace une base qui contient déjà des démarches ou des paroles."
)
@with_appcontext
def restaurer_commande(fichier: Path, force: bool):
    """Remplace la base et les photos par celles d'une sauvegarde, puis met le schéma à jour."""
    manifeste = _sans_trace(
        sauvegarde.restaurer,
        get_engine(),
        current_app.config["PHOTOS_DIR"],
        fichier,
        forcer=force,
        signaler=_signaler,
    )
    click.echo(f"Restauration terminée : {sauvegarde.decrire(manifeste['comptes'])}.", err=True)


COMMANDES = [
    init_db_commande,
    create_user_commande,
    supprimer_compte_commande,
    themes_groupe,
    import_commande,
    examiner_commande,
    demo_commande,
    serve_commande,
    sauvegarde_commande,
    restaurer_commande,
]
