"""Nuages de mots (bibliothèque `wordcloud`), en PNG, déterministes.

Les mots sont des lemmes, mots vides déjà retirés (voir `analyse.lexique.frequences`). La police
est DejaVu Sans, livrée avec matplotlib : le rendu est identique sur toute machine.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import matplotlib
import pandas as pd
from PIL import Image, ImageDraw, ImageFont
from wordcloud import WordCloud

GRAINE = 42
# Les mots sont placés sur une grille deux fois plus petite que l'image, puis dessinés à pleine taille
# (`scale` de wordcloud) : même netteté, placement deux fois plus grossier, calcul environ deux fois plus
# rapide (20 nuages du livret de l'exemple : 1,85 s → voir BENCHMARKS.md, « Livret »).
ECHELLE = 2
MESSAGE_VIDE = "Pas encore assez de mots pour un nuage."


@lru_cache(maxsize=1)
def police() -> str:
    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")


def _en_dict(frequences) -> dict[str, float]:
    if isinstance(frequences, pd.DataFrame):
        if frequences.empty:
            return {}
        frequences = dict(zip(frequences["lemme"].astype(str), frequences["frequence"]))
    return {str(m): float(f) for m, f in dict(frequences or {}).items() if str(m).strip() and f and f > 0}


def _png(image: Image.Image, optimiser: bool = True) -> bytes:
    tampon = io.BytesIO()
    image.save(tampon, format="PNG", optimize=optimiser)
    return tampon.getvalue()


def _image_message(message: str, largeur: int, hauteur: int) -> Image.Image:
    image = Image.new("RGB", (largeur, hauteur), "white")
    dessin = ImageDraw.Draw(image)
    fonte = ImageFont.truetype(police(), 22)
    boite = dessin.textbbox((0, 0), message, font=fonte)
    x = max(10, (largeur - (boite[2] - boite[0])) // 2)
    dessin.text((x, hauteur // 2 - 12), message, fill="#555555", font=fonte)
    return image


def _avec_titre(image: Image.Image, titre: str) -> Image.Image:
    fonte = ImageFont.truetype(police(), 24)
    cadre = Image.new("RGB", (image.width, image.height + 44), "white")
    ImageDraw.Draw(cadre).text((12, 8), titre, fill="#222222", font=fonte)
    cadre.paste(image, (0, 44))
    return cadre


def nuage_de_mots(
    frequences,
    titre: str | None = None,
    largeur: int = 900,
    hauteur: int = 500,
    mots_max: int = 120,
    couleurs: str = "viridis",
    optimiser: bool = True,
) -> bytes:
    """PNG d'un nuage de mots. `frequences` : dict lemme → fréquence, ou le DataFrame de
    `lexique.frequences` (colonnes lemme, frequence). Sans mot : une image qui le dit (jamais d'erreur).
    `optimiser=False` : PNG plus gros mais encodé deux fois plus vite (le livret le recompresse de toute
    façon)."""
    mots = _en_dict(frequences)
    if not mots:
        image = _image_message(MESSAGE_VIDE, largeur, hauteur)
    else:
        nuage = WordCloud(
            font_path=police(),
            width=-(-largeur // ECHELLE),
            height=-(-hauteur // ECHELLE),
            scale=ECHELLE,
            background_color="white",
            random_state=GRAINE,
            max_words=mots_max,
            colormap=couleurs,
            prefer_horizontal=0.9,
            collocations=False,
            normalize_plurals=False,
        )
        image = nuage.generate_from_frequencies(mots).to_image().crop((0, 0, largeur, hauteur))
    return _png(_avec_titre(image, titre) if titre else image, optimiser)
