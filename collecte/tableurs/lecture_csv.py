"""Lecture tolérante des fichiers CSV venus des tableurs français.

Ils arrivent en UTF-8 (avec ou sans BOM) ou en Windows-1252, séparés par « ; » ou « , » :
on accepte tout cela, et on le dit clairement quand le fichier reste illisible.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator

from collecte.modele.validation import ErreurValidation

# Clé ajoutée à une ligne qui a des valeurs au-delà de la dernière colonne nommée.
DEBORDEMENT = "\x00deborde"


_OCTETS_ABSENTS_CP1252 = (0x81, 0x8D, 0x8F, 0x90, 0x9D)


def _utf8_valide(contenu: bytes, morceau: int = 1 << 20) -> bool:
    """Vérifie l'UTF-8 par morceaux, sans construire tout le texte (un gros CSV reste en flux)."""
    decodeur = codecs.getincrementaldecoder("utf-8")()
    try:
        for debut in range(0, len(contenu), morceau):
            decodeur.decode(contenu[debut : debut + morceau])
        decodeur.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def encodage(contenu: bytes, nom: str = "fichier") -> str:
    """Encodage d'un fichier de tableur : UTF-8 (avec ou sans BOM), UTF-16 à BOM, sinon Windows-1252."""
    if contenu.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if contenu.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if _utf8_valide(contenu):
        return "utf-8"
    if any(octet in contenu for octet in _OCTETS_ABSENTS_CP1252):
        raise ErreurValidation(
            f"{nom} : encodage illisible. Enregistrez le fichier en « CSV UTF-8 » depuis votre tableur."
        )
    if b"\x00" in contenu:
        raise ErreurValidation(f"{nom} : ce fichier n'est pas un CSV (contenu binaire).")
    return "cp1252"


def decoder(contenu: bytes, nom: str = "fichier") -> str:
    """Octets → texte : UTF-8 (BOM retiré) d'abord, puis Windows-1252."""
    return contenu.decode(encodage(contenu, nom))


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

    Le numéro est celui de la rangée dans le tableur (en-tête = ligne 1), même quand une cellule
    précédente contient des retours à la ligne. Les lignes entièrement vides sont sautées.
    """
    code = encodage(contenu, nom)
    flux = io.TextIOWrapper(io.BytesIO(contenu), encoding=code, newline="")
    premiere = ""
    for premiere in flux:
        if premiere.strip("\r\n"):
            break
    if not premiere.strip():
        raise ErreurValidation(f"{nom} : le fichier est vide.")
    flux.seek(0)
    lecteur = csv.reader(flux, delimiter=separateur(premiere))
    rangees = _rangees(lecteur, nom)
    rang = 0
    for entete in rangees:
        rang += 1
        if any(c.strip() for c in entete):
            break
    colonnes = [normaliser_colonne(c) for c in entete]
    return colonnes, _lignes(rangees, colonnes, rang)


def _rangees(lecteur, nom: str) -> Iterator[list[str]]:
    """Les rangées du CSV ; une cellule au-delà de la limite du module csv est refusée en français."""
    try:
        yield from lecteur
    except csv.Error:
        limite = f"{csv.field_size_limit():,}".replace(",", "\u202f")
        raise ErreurValidation(
            f"{nom} : illisible vers la ligne {lecteur.line_num}, une cellule dépasse {limite} "
            "caractères (souvent un guillemet jamais refermé) ou contient un caractère nul."
        ) from None


def _lignes(rangees, colonnes: list[str], rang: int) -> Iterator[tuple[int, dict]]:
    largeur = len(colonnes)
    for numero, valeurs in enumerate(rangees, start=rang + 1):
        if not "".join(valeurs).strip():  # aucune cellule remplie
            continue
        ligne = dict(zip(colonnes, valeurs))
        if len(valeurs) > largeur and any(v.strip() for v in valeurs[largeur:]):
            ligne[DEBORDEMENT] = True
        yield numero, ligne
