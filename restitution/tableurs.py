"""Exports tableurs du corpus : CSV (Excel en français) et XLSX (paroles et livre de codes).

Une ligne par parole : l'identifiant, le contexte (qui vient du temps de collecte), puis les champs
de la parole déclarés dans `collecte.modele.champs` (leur ordre et leur forme : code ou libellé),
la date de saisie et, sur demande seulement, les champs internes à l'équipe (« ne pas citer »).
Les écrivains suivent la forme attendue par `restitution.exports` : `ecrire(matiere, sortie,
progression)` → nombre de paroles écrites.
"""

from __future__ import annotations

import csv
import io

from collecte.modele.champs import champs_exportes
from collecte.modele.models import DISPOSITIFS
from collecte.tableurs.ecriture import cellule_csv, classeur_en_flux

COLONNES_CONTEXTE = [
    "id",
    "temps",
    "dispositif",
    "date",
    "lieu",
    "evenement",
    "ville",
    "quartier",
    "structure",
    "typologie_structure",
]


def _contexte(parole: dict) -> list:
    return [
        str(parole["client_uuid"]),
        parole["temps_ref"],
        DISPOSITIFS.get(parole["dispositif"], parole["dispositif"]),
        parole["date"].isoformat() if parole["date"] else "",
        parole["lieu"] or "",
        parole["evenement"] or "",
        parole["ville"] or "",
        parole["quartier"] or "",
        parole["structure"] or "",
        parole["typologie"] or "",
    ]


def _internes(avec_ne_pas_citer: bool) -> list:
    """Champs internes à l'équipe (« ne pas citer »), en dernières colonnes et seulement sur demande."""
    return [c for c in champs_exportes(True) if c.export == "interne"] if avec_ne_pas_citer else []


def _ligne(parole: dict, avec_ne_pas_citer: bool) -> list:
    cree = (
        parole["cree_le"].isoformat() if hasattr(parole["cree_le"], "isoformat") else str(parole["cree_le"])
    )
    champs = [c.valeur_exportee(parole[c.nom]) for c in champs_exportes()]
    return (
        _contexte(parole)
        + champs
        + [cree]
        + [c.valeur_exportee(parole[c.nom]) for c in _internes(avec_ne_pas_citer)]
    )


def _colonnes(avec_ne_pas_citer: bool) -> list[str]:
    return (
        COLONNES_CONTEXTE
        + [c.nom for c in champs_exportes()]
        + ["cree_le"]
        + [c.nom for c in _internes(avec_ne_pas_citer)]
    )


def ecrire_csv(matiere, sortie, progression=None) -> int:
    """CSV pour Excel en français : UTF-8 avec BOM, point-virgule, cellules-formules désamorcées."""
    texte = io.TextIOWrapper(sortie, encoding="utf-8-sig", newline="", write_through=True)
    ecrivain = csv.writer(texte, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(_colonnes(matiere.avec_ne_pas_citer))
    nombre = 0
    for lot in matiere.lots():
        ecrivain.writerows([cellule_csv(v) for v in _ligne(p, matiere.avec_ne_pas_citer)] for p in lot)
        nombre += len(lot)
        if progression:
            progression(len(lot))
    texte.flush()
    texte.detach()
    return nombre


def ecrire_xlsx(matiere, sortie, progression=None) -> int:
    """Classeur écrit en flux : feuille `paroles` (mêmes colonnes que le CSV) et feuille `themes`."""
    with classeur_en_flux(sortie) as ajouter:
        feuille = ajouter("paroles", _colonnes(matiere.avec_ne_pas_citer))
        nombre = 0
        for lot in matiere.lots():
            for parole in lot:
                feuille(_ligne(parole, matiere.avec_ne_pas_citer))
            nombre += len(lot)
            if progression:
                progression(len(lot))
        livre = ajouter("themes", ["slug", "label", "description", "parent", "couleur"])
        for theme in matiere.themes:
            livre(
                [
                    theme["slug"],
                    theme["label"],
                    theme["description"],
                    theme.get("parent") or "",
                    theme["couleur"],
                ]
            )
    return nombre
