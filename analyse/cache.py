"""Résultats d'analyse gardés dans la mémoire du processus, par démarche et par version de ses données.

La clé d'un résultat commence par `cle_demarche` : l'identifiant de la démarche, sa date de création et
son jeton `version_donnees`, que toute écriture touchant ses données remplace dans sa propre transaction
(`collecte.modele.ecritures`). La clé est relue en base (une requête par l'index du slug) à chaque
affichage : plusieurs processus (gunicorn, waitress) ne servent jamais un résultat d'avant une écriture ;
un résultat périmé n'est plus demandé et sort du cache quand la place manque.

Deux réserves bornées en nombre d'entrées, les plus anciennement lues sortent d'abord : `CORPUS` (corpus
chargés, lourds : quelques centaines de Mo à un million de paroles) et `RESULTATS` (contenus de pages,
images, aperçus du livret).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from analyse import donnees

CORPUS_MAX = 3
RESULTATS_MAX = 200


class Reserve:
    """Dictionnaire borné, partagé par les fils d'exécution du processus."""

    def __init__(self, taille: int):
        self.taille = taille
        self._entrees: OrderedDict[Hashable, Any] = OrderedDict()
        self._verrou = threading.Lock()

    def obtenir(
        self, cle: Hashable, calculer: Callable[[], Any], perime: Callable[[Hashable], bool] | None = None
    ):
        """La valeur gardée pour `cle`, ou `calculer()` gardé pour la suite ; les entrées pour lesquelles
        `perime(clé)` est vrai sont alors retirées (résultats d'une version précédente des données)."""
        with self._verrou:
            if cle in self._entrees:
                self._entrees.move_to_end(cle)
                return self._entrees[cle]
        valeur = calculer()  # hors du verrou : un long calcul ne bloque pas les autres démarches
        with self._verrou:
            for ancienne in [k for k in self._entrees if perime and perime(k)]:
                del self._entrees[ancienne]
            self._entrees[cle] = valeur
            self._entrees.move_to_end(cle)
            while len(self._entrees) > self.taille:
                self._entrees.popitem(last=False)
        return valeur

    def vider(self) -> None:
        with self._verrou:
            self._entrees.clear()

    def __len__(self) -> int:
        return len(self._entrees)


CORPUS = Reserve(CORPUS_MAX)
RESULTATS = Reserve(RESULTATS_MAX)


def cle_de(demarche: dict) -> tuple:
    """(identifiant, création, version des données) d'une démarche lue par `donnees.charger_demarche`."""
    return (int(demarche["id"]), str(demarche["cree_le"]), str(demarche["version_donnees"]))


def cle_demarche(session, slug: str) -> tuple | None:
    """La clé de la démarche `slug`, relue en base ; None si elle n'existe pas."""
    demarche = donnees.charger_demarche(session, slug)
    return None if demarche is None else cle_de(demarche)


def _sans_version(cle: tuple) -> bool:
    # Une démarche écrite hors de toute session (SQL brut) n'a pas de version : rien n'est gardé pour elle.
    return not cle[2]


def corpus(session, slug: str, cle: tuple, filtres: donnees.Filtres | None = None) -> donnees.Corpus | None:
    """Le corpus de la démarche (filtré), chargé une fois par version de ses données."""
    filtres = filtres or donnees.Filtres()
    if _sans_version(cle):
        return donnees.charger_corpus(session, slug, filtres)
    return CORPUS.obtenir(
        ("corpus", cle, repr(filtres)),
        lambda: donnees.charger_corpus(session, slug, filtres),
        _autre_version(cle),
    )


def resultat(cle: tuple, nom: Hashable, calculer: Callable[[], Any]) -> Any:
    """Un résultat calculé une fois par version des données de la démarche (`cle`) et par `nom`."""
    if _sans_version(cle):
        return calculer()
    return RESULTATS.obtenir(("resultat", cle, nom), calculer, _autre_version(cle))


def _autre_version(cle: tuple) -> Callable[[tuple], bool]:
    """Vrai pour une entrée de la même démarche à une autre version : elle ne sera plus jamais lue (une
    version ne revient pas), sa place et sa mémoire (un corpus d'un million de paroles) sont rendues."""
    return lambda entree: entree[1][:2] == cle[:2] and entree[1] != cle
