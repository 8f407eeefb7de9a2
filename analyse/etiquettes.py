"""Étiquettes de graphiques qui ne se chevauchent pas (AFC, graphe de similitudes) : placement glouton d'une
place libre autour de chaque point, mesuré en pixels avec le moteur de rendu de matplotlib."""

from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.transforms import Bbox

_DIRECTIONS = [
    (np.cos(a), np.sin(a)) for a in np.deg2rad([0, 180, 90, 270, 45, 135, 315, 225, 22, 158, 338, 202])
]


def placer_etiquettes(figure, axe, xs, ys, textes, police=9, couleurs=None, gras=None, rayon_point=4.0):
    """Écrit chaque texte près de son point (données `xs`, `ys`), dans l'ordre donné (le premier est le
    mieux placé), sans chevaucher une étiquette déjà posée, un point ni le bord du cadre. Recherche
    gloutonne en pixels : 12 directions autour du point, à des distances croissantes ; un trait relie
    l'étiquette à son point quand elle en est éloignée. `rayon_point` : rayon (pixels) de chaque point,
    un nombre ou un par point. Une étiquette sans aucune place libre est
    omise (son point reste). Renvoie les objets Text posés."""
    renderer = FigureCanvasAgg(figure).get_renderer()
    cadre = axe.get_window_extent(renderer)
    ecran = axe.transData.transform(np.column_stack([np.asarray(xs, float), np.asarray(ys, float)]))
    rayons = np.broadcast_to(np.asarray(rayon_point, dtype=float), len(ecran))
    obstacles = [
        Bbox.from_bounds(x - r, y - r, 2 * r, 2 * r) for (x, y), r in zip(ecran, rayons, strict=True)
    ]
    couleurs = ["#222222"] * len(ecran) if couleurs is None else list(couleurs)
    gras = [False] * len(ecran) if gras is None else list(gras)
    posees = []
    for i, texte in enumerate(textes):
        etiquette = axe.text(0, 0, str(texte), fontsize=police, color=couleurs[i], ha="center", va="center",
                             fontweight="bold" if gras[i] else "normal", zorder=4)  # fmt: skip
        taille = etiquette.get_window_extent(renderer)
        place = _chercher(ecran[i], taille.width, taille.height, cadre, obstacles, rayons[i])
        if place is None:
            etiquette.remove()
            continue
        obstacles.append(place)
        centre = axe.transData.inverted().transform(((place.x0 + place.x1) / 2, (place.y0 + place.y1) / 2))
        etiquette.set_position(centre)
        if (
            np.hypot(*(np.array([place.x0 + place.x1, place.y0 + place.y1]) / 2 - ecran[i]))
            > 2.5 * taille.height
        ):
            point = axe.transData.inverted().transform(ecran[i])
            axe.plot([point[0], centre[0]], [point[1], centre[1]], color="#999999", linewidth=0.5, zorder=2)
        posees.append(etiquette)
    return posees


def _chercher(point, largeur, hauteur, cadre, obstacles, rayon_point):
    marge = 1.5
    for pas in range(0, 40):
        distance = rayon_point + 1 + pas * hauteur * 0.6
        for dx, dy in _DIRECTIONS:
            cx = point[0] + dx * (distance + largeur / 2)
            cy = point[1] + dy * (distance + hauteur / 2)
            boite = Bbox.from_bounds(cx - largeur / 2 - marge, cy - hauteur / 2 - marge,
                                     largeur + 2 * marge, hauteur + 2 * marge)  # fmt: skip
            if not _dedans(boite, cadre):
                continue
            if not any(boite.overlaps(o) for o in obstacles):
                return boite
    return None


def _dedans(boite, cadre) -> bool:
    return boite.x0 >= cadre.x0 and boite.x1 <= cadre.x1 and boite.y0 >= cadre.y0 and boite.y1 <= cadre.y1
