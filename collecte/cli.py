"""Commandes `parole` du paquet collecte (init-db, create-user…)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from collecte import comptes
from collecte.db import get_engine, get_session, init_db
from collecte.models import ROLES
from collecte.validation import ErreurValidation


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
@click.password_option("--mot-de-passe", prompt="Mot de passe", help="10 caractères au moins.")
@with_appcontext
def create_user_commande(identifiant, role, nom, mot_de_passe):
    """Crée un compte d'équipe."""
    try:
        comptes.creer_utilisateur(get_session(), identifiant, mot_de_passe, role, nom)
    except ErreurValidation as erreur:
        raise click.ClickException(erreur.message) from None
    click.echo(f"Compte « {identifiant} » ({ROLES[role]}) créé.")


commandes = [init_db_commande, create_user_commande]
