"""Lecture d'un classeur de démarche : un `.xlsx`, un dossier de `.csv`, ou des fichiers envoyés (un projet
REFI-QDA `.qdpx` y est traduit en feuilles par `lecture_qdpx`).

Chaque feuille devient une `Feuille` : colonnes normalisées (« Personnes rencontrées » →
`personnes_rencontrees`) et lignes numérotées comme dans le tableur (en-tête = ligne 1).

Un `.xlsx` est une archive de XML qu'openpyxl lit en gardant en mémoire chaque ligne et chaque
texte partagé : avant de le lui confier, on vérifie la taille décompressée annoncée puis on
parcourt le XML sans rien garder (`_Arpenteur`) ; pendant la lecture, les cellules sont comptées.
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from xml.parsers import expat

from collecte.modele.validation import ErreurValidation
from collecte.tableurs.ecriture import texte_de_cellule_csv
from collecte.tableurs.lecture_csv import DEBORDEMENT, lire_csv, normaliser_colonne

# Limites d'un classeur. Repère : un million de paroles (bench/generer.py) font 436 Mo de XML écrits
# par openpyxl, 315 Mo en textes partagés comme les écrit Excel, et s'importent sous ces limites.
TAILLE_DECOMPRESSEE_MAX = 500 * 1024 * 1024  # archive .zip de .csv
XLSX_TAILLE_DECOMPRESSEE_MAX = 1024 * 1024 * 1024
# openpyxl garde ~150 octets par ligne lue, texte partagé ou élément hors des lignes : 600 Mo au
# plus ; un million de paroles en demandent 1,0 million (1,9 en textes partagés).
XLSX_ELEMENTS_GARDES_MAX = 4_000_000
# openpyxl garde aussi tous les textes partagés : 80 millions de caractères pour un million de paroles.
XLSX_TEXTES_PARTAGES_MAX = 200_000_000
# Une rangée pleine d'Excel a 16 384 cellules de deux ou trois éléments chacune.
XLSX_ELEMENTS_PAR_LIGNE_MAX = 100_000
XLSX_TEXTE_MAX = 32_767  # caractères d'une cellule, la limite d'Excel
# Cellules parcourues, vides comprises (openpyxl comble les trous jusqu'aux dimensions déclarées) :
# un million de paroles en font 6,4 millions.
XLSX_CELLULES_MAX = 20_000_000
_NS_TABLEUR = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RANGEE, _TEXTE_PARTAGE = f"{_NS_TABLEUR} row", f"{_NS_TABLEUR} si"
ILLISIBLE = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    zlib.error,
    lzma.LZMAError,
)


def _nombre(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


@dataclass
class Feuille:
    nom: str
    colonnes: list[str]
    lignes: Iterator[tuple[int, dict]] | list[tuple[int, dict]]


class Classeur(dict):
    """{nom normalisé: Feuille} ; `ignorees` garde les noms des feuilles non reconnues (non lues),
    `avertissements` ce que la lecture n'a pas pu reprendre (un projet .qdpx : sources PDF, variables
    inconnues…), à ajouter au rapport de l'import."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ignorees: list[str] = []
        self.avertissements: list[str] = []

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


class _Arpenteur:
    """Parcourt les parties XML d'un classeur sans rien en garder et refuse ce qui épuiserait
    openpyxl : une DTD, trop d'éléments qu'il garderait, une ligne trop large, un texte trop long."""

    def __init__(self):
        self.gardes = self.textes_partages = 0

    def parcourir(self, flux) -> None:
        self.profondeur = self.ligne = self.dans_ligne = self.texte = 0
        self.partage = False
        analyseur = expat.ParserCreate(namespace_separator=" ")
        analyseur.buffer_text = True
        analyseur.StartElementHandler, analyseur.EndElementHandler = self._debut, self._fin
        analyseur.CharacterDataHandler, analyseur.StartDoctypeDeclHandler = self._texte, self._dtd
        try:
            while morceau := flux.read(1 << 20):
                analyseur.Parse(morceau, False)
            analyseur.Parse(b"", True)
        except expat.ExpatError:
            pass  # pas du XML (une image) ou XML cassé : openpyxl, s'il le lit, s'arrêtera au même endroit

    def _debut(self, nom: str, _attributs) -> None:
        self.profondeur += 1
        self.texte = 0
        if self.ligne:  # dans une ligne : openpyxl l'efface une fois lue
            self.dans_ligne += 1
            if self.dans_ligne > XLSX_ELEMENTS_PAR_LIGNE_MAX:
                raise ErreurValidation(
                    f"Une ligne du classeur compte plus de {_nombre(XLSX_ELEMENTS_PAR_LIGNE_MAX)} "
                    "éléments (Excel s'arrête à 16\u202f384 colonnes) : ce classeur est refusé."
                )
            return
        if nom in (_RANGEE, _TEXTE_PARTAGE):
            self.ligne, self.dans_ligne, self.partage = self.profondeur, 0, nom == _TEXTE_PARTAGE
        self.gardes += 1
        if self.gardes > XLSX_ELEMENTS_GARDES_MAX:
            raise ErreurValidation(
                f"Classeur trop grand : plus de {_nombre(XLSX_ELEMENTS_GARDES_MAX)} lignes et "
                "textes distincts à lire. Importez-le en plusieurs fois."
            )

    def _fin(self, _nom: str) -> None:
        if self.profondeur == self.ligne:
            self.ligne, self.partage = 0, False
        self.profondeur -= 1
        self.texte = 0

    def _texte(self, texte: str) -> None:
        self.texte += len(texte)
        if self.texte > XLSX_TEXTE_MAX:
            raise ErreurValidation(
                f"Une cellule du classeur dépasse {_nombre(XLSX_TEXTE_MAX)} caractères "
                "(la limite d'Excel) : ce classeur est refusé."
            )
        if self.partage:
            self.textes_partages += len(texte)
            if self.textes_partages > XLSX_TEXTES_PARTAGES_MAX:
                raise ErreurValidation(
                    f"Classeur trop grand : plus de {_nombre(XLSX_TEXTES_PARTAGES_MAX)} caractères "
                    "de textes distincts. Importez-le en plusieurs fois."
                )

    def _dtd(self, *_declaration) -> None:
        raise ErreurValidation(
            "Ce classeur contient une DTD (<!DOCTYPE …>), ce qu'aucun tableur n'écrit : il est refusé."
        )


def _verifier_xlsx(contenu: bytes) -> None:
    """Taille décompressée annoncée (zipfile n'en lit jamais plus), puis parcours sans mémoire."""
    with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
        parties = archive.infolist()
        if sum(p.file_size for p in parties) > XLSX_TAILLE_DECOMPRESSEE_MAX:
            raise ErreurValidation(
                f"Classeur trop volumineux une fois décompressé (plus de "
                f"{XLSX_TAILLE_DECOMPRESSEE_MAX // 1024**3} Go) : enregistrez ses feuilles en "
                ".csv, ou importez-le en plusieurs fois."
            )
        arpenteur = _Arpenteur()
        for partie in parties:
            with archive.open(partie) as flux:
                arpenteur.parcourir(flux)


class _Compteur:
    """Cellules lues dans tout le classeur, vides comprises."""

    def __init__(self):
        self.cellules = 0

    def rangees(self, onglet) -> Iterator[tuple]:
        for valeurs in onglet.iter_rows(values_only=True):
            self.cellules += len(valeurs) or 1
            if self.cellules > XLSX_CELLULES_MAX:
                raise ErreurValidation(
                    f"Classeur trop grand : plus de {_nombre(XLSX_CELLULES_MAX)} cellules à lire, vides "
                    "comprises. Supprimez les lignes et colonnes vides au-delà des données, ou "
                    "importez-le en plusieurs fois."
                )
            yield valeurs


def _lignes_xlsx(rangees, colonnes: list[str]) -> Iterator[tuple[int, dict]]:
    for numero, valeurs in enumerate(rangees, start=2):
        cellules = [_valeur_cellule(v) for v in valeurs]
        if not any(str(c).strip() for c in cellules):
            continue
        ligne = dict(zip(colonnes, cellules))
        if any(str(c).strip() for c in cellules[len(colonnes) :]):
            ligne[DEBORDEMENT] = True
        yield numero, ligne


def _feuille_xlsx(rangees: Iterator[tuple], nom: str) -> Feuille:
    colonnes = [normaliser_colonne(c) for c in next(rangees, None) or ()]
    while colonnes and not colonnes[-1]:
        colonnes.pop()
    return Feuille(nom, colonnes, _lignes_xlsx(rangees, colonnes))


def lire_xlsx(contenu: bytes, noms: set[str] | None = None) -> Classeur:
    """Classeur .xlsx vérifié puis lu en lecture seule (en flux) ; `noms` : feuilles à lire, les autres
    signalées."""
    from openpyxl import load_workbook

    try:
        _verifier_xlsx(contenu)
        # Lu depuis la mémoire : aucun fichier ne reste ouvert après l'import (lecture seule en flux).
        classeur = load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
    except ErreurValidation:
        raise
    except ILLISIBLE:
        raise ErreurValidation(
            "Ce fichier n'est pas un classeur .xlsx lisible (enregistrez-le au format Excel .xlsx)."
        ) from None
    feuilles, compteur = Classeur(), _Compteur()
    for onglet in classeur.worksheets:
        nom = normaliser_colonne(onglet.title)
        feuilles.ajouter(
            nom,
            onglet.title,
            noms,
            lambda onglet=onglet, nom=nom: _feuille_xlsx(compteur.rangees(onglet), nom),
        )
    return feuilles


def _feuille_csv(nom: str, base: str, contenu: bytes) -> Feuille:
    colonnes, lignes = lire_csv(contenu, base)
    return Feuille(nom, colonnes, _sans_apostrophe_de_formule(lignes))


def _sans_apostrophe_de_formule(lignes: Iterator[tuple[int, dict]]) -> Iterator[tuple[int, dict]]:
    """L'apostrophe qu'un export de Parole met devant une cellule qui serait prise pour une formule
    (`ecriture.cellule_csv`) est retirée : le texte réimporté est celui qui a été exporté."""
    for numero, ligne in lignes:
        for colonne, valeur in ligne.items():  # la ligne vient d'être lue : on la corrige en place
            if valeur.__class__ is str and valeur[:1] == "'":
                ligne[colonne] = texte_de_cellule_csv(valeur)
        yield numero, ligne


def lire_fichiers_csv(fichiers: dict[str, bytes], noms: set[str] | None = None) -> Classeur:
    """{nom de fichier: octets} → feuilles ; `contributions.csv` donne la feuille contributions.

    Seuls les fichiers des feuilles `noms` sont décodés ; les autres sont signalés, pas lus.
    """
    feuilles = Classeur()
    for nom_fichier, contenu in fichiers.items():
        base = Path(nom_fichier).name
        if base.lower().endswith(".csv"):
            nom = normaliser_colonne(base[:-4])
            feuilles.ajouter(
                nom, base, noms, lambda nom=nom, base=base, contenu=contenu: _feuille_csv(nom, base, contenu)
            )
    return feuilles


def lire_source(chemin: Path, noms: set[str] | None = None, reperes=None) -> Classeur:
    """Un chemin de la ligne de commande : classeur .xlsx, dossier de .csv, archive .zip de .csv ou
    projet REFI-QDA .qdpx (`reperes` : voir `lire_envoi`)."""
    if chemin.is_dir():
        return lire_fichiers_csv({p.name: p.read_bytes() for p in sorted(chemin.glob("*.csv"))}, noms)
    return lire_envoi({chemin.name: chemin.read_bytes()}, noms, reperes)


def lire_envoi(fichiers: dict[str, bytes], noms: set[str] | None = None, reperes=None) -> Classeur:
    """Fichiers envoyés par le formulaire web : un .xlsx, des .csv, un .zip de .csv, ou un projet
    REFI-QDA .qdpx traduit en feuilles. `reperes` : fonction sans argument qui donne les thèmes de la
    démarche visée (`lecture_qdpx.reperes_de_la_demarche`), appelée pour un .qdpx seulement."""
    if len(fichiers) == 1:
        nom, contenu = next(iter(fichiers.items()))
        extension = nom.lower().rsplit(".", 1)[-1]
        if extension == "xlsx":
            return lire_xlsx(contenu, noms)
        if extension == "zip":
            return _lire_zip(contenu, noms)
        if extension == "qdpx":
            from collecte.tableurs.lecture_qdpx import lire_qdpx  # il lit les colonnes des gestionnaires

            return lire_qdpx(contenu, noms, reperes() if reperes else None)
    if any(not n.lower().endswith(".csv") for n in fichiers):
        raise ErreurValidation(
            "Envoyez un classeur .xlsx, des fichiers .csv, une archive .zip de .csv ou un projet "
            "REFI-QDA .qdpx (les fichiers .xls, .ods ou .txt ne sont pas lus : réenregistrez-les)."
        )
    return lire_fichiers_csv(fichiers, noms)


def _lire_zip(contenu: bytes, noms: set[str] | None) -> Classeur:
    try:
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            membres = [
                m
                for m in archive.infolist()
                if m.filename.lower().endswith(".csv") and not m.filename.startswith("__MACOSX")
            ]
            if sum(m.file_size for m in membres) > TAILLE_DECOMPRESSEE_MAX:
                raise ErreurValidation(
                    f"Archive trop volumineuse une fois décompressée (plus de "
                    f"{TAILLE_DECOMPRESSEE_MAX // 1024**2} Mo)."
                )
            fichiers = {m.filename: archive.read(m) for m in membres}
    except zipfile.BadZipFile:
        raise ErreurValidation("Archive .zip illisible.") from None
    return lire_fichiers_csv(fichiers, noms)
