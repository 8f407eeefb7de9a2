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

from collecte.tableurs import DEBORDEMENT, lire_csv, normaliser_colonne
from collecte.validation import ErreurValidation

TAILLE_DECOMPRESSEE_MAX = 500 * 1024 * 1024


@dataclass
class Feuille:
    nom: str
    colonnes: list[str]
    lignes: Iterator[tuple[int, dict]] | list[tuple[int, dict]]


class Classeur(dict):
    """{nom normalisé: Feuille} ; `ignorees` garde les noms des feuilles non reconnues (non lues)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ignorees: list[str] = []

    def ajouter(self, nom: str, nom_affiche: str, noms: set[str] | None, lire) -> None:
        if noms is not None and nom not in noms:
            self.ignorees.append(nom_affiche)
        else:
            self[nom] = lire()


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
        ligne = dict(zip(colonnes, cellules))
        if any(str(c).strip() for c in cellules[len(colonnes):]):
            ligne[DEBORDEMENT] = True
        yield numero, ligne


def _feuille_xlsx(onglet, nom: str) -> Feuille:
    rangees = onglet.iter_rows(values_only=True)
    colonnes = [normaliser_colonne(c) for c in next(rangees, None) or ()]
    while colonnes and not colonnes[-1]:
        colonnes.pop()
    return Feuille(nom, colonnes, _lignes_xlsx(rangees, colonnes))


def lire_xlsx(contenu: bytes, noms: set[str] | None = None) -> Classeur:
    """Classeur .xlsx lu en mode lecture seule (en flux) ; `noms` : feuilles à lire, les autres sont signalées."""
    from openpyxl import load_workbook

    try:
        # Lu depuis la mémoire : aucun fichier ne reste ouvert après l'import (lecture seule en flux).
        classeur = load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ErreurValidation("Ce fichier n'est pas un classeur .xlsx lisible (enregistrez-le au format Excel .xlsx).") from None
    feuilles = Classeur()
    for onglet in classeur.worksheets:
        nom = normaliser_colonne(onglet.title)
        feuilles.ajouter(nom, onglet.title, noms, lambda onglet=onglet, nom=nom: _feuille_xlsx(onglet, nom))
    return feuilles


def _feuille_csv(nom: str, base: str, contenu: bytes) -> Feuille:
    colonnes, lignes = lire_csv(contenu, base)
    return Feuille(nom, colonnes, lignes)


def lire_fichiers_csv(fichiers: dict[str, bytes], noms: set[str] | None = None) -> Classeur:
    """{nom de fichier: octets} → feuilles ; `contributions.csv` donne la feuille contributions.

    Seuls les fichiers des feuilles `noms` sont décodés ; les autres sont signalés, pas lus.
    """
    feuilles = Classeur()
    for nom_fichier, contenu in fichiers.items():
        base = Path(nom_fichier).name
        if base.lower().endswith(".csv"):
            nom = normaliser_colonne(base[:-4])
            feuilles.ajouter(nom, base, noms, lambda nom=nom, base=base, contenu=contenu: _feuille_csv(nom, base, contenu))
    return feuilles


def lire_source(chemin: Path, noms: set[str] | None = None) -> Classeur:
    """Un chemin de la ligne de commande : classeur .xlsx, dossier de .csv, ou archive .zip de .csv."""
    if chemin.is_dir():
        return lire_fichiers_csv({p.name: p.read_bytes() for p in sorted(chemin.glob("*.csv"))}, noms)
    return lire_envoi({chemin.name: chemin.read_bytes()}, noms)


def lire_envoi(fichiers: dict[str, bytes], noms: set[str] | None = None) -> Classeur:
    """Fichiers envoyés par le formulaire web : un .xlsx, des .csv, ou un .zip de .csv."""
    if len(fichiers) == 1:
        nom, contenu = next(iter(fichiers.items()))
        extension = nom.lower().rsplit(".", 1)[-1]
        if extension == "xlsx":
            return lire_xlsx(contenu, noms)
        if extension == "zip":
            return _lire_zip(contenu, noms)
    if any(not n.lower().endswith(".csv") for n in fichiers):
        raise ErreurValidation("Envoyez un classeur .xlsx, des fichiers .csv ou une archive .zip de .csv "
                               "(les fichiers .xls, .ods ou .txt ne sont pas lus : réenregistrez-les).")
    return lire_fichiers_csv(fichiers, noms)


def _lire_zip(contenu: bytes, noms: set[str] | None) -> Classeur:
    try:
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            membres = [m for m in archive.infolist() if m.filename.lower().endswith(".csv")
                       and not m.filename.startswith("__MACOSX")]
            if sum(m.file_size for m in membres) > TAILLE_DECOMPRESSEE_MAX:
                raise ErreurValidation("Archive trop volumineuse une fois décompressée (plus de 500 Mo).")
            fichiers = {m.filename: archive.read(m) for m in membres}
    except zipfile.BadZipFile:
        raise ErreurValidation("Archive .zip illisible.") from None
    return lire_fichiers_csv(fichiers, noms)
