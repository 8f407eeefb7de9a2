"""Spécificités lexicales (modèle hypergéométrique de Lafon, comme Lexico et IRaMuTeQ).

Pour un lemme et une partie du corpus (un territoire, un profil, un dispositif…) :
- T = nombre total d'occurrences (mots vides exclus) du corpus ;
- t = nombre d'occurrences de la partie ;
- F = fréquence totale du lemme dans le corpus ;
- k = fréquence du lemme dans la partie.

Si la partie était un tirage au hasard de t occurrences parmi T, k suivrait la loi
hypergéométrique H(T, F, t) : P(X = k) = C(F, k) · C(T − F, t − k) / C(T, t),
d'espérance F·t/T.

Score (convention de signe) :
- k > F·t/T (sur-emploi) : score = −log10 P(X ≥ k), positif ;
- sinon (sous-emploi ou emploi attendu) : score = +log10 P(X ≤ k), négatif ou nul.

Un score de +3 signifie qu'un sur-emploi au moins aussi fort n'arriverait par hasard qu'une fois
sur 1 000. On lit habituellement |score| ≥ 2 comme spécifique (seuil 1 %).

Calcul : log P(X = k) exact par la fonction log-gamma, puis la queue est sommée terme à terme
par le rapport de deux probabilités successives, vectorisé sur toutes les cellules à la fois,
jusqu'à ce que les termes deviennent négligeables (10⁻⁹ de la somme). Les cellules banales
(|k − espérance| < 2 écarts-types) d'un grand corpus (écart-type > 20) reçoivent
l'approximation normale : leur score vaut moins de 1,7 en valeur absolue et n'est jamais lu
comme spécifique ; cela évite des milliers d'itérations inutiles.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln, log_ndtr

ITERATIONS_MAX = 5_000
PRECISION = 1e-9
LN10 = np.log(10.0)


def _log_comb(n, k):
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def log_pmf(k, T, F, t):
    """log P(X = k) pour X ~ H(T, F, t) (logarithme népérien)."""
    return _log_comb(F, k) + _log_comb(T - F, t - k) - _log_comb(T, t)


def _rapport(j, T, F, t, haut: bool):
    """P(X = j ± 1) / P(X = j), nul hors du support."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if haut:
            r = (F - j) * (t - j) / ((j + 1) * (T - F - t + j + 1))
        else:
            r = j * (T - F - t + j) / ((F - j + 1) * (t - j + 1))
    return np.where(np.isfinite(r) & (r > 0), r, 0.0)


def log_queue(k, T, F, t, haut: bool) -> np.ndarray:
    """log P(X ≥ k) si `haut`, sinon log P(X ≤ k), exact (somme des termes de la queue)."""
    k, T, F, t = (np.asarray(x, dtype=float) for x in np.broadcast_arrays(k, T, F, t))
    k, T, F, t = k.ravel(), T.ravel(), F.ravel(), t.ravel()
    somme, terme, j = np.ones_like(k), np.ones_like(k), k.copy()
    actives = np.arange(len(k))
    for _ in range(ITERATIONS_MAX):
        if not len(actives):
            break
        r = _rapport(j[actives], T[actives], F[actives], t[actives], haut)
        j[actives] += 1 if haut else -1
        terme[actives] *= r
        somme[actives] += terme[actives]
        actives = actives[terme[actives] > PRECISION * somme[actives]]
    return log_pmf(k, T, F, t) + np.log(somme)


def scores(k, T, F, t) -> np.ndarray:
    """Score de spécificité (log10, signé, voir le docstring du module) de chaque cellule."""
    k, T, F, t = (np.asarray(x, dtype=float) for x in np.broadcast_arrays(k, T, F, t))
    forme = k.shape
    k, T, F, t = k.ravel(), T.ravel(), F.ravel(), t.ravel()
    resultat = np.zeros(len(k))
    attendu = F * t / np.maximum(T, 1)
    variance = attendu * (1 - F / np.maximum(T, 1)) * (T - t) / np.maximum(T - 1, 1)
    ecart = np.sqrt(np.maximum(variance, 0))
    valide = (T > 0) & (t > 0) & (F > 0)
    approx = valide & (ecart > 20) & (np.abs(k - attendu) < 2 * ecart)
    haut = valide & ~approx & (k > attendu)
    bas = valide & ~approx & ~(k > attendu)
    resultat[haut] = -log_queue(k[haut], T[haut], F[haut], t[haut], True) / LN10
    resultat[bas] = log_queue(k[bas], T[bas], F[bas], t[bas], False) / LN10
    z = (k[approx] - attendu[approx]) / ecart[approx]
    sens = np.sign(z)
    resultat[approx] = np.where(sens > 0, -log_ndtr(-np.abs(z)), log_ndtr(-np.abs(z))) / LN10
    resultat[~np.isfinite(resultat)] = 0.0
    return resultat.reshape(forme)


def specificites_comptes(comptes: pd.DataFrame) -> pd.DataFrame:
    """Scores pour un tableau de comptes parties (lignes) × lemmes (colonnes) ; même forme en sortie.
    Les parties forment une partition : T est la somme du tableau."""
    valeurs = comptes.to_numpy(dtype=float)
    T = valeurs.sum()
    t = valeurs.sum(axis=1, keepdims=True)
    F = valeurs.sum(axis=0, keepdims=True)
    return pd.DataFrame(scores(valeurs, T, F, t), index=comptes.index, columns=comptes.columns)


def _table_longue(groupes, lemmes, comptes, T, F, t, score, n, seuil) -> pd.DataFrame:
    lignes = []
    for i, groupe in enumerate(groupes):
        ordre = np.argsort(-score[i], kind="stable")
        plus = [j for j in ordre[:n] if score[i, j] >= seuil]
        moins = [j for j in ordre[::-1][:n] if score[i, j] <= -seuil]
        for j in plus + moins:
            lignes.append(
                {
                    "groupe": groupe,
                    "lemme": str(lemmes[j]),
                    "frequence": int(comptes[i, j]),
                    "frequence_totale": int(F[j]),
                    "attendu": round(float(F[j] * t[i] / T), 2),
                    "score": round(float(score[i, j]), 2),
                    "sens": "+" if score[i, j] > 0 else "-",
                }
            )
    return pd.DataFrame(
        lignes, columns=["groupe", "lemme", "frequence", "frequence_totale", "attendu", "score", "sens"]
    )


def specificites(
    corpus, par: str = "territoire", n: int = 10, frequence_min: int = 3, seuil: float = 2.0
) -> pd.DataFrame:
    """Lemmes sur- et sous-employés de chaque groupe (`par` : territoire, profil, dispositif…).

    Colonnes : groupe, lemme, frequence (k), frequence_totale (F), attendu (F·t/T), score, sens (+/-).
    Pour chaque groupe, au plus `n` lemmes de score ≥ `seuil` puis `n` de score ≤ −`seuil`, triés par
    |score| décroissant. Seuls les lemmes de fréquence totale ≥ `frequence_min` sont testés.
    Tableau vide (avec ces colonnes) si le corpus n'a pas de mot plein ou un seul groupe.
    """
    from analyse.groupes import matrice_groupes
    from analyse.lexique import index_du_corpus

    index = index_du_corpus(corpus)
    groupes, appartenance = matrice_groupes(corpus, par)
    if par == "theme":
        raise ValueError("Les thèmes se recouvrent : utiliser specificites_partie pour un thème.")
    comptes = (appartenance @ index.matrice).toarray().astype(float)
    F = comptes.sum(axis=0)
    garde = max(frequence_min, 1) <= F
    comptes, F, lemmes = comptes[:, garde], F[garde], index.lemmes[garde]
    T, t = comptes.sum(), comptes.sum(axis=1)
    if T == 0 or len(groupes) < 2:
        return _table_longue([], [], comptes, T, F, t, np.zeros((0, 0)), n, seuil)
    score = scores(comptes, T, F[None, :], t[:, None])
    return _table_longue(groupes, lemmes, comptes, T, F, t, score, n, seuil)


def specificites_partie(corpus, masque: np.ndarray, frequence_min: int = 2) -> pd.DataFrame:
    """Spécificités d'une partie quelconque du corpus (masque booléen sur les contributions, par ex.
    les paroles d'un thème) face au corpus entier. Colonnes : lemme, frequence, frequence_totale, score."""
    from analyse.lexique import index_du_corpus

    index = index_du_corpus(corpus)
    F = np.asarray(index.matrice.sum(axis=0)).ravel().astype(float)
    k = np.asarray(index.matrice[np.flatnonzero(masque)].sum(axis=0)).ravel().astype(float)
    T, t = F.sum(), k.sum()
    garde = (frequence_min <= F) & (k > 0)
    score = scores(k[garde], T, F[garde], t) if T and t else np.zeros(int(garde.sum()))
    return (
        pd.DataFrame(
            {
                "lemme": index.lemmes[garde].astype(str),
                "frequence": k[garde].astype(int),
                "frequence_totale": F[garde].astype(int),
                "score": score,
            }
        )
        .sort_values(["score", "lemme"], ascending=[False, True])
        .reset_index(drop=True)
    )
