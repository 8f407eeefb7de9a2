"""Graphe de similitudes : arbre couvrant maximum des lemmes cooccurrents, dessin lisible."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from analyse import similitudes

TEXTES = [
    "Le bus ne respecte pas l'horaire.",
    "Horaire du bus changé sans prévenir.",
    "Bus en retard, horaire faux, mairie prévenue.",
    "La mairie ferme tôt, les papiers attendent.",
    "Papiers perdus à la mairie.",
    "Le site de la mairie pour les papiers.",
    "Site internet compliqué, bus raté.",
]


def _connexe(graphe) -> bool:
    voisins = {nom: set() for nom in graphe.lemmes["lemme"]}
    for a, b in zip(graphe.aretes["source"], graphe.aretes["cible"], strict=True):
        voisins[a].add(b)
        voisins[b].add(a)
    vus, file = set(), [next(iter(voisins))]
    while file:
        courant = file.pop()
        if courant not in vus:
            vus.add(courant)
            file.extend(voisins[courant] - vus)
    return vus == set(voisins)


def test_bus_et_horaire_toujours_ensemble_sont_relies():
    graphe = similitudes.similitudes(TEXTES, n=6)
    paires = {frozenset(p) for p in zip(graphe.aretes["source"], graphe.aretes["cible"], strict=True)}
    assert frozenset({"bus", "horaire"}) in paires
    premiere = graphe.aretes.iloc[0]
    assert {premiere["source"], premiere["cible"]} == {"bus", "horaire"}
    assert premiere["cooccurrences"] == 3


@pytest.mark.parametrize("indice", ["cooccurrence", "jaccard"])
def test_l_arbre_a_n_moins_un_aretes_et_relie_tout(indice):
    graphe = similitudes.similitudes(TEXTES, n=6, indice=indice)
    assert len(graphe.lemmes) == 6
    assert len(graphe.aretes) == 5
    assert graphe.composantes == 1
    assert _connexe(graphe)


def test_jaccard_vaut_un_pour_deux_lemmes_inseparables():
    textes = ["bus horaire", "bus horaire mairie", "mairie papier", "bus horaire papier"]
    graphe = similitudes.similitudes(textes, n=4, indice="jaccard")
    assert graphe.indices.loc["bus", "horaire"] == pytest.approx(1)
    assert graphe.indices.loc["mairie", "papier"] == pytest.approx(1 / 3)
    assert graphe.indices.loc["bus", "bus"] == 0


def test_l_arbre_garde_les_aretes_les_plus_fortes():
    # cooccurrences : bus–tram 3, tram–vélo 2, bus–vélo 1 → l'arbre maximum garde les deux premières
    textes = ["bus tram vélo", "bus tram", "bus tram", "tram vélo"]
    graphe = similitudes.similitudes(textes, n=3)
    assert graphe.indices.loc["bus", "tram"] == 3
    assert graphe.indices.loc["tram", "vélo"] == 2
    assert graphe.indices.loc["bus", "vélo"] == 1
    paires = {frozenset(p) for p in zip(graphe.aretes["source"], graphe.aretes["cible"], strict=True)}
    assert paires == {frozenset({"bus", "tram"}), frozenset({"tram", "vélo"})}


def test_deux_vocabulaires_qui_ne_se_rencontrent_jamais_font_deux_arbres():
    textes = ["bus tram", "bus tram", "école cantine", "école cantine crèche"]
    graphe = similitudes.similitudes(textes, n=5)
    assert graphe.composantes == 2
    assert len(graphe.aretes) == 3
    assert "bus" in similitudes.tracer_similitudes(graphe).decode()


def test_meme_entree_meme_graphe_et_meme_dessin():
    un = similitudes.similitudes(TEXTES, n=6)
    deux = similitudes.similitudes(list(reversed(TEXTES)), n=6)
    assert un.aretes.equals(deux.aretes)
    assert similitudes.tracer_similitudes(un) == similitudes.tracer_similitudes(deux)


@pytest.mark.parametrize(
    ("textes", "options", "message"),
    [
        ([], {}, "Aucun texte à analyser"),
        (["le la les", "et ou donc"], {}, "Trop peu de mots pleins"),
        (["bus"], {}, "Trop peu de mots pleins"),
        (TEXTES, {"n": 1}, "au moins deux lemmes"),
        (TEXTES, {"indice": "cosinus"}, "Indice inconnu « cosinus »"),
    ],
)
def test_entree_vide_ou_trop_petite_refusee_en_francais(textes, options, message):
    with pytest.raises(similitudes.ErreurSimilitudes, match=message):
        similitudes.similitudes(textes, **options)


@pytest.mark.parametrize("etroit", [False, True])
def test_le_dessin_est_lisible(etroit):
    textes = TEXTES + [
        f"quartier {mot} voisin {mot}" for mot in ["marché", "parc", "jardin", "stade", "piscine"]
    ]
    graphe = similitudes.similitudes(textes, n=15)
    figure = similitudes.figure_similitudes(graphe, etroit=etroit)
    renderer = FigureCanvasAgg(figure).get_renderer()
    noms = set(graphe.lemmes["lemme"])
    boites = {
        t.get_text(): t.get_window_extent(renderer) for t in figure.axes[0].texts if t.get_text() in noms
    }
    assert len(boites) >= 12
    for (nom_a, a), (nom_b, b) in itertools.combinations(boites.items(), 2):
        assert not a.overlaps(b), f"« {nom_a} » chevauche « {nom_b} »"
    svg = similitudes.tracer_similitudes(graphe, etroit=etroit)
    textes_svg = " ".join(ET.fromstring(svg).itertext())
    assert {"bus", "horaire", "mairie"} <= set(textes_svg.split())
    assert "Épaisseur : nombre de cooccurrences" in textes_svg
    assert similitudes.tracer_similitudes(graphe, format_="png").startswith(b"\x89PNG")


def test_deux_mots_pivots_et_leurs_feuilles_restent_ecartes():
    """Un mot relié à 15 autres et un second pivot à 6 : la disposition écarte les nœuds (la plus petite
    distance entre deux nœuds fait au moins 8 % de l'étendue ; l'arbre radial seul en donnait 4 %)."""
    autour = ["mail", "compte", "code", "gens", "enfant", "montrer", "envoyer", "regarder", "aller", "jamais",
              "internet", "numérique", "falloir", "fils", "petit"]  # fmt: skip
    textes = [f"savoir {mot}" for mot in autour] * 2
    textes += [f"téléphone {mot}" for mot in ["jeune", "ordinateur", "rendre", "rien", "oui", "parler"]] * 2
    graphe = similitudes.similitudes(textes + ["savoir téléphone"] * 3, n=25)
    positions = similitudes.disposition(graphe)
    assert set(positions) == set(graphe.lemmes["lemme"])
    points = list(positions.values())
    plus_proches = min(math.dist(a, b) for a, b in itertools.combinations(points, 2))
    etendue = max(max(p[i] for p in points) - min(p[i] for p in points) for i in (0, 1))
    assert plus_proches / etendue >= 0.08
    assert similitudes.disposition(graphe) == positions  # déterministe
