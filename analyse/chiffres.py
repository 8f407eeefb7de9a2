"""Chiffres clés d'une démarche, ceux de l'infographie du livret : le registre et le calcul.

Chaque chiffre est déclaré une fois, dans `CHIFFRES` : clé, libellé (pluriel et singulier),
définition imprimée dans la note de méthode du livret, calcul, présence dans le détail par
territoire. Le calcul (`chiffres_cles`), le tableau de bord, les tuiles et la note de méthode du
livret et `parole analyse` en dérivent ; le README les liste
(un test vérifie qu'il n'en oublie aucun). Ajouter un chiffre : une entrée ici, et une ligne au README.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from analyse.groupes import NON_PRECISE


class Elements(NamedTuple):
    """Ce que compte un chiffre : les temps de collecte, les paroles et les questionnaires soumis
    (du corpus entier ou d'un territoire)."""

    temps: pd.DataFrame
    contributions: pd.DataFrame
    questionnaires: pd.DataFrame


@dataclass(frozen=True)
class Chiffre:
    """Un chiffre clé ; `cle` est aussi la clé du JSON de `parole analyse`."""

    cle: str
    libelle: str  # après un nombre autre que 1 : « 43 personnes rencontrées »
    singulier: str  # après 1 : « 1 personne rencontrée »
    definition: str  # note de méthode du livret : ce qui est compté, et comment
    calculer: Callable[[Elements], int]
    par_territoire: bool = True  # aussi donné territoire par territoire

    def libelle_pour(self, valeur: int) -> str:
        return self.singulier if valeur == 1 else self.libelle


def _somme(colonne: str) -> Callable[[Elements], int]:
    def calculer(e: Elements) -> int:
        serie = e.temps[colonne] if colonne in e.temps else pd.Series(dtype=int)
        return int(pd.to_numeric(serie, errors="coerce").fillna(0).sum()) if len(serie) else 0

    return calculer


def _lieux(e: Elements) -> pd.DataFrame:
    return (
        e.temps[["ville", "quartier"]].fillna("")
        if len(e.temps)
        else pd.DataFrame(columns=["ville", "quartier"])
    )


def _villes(e: Elements) -> int:
    lieux = _lieux(e)
    return int(lieux.loc[lieux["ville"] != "", "ville"].nunique())


def _quartiers(e: Elements) -> int:
    lieux = _lieux(e)
    return len(lieux[(lieux["ville"] != "") & (lieux["quartier"] != "")].drop_duplicates())


def _structures(e: Elements) -> int:
    structures = set(e.temps["structure_id"].dropna().astype(int)) if len(e.temps) else set()
    structures |= (
        set(e.questionnaires["structure_id"].dropna().astype(int)) if len(e.questionnaires) else set()
    )
    return len(structures)


def _temps_du_dispositif(dispositif: str) -> Callable[[Elements], int]:
    return lambda e: int((e.temps["dispositif"] == dispositif).sum()) if len(e.temps) else 0


# L'ordre est celui des tuiles du livret, du tableau de bord et de `parole analyse`.
CHIFFRES: tuple[Chiffre, ...] = (
    Chiffre(
        "personnes_rencontrees",
        "personnes rencontrées",
        "personne rencontrée",
        calculer=_somme("personnes_rencontrees"),
        definition=(
            "somme des effectifs notés par l'équipe à chaque temps de collecte (une même personne revue "
            "deux fois compte deux fois)"
        ),
    ),
    Chiffre(
        "villes",
        "villes",
        "ville",
        calculer=_villes,
        par_territoire=False,
        definition="villes distinctes où au moins un temps de collecte a eu lieu",
    ),
    Chiffre(
        "quartiers",
        "quartiers prioritaires",
        "quartier prioritaire",
        calculer=_quartiers,
        par_territoire=False,
        definition=(
            "quartiers distincts où au moins un temps de collecte a eu lieu (un même nom dans deux villes "
            "compte deux fois)"
        ),
    ),
    Chiffre(
        "structures_partenaires",
        "structures partenaires",
        "structure partenaire",
        calculer=_structures,
        definition=(
            "structures distinctes qui ont accueilli un temps de collecte ou répondu à un questionnaire"
        ),
    ),
    Chiffre(
        "dont_professionnels",
        "professionnels associés",
        "professionnel associé",
        calculer=_somme("dont_professionnels"),
        definition=(
            "somme des professionnel·les présent·es, noté·es à chaque temps de collecte (compté·es aussi "
            "parmi les personnes rencontrées)"
        ),
    ),
    Chiffre(
        "ateliers_echange",
        "ateliers d'échange",
        "atelier d'échange",
        calculer=_temps_du_dispositif("atelier_echange"),
        definition="nombre de temps de collecte du dispositif « Atelier d'échange »",
    ),
    Chiffre(
        "porteurs_de_parole",
        "porteurs de parole",
        "porteur de parole",
        calculer=_temps_du_dispositif("porteur_de_parole"),
        definition="nombre de temps de collecte du dispositif « Porteur de parole »",
    ),
    Chiffre(
        "videos",
        "vidéos",
        "vidéo",
        calculer=_temps_du_dispositif("atelier_video"),
        definition="nombre de temps de collecte du dispositif « Atelier vidéo »",
    ),
    Chiffre(
        "questionnaires",
        "questionnaires",
        "questionnaire",
        calculer=lambda e: len(e.questionnaires),
        definition="réponses de questionnaire envoyées (les brouillons ne comptent pas)",
    ),
    Chiffre(
        "paroles",
        "paroles recueillies",
        "parole recueillie",
        calculer=lambda e: len(e.contributions),
        definition=(
            "paroles saisies (citations, post-it, slogans, réponses libres), y compris celles à ne pas "
            "citer, sans celles masquées à la modération"
        ),
    ),
)


def registre() -> tuple[Chiffre, ...]:
    """Les chiffres en vigueur, lus à chaque appel : un test peut en essayer un de plus."""
    return CHIFFRES


def chiffre(cle: str) -> Chiffre:
    return next(c for c in registre() if c.cle == cle)


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
        ids = (
            structures.loc[structures["territoire_id"] == filtres.territoire_id, "id"]
            if len(structures)
            else []
        )
        return _questionnaires(corpus, set(ids))
    if filtres.dispositif and filtres.dispositif != "questionnaire":
        return _questionnaires(corpus, set())
    return _questionnaires(corpus)


def _chiffres(elements: Elements, par_territoire: bool = False) -> dict:
    return {c.cle: int(c.calculer(elements)) for c in registre() if c.par_territoire or not par_territoire}


def chiffres_cles(corpus) -> dict:
    """Chiffres clés du corpus (filtré ou non).

    Renvoie un dict aux clés du registre, dans son ordre (entiers), plus `par_territoire` : une liste
    de dicts {"territoire": libellé, "territoire_id": id ou None, <clés des chiffres `par_territoire`>},
    dans l'ordre des territoires de la démarche, « Non précisé » en dernier s'il y a des temps sans lieu.
    Les questionnaires sont rattachés au territoire de leur structure.
    """
    questionnaires = _questionnaires_du_filtre(corpus)
    resultat = _chiffres(Elements(corpus.temps, corpus.contributions, questionnaires))
    resultat["par_territoire"] = _par_territoire(corpus, questionnaires)
    return resultat


def _par_territoire(corpus, questionnaires: pd.DataFrame) -> list[dict]:
    temps, contributions, structures = corpus.temps, corpus.contributions, corpus.structures
    territoires = (
        [(t.id, t.territoire) for t in corpus.territoires.itertuples()] if len(corpus.territoires) else []
    )
    if len(temps) and temps["territoire_id"].isna().any():
        territoires.append((None, NON_PRECISE))
    lignes = []
    for ident, nom in territoires:
        if corpus.filtres.territoire_id is not None and ident != corpus.filtres.territoire_id:
            continue
        if ident is None:
            elements = Elements(
                temps[temps["territoire_id"].isna()],
                contributions[contributions["territoire_id"].isna()],
                questionnaires.iloc[0:0],
            )
        else:
            ids = (
                set(structures.loc[structures["territoire_id"] == ident, "id"]) if len(structures) else set()
            )
            elements = Elements(
                temps[temps["territoire_id"] == ident],
                contributions[contributions["territoire_id"] == ident],
                questionnaires[questionnaires["structure_id"].isin(ids)],
            )
        lignes.append(
            {
                "territoire": nom,
                "territoire_id": None if ident is None else int(ident),
                **_chiffres(elements, par_territoire=True),
            }
        )
    return lignes
