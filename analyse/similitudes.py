"""Graphe de similitudes : quels lemmes sont employés ensemble.

Méthode (voir README, « Analyse ») :
- unité de cooccurrence : le texte reçu (une parole, ou un segment de texte si l'appelant découpe les
  paroles en segments) ; deux lemmes cooccurrent quand ils figurent tous deux dans la même unité ;
- les `n` lemmes pleins les plus fréquents (`analyse.lexique`, mots vides écartés), triés par fréquence
  décroissante puis par ordre alphabétique ;
- indice entre deux lemmes : « cooccurrence » (nombre d'unités qui les contiennent tous les deux) ou
  « jaccard » (ce nombre divisé par le nombre d'unités qui contiennent l'un ou l'autre) ;
- arbre couvrant maximum : `scipy.sparse.csgraph.minimum_spanning_tree` sur les poids inversés
  (max + 1 − indice), ce qui garde, parmi toutes les arêtes, les plus fortes qui relient tous les lemmes
  sans boucle : N − 1 arêtes. Des lemmes qui ne se rencontrent jamais forment des arbres séparés (une
  forêt) : c'est dit par `composantes`. Calcul déterministe (ordre des lemmes fixé) ; scipy suffit, pas
  besoin de networkx.
- dessin : disposition radiale de l'arbre depuis le lemme le plus fréquent (chaque sous-arbre reçoit un
  secteur proportionnel à son nombre de feuilles), puis détendue par Fruchterman-Reingold (comme IRaMuTeQ)
  pour écarter les nœuds serrés, déterministe ; taille des nœuds = fréquence,
  épaisseur des arêtes = indice, étiquettes placées sans chevauchement (`analyse.afc.placer_etiquettes`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import sparse
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from analyse import lexique
from analyse.etiquettes import placer_etiquettes
from analyse.graphiques import COULEUR, LARGEUR_ETROITE, POLICE, rendre
from collecte.nombres import nombre_fr

INDICES = {"cooccurrence": "nombre de cooccurrences", "jaccard": "indice de Jaccard"}
N_LEMMES = 30


class ErreurSimilitudes(ValueError):
    """Textes ou paramètres qui ne permettent pas de graphe ; le message, en français, dit pourquoi."""


@dataclass
class GrapheSimilitudes:
    """`lemmes` : lemme, frequence (occurrences), unites (unités qui l'emploient), dans l'ordre des nœuds.
    `indices` : matrice symétrique lemmes × lemmes de l'indice (diagonale nulle).
    `aretes` : arêtes de l'arbre, colonnes source, cible, indice, cooccurrences (triées par indice
    décroissant). `composantes` : nombre d'arbres (1 quand tous les lemmes sont reliés)."""

    indice: str
    lemmes: pd.DataFrame
    indices: pd.DataFrame
    aretes: pd.DataFrame
    composantes: int


def similitudes(
    textes, n: int = N_LEMMES, indice: str = "cooccurrence", vides: frozenset[str] | None = None
) -> GrapheSimilitudes:
    """Graphe de similitudes des `n` lemmes les plus fréquents de `textes` (paroles ou segments)."""
    if indice not in INDICES:
        raise ErreurSimilitudes(f"Indice inconnu « {indice} » : choisir parmi {', '.join(INDICES)}.")
    if int(n) < 2:
        raise ErreurSimilitudes("Il faut au moins deux lemmes pour tracer un graphe de similitudes.")
    textes = list(textes)
    if not textes:
        raise ErreurSimilitudes("Aucun texte à analyser : le graphe de similitudes demande des paroles.")
    index = lexique.indexer(textes, vides)
    lemmes_ = _plus_frequents(index, int(n))
    if len(lemmes_) < 2:
        raise ErreurSimilitudes(
            f"Trop peu de mots pleins ({len(lemmes_)} lemme(s) après retrait des mots vides) : "
            "il en faut au moins deux pour un graphe de similitudes."
        )
    presence = (index.matrice[:, lemmes_.index.to_numpy()] > 0).astype(np.int32).tocsc()
    cooc = (presence.T @ presence).toarray().astype(float)
    np.fill_diagonal(cooc, 0)
    valeurs = _indice(cooc, lemmes_["unites"].to_numpy(float), indice)
    noms = lemmes_["lemme"].tolist()
    aretes, composantes = _arbre_maximum(valeurs, cooc, noms)
    return GrapheSimilitudes(
        indice=indice,
        lemmes=lemmes_.reset_index(drop=True),
        indices=pd.DataFrame(valeurs, index=noms, columns=noms),
        aretes=aretes,
        composantes=composantes,
    )


def _plus_frequents(index: lexique.Index, n: int) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "lemme": index.lemmes.astype(str),
            "frequence": np.asarray(index.matrice.sum(axis=0)).ravel().astype(int),
            "unites": np.asarray((index.matrice > 0).sum(axis=0)).ravel().astype(int),
        }
    )
    table = table[table["frequence"] > 0].sort_values(["frequence", "lemme"], ascending=[False, True])
    return table.head(n)


def _indice(cooc: np.ndarray, unites: np.ndarray, indice: str) -> np.ndarray:
    if indice == "cooccurrence":
        return cooc
    union = unites[:, None] + unites[None, :] - cooc
    return np.divide(cooc, union, out=np.zeros_like(cooc), where=union > 0)


def _arbre_maximum(valeurs: np.ndarray, cooc: np.ndarray, noms: list[str]) -> tuple[pd.DataFrame, int]:
    """Arbre (ou forêt) couvrant maximum : le minimum sur max + 1 − indice, arêtes existantes seules."""
    inverses = np.where(valeurs > 0, valeurs.max(initial=0) + 1 - valeurs, 0)
    arbre = minimum_spanning_tree(sparse.csr_matrix(np.triu(inverses))).tocoo()
    composantes = connected_components(arbre, directed=False)[0]
    aretes = pd.DataFrame(
        {
            "source": [noms[min(i, j)] for i, j in zip(arbre.row, arbre.col, strict=True)],
            "cible": [noms[max(i, j)] for i, j in zip(arbre.row, arbre.col, strict=True)],
            "indice": [valeurs[i, j] for i, j in zip(arbre.row, arbre.col, strict=True)],
            "cooccurrences": [int(cooc[i, j]) for i, j in zip(arbre.row, arbre.col, strict=True)],
        }
    )
    aretes = aretes.sort_values(["indice", "source", "cible"], ascending=[False, True, True])
    return aretes.reset_index(drop=True), int(composantes)


# --- Dessin ------------------------------------------------------------------------------------------


def disposition(graphe: GrapheSimilitudes) -> dict[str, tuple[float, float]]:
    """Position de chaque lemme : arbre radial autour du plus fréquent de chaque composante (les
    composantes sont rattachées à une racine invisible au centre). Déterministe."""
    noms = graphe.lemmes["lemme"].tolist()
    voisins: dict[str, list[str]] = {nom: [] for nom in noms}
    for source, cible in zip(graphe.aretes["source"], graphe.aretes["cible"], strict=True):
        voisins[source].append(cible)
        voisins[cible].append(source)
    rang = {nom: i for i, nom in enumerate(noms)}
    enfants: dict[str | None, list[str]] = {None: []}
    vus: set[str] = set()
    for racine in noms:  # par fréquence décroissante : la racine de chaque composante est son plus fréquent
        if racine in vus:
            continue
        enfants[None].append(racine)
        vus.add(racine)
        file = [racine]
        while file:
            courant = file.pop(0)
            enfants[courant] = sorted((v for v in voisins[courant] if v not in vus), key=rang.get)
            vus.update(enfants[courant])
            file.extend(enfants[courant])
    feuilles: dict[str | None, int] = {}

    def compter(noeud):
        feuilles[noeud] = sum(compter(e) for e in enfants[noeud]) or 1
        return feuilles[noeud]

    compter(None)
    positions: dict[str, tuple[float, float]] = {}
    seule = len(enfants[None]) == 1

    def poser(noeud, profondeur, debut, fin):
        for enfant in enfants[noeud]:
            part = (fin - debut) * feuilles[enfant] / feuilles[noeud]
            rayon = profondeur - (1 if seule else 0)
            milieu = debut + part / 2
            positions[enfant] = (rayon * np.cos(milieu), rayon * np.sin(milieu))
            poser(enfant, profondeur + 1, debut, debut + part)
            debut += part

    poser(None, 1, 0.0, 2 * np.pi)
    xy = _detendre(np.array([positions[nom] for nom in noms]), [(rang[a], rang[b]) for a, b in
                   zip(graphe.aretes["source"], graphe.aretes["cible"], strict=True)])  # fmt: skip
    return {nom: (float(x), float(y)) for nom, (x, y) in zip(noms, xy, strict=True)}


def _detendre(xy: np.ndarray, aretes: list[tuple[int, int]], etapes: int = 300) -> np.ndarray:
    """Fruchterman-Reingold (la disposition par défaut d'IRaMuTeQ), partant de l'arbre radial : les nœuds
    se repoussent, les arêtes les retiennent, un léger rappel vers le centre garde les composantes
    séparées à portée. Le pas décroît à chaque étape ; sans hasard, donc déterministe."""
    n = len(xy)
    if n < 3:
        return xy
    position = xy - xy.mean(axis=0)
    position = position / max(float(np.abs(position).max()), 1e-9)
    ideale = np.sqrt(4.0 / n)  # distance idéale entre voisins, pour une aire de 2 × 2
    sources = np.array([a for a, _ in aretes], dtype=int)
    cibles = np.array([b for _, b in aretes], dtype=int)
    pas = 0.1
    for _ in range(etapes):
        ecarts = position[:, None, :] - position[None, :, :]
        distances = np.maximum(np.linalg.norm(ecarts, axis=2), 1e-3)
        deplacement = (ecarts * (ideale**2 / distances**2)[..., None]).sum(axis=1)
        if len(sources):
            tire = position[sources] - position[cibles]
            longueur = np.maximum(np.linalg.norm(tire, axis=1), 1e-3)
            force = tire * (longueur / ideale)[:, None]
            np.add.at(deplacement, sources, -force)
            np.add.at(deplacement, cibles, force)
        deplacement -= 0.1 * position * np.linalg.norm(position, axis=1)[:, None] / ideale
        norme = np.maximum(np.linalg.norm(deplacement, axis=1), 1e-9)
        position = position + deplacement / norme[:, None] * np.minimum(norme, pas)[:, None]
        pas = max(pas * 0.985, 0.002)
    return position


def figure_similitudes(graphe: GrapheSimilitudes, etroit: bool = False) -> Figure:
    """Arbre des similitudes dessiné : nœuds proportionnels à la fréquence, arêtes à l'indice."""
    positions = disposition(graphe)
    cote = LARGEUR_ETROITE if etroit else 8.0
    figure = Figure(figsize=(cote, cote * 1.05))
    figure.subplots_adjust(left=0.02, right=0.98, bottom=0.06, top=0.92)
    axe = figure.add_subplot()
    axe.set_axis_off()
    xy = np.array([positions[nom] for nom in graphe.lemmes["lemme"]])
    bas, haut = xy.min(axis=0), xy.max(axis=0)
    marge = max(float((haut - bas).max()), 1.0) * 0.2
    axe.set_xlim(bas[0] - marge, haut[0] + marge)
    axe.set_ylim(bas[1] - marge, haut[1] + marge)
    axe.set_aspect("equal")
    axe.apply_aspect()  # la position du cadre est fixée avant de placer les étiquettes
    axe.set_autoscale_on(False)
    plus_fort = max(float(graphe.aretes["indice"].max()) if len(graphe.aretes) else 1.0, 1e-9)
    for source, cible, valeur in graphe.aretes[["source", "cible", "indice"]].itertuples(index=False):
        (x0, y0), (x1, y1) = positions[source], positions[cible]
        axe.plot([x0, x1], [y0, y1], color="#8aa9ab", linewidth=0.6 + 4.4 * valeur / plus_fort, zorder=1)
    frequences = graphe.lemmes["frequence"].to_numpy(float)
    tailles = 20 + 380 * frequences / frequences.max() * (0.5 if etroit else 1)
    axe.scatter(xy[:, 0], xy[:, 1], s=tailles, color=COULEUR, alpha=0.85, zorder=3)
    axe.set_title(
        "Graphe de similitudes : lemmes employés ensemble", loc="left", fontsize=11 if etroit else 12
    )
    indice = INDICES[graphe.indice]
    maximum = nombre_fr(plus_fort, 0 if graphe.indice == "cooccurrence" else 2)
    axe.text(0, -0.02, f"Taille : fréquence. Épaisseur : {indice} (au plus {maximum}).",
             transform=axe.transAxes, fontsize=POLICE[etroit] - 1, color="#555555", va="top")  # fmt: skip
    placer_etiquettes(
        figure, axe, xy[:, 0], xy[:, 1], graphe.lemmes["lemme"], police=POLICE[etroit],
        rayon_point=np.sqrt(tailles) / 2 * figure.dpi / 72,
    )  # fmt: skip
    return figure


def tracer_similitudes(graphe: GrapheSimilitudes, format_: str = "svg", etroit: bool = False) -> bytes:
    """Graphe de similitudes en SVG (texte gardé en texte) ou PNG."""
    if format_ not in ("svg", "png"):
        raise ErreurSimilitudes(f"Format de graphique inconnu « {format_} » : choisir « svg » ou « png ».")
    return rendre(figure_similitudes(graphe, etroit), format_)
