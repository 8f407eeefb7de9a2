"""Chiffres clés d'une démarche, ceux de l'infographie du livret (définitions dans le README).

- personnes_rencontrees : somme des effectifs déclarés des temps de collecte ;
- dont_professionnels : somme des « dont professionnels » de ces temps ;
- villes / quartiers : villes distinctes, et couples (ville, quartier) distincts à quartier
  renseigné, des territoires où un temps de collecte a eu lieu ;
- structures_partenaires : structures distinctes liées à un temps de collecte ou à un
  questionnaire soumis ;
- ateliers_echange, porteurs_de_parole, videos : nombre de temps de collecte du dispositif
  `atelier_echange`, `porteur_de_parole`, `atelier_video` ;
- questionnaires : réponses de questionnaire soumises (les brouillons ne comptent pas) ;
- paroles : contributions recueillies, « ne pas citer » comprises, masquées exclues.
"""
from __future__ import annotations

import pandas as pd

from analyse.groupes import NON_PRECISE

CLES = ("personnes_rencontrees", "dont_professionnels", "villes", "quartiers", "structures_partenaires",
        "ateliers_echange", "porteurs_de_parole", "videos", "questionnaires", "paroles")

libelles_chiffres = {
    "personnes_rencontrees": "personnes rencontrées",
    "dont_professionnels": "professionnels associés",
    "villes": "villes",
    "quartiers": "quartiers prioritaires",
    "villes_quartiers": "villes / quartiers prioritaires",
    "structures_partenaires": "structures partenaires",
    "ateliers_echange": "ateliers d'échange",
    "porteurs_de_parole": "porteurs de parole",
    "videos": "vidéos",
    "questionnaires": "questionnaires",
    "paroles": "paroles recueillies",
}

DISPOSITIFS_COMPTES = {"ateliers_echange": "atelier_echange", "porteurs_de_parole": "porteur_de_parole",
                       "videos": "atelier_video"}


def _entier(serie: pd.Series) -> int:
    return int(pd.to_numeric(serie, errors="coerce").fillna(0).sum()) if len(serie) else 0


def _questionnaires(corpus, structures_ids=None) -> pd.DataFrame:
    soumis = corpus.questionnaires_soumis
    if soumis is None or soumis.empty:
        return pd.DataFrame(columns=["id", "structure_id"])
    if structures_ids is not None:
        soumis = soumis[soumis["structure_id"].isin(structures_ids)]
    return soumis


def _questionnaires_du_filtre(corpus) -> pd.DataFrame:
    """Un filtre de territoire ne garde que les questionnaires des structures de ce territoire ;
    un filtre de dispositif autre que « questionnaire » n'en garde aucun. Comme les temps de
    collecte, les questionnaires ne dépendent pas des filtres de profil ni de thème."""
    filtres = corpus.filtres
    if filtres.territoire_id is not None:
        structures = corpus.structures
        ids = structures.loc[structures["territoire_id"] == filtres.territoire_id, "id"] if len(structures) else []
        return _questionnaires(corpus, set(ids))
    if filtres.dispositif and filtres.dispositif != "questionnaire":
        return _questionnaires(corpus, set())
    return _questionnaires(corpus)


def _chiffres(temps: pd.DataFrame, contributions: pd.DataFrame, questionnaires: pd.DataFrame) -> dict:
    territoires = temps[["ville", "quartier"]].fillna("") if len(temps) else pd.DataFrame(columns=["ville", "quartier"])
    villes = territoires.loc[territoires["ville"] != "", "ville"]
    quartiers = territoires[(territoires["ville"] != "") & (territoires["quartier"] != "")].drop_duplicates()
    structures = set(temps["structure_id"].dropna().astype(int)) if len(temps) else set()
    structures |= set(questionnaires["structure_id"].dropna().astype(int)) if len(questionnaires) else set()
    dispositifs = temps["dispositif"].value_counts() if len(temps) else pd.Series(dtype=int)
    resultat = {
        "personnes_rencontrees": _entier(temps.get("personnes_rencontrees", pd.Series(dtype=int))),
        "dont_professionnels": _entier(temps.get("dont_professionnels", pd.Series(dtype=int))),
        "villes": int(villes.nunique()),
        "quartiers": len(quartiers),
        "structures_partenaires": len(structures),
        "questionnaires": len(questionnaires),
        "paroles": len(contributions),
    }
    for cle, dispositif in DISPOSITIFS_COMPTES.items():
        resultat[cle] = int(dispositifs.get(dispositif, 0))
    return {cle: resultat[cle] for cle in CLES}


def chiffres_cles(corpus) -> dict:
    """Chiffres clés du corpus (filtré ou non).

    Renvoie un dict aux clés exactes de `CLES` (entiers) plus `par_territoire` : une liste de dicts
    {"territoire": libellé, "territoire_id": id ou None, <mêmes clés sauf villes/quartiers>}, dans
    l'ordre des territoires de la démarche, « Non précisé » en dernier s'il y a des temps sans lieu.
    Les questionnaires sont rattachés au territoire de leur structure.
    """
    questionnaires = _questionnaires_du_filtre(corpus)
    resultat = _chiffres(corpus.temps, corpus.contributions, questionnaires)
    resultat["par_territoire"] = _par_territoire(corpus, questionnaires)
    return resultat


def _par_territoire(corpus, questionnaires: pd.DataFrame) -> list[dict]:
    temps, contributions, structures = corpus.temps, corpus.contributions, corpus.structures
    territoires = [(row.id, row.territoire) for row in corpus.territoires.itertuples()] if len(corpus.territoires) else []
    if len(temps) and temps["territoire_id"].isna().any():
        territoires.append((None, NON_PRECISE))
    lignes = []
    for ident, nom in territoires:
        if ident is None:
            t = temps[temps["territoire_id"].isna()]
            c = contributions[contributions["territoire_id"].isna()]
            q = questionnaires.iloc[0:0]
        else:
            t = temps[temps["territoire_id"] == ident]
            c = contributions[contributions["territoire_id"] == ident]
            ids = set(structures.loc[structures["territoire_id"] == ident, "id"]) if len(structures) else set()
            q = questionnaires[questionnaires["structure_id"].isin(ids)]
        if corpus.filtres.territoire_id is not None and ident != corpus.filtres.territoire_id:
            continue
        chiffres = _chiffres(t, c, q)
        del chiffres["villes"], chiffres["quartiers"]
        lignes.append({"territoire": nom, "territoire_id": None if ident is None else int(ident), **chiffres})
    return lignes
