"""Partitions des contributions en groupes (territoire, profil, dispositif, thème, mois…).

Chaque groupement est rendu sous forme d'une matrice creuse d'appartenance groupes × paroles,
alignée sur l'ordre de `corpus.contributions` : les comptes par groupe sont alors de simples
produits matriciels (aucune boucle Python sur les lignes).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from analyse.donnees import LIBELLES

NON_PRECISE = "Non précisé"
CRITERES = (
    "dispositif",
    "territoire",
    "theme",
    "profil",
    "tranche_age",
    "mois",
    "structure",
    "genre",
    "nature",
)


def valeurs_du_critere(corpus, critere: str) -> pd.Series:
    """Valeur de chaque contribution pour un critère à une seule valeur (pas « theme »)."""
    contributions = corpus.contributions
    if critere == "mois":
        dates = pd.to_datetime(contributions["date"], errors="coerce")
        valeurs = dates.dt.strftime("%Y-%m")
    elif critere in contributions.columns:
        valeurs = contributions[critere]
    else:
        raise ValueError(f"Critère inconnu : {critere}")
    valeurs = valeurs.astype(object).fillna("").astype(str).str.strip()
    return valeurs.where(valeurs != "", NON_PRECISE)


def libelle(critere: str, valeur) -> str:
    """Libellé lisible d'une modalité (« atelier_echange » → « Atelier d'échange »)."""
    return LIBELLES.get(critere, {}).get(valeur, str(valeur))


def matrice_groupes(corpus, critere: str) -> tuple[list[str], sparse.csr_matrix]:
    """(noms des groupes, matrice groupes × paroles à 0/1). Pour « theme », une parole peut appartenir
    à plusieurs groupes (un par étiquette) ; les thèmes sans parole figurent avec une ligne vide."""
    n = len(corpus.contributions)
    if critere == "theme":
        noms = list(corpus.themes["slug"]) if len(corpus.themes) else []
        position = pd.Series(np.arange(n), index=corpus.contributions["id"].to_numpy())
        liens = corpus.liens_themes[corpus.liens_themes["contribution_id"].isin(position.index)]
        liens = liens[liens["theme"].isin(noms)]
        lignes = pd.Index(noms).get_indexer(liens["theme"])
        colonnes = position.loc[liens["contribution_id"]].to_numpy()
    else:
        valeurs = valeurs_du_critere(corpus, critere)
        codes, uniques = pd.factorize(valeurs, sort=True)
        noms, lignes, colonnes = [str(u) for u in uniques], codes, np.arange(n)
    donnees = np.ones(len(lignes), dtype=np.int32)
    matrice = sparse.csr_matrix((donnees, (lignes, colonnes)), shape=(len(noms), n))
    matrice.data[:] = 1  # une double étiquette identique ne compte qu'une fois
    return noms, matrice
