"""Notice d'information des personnes rencontrées et fiche du registre des traitements, en PDF.

La notice tient sur une page : une affiche A4 à punaiser près du tableau (gros caractères, lisible à un
mètre) ou une feuille A5 à distribuer. Si des réglages très longs la feraient déborder, ses caractères
rapetissent plutôt que de passer sur une deuxième page. La fiche du registre est un document A4 de
plusieurs pages au besoin. Les textes viennent de `collecte.confidentialite.information` ; tout texte
saisi (titre, réglages) passe par `echapper` : un `<b>` ou un `&` s'imprime tel quel.
"""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepInFrame, Paragraph

from collecte.confidentialite.information import fiche_registre, notice
from collecte.modele.validation import ErreurValidation
from restitution.mise_en_page import ACCENT, DocumentLivret, echapper, espace, gabarit
from restitution.polices import SANS

FORMATS_NOTICE = ("A4", "A5")
# Taille du corps de la notice, en points : l'affiche se lit debout, la feuille A5 en main.
CORPS_NOTICE = {"A4": 12.0, "A5": 8.5}
TITRE_NOTICE = "Vos paroles, vos données"
TITRE_REGISTRE = "Fiche de registre des activités de traitement"


def _style(nom: str, parent: ParagraphStyle, taille: float, **options) -> ParagraphStyle:
    return ParagraphStyle(nom, parent=parent, fontSize=taille, leading=taille * 1.28, **options)


def _styles_notice(st: dict, format_: str) -> dict[str, ParagraphStyle]:
    """Styles du livret (mise_en_page) agrandis pour l'affiche, tous en sans empattement."""
    corps = CORPS_NOTICE[format_]
    return {
        "Titre": _style("NoticeTitre", st["Chapitre"], corps * 2, spaceBefore=0, spaceAfter=corps * 0.3),
        "Rubrique": _style(
            "NoticeRubrique",
            st["Section"],
            corps * 1.2,
            textColor=ACCENT,
            spaceBefore=corps * 0.5,
            spaceAfter=corps * 0.2,
        ),
        "Texte": _style("NoticeTexte", st["Corps"], corps, fontName=SANS, spaceAfter=corps * 0.1),
        "Pied": _style("NoticePied", st["Note"], corps * 0.75, spaceBefore=corps * 0.5),
    }


def _lignes(texte: str, style: ParagraphStyle) -> list[Paragraph]:
    return [Paragraph(echapper(ligne), style) for ligne in texte.split("\n") if ligne.strip()]


def _document(tampon, format_: str, titre: str, demarche, couverture: bool) -> DocumentLivret:
    return DocumentLivret(
        tampon, format_, f"{titre} — {demarche.titre}", pied=demarche.titre, couverture=couverture
    )


def notice_pdf(demarche, format_: str = "A4") -> bytes:
    """La notice d'information de la démarche sur une page A4 (affiche) ou A5 (à distribuer)."""
    if format_ not in FORMATS_NOTICE:
        raise ErreurValidation(f"Format « {format_} » inconnu : A4 ou A5.", "format")
    g = gabarit(format_)
    st = _styles_notice(g.st, format_)
    recit = [Paragraph(echapper(TITRE_NOTICE), st["Titre"])]  # la démarche est nommée dans la 1re rubrique
    for titre, texte in notice(demarche):
        recit += [Paragraph(echapper(titre), st["Rubrique"]), *_lignes(texte, st["Texte"])]
    recit.append(Paragraph("Notice d'information (RGPD, articles 13 et 14).", st["Pied"]))
    tampon = io.BytesIO()
    # Page de couverture du gabarit : sans folio, une seule page.
    _document(tampon, format_, "Notice d'information", demarche, couverture=True).build(
        [KeepInFrame(g.largeur, g.hauteur, recit, mode="shrink")]
    )
    return tampon.getvalue()


def registre_pdf(demarche, edition: date | None = None) -> bytes:
    """La fiche du registre des activités de traitement de la démarche (A4, champs du modèle de la CNIL)."""
    g = gabarit("A4")
    st = g.st
    recit = [
        Paragraph(echapper(TITRE_REGISTRE), st["Chapitre"]),
        Paragraph(f"Activité de traitement : {echapper(demarche.titre)}", st["Chapeau"]),
        espace(0.2),
    ]
    for titre, texte in fiche_registre(demarche, edition):
        lignes = [ligne for ligne in texte.split("\n") if ligne.strip()]
        style = st["Puce"] if len(lignes) > 1 else st["Corps"]
        recit.append(Paragraph(echapper(titre), st["Section"]))
        recit += [
            Paragraph(echapper(ligne), style, bulletText="–" if len(lignes) > 1 else None) for ligne in lignes
        ]
    tampon = io.BytesIO()
    _document(tampon, "A4", TITRE_REGISTRE, demarche, couverture=False).build(recit)
    return tampon.getvalue()
