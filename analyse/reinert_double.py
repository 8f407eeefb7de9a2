"""Double classification de Reinert : ne garder que les classes stables de deux classifications.

Comme IRaMuTeQ (« double sur RST ») et `rainette2` : les segments (découpés comme pour `classer`)
sont regroupés de deux façons en unités de contexte — segments consécutifs d'une même parole
réunis jusqu'à contenir au moins `lemmes_min[0]` (puis `lemmes_min[1]`) occurrences de lemmes
retenus, le reste d'une parole rejoignant son unité précédente — et chaque regroupement est classé
(`hierarchie`) ; un segment prend la classe de son unité.

Les classes terminales des deux classifications sont croisées : une paire (a, b) est candidate si
au moins `effectif_min` segments sont à la fois dans a et dans b, avec une association positive
significative (chi² du tableau 2 × 2 ≥ 3,84). On retient les paires sans classe en commun qui
couvrent le plus de segments (affectation optimale) ; chaque paire retenue est une classe stable
(l'intersection a ∩ b). Les segments hors de toute classe stable restent en classe 0.
Différence avec `rainette2` : seules les classes terminales sont croisées, pas celles de tous les
niveaux de l'arbre.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment

from analyse.reinert import (
    CLASSES_MAX,
    EFFECTIF_MIN,
    FREQUENCE_MIN,
    SEGMENTS_MAX,
    SEUIL_CHI2,
    TAILLE_SEGMENT,
    Classification,
    assembler,
    chi2_signe,
    hierarchie,
    preparer,
)


def unites(ids: np.ndarray, occurrences: np.ndarray, lemmes_min: int) -> np.ndarray:
    """Numéro d'unité de chaque segment : segments consécutifs d'une même parole réunis jusqu'à
    `lemmes_min` occurrences ; le reste d'une parole rejoint l'unité précédente de cette parole."""
    numeros = np.zeros(len(ids), dtype=np.int64)
    unite, cumul, debut_parole, debut_unite = -1, lemmes_min, 0, 0

    def rattacher(fin: int) -> int:  # reste trop court : rejoint l'unité précédente de la parole
        if cumul < lemmes_min and debut_unite > debut_parole:
            numeros[debut_unite:fin] = unite - 1
            return unite - 1
        return unite

    for i, (ident, n) in enumerate(zip(ids, occurrences, strict=True)):
        if i == 0 or ident != ids[i - 1]:
            unite = rattacher(i) if i else unite
            unite, cumul, debut_parole, debut_unite = unite + 1, 0, i, i
        elif cumul >= lemmes_min:
            unite, cumul, debut_unite = unite + 1, 0, i
        numeros[i] = unite
        cumul += n
    if len(ids):
        rattacher(len(ids))
    return numeros


def _classes_des_segments(x, ids, lemmes_min, classes, effectif_min, graine) -> np.ndarray:
    """Classe terminale (1…k, 0 = non classé) de chaque segment, par la classification des unités."""
    numeros = unites(ids, np.asarray(x.sum(axis=1)).ravel(), lemmes_min)
    regroupement = sparse.csr_matrix(
        (np.ones(len(numeros)), (numeros, np.arange(len(numeros)))), shape=(numeros.max() + 1, len(numeros))
    )
    u = ((regroupement @ x) > 0).astype(np.int8).tocsr()
    feuilles, _, _ = hierarchie(u, classes, effectif_min, graine)
    classe_unite = np.zeros(u.shape[0], dtype=int)
    for numero, lignes in enumerate(feuilles, start=1):
        classe_unite[lignes] = numero
    return classe_unite[numeros]


def classes_stables(a: np.ndarray, b: np.ndarray, effectif_min: int) -> list[np.ndarray]:
    """Intersections retenues (indices de segments) des classes de `a` et `b` (0 = non classé),
    de la plus grande à la plus petite."""
    ka, kb = a.max(), b.max()
    croisement = np.zeros((ka + 1, kb + 1), dtype=int)
    np.add.at(croisement, (a, b), 1)
    croisement[0, :] = croisement[:, 0] = 0
    total = len(a)
    effectifs_a, effectifs_b = np.bincount(a, minlength=ka + 1), np.bincount(b, minlength=kb + 1)
    chi2 = chi2_signe(croisement, effectifs_a[:, None], effectifs_b[None, :], total)
    valeur = np.where((croisement >= effectif_min) & (chi2 >= SEUIL_CHI2), croisement, 0)
    lignes, colonnes = linear_sum_assignment(-valeur)
    paires = [(i, j) for i, j in zip(lignes, colonnes, strict=True) if valeur[i, j] > 0]
    paires.sort(key=lambda p: (-valeur[p], p))
    return [np.flatnonzero((a == i) & (b == j)) for i, j in paires]


def classer_double(
    textes: list[str],
    ids: list[int],
    vides: frozenset[str] | None = None,
    *,
    taille_segment: int = TAILLE_SEGMENT,
    lemmes_min: tuple[int, int] = (10, 15),
    classes: int = CLASSES_MAX,
    frequence_min: int = FREQUENCE_MIN,
    effectif_min: int = EFFECTIF_MIN,
    segments_max: int = SEGMENTS_MAX,
    graine: int = 0,
) -> Classification:
    """Classes stables de deux classifications d'unités de tailles différentes (voir le module).

    Mêmes paramètres et mêmes refus que `classer` ; `Classe.noeud` vaut 0 (pas d'arbre unique) et
    `Classification.coupes` est vide. Il y a au plus `classes` classes stables, souvent moins.
    """
    prepare = preparer(textes, ids, vides, taille_segment, classes, frequence_min, segments_max, graine)
    x = prepare.x
    ids_retenus = prepare.segments["id"].to_numpy()[prepare.retenus]
    a, b = (_classes_des_segments(x, ids_retenus, m, classes, effectif_min, graine) for m in lemmes_min)
    stables = classes_stables(a, b, effectif_min)
    return assembler(prepare, stables, [0] * len(stables), [])
