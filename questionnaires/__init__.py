"""Questionnaires définis comme des fichiers TOML (ce dossier, installé avec le paquet) et leur chargeur.

`charger_tous()` lit les définitions livrées, ou celles du dossier choisi par
`PAROLE_QUESTIONNAIRES_DIR` ; chaque fichier est vérifié au chargement. Voir la section « Questionnaires » du
README pour écrire un fichier.
"""

from __future__ import annotations

from pathlib import Path

from questionnaires.definitions import (
    TYPES,
    TYPES_TEXTE,
    USAGES,
    Definition,
    ErreurDefinition,
    Question,
    charger_dossier,
    depuis_dict,
    lire_definition,
)

DOSSIER = Path(__file__).resolve().parent

__all__ = [
    "TYPES",
    "TYPES_TEXTE",
    "USAGES",
    "Definition",
    "ErreurDefinition",
    "Question",
    "charger_dossier",
    "charger_tous",
    "depuis_dict",
    "lire_definition",
    "DOSSIER",
]


def charger_tous(dossier: str | Path | None = None) -> list[Definition]:
    """Définitions du dossier, triées par usage (questionnaires aux structures d'abord) puis nom."""
    definitions = charger_dossier(dossier or DOSSIER)
    return sorted(definitions.values(), key=lambda d: (d.usage != "structures", d.nom))
