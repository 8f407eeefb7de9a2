"""Écriture de tableaux en CSV (Excel français) et XLSX, sans formule exécutable.

CSV : UTF-8 avec BOM et point-virgule, ce qu'Excel en français ouvre d'un double clic.
Une cellule qui commence par =, +, @, une tabulation, un retour chariot (ou - collé à un mot)
serait lue comme une formule par un tableur : en CSV elle est précédée d'une apostrophe ; en
XLSX elle est typée texte. `texte_de_cellule_csv` retire cette apostrophe à la relecture.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager

# Les apostrophes en tête comptent : « '=x » devient « ''=x », et la relecture rend le texte exact.
_FORMULE = re.compile(r"^'*(?:[=+@\t\r]|-\S)")


def cellule_csv(valeur) -> str:
    """Texte d'une cellule CSV, désamorcé s'il serait pris pour une formule."""
    texte = "" if valeur is None else str(valeur)
    return "'" + texte if _FORMULE.match(texte) else texte


def texte_de_cellule_csv(cellule: str) -> str:
    """Inverse de `cellule_csv` : l'apostrophe ajoutée à l'écriture est retirée."""
    return cellule[1:] if cellule.startswith("'") and _FORMULE.match(cellule[1:]) else cellule


def ecrire_csv(colonnes: list[str], lignes) -> bytes:
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(colonnes)
    for ligne in lignes:
        ecrivain.writerow([cellule_csv(v) for v in ligne])
    return ("\ufeff" + tampon.getvalue()).encode("utf-8")


def ecrire_xlsx(feuilles: dict[str, tuple[list[str], list]]) -> bytes:
    """`feuilles` : titre → (colonnes, lignes). En-tête en gras, figé ; textes jamais pris pour des
    formules."""
    tampon = io.BytesIO()
    with classeur_en_flux(tampon) as ajouter:
        for titre, (colonnes, lignes) in feuilles.items():
            ecrire_ligne = ajouter(titre, colonnes)
            for ligne in lignes:
                ecrire_ligne(ligne)
    return tampon.getvalue()


@contextmanager
def classeur_en_flux(sortie):
    """Classeur XLSX écrit ligne à ligne (mémoire constante), enregistré dans `sortie` à la fin.

    Donne `ajouter(titre, colonnes)`, qui crée une feuille et renvoie la fonction d'ajout d'une ligne."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    classeur = Workbook(write_only=True)

    def ajouter(titre: str, colonnes: list[str]):
        feuille = classeur.create_sheet(titre[:31])
        feuille.freeze_panes = "A2"
        entete = []
        for nom in colonnes:
            cellule = WriteOnlyCell(feuille, value=nom)
            cellule.font = Font(bold=True)
            entete.append(cellule)
        feuille.append(entete)
        return lambda ligne: feuille.append([_cellule_xlsx(feuille, v) for v in ligne])

    yield ajouter
    classeur.save(sortie)


def _cellule_xlsx(feuille, valeur):
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(valeur, str):
        return valeur
    cellule = WriteOnlyCell(feuille, value=valeur)
    cellule.data_type = "s"
    return cellule
