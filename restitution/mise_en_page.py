"""Mise en page commune au livret et aux affiches (reportlab platypus) : styles, gabarit de
document avec sommaire et signets, encadrés de citations, tuiles de l'infographie.

Tout texte venu de la base passe par `echapper` : une parole contenant `<`, `&` ou `<b>`
s'imprime telle quelle, jamais interprétée comme du balisage reportlab. Cela vaut aussi pour les
entrées du sommaire, que reportlab recompose en paragraphes (`DocumentLivret.afterFlowable`) ; les
signets, simple texte PDF, prennent le texte brut.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A3, A4, A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from collecte.nombres import nombre_fr
from restitution.polices import ESPACE_INSECABLE, SANS, SERIF, enregistrer_polices, gras

FORMATS = {"A4": A4, "A5": A5, "A3": A3}
MARGES = {"A4": 2.0 * cm, "A5": 1.4 * cm, "A3": 2.2 * cm}
ECHELLES = {"A4": 1.0, "A5": 0.82, "A3": 1.6}
ENCRE = colors.HexColor("#1f2933")
ACCENT = colors.HexColor("#b5461f")
FOND_HABITANTS = colors.HexColor("#fbeee6")
FOND_STRUCTURES = colors.HexColor("#e6eff6")
FOND_TUILE = colors.HexColor("#f4efe6")
NIVEAUX_SOMMAIRE = {"Chapitre": 0, "Section": 1}
# ASCII 85 ne sert qu'aux transports 7 bits d'antan ; son codeur en Python pur prenait la moitié du
# temps du livret (images des nuages) et grossissait le PDF d'un quart.
rl_config.useA85 = 0


def echapper(texte) -> str:
    """Texte brut → texte de paragraphe reportlab : balises et entités neutralisées, sauts de ligne gardés."""
    return escape("" if texte is None else str(texte)).replace("\n", "<br/>")


def nombre(n, decimales: int = 0, pourcent: bool = False) -> str:
    """12345 → « 12 345 » : `collecte.nombres.nombre_fr`, avec l'espace insécable que reportlab ne coupe
    pas."""
    return nombre_fr(n, decimales, pourcent, espace=ESPACE_INSECABLE)


def nombre_part(part: float) -> str:
    """Une part de 0 à 1 en pourcentage entier : 0,356 → « 36 % » (espace insécable)."""
    return nombre(part, pourcent=True)


def citer(texte: str) -> str:
    """Parole entre guillemets français, échappée (les coupes « […] » restent telles quelles)."""
    return f"«{ESPACE_INSECABLE}{echapper(texte)}{ESPACE_INSECABLE}»"


def _style(nom: str, taille: float, police: str = SERIF, **options) -> ParagraphStyle:
    options = {"leading": taille * 1.3, "textColor": ENCRE, "bulletFontName": police, **options}
    return ParagraphStyle(nom, fontName=police, fontSize=taille, **options)


def styles(format_: str = "A4") -> dict[str, ParagraphStyle]:
    """Styles du livret à l'échelle du format (A5 plus petit, A3 plus grand)."""
    enregistrer_polices()
    e = ECHELLES[format_]
    return {
        "Couverture": _style("Couverture", 30 * e, gras(SANS), alignment=TA_CENTER, spaceAfter=14 * e),
        "SousTitre": _style(
            "SousTitre", 15 * e, SANS, alignment=TA_CENTER, spaceAfter=10 * e, textColor=ACCENT
        ),
        "Centre": _style("Centre", 11 * e, SANS, alignment=TA_CENTER, spaceAfter=4 * e),
        "Chapitre": _style(
            "Chapitre", 20 * e, gras(SANS), spaceBefore=6 * e, spaceAfter=10 * e, textColor=ACCENT
        ),
        "Section": _style("Section", 13.5 * e, gras(SANS), spaceBefore=10 * e, spaceAfter=5 * e),
        "TitreSommaire": _style("TitreSommaire", 13.5 * e, gras(SANS), spaceAfter=8 * e),
        "Corps": _style("Corps", 10.5 * e, SERIF, spaceAfter=5 * e),
        "Chapeau": _style("Chapeau", 11.5 * e, SERIF, spaceAfter=8 * e, leftIndent=0),
        "Puce": _style("Puce", 10.5 * e, SERIF, leftIndent=14 * e, bulletIndent=4 * e, spaceAfter=3 * e),
        "Note": _style("Note", 9 * e, SANS, textColor=colors.HexColor("#52606d"), spaceAfter=4 * e),
        "Vide": _style("Vide", 10.5 * e, SANS, textColor=colors.HexColor("#52606d"), spaceAfter=6 * e),
        "TitreEncadre": _style(
            "TitreEncadre", 11 * e, gras(SANS), spaceBefore=8 * e, spaceAfter=4 * e, textColor=ACCENT
        ),
        "Citation": _style(
            "Citation",
            10.5 * e,
            SERIF,
            leftIndent=8 * e,
            rightIndent=8 * e,
            borderPadding=6 * e,
            spaceBefore=6 * e,
            spaceAfter=8 * e,
        ),
        "Chiffre": _style(
            "Chiffre", 24 * e, gras(SANS), alignment=TA_CENTER, textColor=ACCENT, leading=28 * e
        ),
        "LegendeChiffre": _style("LegendeChiffre", 9 * e, SANS, alignment=TA_CENTER),
        "Cellule": _style("Cellule", 9 * e, SANS),
        "CelluleNombre": _style("CelluleNombre", 9 * e, SANS, alignment=2),
        "Sommaire0": _style("Sommaire0", 10.5 * e, gras(SANS), leftIndent=0, spaceBefore=3 * e),
        "Sommaire1": _style("Sommaire1", 9.5 * e, SANS, leftIndent=14 * e),
    }


class DocumentLivret(BaseDocTemplate):
    """Gabarit : page de couverture sans folio, puis pages numérotées. Chaque paragraphe de style
    « Chapitre » ou « Section » alimente le sommaire et les signets du PDF."""

    def __init__(self, tampon, format_: str, titre: str, pied: str = "", couverture: bool = True):
        taille, marge = FORMATS[format_], MARGES[format_]
        super().__init__(
            tampon,
            pagesize=taille,
            leftMargin=marge,
            rightMargin=marge,
            topMargin=marge,
            bottomMargin=marge * 1.2,
            title=titre,
            author="Parole",
            subject=pied,
            creator="Parole",
            initialFontName=SANS,
        )  # sinon Helvetica, non incorporée, figure sur chaque page
        self.pied = pied
        cadre = Frame(marge, marge * 1.2, taille[0] - 2 * marge, taille[1] - 2.2 * marge, id="texte")
        modeles = [PageTemplate("couverture", [cadre]), PageTemplate("page", [cadre], onPage=self._folio)]
        self.addPageTemplates(modeles if couverture else modeles[::-1])

    def _folio(self, canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(SANS, 8)
        canvas.setFillColor(colors.HexColor("#52606d"))
        largeur = self.pagesize[0]
        canvas.drawCentredString(largeur / 2, self.bottomMargin / 2, f"{self.pied} — {document.page}")
        canvas.restoreState()

    def afterFlowable(self, flowable) -> None:
        if not isinstance(flowable, Paragraph) or flowable.style.name not in NIVEAUX_SOMMAIRE:
            return
        niveau, texte = NIVEAUX_SOMMAIRE[flowable.style.name], flowable.getPlainText()
        cle = f"titre-{id(flowable)}"
        self.canv.bookmarkPage(cle)
        self.canv.addOutlineEntry(texte, cle, level=niveau, closed=niveau > 0)
        # Le sommaire relit son entrée comme du balisage : non échappé, un titre « <a href=…> »
        # y devenait un lien, « <img src=…> » un fichier du serveur, un « < » isolé une erreur.
        self.notify("TOCEntry", (niveau, echapper(texte), self.page, cle))


def sommaire(st: dict) -> TableOfContents:
    table = TableOfContents(dotsMinLevel=0)
    table.tableStyle = TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), SANS, 9),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
    )
    table.levelStyles = [st["Sommaire0"], st["Sommaire1"]]
    return table


def citation(st: dict, texte: str, source: str, fond) -> Paragraph:
    """Une parole dans un bloc teinté, suivie de son lieu ou de sa structure (jamais d'un nom)."""
    style = ParagraphStyle(f"Citation-{fond.hexval()}", parent=st["Citation"], backColor=fond)
    taille = st["Note"].fontSize
    signature = (
        f'<br/><font name="{SANS}" size="{taille}" color="#52606d">— {echapper(source)}</font>'
        if source
        else ""
    )
    return Paragraph(citer(texte) + signature, style)


def tuiles(st: dict, chiffres: list[tuple[int, str]], largeur: float, colonnes: int) -> Table:
    """Infographie : un grand nombre et son libellé par tuile."""
    cellules = [
        [Paragraph(nombre(n), st["Chiffre"]), Paragraph(echapper(libelle), st["LegendeChiffre"])]
        for n, libelle in chiffres
    ]
    lignes = [cellules[i : i + colonnes] for i in range(0, len(cellules), colonnes)]
    lignes[-1] += [""] * (colonnes - len(lignes[-1]))
    table = Table(lignes, colWidths=[largeur / colonnes] * colonnes)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, 9),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (0, 0), (-1, -1), FOND_TUILE),
                ("BOX", (0, 0), (-1, -1), 3, colors.white),
                ("INNERGRID", (0, 0), (-1, -1), 3, colors.white),
                ("TOPPADDING", (0, 0), (-1, -1), 10),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def tableau(
    st: dict, entetes: list[str], lignes: list[list], largeur: float, proportions: list[float]
) -> Table:
    """Petit tableau de chiffres ; la première colonne est du texte, les autres des nombres."""

    def cellule(valeur, j, style_texte):
        style = style_texte if j == 0 else st["CelluleNombre"]
        return Paragraph(nombre(valeur) if isinstance(valeur, int) else echapper(valeur), style)

    corps = [[cellule(v, j, st["Cellule"]) for j, v in enumerate(ligne)] for ligne in lignes]
    tete = [
        Paragraph(f"<b>{echapper(t)}</b>", st["Cellule"] if j == 0 else st["CelluleNombre"])
        for j, t in enumerate(entetes)
    ]
    total = sum(proportions)
    table = Table([tete] + corps, colWidths=[largeur * p / total for p in proportions], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, 9),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, ENCRE),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


@dataclass
class ImagePNG:
    """PNG en mémoire ; `flowable` en fait une image à la largeur voulue (proportions gardées)."""

    donnees: bytes
    largeur_px: int
    hauteur_px: int

    def flowable(self, largeur: float) -> Image:
        return Image(
            io.BytesIO(self.donnees), width=largeur, height=largeur * self.hauteur_px / self.largeur_px
        )


def espace(hauteur_cm: float) -> Spacer:
    return Spacer(1, hauteur_cm * cm)


@dataclass
class Gabarit:
    """Format, styles et largeur utile de la page : ce que chaque section reçoit pour se composer."""

    format_: str
    st: dict
    largeur: float

    @property
    def hauteur(self) -> float:
        return FORMATS[self.format_][1] - 2.2 * MARGES[self.format_]


def gabarit(format_: str) -> Gabarit:
    return Gabarit(format_, styles(format_), FORMATS[format_][0] - 2 * MARGES[format_])


def paragraphes(texte: str, style) -> list[Paragraph]:
    """Un texte de l'équipe : un paragraphe par bloc séparé d'une ligne vide."""
    blocs = [b.strip() for b in (texte or "").replace("\r\n", "\n").split("\n\n")]
    return [Paragraph(echapper(b), style) for b in blocs if b]
