"""La ligne de commande en français : les messages que click écrit lui-même (aide, usage, erreurs,
invites) passent par ce catalogue.

click prend ses textes par `gettext` sans fournir de traduction ; `franciser_click` remplace, dans ses
modules, la fonction de traduction par la lecture de `TRADUCTIONS`, et les noms de types affichés
(« TEXT », « INTEGER ») par leurs équivalents. Un texte absent du catalogue resterait en anglais :
`tests/test_cli_francais.py` passe chaque commande (aide et mauvais argument) et échoue sur tout mot
anglais de click ou de Flask.
"""

from __future__ import annotations

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types
import click.utils

TRADUCTIONS = {
    "Aborted!": "Abandon.",
    "deprecated": "obsolète",
    "Missing command.": "Commande manquante.",
    "Options": "Options",
    "Positional arguments": "Arguments",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": (
        "Attention : la commande {name!r} est obsolète.{extra_message}"
    ),
    "Got unexpected extra argument ({args})": "Argument en trop : {args}",
    "Got unexpected extra arguments ({args})": "Arguments en trop : {args}",
    "Commands": "Commandes",
    "Value must be an iterable.": "La valeur doit être une liste.",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "Attention : {name!r} est obsolète.{extra_message}"
    ),
    "env var: {var}": "variable d'environnement : {var}",
    "default: {default}": "par défaut : {default}",
    "required": "obligatoire",
    "(dynamic)": "(calculé)",
    "Takes {nargs} values but 1 was given.": "Attend {nargs} valeurs, mais 1 seule a été donnée.",
    "Takes {nargs} values but {len} were given.": "Attend {nargs} valeurs, mais {len} ont été données.",
    "Do you want to continue?": "Continuer ?",
    "Confirm the action without prompting.": "Confirme l'action sans la demander.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Show the version and exit.": "Affiche la version et s'arrête.",
    "Show this message and exit.": "Affiche cette aide et s'arrête.",
    "Did you mean {possibility}?": "Vouliez-vous dire {possibility} ?",
    "(Did you mean one of: {possibilities}?)": "(Vouliez-vous dire l'une de celles-ci : {possibilities} ?)",
    "Missing argument": "Argument manquant",
    "unknown error": "erreur inconnue",
    "Invalid value for {param_hint}: {message}": "Valeur refusée pour {param_hint} : {message}",
    "Missing option": "Option manquante",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir le fichier {filename!r} : {message}",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "Missing parameter": "Paramètre manquant",
    "Missing parameter: {param_name}": "Paramètre manquant : {param_name}",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "Invalid value: {message}": "Valeur refusée : {message}",
    "Missing {param_type}": "{param_type} manquant",
    "Usage:": "Usage :",
    "Invalid start character for option ({option})": "Caractère de début d'option refusé ({option})",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Option {name!r} requires an argument.": "L'option {name!r} demande une valeur.",
    "Option {name!r} requires {nargs} arguments.": "L'option {name!r} demande {nargs} valeurs.",
    "Argument {name!r} takes {nargs} values.": "L'argument {name!r} prend {nargs} valeurs.",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    "Repeat for confirmation": "Retapez pour confirmer",
    "Error: The two entered values do not match.": "Erreur : les deux saisies diffèrent.",
    "Error: invalid input": "Erreur : saisie refusée",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "Choose from:\n\t{choices}": "Au choix :\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} n'est pas {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} n'est pas l'une des valeurs possibles : {choices}.",
    "{value!r} does not match the format {format}.": "{value!r} ne suit pas le format {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} ne suit aucun des formats {formats}.",
    "{value} is not in the range {range}.": "{value} est hors de l'intervalle {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} n'est pas un booléen. Valeurs reconnues : {states}"
    ),
    "{len_type} values are required, but {len_value} was given.": (
        "{len_type} valeurs sont attendues, {len_value} a été donnée."
    ),
    "{len_type} values are required, but {len_value} were given.": (
        "{len_type} valeurs sont attendues, {len_value} ont été données."
    ),
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un {number_type} valable.",
    "{value!r} is not a valid UUID.": "{value!r} n'est pas un identifiant UUID valable.",
    "{name} {filename!r} is a file.": "{name} {filename!r} : c'est un fichier.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} : c'est un dossier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} : lecture impossible.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} : écriture impossible.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} : pas exécutable.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} : introuvable.",
}

# Noms de types tels que l'aide les montre (« --limite ENTIER »).
METAVARIABLES = {
    "TEXT": "TEXTE",
    "INTEGER": "ENTIER",
    "INTEGER RANGE": "ENTIER",
    "FLOAT": "NOMBRE",
    "FLOAT RANGE": "NOMBRE",
    "BOOLEAN": "OUI|NON",
    "FILENAME": "FICHIER",
    "FILE": "FICHIER",
    "DIRECTORY": "DOSSIER",
    "PATH": "CHEMIN",
    "DATETIME": "DATE",
}
NOMS_DE_TYPES = {
    click.types.IntParamType: "entier",
    click.types.IntRange: "entier",
    click.types.FloatParamType: "nombre",
    click.types.FloatRange: "nombre",
    click.types.BoolParamType: "booléen",
    click.types.StringParamType: "texte",
}
_MODULES = (
    click.core,
    click.decorators,
    click.exceptions,
    click.formatting,
    click.parser,
    click.termui,
    click.types,
    click.utils,
)


def traduire(message: str) -> str:
    return TRADUCTIONS.get(message, message)


def traduire_pluriel(singulier: str, pluriel: str, nombre: int) -> str:
    return traduire(singulier if nombre == 1 else pluriel)


def franciser_click() -> None:
    """Installe le catalogue dans click (sans effet la deuxième fois)."""
    for module in _MODULES:
        if hasattr(module, "_"):
            module._ = traduire
        if hasattr(module, "ngettext"):
            module.ngettext = traduire_pluriel
    for classe, nom in NOMS_DE_TYPES.items():
        classe.name = nom
    if not getattr(click.core.Parameter.make_metavar, "francise", False):
        click.core.Parameter.make_metavar = _metavariable_francaise(click.core.Parameter.make_metavar)


def _metavariable_francaise(origine):
    def make_metavar(self, *args, **kwargs):
        metavariable = origine(self, *args, **kwargs)
        for anglais, francais in METAVARIABLES.items():
            if metavariable == anglais or metavariable.startswith(anglais + "..."):
                return francais + metavariable[len(anglais) :]
        return metavariable

    make_metavar.francise = True
    return make_metavar
