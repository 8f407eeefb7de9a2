"""Classification descendante hiérarchique de Reinert sur une matrice binaire segments × lemmes.

Une coupe sépare une classe en deux groupes de segments en cherchant le plus grand chi² du tableau
(2 groupes × lemmes) des présences, en deux temps, comme Reinert, IRaMuTeQ et le paquet R `rainette` :
1. analyse des correspondances de la sous-matrice : les segments sont rangés selon leur coordonnée
   sur le premier facteur et l'on garde, parmi les n − 1 coupures de ce rangement, celle dont le chi²
   est le plus grand (toutes calculées d'un coup, voir `_meilleure_coupure`) ;
2. amélioration : un segment passe dans l'autre groupe si cela augmente le chi². Le gain de chaque
   segment se calcule exactement pour tous à la fois ; les segments à gain positif sont déplacés par
   lots (le lot est réduit de moitié tant que le chi² n'augmente pas), jusqu'à ce qu'aucun
   déplacement n'augmente plus le chi².

Avec n₀, n₁ les présences par lemme des deux groupes, c = n₀ + n₁, R₀ et R₁ leurs totaux et N = R₀ + R₁ :
chi² = N · (A₀/R₀ + A₁/R₁ − 1) où Aₖ = Σⱼ nₖⱼ² / cⱼ. Tout est linéaire dans la matrice creuse.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import LinearOperator, svds

PASSES_MAX = 200
CELLULES_DENSE = 2_000_000  # en deçà (segments × lemmes), la SVD dense est plus sûre et aussi rapide


def chi2_partition(x: sparse.csr_matrix, groupe: np.ndarray) -> float:
    """Chi² du tableau (2 groupes × lemmes) des présences ; `groupe` booléen (True = groupe 1)."""
    n1 = np.asarray(x[groupe].sum(axis=0)).ravel().astype(float)
    c = np.asarray(x.sum(axis=0)).ravel().astype(float)
    return _chi2(n1, c)


def _chi2(n1: np.ndarray, c: np.ndarray) -> float:
    n0, total = c - n1, c.sum()
    r1, r0 = n1.sum(), total - n1.sum()
    if r0 <= 0 or r1 <= 0:
        return 0.0
    return float(total * ((n0**2 / c).sum() / r0 + (n1**2 / c).sum() / r1 - 1))


def premier_facteur(x: sparse.csr_matrix, graine: int = 0) -> np.ndarray:
    """Coordonnées des segments sur le premier facteur de l'analyse des correspondances de `x`."""
    p = x.astype(float) / x.sum()
    r, c = np.asarray(p.sum(axis=1)).ravel(), np.asarray(p.sum(axis=0)).ravel()
    dr, dc = 1 / np.sqrt(r), 1 / np.sqrt(c)
    m = sparse.diags(dr) @ p @ sparse.diags(dc)
    sr, sc = np.sqrt(r), np.sqrt(c)
    if x.shape[0] * x.shape[1] <= CELLULES_DENSE or min(x.shape) < 3:
        u, _, _ = np.linalg.svd(m.toarray() - np.outer(sr, sc), full_matrices=False)
        vecteur = u[:, 0]
    else:  # matrice centrée sans la densifier : M − √r √cᵀ
        centree = LinearOperator(
            m.shape,
            matvec=lambda v: m @ np.ravel(v) - sr * (sc @ np.ravel(v)),
            rmatvec=lambda v: m.T @ np.ravel(v) - sc * (sr @ np.ravel(v)),
            dtype=float,
        )
        v0 = np.random.default_rng(graine).random(min(m.shape))
        u, _, _ = svds(centree, k=1, v0=v0, random_state=graine)
        vecteur = u[:, 0]
    coordonnees = vecteur * dr
    # Le signe d'un vecteur singulier est arbitraire : on le fixe pour que le résultat soit reproductible.
    return coordonnees if coordonnees[np.argmax(np.abs(coordonnees))] > 0 else -coordonnees


def _meilleure_coupure(x: sparse.csr_matrix, coordonnees: np.ndarray, minimum: int) -> np.ndarray:
    """Groupe (booléen) des segments situés avant la coupure du rangement au plus grand chi², chaque
    groupe gardant au moins `minimum` segments.

    Aₖ = Σⱼ n₁ⱼ(k)² / cⱼ quand les k premiers segments forment le groupe 1 : la m-ième présence
    du lemme j dans l'ordre ajoute (2m + 1) / cⱼ ; A₀ = Σ c − 2 R₁ + A₁.
    """
    n = x.shape[0]
    ordre = np.argsort(coordonnees, kind="stable")
    position = np.empty(n, dtype=np.int64)
    position[ordre] = np.arange(n)
    coo = x.tocoo()
    pos, col = position[coo.row], coo.col
    tri = np.lexsort((pos, col))
    col_triee = col[tri]
    debuts = np.searchsorted(col_triee, col_triee, side="left")
    rang = np.arange(len(tri)) - debuts
    c = np.bincount(col, minlength=x.shape[1]).astype(float)
    increments = (2 * rang + 1) / c[col_triee]
    a1 = np.cumsum(np.bincount(pos[tri], weights=increments, minlength=n))
    r1 = np.cumsum(np.bincount(pos, minlength=n).astype(float))
    total = c.sum()
    r0 = total - r1
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = total * (a1 / r1 + (total - 2 * r1 + a1) / r0 - 1)
    taille1 = np.arange(1, n + 1)
    chi2 = np.where((r1 > 0) & (r0 > 0) & (taille1 >= minimum) & (n - taille1 >= minimum), chi2, -np.inf)
    k = int(np.argmax(chi2))
    groupe = np.zeros(n, dtype=bool)
    groupe[ordre[: k + 1]] = True
    return groupe


def _gains(x: sparse.csr_matrix, groupe: np.ndarray, c: np.ndarray, minimum: int) -> np.ndarray:
    """Variation exacte du chi² si chaque segment, seul, changeait de groupe (−∞ si son groupe
    tombait sous `minimum` segments)."""
    n1 = np.asarray(x[groupe].sum(axis=0)).ravel().astype(float)
    n0 = c - n1
    total = c.sum()
    r1, r0 = n1.sum(), total - n1.sum()
    a1, a0 = (n1**2 / c).sum(), (n0**2 / c).sum()
    s = np.asarray(x.sum(axis=1)).ravel().astype(float)
    inv = x @ (1 / c)
    vers1, vers0 = x @ (n1 / c), x @ (n0 / c)
    # Segment du groupe 0 qui passe en 1 : A₀ − 2x·n₀/c + x·1/c, A₁ + 2x·n₁/c + x·1/c.
    a0n = np.where(groupe, a0 + 2 * vers0 + inv, a0 - 2 * vers0 + inv)
    a1n = np.where(groupe, a1 - 2 * vers1 + inv, a1 + 2 * vers1 + inv)
    r0n = np.where(groupe, r0 + s, r0 - s)
    r1n = np.where(groupe, r1 - s, r1 + s)
    avant = total * (a0 / r0 + a1 / r1 - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        apres = total * (a0n / r0n + a1n / r1n - 1)
    taille = np.where(groupe, groupe.sum(), len(groupe) - groupe.sum())
    return np.where((r0n > 0) & (r1n > 0) & (taille > minimum), apres - avant, -np.inf)


def _ameliorer(x: sparse.csr_matrix, groupe: np.ndarray, minimum: int) -> np.ndarray:
    c = np.asarray(x.sum(axis=0)).ravel().astype(float)
    groupe = groupe.copy()
    chi2 = chi2_partition(x, groupe)
    for _ in range(PASSES_MAX):
        gains = _gains(x, groupe, c, minimum)
        candidats = np.flatnonzero(gains > 1e-9 * max(chi2, 1.0))
        if not len(candidats):
            break
        candidats = candidats[np.argsort(-gains[candidats], kind="stable")]
        while True:
            essai = groupe.copy()
            essai[candidats] = ~essai[candidats]
            nouveau = chi2_partition(x, essai) if minimum <= essai.sum() <= len(essai) - minimum else -1.0
            if nouveau > chi2 or len(candidats) == 1:
                break
            candidats = candidats[: len(candidats) // 2]
        if nouveau <= chi2:
            break
        groupe, chi2 = essai, nouveau
    return groupe


def couper(x: sparse.csr_matrix, graine: int = 0, minimum: int = 1) -> tuple[np.ndarray, float] | None:
    """Meilleure coupe en deux des segments de `x`, chaque groupe gardant au moins `minimum` segments :
    (groupe booléen, chi²), ou None si impossible."""
    minimum = max(minimum, 1)
    x = x[:, np.flatnonzero(np.asarray(x.sum(axis=0)).ravel() > 0)]
    if x.shape[0] < 2 * minimum or x.shape[1] < 2 or (np.asarray(x.sum(axis=1)).ravel() == 0).any():
        return None
    groupe = _ameliorer(x, _meilleure_coupure(x, premier_facteur(x, graine), minimum), minimum)
    if groupe.all() or not groupe.any():
        return None
    return groupe, chi2_partition(x, groupe)
