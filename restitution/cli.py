"""Commandes `parole export`, `parole livret` et `parole affiches` du paquet restitution."""

from __future__ import annotations

import sys
from contextlib import contextmanager

import click
from flask.cli import with_appcontext

from analyse.discours import CLASSES_CHOIX, CLASSES_PAR_DEFAUT, VARIABLES
from collecte.cli import choisir_demarche
from collecte.confidentialite.journal import ACTEUR_TERMINAL
from collecte.modele.db import get_session
from collecte.modele.validation import ErreurValidation
from restitution import donnees, exports
from restitution.affiches import construire_affiches
from restitution.livret import construire_livret, verifier_options
from restitution.livret_structure import TITRE as TITRE_STRUCTURE
from restitution.livret_structure import VARIABLE_AFC
from restitution.purge import purge_commande


def _aide_formats() -> str:
    return " ; ".join(f"{f.cle} : {f.libelle}" for f in exports.formats("cli")) + "."


def _formats_internes() -> str:
    return " et ".join(f.cle for f in exports.formats("cli") if f.interne)


# Le format est vérifié par le registre au moment de la commande (message en français), pas par click.Choice.
@click.command("export")
@click.option("--format", "format_", metavar="FORMAT", required=True, help=_aide_formats())
@click.option(
    "-o",
    "--sortie",
    "chemin",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="Fichier à écrire (« - » : la sortie standard).",
)
@click.option("--demarche", "slug", help="Identifiant de la démarche (facultatif s'il n'y en a qu'une).")
@click.option(
    "--avec-ne-pas-citer",
    is_flag=True,
    help=f"Inclut les paroles « ne pas citer » ({_formats_internes()} seulement, pour un usage interne "
    "à l'équipe).",
)
@click.option(
    "--donnees-brutes",
    is_flag=True,
    help="Textes tels que saisis : les données personnelles repérées et non examinées ne sont pas "
    "remplacées par leur nature. Export noté au journal.",
)
@with_appcontext
def export_commande(format_, chemin, slug, avec_ne_pas_citer, donnees_brutes):
    """Exporte le corpus d'une démarche pour les outils des analystes. Les avertissements vont sur stderr."""
    try:
        choisi = exports.format_export(format_, "cli")
    except ErreurValidation as erreur:
        raise click.ClickException(erreur.message) from None
    session = get_session()
    demarche = choisir_demarche(session, slug)
    total = exports.nombre_a_exporter(session, demarche.id) + (
        donnees.compter_exclues(session, demarche.id)["ne_pas_citer"] if avec_ne_pas_citer else 0
    )
    # lazy : le fichier n'est ouvert qu'à la première écriture ; un refus ne laisse ni fichier vide ni écrasé.
    with (
        click.open_file(chemin, "wb", lazy=True) as sortie,
        _progression(total) as avancer,
    ):
        try:
            resultat = exports.exporter(
                session,
                demarche.slug,
                format_,
                sortie,
                avec_ne_pas_citer,
                avancer,
                donnees_brutes=donnees_brutes,
                acteur=ACTEUR_TERMINAL,
            )
        except ErreurValidation as erreur:
            raise click.ClickException(erreur.message) from None
    for avertissement in resultat.avertissements:
        click.echo(f"Attention : {avertissement}", err=True)
    quoi = (
        f"{resultat.paroles} parole(s) exportée(s) au format {format_}"
        if choisi.paroles
        else f"{choisi.libelle} exporté"
    )
    click.echo(quoi + ("" if chemin == "-" else f" dans {chemin}") + ".", err=True)


@contextmanager
def _progression(total: int):
    """Une barre de progression sur un terminal ; rien hors terminal (fichier, tube, CI), où click
    n'écrirait que son étiquette."""
    if not sys.stderr.isatty():
        yield lambda n: None
        return
    with click.progressbar(length=total, label="Export", file=sys.stderr) as barre:
        yield barre.update


def _ecrire_pdf(chemin: str, construire) -> None:
    """Construit le PDF (erreurs en français, rien n'est écrit en cas d'échec), puis l'écrit."""
    try:
        pdf = construire(lambda etape: click.echo(f"… {etape}", err=True))
    except ErreurValidation as erreur:
        raise click.ClickException(erreur.message) from None
    with click.open_file(chemin, "wb") as sortie:
        sortie.write(pdf)
    click.echo(f"PDF écrit{'' if chemin == '-' else f' dans {chemin}'} ({len(pdf) // 1024} Ko).", err=True)


def _avertir_masquage(session, demarche_id: int) -> None:
    """Données personnelles non examinées remplacées par leur nature dans le PDF : une ligne sur stderr."""
    phrase = donnees.phrase_masquage(donnees.compter_a_masquer(session, demarche_id))
    if phrase:
        click.echo(f"Attention : {phrase}", err=True)


@click.command("livret")
@click.option(
    "-o",
    "--sortie",
    "chemin",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="Fichier PDF à écrire (« - » : la sortie standard).",
)
@click.option("--demarche", "slug", help="Identifiant de la démarche (facultatif s'il n'y en a qu'une).")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["A4", "A5"], case_sensitive=False),
    metavar="[A4|A5]",  # click écrirait « [a4|a5] » (choix sans casse)
    default="A4",
    show_default=True,
    help="Format des pages.",
)
@click.option(
    "--imposition",
    is_flag=True,
    help="A5 seulement : pages imposées sur feuilles A4 paysage, à imprimer en recto verso "
    "(retournement bord court), plier et agrafer.",
)
@click.option(
    "--structure",
    is_flag=True,
    help=f"Ajoute la section « {TITRE_STRUCTURE} » : classes de discours (méthode de Reinert), "
    "graphe de similitudes et analyse des correspondances.",
)
# Nombre et variable vérifiés par `verifier_options` (message en français), pas par click.
@click.option(
    "--classes",
    metavar="N",
    help=f"Avec --structure : au plus N classes de discours, de {CLASSES_CHOIX.start} à "
    f"{CLASSES_CHOIX.stop - 1} (défaut : {CLASSES_PAR_DEFAUT}).",
)
@click.option(
    "--afc",
    "variable",
    metavar="VARIABLE",
    help=f"Avec --structure : variable croisée avec les mots par l'analyse des correspondances, "
    f"{', '.join(VARIABLES)} (défaut : {VARIABLE_AFC}).",
)
@with_appcontext
def livret_commande(chemin, slug, format_, imposition, structure, classes, variable):
    """Livret de restitution de la démarche en PDF (progression des sections sur stderr)."""
    if not structure and (classes is not None or variable is not None):
        raise click.ClickException("--classes et --afc ne servent qu'avec --structure.")
    classes = CLASSES_PAR_DEFAUT if classes is None else classes
    variable = VARIABLE_AFC if variable is None else variable
    try:
        verifier_options(format_, imposition, structure, classes, variable)
    except ErreurValidation as erreur:
        raise click.ClickException(erreur.message) from None
    session = get_session()
    demarche = choisir_demarche(session, slug)
    _ecrire_pdf(
        chemin,
        lambda avancer: construire_livret(
            session,
            demarche.slug,
            format_,
            imposition,
            avancer,
            structure=structure,
            classes=classes,
            variable=variable,
        ),
    )
    _avertir_masquage(session, demarche.id)


@click.command("affiches")
@click.option(
    "-o",
    "--sortie",
    "chemin",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="Fichier PDF à écrire (« - » : la sortie standard).",
)
@click.option("--demarche", "slug", help="Identifiant de la démarche (facultatif s'il n'y en a qu'une).")
@with_appcontext
def affiches_commande(chemin, slug):
    """Kit d'exposition : une affiche A3 par thème, en PDF."""
    session = get_session()
    demarche = choisir_demarche(session, slug)
    _ecrire_pdf(chemin, lambda avancer: construire_affiches(session, demarche.slug, avancer))
    _avertir_masquage(session, demarche.id)


COMMANDES = [export_commande, livret_commande, affiches_commande, purge_commande]
