"""Prototypes de thèmes en vecteurs de mots, pour les suggestions de thèmes (`analyse.suggestions`).

Chaque mot plein d'un texte (mêmes formes et mots vides que `analyse.lexique`) reçoit le vecteur de
sa forme dans le modèle spaCy `fr_core_news_md` (300 dimensions), à défaut celui de son lemme ; le
vecteur d'un texte est la moyenne des vecteurs unitaires de ses mots. Seul le vocabulaire du modèle
sert (aucun composant du pipeline n'est lancé par texte) ; c'est le modèle du repérage des données
personnelles (`collecte.confidentialite.detection.modele_de_langue`), chargé une fois par processus, au
premier besoin, et partagé par toutes les démarches.

Le prototype d'un thème = vecteur de « libellé. description » + centroïde de ses paroles étiquetées
(chacun unitaire, poids égaux), après soustraction du vecteur moyen de la démarche (moyenne des textes
d'apprentissage et des descriptions) : sans ce centrage, toutes les moyennes de mots se ressemblent.
Score d'un texte = ½ softmax des cosinus avec les prototypes (température `TEMPERATURE`) + ½ d'une
régression logistique multinomiale (C = `REGULARISATION`) sur les mêmes vecteurs centrés, apprise sur
les descriptions et les paroles étiquetées (une ligne par étiquette) : les prototypes tiennent avec
un ou deux exemples par thème, la régression tire mieux parti de dix exemples et plus. Sans parole
étiquetée, les prototypes seuls.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analyse.lexique import formes_pleines, lemme
from collecte.confidentialite.detection import modele_de_langue

TEMPERATURE = 0.05
POIDS_LINEAIRE = 0.5  # part de la régression logistique face aux prototypes
LIGNES_MAX = 5_000
REGULARISATION = 10.0  # C de la régression logistique (choix : BENCHMARKS.md)


def _vocabulaire():
    """Vocabulaire (et vecteurs) de `fr_core_news_md` : celui du modèle que le repérage des données
    personnelles charge déjà (un seul chargement par processus)."""
    return modele_de_langue().vocab


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    """Les vecteurs du modèle, ramenés à la norme 1 (une ligne par vecteur distinct, 20 000 × 300)."""
    donnees = np.asarray(_vocabulaire().vectors.data, dtype=np.float32)
    normes = np.linalg.norm(donnees, axis=1, keepdims=True)
    return donnees / np.where(normes > 0, normes, 1)


@lru_cache(maxsize=200_000)
def _ligne(forme: str) -> int:
    vecteurs = _vocabulaire().vectors
    for mot in (forme, lemme(forme)):
        ligne = int(vecteurs.find(key=mot))
        if ligne >= 0:
            return ligne
    return -1


def vecteur_mot(forme: str) -> np.ndarray | None:
    """Vecteur unitaire d'une forme (ou de son lemme) ; None si le modèle ne la connaît pas."""
    ligne = _ligne(forme)
    return _table()[ligne] if ligne >= 0 else None


def vecteurs_mots(texte: str, vides: frozenset[str]) -> list[np.ndarray]:
    """Vecteurs des mots pleins du texte que le modèle connaît."""
    return [v for v in map(vecteur_mot, formes_pleines(texte, vides)) if v is not None]


def vecteur_texte(texte: str, vides: frozenset[str]) -> np.ndarray | None:
    vecteurs = vecteurs_mots(texte, vides)
    return _unitaire(np.mean(vecteurs, axis=0)) if vecteurs else None


def _unitaire(vecteur: np.ndarray) -> np.ndarray | None:
    norme = float(np.linalg.norm(vecteur))
    return vecteur / norme if norme > 1e-9 else None


def _softmax(logits: np.ndarray) -> np.ndarray:
    probas = np.exp(logits - logits.max())
    return probas / probas.sum()


@dataclass
class Prototypes:
    centre: np.ndarray  # vecteur moyen retiré à chaque texte
    matrice: np.ndarray  # thèmes × 300, lignes unitaires (zéro pour un thème sans aucun mot connu)
    # Régression logistique sur les mêmes vecteurs : classes apprises, poids (classes × 300), biais.
    classes: np.ndarray | None = None
    poids: np.ndarray | None = None
    biais: np.ndarray | None = None

    def scores(self, vecteur: np.ndarray) -> np.ndarray:
        """Distribution (somme 1) sur les thèmes d'un vecteur de texte (moyenne de vecteurs de mots)."""
        centre = _centre(_unitaire(vecteur), self.centre)
        if centre is None:
            return np.full(len(self.matrice), 1 / len(self.matrice))
        probas = _softmax((self.matrice @ centre) / TEMPERATURE)
        if self.poids is None:
            return probas
        lineaire = np.zeros(len(self.matrice))
        lineaire[self.classes] = _softmax(self.poids @ centre + self.biais)
        return (1 - POIDS_LINEAIRE) * probas + POIDS_LINEAIRE * lineaire


def construire_prototypes(
    descriptions: list[str], textes: list[str], appartenance, vides
) -> Prototypes | None:
    """`descriptions[i]` : « libellé. description » du thème i ; `appartenance` : matrice creuse thèmes ×
    textes à 0/1 (étiquettes), ou None. None si aucun texte ni description n'a de mot connu du modèle."""
    decrits = [vecteur_texte(d, vides) for d in descriptions]
    exemples = [vecteur_texte(t, vides) for t in textes]
    connus = [v for v in decrits + exemples if v is not None]
    if not connus:
        return None
    centre = np.mean(connus, axis=0)
    decrits = [_centre(v, centre) for v in decrits]
    exemples = [_centre(v, centre) for v in exemples]
    etiquettes = [appartenance[i].indices if appartenance is not None else [] for i in range(len(decrits))]
    matrice = np.zeros((len(descriptions), len(centre)), dtype=np.float32)
    for i, decrit in enumerate(decrits):
        parts = [p for p in (decrit, _centroide([exemples[j] for j in etiquettes[i]])) if p is not None]
        prototype = _unitaire(np.sum(parts, axis=0)) if parts else None
        if prototype is not None:
            matrice[i] = prototype
    prototypes = Prototypes(centre=centre, matrice=matrice)
    _regression(prototypes, decrits, exemples, etiquettes)
    return prototypes


def _regression(prototypes: Prototypes, decrits, exemples, etiquettes) -> None:
    """Régression logistique multinomiale : une ligne par description et par (parole, étiquette) ; au-delà
    de `LIGNES_MAX` lignes d'exemples, un tirage reproductible (300 coefficients par thème n'en demandent
    pas plus, et la construction reste de l'ordre de la seconde)."""
    lignes = [(v, i) for i, v in enumerate(decrits) if v is not None]
    paires = [(exemples[j], i) for i, js in enumerate(etiquettes) for j in js if exemples[j] is not None]
    if len(paires) > LIGNES_MAX:
        paires = [paires[k] for k in sorted(np.random.default_rng(0).choice(len(paires), LIGNES_MAX, False))]
    lignes += paires
    if not paires or len({i for _, i in lignes}) < 2:  # sans parole étiquetée, les prototypes suffisent
        return
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    X = np.array([v for v, _ in lignes])
    # Un seul fil de calcul : sur une machine chargée, plusieurs fils BLAS ralentissent l'ajustement ×20.
    with threadpool_limits(1):
        modele = LogisticRegression(C=REGULARISATION, max_iter=1000).fit(X, [i for _, i in lignes])
    prototypes.classes = modele.classes_
    # À deux classes, sklearn ne garde que les coefficients de la seconde : logits (0, z) → sigmoïde(z).
    deux = len(modele.classes_) == 2
    prototypes.poids = np.vstack([np.zeros_like(modele.coef_), modele.coef_]) if deux else modele.coef_
    prototypes.biais = np.concatenate([[0.0], modele.intercept_]) if deux else modele.intercept_


def _centre(vecteur, centre):
    return None if vecteur is None else _unitaire(vecteur - centre)


def _centroide(centres):
    connus = [c for c in centres if c is not None]
    return _unitaire(np.mean(connus, axis=0)) if connus else None
