"""Livret de restitution en PDF (reportlab) : `construire_livret(session, slug, ...)` → octets.

Ordre : couverture et sommaire, chiffres clés, démarche, territoires et structures, un chapitre par
thème (ordre du livre de codes), synthèse, angles morts, préconisations, annexes (questionnaires,
note de méthode). Les paroles « ne pas citer » et masquées ne sont jamais imprimées. Seules les
paroles choisies sont mises en page : la composition ne grossit pas avec le nombre de paroles.
"""

from __future__ import annotations

import io

from sqlmodel import Session

from collecte.confidentialite.journal import ACTEUR_TERMINAL, Acteur, journaliser
from collecte.modele.validation import ErreurValidation
from restitution import donnees, livret_annexes, livret_chapitres, livret_sections
from restitution.contenu import PLAFOND_TEXTES, Contenu, preparer
from restitution.imposition import imposer
from restitution.mise_en_page import DocumentLivret, gabarit

FORMATS_LIVRET = ("A4", "A5")


def verifier_options(format_: str, imposition: bool) -> None:
    if format_ not in FORMATS_LIVRET:
        raise ErreurValidation(f"Format « {format_} » inconnu : A4 ou A5.", "format")
    if imposition and format_ != "A5":
        raise ErreurValidation(
            "L'imposition (livret plié agrafé) ne se fait qu'en A5 : choisissez le format A5.", "imposition"
        )


def recit_du_livret(contenu: Contenu, format_: str, avancer) -> list:
    """Les flowables du livret, section par section (`avancer(nom)` à chaque section)."""
    g = gabarit(format_)
    recit = []
    for nom, section in (
        ("Couverture", livret_sections.couverture),
        ("Chiffres clés", livret_sections.chiffres_cles),
        ("Démarche", livret_sections.demarche),
        ("Territoires", livret_sections.territoires),
    ):
        avancer(nom)
        recit += section(contenu, g)
    for theme in contenu.themes:
        avancer(f"Chapitre « {theme['label']} »")
        recit += livret_chapitres.chapitre(contenu, g, theme)
    if not contenu.themes:
        recit += livret_sections.texte_vide(
            g, "Aucun thème dans le livre de codes : pas de chapitre thématique."
        )
    avancer("Synthèse et préconisations")
    recit += livret_chapitres.synthese(contenu, g)
    avancer("Annexes")
    return recit + livret_annexes.annexes(contenu, g)


def construire_livret(
    session: Session,
    slug: str,
    format_: str = "A4",
    imposition: bool = False,
    progression=None,
    plafond: int = PLAFOND_TEXTES,
    acteur: Acteur = ACTEUR_TERMINAL,
) -> bytes:
    """PDF du livret de la démarche `slug`, en A4 ou A5 ; avec `imposition` (A5 seulement), les pages
    sont imposées deux par deux sur des feuilles A4 paysage pour un livret plié agrafé (voir
    `restitution.imposition`). `progression(etape)` est appelée au début de chaque section ; `plafond` :
    voir `restitution.contenu`. Le livret construit est noté au journal (« livret ») au nom d'`acteur`.
    Lève ErreurValidation (démarche inconnue, format inconnu, imposition hors A5)."""
    format_ = str(format_).upper()
    verifier_options(format_, imposition)
    avancer = progression or (lambda etape: None)
    contenu = preparer(session, slug, avancer, plafond)
    recit = recit_du_livret(contenu, format_, avancer)
    avancer("Mise en page")
    tampon = io.BytesIO()
    titre = contenu.textes["couverture"].titre
    DocumentLivret(tampon, format_, titre, pied=titre).multiBuild(recit)
    pdf = tampon.getvalue()
    if imposition:
        avancer("Imposition")
        pdf = imposer(pdf)
    details = (
        f"livret {format_}{' imposé' if imposition else ''} ; {donnees.details_masquage(contenu.masquage)}"
    )
    journaliser(session, "livret", acteur, slug, details)
    return pdf
