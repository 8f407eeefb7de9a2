"""Choix de citations représentatives d'un thème, pour le livret.

Méthode, déterministe :
1. candidates = paroles du thème, jamais « ne pas citer », de longueur comprise entre
   `longueur_min` et `longueur_max` caractères (si elles sont moins de `n`, les bornes sont levées) ;
2. centralité lexicale : chaque lemme reçoit le poids max(0, spécificité du thème face au corpus)
   + log(1 + fréquence du lemme dans le thème) ; le score d'une parole est la somme des poids de
   ses lemmes distincts divisée par √(nombre de lemmes distincts), pour ne pas favoriser les
   textes longs ;
3. diversité : sélection gloutonne ; le score d'une candidate est multiplié par 0,7 pour chaque
   citation déjà retenue du même territoire et par 0,8 pour chaque citation du même profil ; une
   candidate qui partage plus de 60 % de ses lemmes avec une citation retenue est écartée
   (quasi-doublon). Égalités départagées par l'identifiant.

Le drapeau « à retenir » est exposé (colonne `a_retenir`) : le faire passer en premier est un choix
de la restitution.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analyse.lexique import index_du_corpus
from analyse.specificites import specificites_partie

COLONNES = [
    "id",
    "texte",
    "territoire",
    "ville",
    "quartier",
    "profil",
    "tranche_age",
    "dispositif",
    "structure",
    "question",
    "a_retenir",
    "score",
]
PENALITE_TERRITOIRE = 0.7
PENALITE_PROFIL = 0.8
RECOUVREMENT_MAX = 0.6


def _poids_lemmes(corpus, masque: np.ndarray) -> np.ndarray:
    index = index_du_corpus(corpus)
    poids = np.zeros(len(index.lemmes))
    specifiques = specificites_partie(corpus, masque, frequence_min=1)
    position = {str(l): j for j, l in enumerate(index.lemmes)}
    for ligne in specifiques.itertuples():
        poids[position[ligne.lemme]] = max(0.0, ligne.score) + math.log1p(ligne.frequence)
    return poids


def _candidates(corpus, masque: np.ndarray, n: int, longueur_min: int, longueur_max: int) -> np.ndarray:
    contributions = corpus.contributions
    citables = masque & ~contributions["ne_pas_citer"].astype(bool).to_numpy()
    longueurs = contributions["texte"].fillna("").str.len().to_numpy()
    bornees = citables & (longueurs >= longueur_min) & (longueurs <= longueur_max)
    return np.flatnonzero(bornees if bornees.sum() >= n else citables)


def citations_representatives(
    corpus, theme_slug: str, n: int = 5, longueur_min: int = 40, longueur_max: int = 400
) -> pd.DataFrame:
    """Au plus `n` citations du thème, les plus représentatives d'abord (colonnes `COLONNES`,
    `score` = centralité lexicale). Tableau vide si le thème n'a aucune parole citable."""
    contributions = corpus.contributions
    ids_theme = corpus.liens_themes.loc[corpus.liens_themes["theme"] == theme_slug, "contribution_id"]
    masque = contributions["id"].isin(ids_theme).to_numpy()
    lignes = _candidates(corpus, masque, n, longueur_min, longueur_max)
    if not len(lignes) or n <= 0:
        return pd.DataFrame(columns=COLONNES)
    index = index_du_corpus(corpus)
    poids = _poids_lemmes(corpus, masque)
    presence = (index.matrice[lignes] > 0).astype(float)
    distincts = np.asarray(presence.sum(axis=1)).ravel()
    centralite = (presence @ poids) / np.sqrt(np.maximum(distincts, 1))
    meilleures = np.lexsort((contributions["id"].to_numpy()[lignes], -centralite))[: max(50, 20 * n)]
    lignes, presence, centralite = lignes[meilleures], presence[meilleures], centralite[meilleures]
    choisies = _choisir(contributions.iloc[lignes], centralite, presence, n)
    table = contributions.iloc[lignes[choisies]].copy()
    table["score"] = np.round(centralite[choisies], 3)
    return table.reindex(columns=COLONNES).reset_index(drop=True)


def _choisir(candidates: pd.DataFrame, centralite: np.ndarray, presence, n: int) -> list[int]:
    territoires = candidates["territoire"].fillna("").tolist()
    profils = candidates["profil"].fillna("").tolist()
    ids = candidates["id"].tolist()
    ensembles = [set(presence[i].indices) for i in range(presence.shape[0])]
    choisies: list[int] = []
    restantes = set(range(len(ids)))
    while restantes and len(choisies) < n:

        def valeur(i):
            pen = PENALITE_TERRITOIRE ** sum(territoires[j] == territoires[i] for j in choisies)
            pen *= PENALITE_PROFIL ** sum(profils[j] == profils[i] for j in choisies)
            return (-centralite[i] * pen, ids[i])

        meilleure = min(restantes, key=valeur)
        restantes.discard(meilleure)
        if any(_recouvrement(ensembles[meilleure], ensembles[j]) > RECOUVREMENT_MAX for j in choisies):
            continue
        choisies.append(meilleure)
    return choisies


def _recouvrement(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
