"""Comptes et tableaux croisés des contributions.

Les contributions masquées sont absentes du corpus ; celles « ne pas citer » sont comptées.
Une parole peut porter plusieurs thèmes : elle compte alors dans chacun, et les parts d'un
croisement par thème sont calculées par rapport au nombre de paroles de la colonne (la « base »),
si bien qu'une colonne peut dépasser 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyse.groupes import NON_PRECISE, libelle, matrice_groupes

SANS_THEME = "Sans thème"


def _libelles_themes(corpus) -> dict:
    return dict(zip(corpus.themes["slug"], corpus.themes["label"])) if len(corpus.themes) else {}


def _libelle(corpus, critere: str, valeur) -> str:
    if critere == "theme":
        return _libelles_themes(corpus).get(valeur, str(valeur))
    return libelle(critere, valeur)


def compter_par(corpus, critere: str) -> pd.DataFrame:
    """Paroles par modalité de `critere` (dispositif, territoire, theme, profil, tranche_age, mois…).

    Colonnes : modalite (valeur stockée), libelle, contributions, part (contributions / total des
    paroles, entre 0 et 1). Tri : ordre du livre de codes pour les thèmes (thèmes sans parole
    inclus, à 0, et une ligne « Sans thème » si des paroles n'en ont aucun), ordre chronologique
    pour les mois, effectif décroissant sinon. Tableau vide si le corpus n'a aucune parole.
    """
    total = len(corpus.contributions)
    noms, appartenance = matrice_groupes(corpus, critere)
    comptes = np.asarray(appartenance.sum(axis=1)).ravel().astype(int)
    table = pd.DataFrame({"modalite": noms, "contributions": comptes})
    if critere == "theme":
        sans = total - int((appartenance.sum(axis=0) > 0).sum())
        if sans:
            table = pd.concat(
                [table, pd.DataFrame({"modalite": [""], "contributions": [sans]})], ignore_index=True
            )
    elif critere == "mois":
        table = table.sort_values("modalite", key=lambda s: s.where(s != NON_PRECISE, "9999"))
    else:
        table = table.sort_values(["contributions", "modalite"], ascending=[False, True])
    table["libelle"] = [
        SANS_THEME if (critere == "theme" and m == "") else _libelle(corpus, critere, m)
        for m in table["modalite"]
    ]
    table["part"] = table["contributions"] / total if total else 0.0
    return table[["modalite", "libelle", "contributions", "part"]].reset_index(drop=True)


@dataclass
class Croisement:
    """Tableau croisé ligne × colonne.

    - effectifs : DataFrame (index = modalités de la ligne, colonnes = modalités de la colonne), entiers ;
    - bases : Series (index = colonnes) du nombre de paroles de chaque colonne, le dénominateur des parts ;
    - parts : effectifs / bases (entre 0 et 1) ;
    - libelles_lignes / libelles_colonnes : dict modalité → libellé lisible.
    """

    ligne: str
    colonne: str
    effectifs: pd.DataFrame
    parts: pd.DataFrame
    bases: pd.Series
    libelles_lignes: dict
    libelles_colonnes: dict

    def en_long(self) -> list[dict]:
        """Une entrée par cellule : {ligne, colonne, contributions, base, part} (pour JSON/CSV)."""
        lignes = []
        for l in self.effectifs.index:
            for c in self.effectifs.columns:
                lignes.append(
                    {
                        "ligne": l,
                        "colonne": c,
                        "contributions": int(self.effectifs.at[l, c]),
                        "base": int(self.bases[c]),
                        "part": round(float(self.parts.at[l, c]), 4),
                    }
                )
        return lignes


def croiser(corpus, ligne: str = "theme", colonne: str = "territoire") -> Croisement:
    """Croise deux critères (par ex. thème × territoire, thème × profil, thème × dispositif)."""
    noms_l, g_l = matrice_groupes(corpus, ligne)
    noms_c, g_c = matrice_groupes(corpus, colonne)
    effectifs = pd.DataFrame((g_l @ g_c.T).toarray().astype(int), index=noms_l, columns=noms_c)
    bases = pd.Series(np.asarray(g_c.sum(axis=1)).ravel().astype(int), index=noms_c)
    with np.errstate(divide="ignore", invalid="ignore"):
        parts = effectifs.div(bases.replace(0, np.nan), axis=1).fillna(0.0)
    return Croisement(
        ligne=ligne,
        colonne=colonne,
        effectifs=effectifs,
        parts=parts,
        bases=bases,
        libelles_lignes={m: _libelle(corpus, ligne, m) for m in noms_l},
        libelles_colonnes={m: _libelle(corpus, colonne, m) for m in noms_c},
    )


def cooccurrences_themes(corpus) -> pd.DataFrame:
    """Matrice thèmes × thèmes : nombre de paroles portant les deux thèmes ; la diagonale donne le
    nombre de paroles de chaque thème. Index et colonnes : slugs, dans l'ordre du livre de codes."""
    noms, appartenance = matrice_groupes(corpus, "theme")
    return pd.DataFrame((appartenance @ appartenance.T).toarray().astype(int), index=noms, columns=noms)


def cooccurrences_en_long(corpus) -> list[dict]:
    """Paires de thèmes distincts qui se rencontrent, les plus fréquentes d'abord."""
    matrice = cooccurrences_themes(corpus)
    paires = []
    for i, a in enumerate(matrice.index):
        for b in matrice.columns[i + 1 :]:
            if matrice.at[a, b]:
                paires.append({"theme_a": a, "theme_b": b, "contributions": int(matrice.at[a, b])})
    return sorted(paires, key=lambda p: (-p["contributions"], p["theme_a"], p["theme_b"]))
