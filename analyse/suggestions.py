"""Suggestions de thèmes pour une parole en cours de saisie.

Trois sources, mélangées :

1. **Les indices du livre de codes** (`Theme.mots_cles`) : chaque indice est lemmatisé en une
   suite de lemmes (« mots de passe » → mot, de, passe ; « contrôle parental » → contrôle,
   parental) et recherché comme suite contiguë dans la suite des lemmes du texte, mots vides
   compris. Un indice trouvé rapporte à son thème un poids = (nombre de mots pleins de l'indice)
   × log(1 + K / nombre de thèmes qui partagent cet indice), K = nombre de thèmes : un indice
   partagé par plusieurs thèmes (« CV », « écran ») départage moins. Un thème sans indice prend
   les mots pleins de son libellé (pas de sa description : ses mots courants, « aller », « faire »,
   feraient suggérer « ça va »). Les poids sont normalisés en une distribution p_indices.
2. **Les paroles déjà étiquetées** de la démarche : un classifieur bayésien naïf multinomial
   sur les lemmes pleins (lissage additif 0,5 ; chaque étiquette d'une parole compte comme un
   exemple de son thème ; log-vraisemblance divisée par √(nombre de mots) pour éviter des
   probabilités écrasées à 0 ou 1), qui donne une distribution p_nb.
3. **Le sens des mots** (`analyse.suggestions_vecteurs`) : chaque thème a un prototype en vecteurs de
   mots français (libellé + description + centroïde de ses paroles étiquetées), comparé au texte par
   cosinus, et une régression logistique sur ces vecteurs apprend des paroles étiquetées :
   « planter des tomates avec mes voisines » rejoint un thème décrit par « cultiver un potager
   ensemble » sans partager un seul mot avec lui. Distribution p_vecteurs.

Les mots : p_mots = (1 − λ)·p_indices + λ·p_nb, avec λ = n / (n + 60), n = nombre de paroles
étiquetées (sans étiquetage, seuls les indices comptent ; plus la démarche est étiquetée, plus
l'exemple l'emporte) ; si aucun indice n'est trouvé, p_nb seul, et seulement si le texte a au moins
deux mots pleins connus des paroles étiquetées (`MOTS_MIN_SANS_INDICE`).
Score final = (1 − w)·p_vecteurs + w·p_mots (w = `POIDS_MOTS` = 0,5) ; sans p_mots, p_vecteurs seul si
le texte a au moins deux mots pleins connus du modèle de vecteurs. « bonjour » ou « merci » ne
suggèrent rien. Au plus 3 thèmes, de score ≥ 0,02, meilleur d'abord (mesures : BENCHMARKS.md).

Le modèle est construit une fois par démarche et mis en cache ; la clé (`signature_etiquetage`)
change dès qu'un thème, un indice, une étiquette ou un texte change. Les vecteurs de mots sont chargés
une fois par processus, à la première suggestion (environ 3 s), pour toutes les démarches.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

import numpy as np

from analyse import donnees
from analyse.groupes import matrice_groupes
from analyse.lexique import indexer, lemmes, mots_vides
from analyse.suggestions_vecteurs import Prototypes, construire_prototypes, vecteurs_mots

LISSAGE = 0.5
DEMI_APPRENTISSAGE = 60
SCORE_MIN = 0.02
# Sans indice du livre de codes, l'exemple seul ne suggère qu'à partir de 2 mots pleins connus : « bonjour »,
# « oui », « merci » ne disent rien d'un thème (calibré sur l'exemple : BENCHMARKS.md, « Suggestions »).
MOTS_MIN_SANS_INDICE = 2
MOTS_MIN_VECTEURS = 2
POIDS_MOTS = 0.5  # part des indices et du bayésien face aux vecteurs (choix : BENCHMARKS.md)
TEXTE_MAX = 5_000  # au-delà, seul le début du texte sert (la saisie reste intacte)


@dataclass
class ModeleSuggestions:
    themes: list[str]
    libelles: dict[str, str]
    vides: frozenset[str]
    indices: dict[int, list[tuple[tuple[str, ...], int, float]]] = field(
        default_factory=dict
    )  # longueur → (suite, thème, poids)
    vocabulaire: dict[str, int] = field(default_factory=dict)
    log_mots: np.ndarray | None = None  # thèmes × lemmes
    log_prior: np.ndarray | None = None
    n_etiquetees: int = 0
    prototypes: Prototypes | None = None


def _preparer_indices(themes, vides) -> dict:
    suites: list[tuple[tuple[str, ...], int, int]] = []
    for i, theme in enumerate(themes.itertuples()):
        mots = list(theme.mots_cles or [])
        source = mots or list(lemmes(theme.label, vides))
        for mot in source:
            suite = tuple(lemmes(mot))
            if suite:
                suites.append((suite, i, sum(1 for l in suite if l not in vides) or 1))
    partage = Counter(s for s, _, _ in {(s, i, 0) for s, i, _ in suites})
    indices: dict[int, list] = {}
    vus = set()
    for suite, i, pleins in suites:
        if (suite, i) in vus:
            continue
        vus.add((suite, i))
        poids = pleins * math.log(1 + len(themes) / partage[suite])
        indices.setdefault(len(suite), []).append((suite, i, poids))
    return indices


def _description(theme) -> str:
    description = getattr(theme, "description", None)
    return description if isinstance(description, str) else ""


def _prototypes(modele: ModeleSuggestions, corpus, appartenance) -> Prototypes | None:
    descriptions = [f"{t.label}. {_description(t)}" for t in corpus.themes.itertuples()]
    textes = list(corpus.contributions["texte"]) if appartenance is not None else []
    return construire_prototypes(descriptions, textes, appartenance, modele.vides)


def _entrainer(modele: ModeleSuggestions, corpus) -> None:
    etiquetees = corpus.liens_themes["contribution_id"].unique() if len(corpus.liens_themes) else []
    if not len(etiquetees) or corpus.contributions.empty:
        modele.prototypes = _prototypes(modele, corpus, None)
        return
    index = indexer(corpus.contributions["texte"], modele.vides)
    _, appartenance = matrice_groupes(corpus, "theme")
    modele.prototypes = _prototypes(modele, corpus, appartenance)
    comptes = (appartenance @ index.matrice).toarray().astype(float)
    exemples = np.asarray(appartenance.sum(axis=1)).ravel().astype(float)
    V = max(len(index.lemmes), 1)
    modele.vocabulaire = {str(l): j for j, l in enumerate(index.lemmes)}
    modele.log_mots = np.log(comptes + LISSAGE) - np.log(comptes.sum(axis=1, keepdims=True) + LISSAGE * V)
    modele.log_prior = np.log(exemples + 1) - np.log(exemples.sum() + len(exemples))
    modele.n_etiquetees = int(len(set(etiquetees) & set(corpus.contributions["id"])))


def construire_modele(corpus) -> ModeleSuggestions:
    """Modèle de suggestion d'une démarche à partir de son livre de codes et de ses paroles étiquetées
    (`corpus.contributions` : au moins id et texte ; `corpus.liens_themes` ; `corpus.themes`)."""
    themes = corpus.themes
    vides = donnees_mots_vides(corpus)
    modele = ModeleSuggestions(
        themes=list(themes["slug"]) if len(themes) else [],
        libelles=dict(zip(themes["slug"], themes["label"])) if len(themes) else {},
        vides=vides,
    )
    if not modele.themes:
        return modele
    modele.indices = _preparer_indices(themes, vides)
    _entrainer(modele, corpus)
    return modele


def donnees_mots_vides(corpus) -> frozenset[str]:
    return mots_vides((corpus.demarche or {}).get("mots_vides") or "")


def _scores_indices(modele: ModeleSuggestions, suite: list[str]) -> np.ndarray:
    scores = np.zeros(len(modele.themes))
    for longueur, entrees in modele.indices.items():
        fenetres = Counter(tuple(suite[i : i + longueur]) for i in range(len(suite) - longueur + 1))
        for cle, i, poids in entrees:
            if cle in fenetres:
                scores[i] += poids * min(fenetres[cle], 2)
    return scores


def _scores_bayes(modele: ModeleSuggestions, pleins: list[str]) -> np.ndarray | None:
    if modele.log_mots is None:
        return None
    colonnes = [modele.vocabulaire[l] for l in pleins if l in modele.vocabulaire]
    if not colonnes:
        return None
    vraisemblance = modele.log_mots[:, colonnes].sum(axis=1) / math.sqrt(len(colonnes))
    logits = vraisemblance + modele.log_prior
    probas = np.exp(logits - logits.max())
    return probas / probas.sum()


def _mots_connus(modele: ModeleSuggestions, pleins: list[str]) -> int:
    return sum(1 for l in pleins if l in modele.vocabulaire)


def _scores_mots(modele: ModeleSuggestions, texte: str) -> np.ndarray | None:
    """p_mots : indices du livre de codes et bayésien ; None si les mots ne disent rien d'un thème."""
    pleins = lemmes(texte, modele.vides)
    indices = _scores_indices(modele, lemmes(texte))
    bayes = _scores_bayes(modele, pleins)
    if indices.sum() > 0:
        p_indices = indices / indices.sum()
        lam = modele.n_etiquetees / (modele.n_etiquetees + DEMI_APPRENTISSAGE)
        return p_indices if bayes is None else (1 - lam) * p_indices + lam * bayes
    if bayes is not None and _mots_connus(modele, pleins) >= MOTS_MIN_SANS_INDICE:
        return bayes
    return None


def _scores_vecteurs(modele: ModeleSuggestions, texte: str) -> tuple[np.ndarray | None, int]:
    """(p_vecteurs ou None, nombre de mots pleins connus du modèle de vecteurs)."""
    if modele.prototypes is None:
        return None, 0
    vecteurs = vecteurs_mots(texte, modele.vides)
    if not vecteurs:
        return None, 0
    return modele.prototypes.scores(np.mean(vecteurs, axis=0)), len(vecteurs)


def suggerer(modele: ModeleSuggestions, texte: str, n: int = 3) -> list[tuple[str, float]]:
    """Au plus `n` thèmes (slug, score entre 0 et 1), meilleur d'abord ; [] si rien ne ressort."""
    if not modele.themes or not texte or not str(texte).strip():
        return []
    texte = str(texte)[:TEXTE_MAX]
    mots = _scores_mots(modele, texte)
    vecteurs, connus = _scores_vecteurs(modele, texte)
    if mots is not None:
        final = mots if vecteurs is None else (1 - POIDS_MOTS) * vecteurs + POIDS_MOTS * mots
    elif vecteurs is not None and connus >= MOTS_MIN_VECTEURS:
        final = vecteurs
    else:
        return []
    ordre = sorted(range(len(final)), key=lambda i: (-final[i], modele.themes[i]))
    return [(modele.themes[i], round(float(final[i]), 4)) for i in ordre[:n] if final[i] >= SCORE_MIN]


_CACHE: OrderedDict = OrderedDict()
_VERROU = threading.Lock()
CACHE_TAILLE = 8


def modele_de_la_demarche(session, slug: str) -> ModeleSuggestions | None:
    """Modèle de la démarche `slug` (None si elle n'existe pas), reconstruit seulement si le livre de
    codes ou l'étiquetage a changé depuis le dernier appel."""
    demarche = donnees.charger_demarche(session, slug)
    if demarche is None:
        return None
    cle = (slug, demarche.get("mots_vides") or "", donnees.signature_etiquetage(session, int(demarche["id"])))
    with _VERROU:
        if cle in _CACHE:
            _CACHE.move_to_end(cle)
            return _CACHE[cle]
    modele = construire_modele(donnees.charger_apprentissage(session, slug))
    with _VERROU:
        _CACHE[cle] = modele
        while len(_CACHE) > CACHE_TAILLE:
            _CACHE.popitem(last=False)
    return modele
