"""Classification de Reinert (classes de discours, comme IRaMuTeQ) sur les paroles d'une démarche.

Méthode :
1. les paroles sont découpées en segments de texte d'environ `taille_segment` mots, coupés de
   préférence à une ponctuation forte puis faible (`analyse.reinert_segments`) ; chaque segment garde
   l'identifiant de sa parole ;
2. chaque segment est décrit par la présence (0/1) de ses lemmes pleins (`analyse.lexique`), réduits
   aux lemmes présents dans au moins `frequence_min` segments ; un segment sans aucun de ces lemmes
   n'est pas classé (classe 0) ;
3. classification descendante hiérarchique (`analyse.reinert_cdh`) : on coupe en deux la plus grande
   classe restante, au plus grand chi² (premier facteur d'une analyse des correspondances, puis
   déplacement des segments tant que le chi² augmente), jusqu'à `classes` classes terminales ou
   jusqu'à ce qu'aucune classe ne puisse plus être coupée en deux classes d'au moins `effectif_min`
   segments (comme `min_split_members` de `rainette`, cela évite des classes d'un ou deux segments
   atypiques) ;
4. chaque classe terminale est décrite par ses lemmes caractéristiques (chi² signé du tableau 2 × 2
   présence du lemme × appartenance à la classe, sans correction de continuité, p-valeur à un degré
   de liberté), ses segments caractéristiques (score = somme des chi² positifs et significatifs,
   p < 0,05, des lemmes qu'il contient) et, par `profils`, le chi² de chaque modalité des variables.

Au-delà de `segments_max` segments classables, la classification porte sur un échantillon aléatoire
reproductible (graine `graine`) de `segments_max` segments ; les autres restent en classe 0 et
`Classification.echantillon` le dit.

La « double classification » d'IRaMuTeQ (deux segmentations de tailles différentes croisées pour
ne garder que les classes stables) est dans `analyse.reinert_double` ; elle n'apporte rien quand chaque
parole tient en un seul segment (paroles courtes, le cas le plus fréquent).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import chdtrc, chdtri  # loi du chi² (scipy.stats coûterait 0,5 s d'import)

from analyse.reinert_cdh import couper
from analyse.reinert_segments import Matrice, matrice_presences, segmenter

SEGMENTS_MAX = 200_000
# Réglages par défaut (ceux d'IRaMuTeQ), partagés par `classer`, `reinert_double.classer_double` et la note
# de méthode du livret.
TAILLE_SEGMENT = 40  # mots par segment, à peu près (coupe à la ponctuation)
CLASSES_MAX = 10  # classes terminales au plus
FREQUENCE_MIN = 3  # segments où un lemme doit figurer pour compter
EFFECTIF_MIN = 5  # segments au moins de chaque côté d'une coupe
SEUIL_CHI2 = float(chdtri(1, 0.05))  # 3,84 : p < 0,05 à un degré de liberté
SEGMENTS_PAR_CLASSE = 20


class CorpusTropPetit(ValueError):
    """Le corpus (ou les paramètres) ne permettent pas la classification ; message en français."""


@dataclass
class Classe:
    """Classe terminale : `lemmes` (lemme, chi2 signé, p_valeur, dans_classe, hors_classe, triés du plus
    caractéristique au moins) et `segments_caracteristiques` (segment, id, texte, score)."""

    numero: int
    noeud: int  # numéro dans l'arbre des coupes (`Classification.coupes`), la racine étant 1
    segments: int
    paroles: int
    part: float  # des segments classés
    lemmes: pd.DataFrame
    segments_caracteristiques: pd.DataFrame


@dataclass
class Coupe:
    """Une étape de la classification : la classe `parent` coupée en deux, au chi² donné."""

    parent: int
    enfants: tuple[int, int]
    chi2: float


@dataclass
class Classification:
    """Résultat de `classer`. `segments` : id (parole), rang, texte, classe (0 = non classé)."""

    segments: pd.DataFrame
    classes: list[Classe]
    lemmes: np.ndarray
    presences: sparse.csr_matrix  # segments × lemmes retenus, dans l'ordre de `segments`
    coupes: list[Coupe] = field(default_factory=list)
    echantillon: int | None = None  # segments tirés au sort, si le corpus dépassait `segments_max`

    @property
    def classes_par_numero(self) -> dict[int, Classe]:
        return {c.numero: c for c in self.classes}


def _valider(textes, ids, taille_segment: int, classes: int, frequence_min: int) -> None:
    if len(textes) != len(ids):
        raise CorpusTropPetit(f"{len(textes)} textes pour {len(ids)} identifiants : il en faut autant.")
    if taille_segment < 5:
        raise CorpusTropPetit("La taille des segments doit être d'au moins 5 mots.")
    if classes < 2:
        raise CorpusTropPetit("Il faut demander au moins 2 classes.")
    if frequence_min < 1:
        raise CorpusTropPetit("La fréquence minimale d'un lemme doit être d'au moins 1.")


def _echantillonner(classables: np.ndarray, segments_max: int, graine: int) -> np.ndarray:
    if len(classables) <= segments_max:
        return classables
    tires = np.random.default_rng(graine).choice(len(classables), size=segments_max, replace=False)
    return classables[np.sort(tires)]


def hierarchie(x: sparse.csr_matrix, classes: int, effectif_min: int, graine: int):
    """Feuilles (indices de lignes de `x`) dans l'ordre de l'arbre, et coupes effectuées."""
    noeuds = {1: np.arange(x.shape[0])}
    feuilles, indivisibles, coupes = [1], set(), []
    while len(feuilles) < classes:
        candidates = [f for f in feuilles if f not in indivisibles and len(noeuds[f]) >= 2 * effectif_min]
        if not candidates:
            break
        parent = max(candidates, key=lambda f: (len(noeuds[f]), -f))
        resultat = couper(x[noeuds[parent]], graine, effectif_min)
        if resultat is None:
            indivisibles.add(parent)
            continue
        groupe, chi2 = resultat
        parts = sorted((noeuds[parent][groupe], noeuds[parent][~groupe]), key=lambda p: (-len(p), p[0]))
        numeros = (len(noeuds) + 1, len(noeuds) + 2)
        noeuds.update(zip(numeros, parts, strict=True))
        feuilles = [g for f in feuilles for g in (numeros if f == parent else (f,))]
        coupes.append((parent, numeros, chi2))
    return [noeuds[f] for f in feuilles], coupes, feuilles


def chi2_signe(dans: np.ndarray, effectif: np.ndarray | float, frequence: np.ndarray, total: int):
    """Chi² (tableau 2 × 2, sans correction) signé : positif si `dans` dépasse l'attendu."""
    dans, frequence = np.asarray(dans, dtype=float), np.asarray(frequence, dtype=float)
    effectif = np.asarray(effectif, dtype=float)
    a, b = dans, effectif - dans
    c = frequence - dans
    d = total - effectif - c
    denominateur = effectif * (total - effectif) * frequence * (total - frequence)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = np.where(denominateur > 0, total * (a * d - b * c) ** 2 / denominateur, 0.0)
    return np.where(a * total >= effectif * frequence, chi2, -chi2)


def _decrire(numero: int, noeud: int, lignes: np.ndarray, x, segments: pd.DataFrame, lemmes) -> Classe:
    total = x.shape[0]
    frequence = np.asarray(x.sum(axis=0)).ravel()
    dans = np.asarray(x[lignes].sum(axis=0)).ravel()
    chi2 = chi2_signe(dans, len(lignes), frequence, total)
    table = pd.DataFrame(
        {
            "lemme": lemmes,
            "chi2": chi2,
            "p_valeur": chdtrc(1, np.abs(chi2)),
            "dans_classe": dans.astype(int),
            "hors_classe": (frequence - dans).astype(int),
        }
    )
    table = table.sort_values(["chi2", "lemme"], ascending=[False, True], ignore_index=True)
    poids = np.where(chi2 >= SEUIL_CHI2, chi2, 0.0)
    score = x[lignes] @ poids
    meilleurs = np.argsort(-score, kind="stable")[:SEGMENTS_PAR_CLASSE]
    choisis = segments.iloc[lignes[meilleurs]]
    caracteristiques = pd.DataFrame(
        {
            "segment": choisis.index.to_numpy(),
            "id": choisis["id"].to_numpy(),
            "texte": choisis["texte"].to_numpy(),
            "score": score[meilleurs],
        }
    )
    return Classe(
        numero=numero,
        noeud=noeud,
        segments=len(lignes),
        paroles=int(segments["id"].iloc[lignes].nunique()),
        part=len(lignes) / total,
        lemmes=table,
        segments_caracteristiques=caracteristiques[caracteristiques["score"] > 0].reset_index(drop=True),
    )


def classer(
    textes: list[str],
    ids: list[int],
    vides: frozenset[str] | None = None,
    *,
    taille_segment: int = TAILLE_SEGMENT,
    classes: int = CLASSES_MAX,
    frequence_min: int = FREQUENCE_MIN,
    effectif_min: int = EFFECTIF_MIN,
    segments_max: int = SEGMENTS_MAX,
    graine: int = 0,
) -> Classification:
    """Classe les segments des paroles `textes` (identifiants `ids`) ; déterministe pour une même entrée.

    `vides` : mots vides (None = liste française de base). Lève `CorpusTropPetit` si moins de
    2 × `classes` segments portent un lemme retenu, ou si un paramètre est hors bornes.
    """
    prepare = preparer(textes, ids, vides, taille_segment, classes, frequence_min, segments_max, graine)
    feuilles, coupes, noeuds = hierarchie(prepare.x, classes, effectif_min, graine)
    return assembler(prepare, feuilles, noeuds, [Coupe(p, e, c) for p, e, c in coupes])


@dataclass
class Preparation:
    """Segments, matrice de présences, segments classables et segments retenus (échantillon)."""

    segments: pd.DataFrame
    matrice: Matrice
    classables: np.ndarray
    retenus: np.ndarray

    @property
    def x(self) -> sparse.csr_matrix:
        return self.matrice.presences[self.retenus]


def preparer(textes, ids, vides, taille_segment, classes, frequence_min, segments_max, graine) -> Preparation:
    """Valide les paramètres, découpe les segments, construit la matrice et tire l'échantillon."""
    textes = ["" if t is None or t != t else str(t) for t in textes]
    _valider(textes, ids, taille_segment, classes, frequence_min)
    segments = segmenter(textes, list(ids), taille_segment)
    matrice = matrice_presences(segments["texte"].tolist(), vides, frequence_min)
    classables = np.flatnonzero(np.asarray(matrice.presences.sum(axis=1)).ravel() > 0)
    if len(classables) < 2 * classes:
        raise CorpusTropPetit(
            f"Corpus trop petit pour {classes} classes : {len(classables)} segment(s) contiennent un lemme "
            f"présent dans au moins {frequence_min} segments, il en faut au moins {2 * classes}."
        )
    retenus = _echantillonner(classables, segments_max, graine)
    return Preparation(segments, matrice, classables, retenus)


def assembler(prepare: Preparation, feuilles: list[np.ndarray], noeuds: list[int], coupes) -> Classification:
    """Classification dont les classes sont `feuilles` (indices dans les segments retenus), numérotées
    à partir de 1 dans l'ordre donné."""
    retenus, x = prepare.retenus, prepare.x
    etiquettes = np.zeros(len(prepare.segments), dtype=int)
    for numero, lignes in enumerate(feuilles, start=1):
        etiquettes[retenus[lignes]] = numero
    segments = prepare.segments.assign(classe=etiquettes)
    sous_segments = segments.iloc[retenus]
    decrites = [
        _decrire(numero, noeud, lignes, x, sous_segments, prepare.matrice.lemmes)
        for numero, (noeud, lignes) in enumerate(zip(noeuds, feuilles, strict=True), start=1)
    ]
    return Classification(
        segments=segments,
        classes=decrites,
        lemmes=prepare.matrice.lemmes,
        presences=prepare.matrice.presences,
        coupes=coupes,
        echantillon=len(retenus) if len(retenus) < len(prepare.classables) else None,
    )


def _modalites(valeur) -> list[str]:
    """Une modalité (texte), plusieurs (liste, tuple, ensemble : les thèmes d'une parole) ou aucune."""
    if valeur is None or valeur != valeur or valeur == "":
        return []
    if isinstance(valeur, (list, tuple, set, frozenset)):
        return sorted({str(v) for v in valeur if v is not None and v == v and v != ""})
    return [str(valeur)]


def profils(classification: Classification, variables: dict[str, dict[int, object]]) -> pd.DataFrame:
    """Chi² de chaque modalité de chaque variable dans chaque classe terminale.

    `variables` : nom de la variable (territoire, profil, dispositif, theme…) → {id de parole :
    modalité}, la modalité étant un texte ou une liste de textes (une parole à plusieurs thèmes).
    Chaque segment classé prend les modalités de sa parole. Colonnes : variable, modalite, classe,
    segments (de la modalité dans la classe), segments_modalite, segments_classe, chi2 (signé, tableau
    2 × 2 sans correction), p_valeur ; triées par variable, classe puis chi² décroissant.
    """
    classes = classification.segments["classe"].to_numpy()
    classes_segments = classes[classes > 0]
    ids = classification.segments["id"].to_numpy()[classes > 0]
    total = len(classes_segments)
    numeros = np.array([c.numero for c in classification.classes])
    effectifs = np.array([c.segments for c in classification.classes])
    morceaux = []
    for nom, valeurs in variables.items():
        paires = [(i, m) for i, ident in enumerate(ids) for m in _modalites(valeurs.get(int(ident)))]
        if not paires:
            continue
        lignes, modalites = zip(*paires, strict=True)
        noms, codes = np.unique(np.array(modalites, dtype=object), return_inverse=True)
        presence = sparse.csr_matrix(
            (np.ones(len(lignes)), (np.array(lignes), codes)), shape=(total, len(noms))
        )
        appartenance = sparse.csr_matrix(
            (np.ones(total), (np.searchsorted(numeros, classes_segments), np.arange(total))),
            shape=(len(numeros), total),
        )
        dans = (appartenance @ presence).toarray()
        frequence = np.asarray(presence.sum(axis=0)).ravel()
        chi2 = chi2_signe(dans, effectifs[:, None], frequence[None, :], total)
        morceaux.append(
            pd.DataFrame(
                {
                    "variable": nom,
                    "modalite": np.tile(noms, len(numeros)),
                    "classe": np.repeat(numeros, len(noms)),
                    "segments": dans.ravel().astype(int),
                    "segments_modalite": np.tile(frequence, len(numeros)).astype(int),
                    "segments_classe": np.repeat(effectifs, len(noms)),
                    "chi2": chi2.ravel(),
                    "p_valeur": chdtrc(1, np.abs(chi2.ravel())),
                }
            )
        )
    colonnes = ["variable", "modalite", "classe", "segments", "segments_modalite", "segments_classe"]
    if not morceaux:
        return pd.DataFrame(columns=[*colonnes, "chi2", "p_valeur"])
    table = pd.concat(morceaux, ignore_index=True)
    return table.sort_values(
        ["variable", "classe", "chi2", "modalite"], ascending=[True, True, False, True], ignore_index=True
    )
