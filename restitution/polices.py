"""Polices du livret et des affiches : DejaVu Sans et DejaVu Serif, livrées avec matplotlib.

Enregistrées comme TrueType dans reportlab, elles sont incorporées (sous-ensembles) dans chaque
PDF : le rendu ne dépend pas des polices de l'imprimeur, et la typographie française s'imprime
(« » ’ œ É …, espaces insécables).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import matplotlib
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SANS, SERIF = "ParoleSans", "ParoleSerif"
_FICHIERS = {
    SANS: ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique"),
    SERIF: ("DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic"),
}
_SUFFIXES = ("", "-Gras", "-Italique", "-GrasItalique")
# Espace insécable entre guillemets et texte, avant « : » et « % », entre milliers. Pas l'espace fine
# U+202F : reportlab la traite comme une espace sécable et laissait un « » » seul en début de ligne.
ESPACE_INSECABLE = "\xa0"


def dossier_polices() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@lru_cache(maxsize=1)
def enregistrer_polices() -> tuple[str, str]:
    """Enregistre les deux familles (une fois par processus) ; renvoie (sans, serif).
    Dans un paragraphe, <b> et <i> choisissent la graisse et l'italique de la même famille."""
    for famille, fichiers in _FICHIERS.items():
        for suffixe, fichier in zip(_SUFFIXES, fichiers):
            pdfmetrics.registerFont(TTFont(famille + suffixe, str(dossier_polices() / f"{fichier}.ttf")))
        for (gras, italique), suffixe in zip(((0, 0), (1, 0), (0, 1), (1, 1)), _SUFFIXES):
            addMapping(famille, gras, italique, famille + suffixe)
    return SANS, SERIF


def gras(famille: str) -> str:
    return famille + "-Gras"


def italique(famille: str) -> str:
    return famille + "-Italique"
