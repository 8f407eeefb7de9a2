"""Segments de texte de la classification de Reinert : découpage des paroles et matrice segments × lemmes.

Découpage (comme IRaMuTeQ, qui vise ~40 occurrences par segment) : une parole de `taille` mots ou
moins forme un seul segment ; une parole plus longue est coupée après le mot, pris entre `taille / 2`
et `1,5 × taille` mots depuis le début du segment, qui est suivi de la ponctuation la plus forte
(« . ! ? … » puis « , ; : » puis rien), au plus près de `taille` mots à force égale. Les mots sont ceux
de `analyse.lexique` (suites de lettres, apostrophes internes gardées).

Matrice : présence (0/1) de chaque lemme plein (mots vides exclus, lemmatisation de
`analyse.lexique.indexer`) dans chaque segment, réduite aux lemmes présents dans au moins
`frequence_min` segments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from analyse.lexique import MOTIF_MOT, indexer

PONCTUATION_FORTE = re.compile(r"[.!?…]")
PONCTUATION_FAIBLE = re.compile(r"[,;:]")


def _forces(texte: str, mots: list[re.Match]) -> list[int]:
    """Force de la coupure après chaque mot : 2 ponctuation forte, 1 faible, 0 aucune."""
    forces = []
    for i, mot in enumerate(mots):
        fin = mots[i + 1].start() if i + 1 < len(mots) else len(texte)
        entre = texte[mot.end() : fin]
        forces.append(2 if PONCTUATION_FORTE.search(entre) else 1 if PONCTUATION_FAIBLE.search(entre) else 0)
    return forces


def _coupure(forces: list[int], debut: int, taille: int) -> int:
    """Indice du dernier mot du segment qui commence au mot `debut`."""
    bas, haut = debut + taille // 2, min(debut + taille + taille // 2, len(forces) - 1)
    cible = debut + taille - 1
    return max(range(bas, haut), key=lambda i: (forces[i], -abs(i - cible), -i))


def decouper(texte: str, taille: int = 40) -> list[str]:
    """Segments d'un texte, dans l'ordre (liste vide si le texte n'a aucun mot)."""
    texte = str(texte or "").replace("\u2019", "'")
    mots = list(MOTIF_MOT.finditer(texte))
    if len(mots) <= taille:
        return [texte.strip()] if mots else []
    forces, segments, debut = _forces(texte, mots), [], 0
    while len(mots) - debut > taille:
        fin = _coupure(forces, debut, taille)
        segments.append(texte[mots[debut].start() : mots[fin + 1].start()].strip())
        debut = fin + 1
    segments.append(texte[mots[debut].start() :].strip())
    return segments


def segmenter(textes: list[str], ids: list[int], taille: int = 40) -> pd.DataFrame:
    """Segments de toutes les paroles : colonnes id (de la parole), rang (dans la parole), texte."""
    lignes = [
        (ident, rang, segment)
        for texte, ident in zip(textes, ids, strict=True)
        for rang, segment in enumerate(decouper(texte, taille))
    ]
    return pd.DataFrame(lignes, columns=["id", "rang", "texte"])


@dataclass
class Matrice:
    """Présence des lemmes retenus (colonnes `lemmes`) dans les segments (lignes, ordre des textes)."""

    presences: sparse.csr_matrix
    lemmes: np.ndarray


def matrice_presences(textes: list[str], vides: frozenset[str] | None, frequence_min: int = 3) -> Matrice:
    index = indexer(textes, vides)
    presences = (index.matrice > 0).astype(np.int8).tocsc()
    garde = np.flatnonzero(np.asarray(presences.sum(axis=0)).ravel() >= frequence_min)
    return Matrice(presences=presences[:, garde].tocsr(), lemmes=index.lemmes[garde])
