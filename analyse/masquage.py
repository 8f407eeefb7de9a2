"""Données personnelles : ce qui sort de la base pour une sortie est masqué (sans base : les repérages
enregistrés sont lus par `analyse.donnees`, `reperages_de_la_demarche` et `compter_masquage`).

Un seul endroit : le corpus de l'analyse (`analyse.donnees`) et les lots des exports (`restitution.donnees`)
masquent par `masquer_textes`. Une parole « examinée » ici est une parole dont `examinee_par` n'est pas
vide : des repérages d'une version antérieure du détecteur restent justes pour un texte inchangé (un texte
corrigé remet `examinee_par` à vide) ; les sorties font de toute façon réexaminer d'abord par la version
courante (`examiner_en_attente`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pandas as pd

from collecte.confidentialite.detection import masquer, reperer_lot


@dataclass(frozen=True)
class Masquage:
    """Ce qu'une sortie remplace : les données personnelles repérées que personne n'a examinées."""

    reperages: int = 0  # passages remplacés par leur nature
    paroles: int = 0  # paroles touchées
    natures: tuple[str, ...] = ()  # « [nom] », « [téléphone] »… présents, dans l'ordre de detection.SORTES
    en_attente: int = 0  # paroles que la version courante du détecteur n'a pas encore vues


# Repérages faits à la volée, par texte : les images d'une page du tableau de bord rechargent chacune le
# corpus, le modèle de langue ne repasse pas sur les mêmes textes (quelques millisecondes par texte).
_A_LA_VOLEE: dict[str, tuple] = {}
_A_LA_VOLEE_MAX = 20_000
_VERROU_A_LA_VOLEE = threading.Lock()


def _reperer_a_la_volee(textes: list[str]) -> list[tuple]:
    if not textes:  # sans rien à repérer, le modèle de langue (5 s à charger) reste où il est
        return []
    with _VERROU_A_LA_VOLEE:
        connus = {t: _A_LA_VOLEE[t] for t in textes if t in _A_LA_VOLEE}
    nouveaux = [t for t in dict.fromkeys(textes) if t not in connus]
    trouves = dict(zip(nouveaux, map(tuple, reperer_lot(nouveaux)), strict=True))
    with _VERROU_A_LA_VOLEE:
        for texte, reperages in trouves.items():
            if len(_A_LA_VOLEE) >= _A_LA_VOLEE_MAX:
                del _A_LA_VOLEE[next(iter(_A_LA_VOLEE))]  # le plus ancien
            _A_LA_VOLEE[texte] = reperages
    return [connus.get(t, trouves.get(t)) for t in textes]


# Au-delà, une lecture ne repère plus à la volée (quelques millisecondes par texte : un import d'un million
# de paroles non examinées coûterait des minutes à chaque page) : les textes suivants sont retenus (vides)
# jusqu'à leur examen (`parole examiner`, ou toute sortie, qui examine d'abord et enregistre).
A_LA_VOLEE_PAR_LECTURE = 5_000


def masquer_textes(textes: list[str], reperages: list, examinees: list[bool]) -> list[str]:
    """Les textes tels qu'ils peuvent sortir : chaque passage de `reperages[i]` remplacé par sa nature ; un
    texte jamais examiné (`examinees[i]` faux) est repéré à la volée (modèle de langue, par lots), sans rien
    enregistrer, et ses repérages enregistrés (périmés) ignorés ; au-delà de `A_LA_VOLEE_PAR_LECTURE`
    textes jamais examinés, les suivants sont retenus (texte vide) : rien de non examiné ne sort."""
    a_reperer = [i for i, examinee in enumerate(examinees) if not examinee]
    retenus = set(a_reperer[A_LA_VOLEE_PAR_LECTURE:])
    a_reperer = a_reperer[:A_LA_VOLEE_PAR_LECTURE]
    trouves = dict(zip(a_reperer, _reperer_a_la_volee([textes[i] or "" for i in a_reperer]), strict=True))
    resultat = []
    for i, texte in enumerate(textes):
        passages = trouves.get(i, reperages[i])
        if i in retenus:
            resultat.append("")
        else:
            resultat.append(masquer(texte, passages) if passages else texte)
    return resultat


def masquer_contributions(contributions: pd.DataFrame, reperages: dict[int, list]) -> pd.DataFrame:
    """Masque la colonne `texte` (lue avec `examinee`, retirée ici) ; seules les paroles qui ont un
    repérage à masquer ou qui n'ont jamais été examinées sont touchées."""
    examinees = contributions["examinee"].fillna(0).astype(bool)
    cibles = ~examinees | contributions["id"].isin(reperages.keys())
    if cibles.any():  # le tableau vient d'être lu : modifié sur place
        ids = [int(i) for i in contributions.loc[cibles, "id"]]
        contributions.loc[cibles, "texte"] = masquer_textes(
            contributions.loc[cibles, "texte"].tolist(),
            [reperages.get(i, ()) for i in ids],
            examinees[cibles].tolist(),
        )
    return contributions.drop(columns="examinee")
