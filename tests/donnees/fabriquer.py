"""Fabrique les fichiers piégés des tests de limites (`tests/test_collecte_limites.py`).

    .venv/bin/python tests/donnees/fabriquer.py

Chaque fichier est petit sur le disque mais énorme, très imbriqué ou piégé une fois lu. Ils sont
versionnés : ce script dit comment ils ont été faits et permet de les refaire.
Les classeurs partent d'un classeur vide d'openpyxl dont on remplace ou ajoute des parties ; les
plus grosses sont compressées en LZMA (permis par le format zip, lu par `zipfile`), qui réduit
un gigaoctet de texte répété à moins de 200 Ko.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from PIL import Image

DOSSIER = Path(__file__).resolve().parent
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TYPE_CHAINES = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def bombe_alias_yaml() -> bytes:
    """« Billion laughs » : neuf niveaux d'alias, chacun neuf fois le précédent (9⁹ chaînes), en mots-clés."""
    lignes = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for avant, nom in zip("abcdefgh", "bcdefghi"):
        lignes.append(f"{nom}: &{nom} [{','.join([f'*{avant}'] * 9)}]")
    return ("\n".join(lignes) + "\nthemes:\n  - slug: rire\n    label: Rire\n    keywords: *i\n").encode()


def yaml_profond(niveaux: int = 10_000) -> bytes:
    return b"themes: " + b"[" * niveaux + b"]" * niveaux + b"\n"


def qdc_profond(niveaux: int = 5_000) -> bytes:
    debut = '<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
    return (debut + '<Code name="c">' * niveaux + "</Code>" * niveaux + "</Codes></CodeBook>").encode()


def qdc_entites() -> bytes:
    """« Billion laughs » en XML : des entités qui se multiplient (la DTD est refusée d'emblée)."""
    entites = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 9}">' for i in range(1, 10)]
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE CodeBook [{"".join(entites)}]>\n'
        '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="&lol9;"/></Codes></CodeBook>'
    ).encode()


def _classeur_vide() -> zipfile.ZipFile:
    tampon = io.BytesIO()
    classeur = Workbook()
    classeur.active.title = "themes"
    classeur.save(tampon)
    return zipfile.ZipFile(tampon)


def classeur(chemin: Path, feuille: bytes | None = None, chaines=None) -> None:
    """Classeur d'une feuille « themes » ; `feuille` remplace sa partie XML, `chaines` (morceaux
    d'octets) devient la table des chaînes partagées, compressée en LZMA."""
    with _classeur_vide() as source, zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED) as cible:
        for info in source.infolist():
            contenu = source.read(info)
            if info.filename == "[Content_Types].xml" and chaines is not None:
                contenu = contenu.replace(
                    b"</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" '
                    f'ContentType="{TYPE_CHAINES}" /></Types>'.encode(),
                )
            if info.filename == "xl/worksheets/sheet1.xml" and feuille is not None:
                contenu = feuille
            cible.writestr(info.filename, contenu)
        if chaines is not None:
            partie = zipfile.ZipInfo("xl/sharedStrings.xml")
            partie.compress_type = zipfile.ZIP_LZMA
            with cible.open(partie, "w") as sortie:
                for morceau in chaines:
                    sortie.write(morceau)


def _sst(corps, repetitions: int):
    yield f'<sst xmlns="{NS}">'.encode()
    for _ in range(repetitions):
        yield corps
    yield b"</sst>"


def _feuille(lignes: str, dimension: str = "A1:B2") -> bytes:
    return (
        f'<worksheet xmlns="{NS}"><dimension ref="{dimension}"/><sheetData>{lignes}</sheetData></worksheet>'
    ).encode()


ENTETE = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>slug</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>label</t></is></c></row>'
)
THEME = (
    '<row r="2"><c r="A2" t="inlineStr"><is><t>un-theme</t></is></c>'
    '<c r="B2" t="inlineStr"><is><t>Un thème</t></is></c></row>'
)

DERNIERE = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>fin</t></is></c></row>'


def png(chemin: Path, cote: int) -> None:
    """Image noir et blanc (1 bit) de cote × cote pixels : quelques Ko de PNG, des centaines de Mo décodée en
    couleur."""
    Image.new("1", (cote, cote)).save(chemin, "PNG", optimize=True)


def main() -> None:
    (DOSSIER / "bombe_alias.yaml").write_bytes(bombe_alias_yaml())
    (DOSSIER / "profond.yaml").write_bytes(yaml_profond())
    (DOSSIER / "profond.qdc").write_bytes(qdc_profond())
    (DOSSIER / "entites.qdc").write_bytes(qdc_entites())
    # 1,2 Go de chaînes partagées (la bombe du relecteur), moins de 200 Ko sur le disque.
    classeur(DOSSIER / "chaines_1_2_go.xlsx", chaines=_sst(b"<si><t>lol</t></si>" * 4096, 15_000))
    # 4,2 millions de chaînes vides (21 Mo) : chacune coûte ~150 octets une fois lue par openpyxl.
    classeur(DOSSIER / "chaines_innombrables.xlsx", chaines=_sst(b"<si/>" * 1000, 4_200))
    # 6 200 textes distincts de 32 700 caractères : 203 millions de caractères gardés par openpyxl.
    classeur(
        DOSSIER / "textes_partages_geants.xlsx",
        chaines=_sst(b"<si><t>" + b"x" * 32_700 + b"</t></si>", 6_200),
    )
    classeur(DOSSIER / "ligne_immense.xlsx", _feuille(ENTETE + '<row r="2">' + "<c/>" * 200_000 + "</row>"))
    classeur(
        DOSSIER / "cellule_immense.xlsx",
        _feuille(
            ENTETE + '<row r="2"><c r="A2" t="inlineStr"><is><t>' + "x" * 100_000 + "</t></is></c></row>"
        ),
    )
    # Trois lignes, mais A1:XFD1048576 déclarés et la dernière au bout : openpyxl comble les lignes
    # manquantes avec des rangées vides de 16 384 cellules, soit 17 milliards de cellules à parcourir.
    classeur(DOSSIER / "dimension_immense.xlsx", _feuille(ENTETE + THEME + DERNIERE, "A1:XFD1048576"))
    classeur(
        DOSSIER / "dtd.xlsx",
        b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]>' + _feuille(ENTETE + THEME),
    )
    png(DOSSIER / "pixels_64_mpx.png", 8_000)
    png(DOSSIER / "pixels_169_mpx.png", 13_000)


if __name__ == "__main__":
    main()
