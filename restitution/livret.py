"""Livret de restitution en PDF (reportlab) : `construire_livret(session, slug, ...)` → octets.

Ordre : couverture et sommaire, chiffres clés, démarche, territoires et structures, un chapitre par
thème (ordre du livre de codes), sur demande « Ce qui structure les paroles » (`livret_structure`),
synthèse, angles morts, préconisations, annexes (questionnaires, note de méthode). Les paroles
« ne pas citer » et masquées ne sont jamais imprimées. Seules les paroles choisies
sont mises en page : la composition ne grossit pas avec le nombre de paroles.
"""

from __future__ import annotations

import io

from sqlmodel import Session

from analyse.discours import CLASSES_PAR_DEFAUT
from collecte.confidentialite.journal import ACTEUR_TERMINAL, Acteur, journaliser
from collecte.modele.validation import ErreurValidation
from restitution import donnees, livret_annexes, livret_chapitres, livret_sections, livret_structure
from restitution.contenu import PLAFOND_TEXTES, Contenu, preparer
from restitution.imposition import imposer
from restitution.livret_structure import VARIABLE_AFC, OptionsStructure, lire_options
from restitution.mise_en_page import DocumentLivret, gabarit

FORMATS_LIVRET = ("A4", "A5")


def verifier_options(
    format_: str,
    imposition: bool,
    structure: bool = False,
    classes=CLASSES_PAR_DEFAUT,
    variable: str = VARIABLE_AFC,
) -> OptionsStructure | None:
    """Vérifie les options du livret (ErreurValidation en français) ; rend les options de la section
    « Ce qui structure les paroles » (None sans `structure` : `classes` et `variable` sont alors ignorés)."""
    if format_ not in FORMATS_LIVRET:
        raise ErreurValidation(f"Format « {format_} » inconnu : A4 ou A5.", "format")
    if imposition and format_ != "A5":
        raise ErreurValidation(
            "L'imposition (livret plié agrafé) ne se fait qu'en A5 : choisissez le format A5.", "imposition"
        )
    return lire_options(classes, variable) if structure else None


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
    if contenu.structure is not None:
        avancer(livret_structure.TITRE)
        recit += livret_structure.section(contenu, g)
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
    structure: bool = False,
    classes: int = CLASSES_PAR_DEFAUT,
    variable: str = VARIABLE_AFC,
) -> bytes:
    """PDF du livret de la démarche `slug`, en A4 ou A5 ; avec `imposition` (A5 seulement), les pages
    sont imposées deux par deux sur des feuilles A4 paysage pour un livret plié agrafé (voir
    `restitution.imposition`). `progression(etape)` est appelée au début de chaque section ; `plafond` :
    voir `restitution.contenu`. Avec `structure`, la section « Ce qui structure les paroles » :
    `classes` classes de discours au plus, analyse des correspondances lemmes × `variable`. Le livret
    construit est noté au journal (« livret ») au nom d'`acteur`. Lève ErreurValidation (démarche
    inconnue, format inconnu, imposition hors A5, nombre de classes ou variable refusés)."""
    format_ = str(format_).upper()
    options = verifier_options(format_, imposition, structure, classes, variable)
    avancer = progression or (lambda etape: None)
    contenu = preparer(session, slug, avancer, plafond, options)
    recit = recit_du_livret(contenu, format_, avancer)
    avancer("Mise en page")
    tampon = io.BytesIO()
    titre = contenu.textes["couverture"].titre
    DocumentLivret(tampon, format_, titre, pied=titre).multiBuild(recit)
    pdf = tampon.getvalue()
    if imposition:
        avancer("Imposition")
        pdf = imposer(pdf)
    section = f" avec {options.classes} classes de discours, AFC par {options.variable}" if options else ""
    details = (
        f"livret {format_}{' imposé' if imposition else ''}{section} ; "
        f"{donnees.details_masquage(contenu.masquage)}"
    )
    journaliser(session, "livret", acteur, slug, details)
    return pdf
