"""Lecture d'un classeur de démarche : un `.xlsx`, un dossier de `.csv`, ou des fichiers envoyés.

Chaque feuille devient une `Feuille` : colonnes normalisées (« Personnes rencontrées » →
`personnes_rencontrees`) et lignes numérotées comme dans le tableur (en-tête = ligne 1).
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from collecte.tableurs import lire_csv, normaliser_colonne
from collecte.validation import ErreurValidation

TAILLE_DECOMPRESSEE_MAX = 500 * 1024 * 1024
FEUILLES = ("demarche", "themes", "territoires", "structures", "temps", "contributions", "reponses")


@dataclass
class Feuille:
    nom: str
    colonnes: list[str]
    lignes: Iterator[tuple[int, dict]] | list[tuple[int, dict]]


def _valeur_cellule(valeur):
    if valeur is None:
        return ""
    if isinstance(valeur, datetime):
        return valeur.date() if valeur.time() == datetime.min.time() else valeur
    if isinstance(valeur, (date, bool)):
        return valeur
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    return str(valeur)


def _lignes_xlsx(rangees, colonnes: list[str]) -> Iterator[tuple[int, dict]]:
    for numero, valeurs in enumerate(rangees, start=2):
        cellules = [_valeur_cellule(v) for v in valeurs]
        if not any(str(c).strip() for c in cellules):
            continue
        yield numero, dict(zip(colonnes, cellules))


def lire_xlsx(contenu: bytes | Path) -> dict[str, Feuille]:
    from openpyxl import load_workbook

    try:
        source = io.BytesIO(contenu) if isinstance(contenu, bytes) else contenu
        classeur = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ErreurValidation("Ce fichier n'est pas un classeur .xlsx lisible (enregistrez-le au format Excel .xlsx).") from None
    feuilles = {}
    for onglet in classeur.worksheets:
        nom = normaliser_colonne(onglet.title)
        if nom not in FEUILLES:
            continue
        rangees = onglet.iter_rows(values_only=True)
        entete = next(rangees, None)
        if entete is None:
            continue
        colonnes = [normaliser_colonne(c) for c in entete]
        while colonnes and not colonnes[-1]:
            colonnes.pop()
        feuilles[nom] = Feuille(nom, colonnes, _lignes_xlsx(rangees, colonnes))
    return feuilles


def lire_fichiers_csv(fichiers: dict[str, bytes]) -> dict[str, Feuille]:
    """{nom de fichier: octets} → feuilles ; `contributions.csv` donne la feuille contributions."""
    feuilles = {}
    for nom_fichier, contenu in fichiers.items():
        base = Path(nom_fichier).name
        if not base.lower().endswith(".csv"):
            continue
        nom = normaliser_colonne(base[:-4])
        if nom in FEUILLES:
            colonnes, lignes = lire_csv(contenu, base)
            feuilles[nom] = Feuille(nom, colonnes, lignes)
    return feuilles


def lire_source(chemin: Path) -> dict[str, Feuille]:
    """Un chemin de la ligne de commande : classeur .xlsx, dossier de .csv, ou archive .zip de .csv."""
    if chemin.is_dir():
        return lire_fichiers_csv({p.name: p.read_bytes() for p in sorted(chemin.glob("*.csv"))})
    return lire_envoi({chemin.name: chemin.read_bytes()})


def lire_envoi(fichiers: dict[str, bytes]) -> dict[str, Feuille]:
    """Fichiers envoyés par le formulaire web : un .xlsx, des .csv, ou un .zip de .csv."""
    if len(fichiers) == 1:
        nom, contenu = next(iter(fichiers.items()))
        extension = nom.lower().rsplit(".", 1)[-1]
        if extension == "xlsx":
            return lire_xlsx(contenu)
        if extension == "zip":
            return _lire_zip(contenu)
    if any(not n.lower().endswith(".csv") for n in fichiers):
        raise ErreurValidation("Envoyez un classeur .xlsx, des fichiers .csv ou une archive .zip de .csv.")
    return lire_fichiers_csv(fichiers)


def _lire_zip(contenu: bytes) -> dict[str, Feuille]:
    try:
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            membres = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")
                       and not m.filename.startswith("__MACOSX")]
            if sum(m.file_size for m in membres) > TAILLE_DECOMPRESSEE_MAX:
                raise ErreurValidation("Archive trop volumineuse une fois décompressée (plus de 500 Mo).")
            fichiers = {m.filename: archive.read(m) for m in membres}
    except zipfile.BadZipFile:
        raise ErreurValidation("Archive .zip illisible.") from None
    return lire_fichiers_csv(fichiers)
