"""Commandes `parole export` (et celles du livret) du paquet restitution."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from collecte.cli import choisir_demarche
from collecte.db import get_session
from collecte.validation import ErreurValidation
from restitution import donnees, exports


@click.command("export")
@click.option("--format", "format_", type=click.Choice(list(exports.FORMATS)), required=True,
              help="csv, xlsx (tableurs), iramuteq (corpus .txt), qdpx (projet REFI-QDA), qdc (livre de codes).")
@click.option("-o", "--sortie", "chemin", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Fichier à écrire (« - » : la sortie standard).")
@click.option("--demarche", "slug", help="Identifiant de la démarche (facultatif s'il n'y en a qu'une).")
@click.option("--avec-ne-pas-citer", is_flag=True,
              help="Inclut les paroles « ne pas citer » (csv et xlsx seulement, pour un usage interne à l'équipe).")
@with_appcontext
def export_commande(format_, chemin, slug, avec_ne_pas_citer):
    """Exporte le corpus d'une démarche pour les outils des analystes. Les avertissements vont sur stderr."""
    session = get_session()
    demarche = choisir_demarche(session, slug)
    total = exports.nombre_a_exporter(session, demarche.id) + (
        donnees.compter_exclues(session, demarche.id)["ne_pas_citer"] if avec_ne_pas_citer else 0)
    with click.open_file(chemin, "wb") as sortie, \
            click.progressbar(length=total, label="Export", file=sys.stderr) as barre:
        try:
            resultat = exports.exporter(session, demarche.slug, format_, sortie, avec_ne_pas_citer, barre.update)
        except ErreurValidation as erreur:
            raise click.ClickException(erreur.message) from None
    for avertissement in resultat.avertissements:
        click.echo(f"Attention : {avertissement}", err=True)
    quoi = "Livre de codes exporté" if format_ == "qdc" else f"{resultat.paroles} parole(s) exportée(s) au format {format_}"
    click.echo(quoi + ("" if chemin == "-" else f" dans {chemin}") + ".", err=True)


commandes = [export_commande]
