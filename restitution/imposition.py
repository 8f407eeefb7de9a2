"""Imposition d'un livret A5 en cahier unique plié agrafé (« piqûre à cheval ») sur feuilles A4 paysage.

Le PDF A5 est complété de pages blanches jusqu'à un multiple de 4 (n pages). Chaque feuille A4
porte quatre pages A5 : recto (gauche n−2k, droite 2k+1) puis verso (gauche 2k+2, droite n−2k−1),
en numérotant les pages à partir de 1, pour la feuille k = 0, 1, … Le PDF imposé alterne recto et
verso : imprimer en recto verso, **retournement sur le bord court**, empiler les feuilles dans
l'ordre, plier en deux et agrafer au pli. Exemple sur 8 pages : recto 1 = 8 | 1, verso 1 = 2 | 7,
recto 2 = 6 | 3, verso 2 = 4 | 5.
"""

from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from reportlab.lib.pagesizes import A4, landscape

FEUILLE = landscape(A4)


def ordre_des_pages(n: int) -> list[tuple[int | None, int | None]]:
    """Faces successives (gauche, droite) en indices de pages à partir de 0 ; None = page blanche.
    `n` : nombre de pages du livret avant complément."""
    total = -(-max(n, 1) // 4) * 4
    faces = []
    for k in range(total // 4):
        faces.append((total - 1 - 2 * k, 2 * k))
        faces.append((2 * k + 1, total - 2 - 2 * k))
    return [tuple(p if p < n else None for p in face) for face in faces]


def _poser(face: PageObject, page: PageObject, x: float) -> None:
    largeur, hauteur = float(page.mediabox.width), float(page.mediabox.height)
    echelle = min(FEUILLE[0] / 2 / largeur, FEUILLE[1] / hauteur)
    dx = x + (FEUILLE[0] / 2 - largeur * echelle) / 2
    dy = (FEUILLE[1] - hauteur * echelle) / 2
    face.merge_transformed_page(page, Transformation().scale(echelle, echelle).translate(dx, dy))


def imposer(pdf_a5: bytes) -> bytes:
    """PDF imposé (A4 paysage, deux pages A5 par face) à partir d'un PDF A5."""
    lecteur = PdfReader(io.BytesIO(pdf_a5))
    ecrivain = PdfWriter()
    for gauche, droite in ordre_des_pages(len(lecteur.pages)):
        face = PageObject.create_blank_page(width=FEUILLE[0], height=FEUILLE[1])
        for indice, x in ((gauche, 0.0), (droite, FEUILLE[0] / 2)):
            if indice is not None:
                _poser(face, lecteur.pages[indice], x)
        ecrivain.add_page(face)
    ecrivain.add_metadata(
        {"/Title": str((lecteur.metadata or {}).get("/Title", "Livret")) + " (imposé)", "/Creator": "Parole"}
    )
    sortie = io.BytesIO()
    ecrivain.write(sortie)
    return sortie.getvalue()
