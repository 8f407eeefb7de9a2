"""Lecture tolérante des fichiers CSV venus des tableurs français.

Ils arrivent en UTF-8 (avec ou sans BOM) ou en Windows-1252, séparés par « ; » ou « , » :
on accepte tout cela, et on le dit clairement quand le fichier reste illisible.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator

from collecte.validation import ErreurValidation


def decoder(contenu: bytes, nom: str = "fichier") -> str:
    """Octets → texte : UTF-8 (BOM retiré) d'abord, puis Windows-1252."""
    if contenu.startswith(b"\xef\xbb\xbf"):
        contenu = contenu[3:]
    if contenu.startswith((b"\xff\xfe", b"\xfe\xff")):
        return contenu.decode("utf-16")
    try:
        return contenu.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        texte = contenu.decode("cp1252")
    except UnicodeDecodeError:
        raise ErreurValidation(
            f"{nom} : encodage illisible. Enregistrez le fichier en « CSV UTF-8 » depuis votre tableur."
        ) from None
    if "\x00" in texte:
        raise ErreurValidation(f"{nom} : ce fichier n'est pas un CSV (contenu binaire).")
    return texte


def separateur(premiere_ligne: str) -> str:
    """« ; » (tableurs français) ou « , » : celui qui découpe le plus l'en-tête ; tabulation aussi."""
    comptes = {sep: premiere_ligne.count(sep) for sep in (";", ",", "\t")}
    meilleur = max(comptes, key=comptes.get)
    return meilleur if comptes[meilleur] else ";"


def normaliser_colonne(nom: str) -> str:
    """« Personnes rencontrées » → « personnes_rencontrees » (casse, accents, espaces ignorés)."""
    ascii_ = unicodedata.normalize("NFKD", str(nom or "")).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", ascii_.lower()).strip("_")


def lire_csv(contenu: bytes, nom: str = "fichier") -> tuple[list[str], Iterator[tuple[int, dict]]]:
    """Renvoie (colonnes normalisées, itérateur de (numéro de ligne du tableur, ligne)).

    Le numéro est celui que l'utilisateur voit dans son tableur : l'en-tête est la ligne 1.
    Les lignes entièrement vides sont sautées.
    """
    texte = decoder(contenu, nom)
    if not texte.strip():
        raise ErreurValidation(f"{nom} : le fichier est vide.")
    premiere = texte.lstrip("\r\n").splitlines()[0]
    lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=separateur(premiere))
    entete = next(lecteur)
    colonnes = [normaliser_colonne(c) for c in entete]
    return colonnes, _lignes(lecteur, colonnes)


def _lignes(lecteur, colonnes: list[str]) -> Iterator[tuple[int, dict]]:
    for valeurs in lecteur:
        if not any(v.strip() for v in valeurs):
            continue
        yield lecteur.line_num, dict(zip(colonnes, valeurs))
