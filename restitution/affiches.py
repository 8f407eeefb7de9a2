"""Kit d'exposition : une affiche A3 par thème (titre, trois à cinq paroles fortes, nuage de mots).

Mêmes polices incorporées et mêmes règles que le livret : « à retenir » d'abord, jamais de parole
« ne pas citer » ni masquée, jamais de nom ; le texte de chaque parole est imprimé tel que saisi.
"""

from __future__ import annotations

import io

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import KeepInFrame, PageBreak, Paragraph

from analyse.nuages import nuage_de_mots
from collecte.confidentialite.journal import ACTEUR_TERMINAL, Acteur, journaliser
from restitution import donnees
from restitution.contenu import PLAFOND_TEXTES, Contenu, preparer
from restitution.mise_en_page import (
    FOND_HABITANTS,
    FOND_STRUCTURES,
    DocumentLivret,
    ImagePNG,
    citation,
    echapper,
    gabarit,
)
from restitution.selection import PROFIL_STRUCTURES, citations_affiche

PAROLES_PAR_AFFICHE = 4
NUAGE = (1000, 480)
LARGEUR_NUAGE = 0.9  # part de la largeur utile


def _styles_affiche(st: dict) -> dict:
    """Styles du livret en A3, paroles et titre agrandis pour être lus à deux mètres."""
    grands = {
        "Citation": (1.5, {"borderPadding": 14, "spaceAfter": 22, "spaceBefore": 14}),
        "Note": (1.5, {}),
        "Chapitre": (1.6, {"spaceAfter": 26}),
    }
    return {
        **st,
        **{
            nom: ParagraphStyle(
                f"{nom}Affiche",
                parent=st[nom],
                fontSize=st[nom].fontSize * facteur,
                leading=st[nom].leading * facteur,
                **options,
            )
            for nom, (facteur, options) in grands.items()
        },
    }


def affiche(contenu: Contenu, g, theme: dict) -> list:
    """Une page : le titre du thème, les paroles (réduites si besoin pour tenir), le nuage."""
    st, slug = _styles_affiche(g.st), theme["slug"]
    citations = citations_affiche(contenu.lexical, slug, PAROLES_PAR_AFFICHE)
    blocs = [
        citation(st, c.texte, c.source, FOND_STRUCTURES if c.profil == PROFIL_STRUCTURES else FOND_HABITANTS)
        for c in citations
    ] or [Paragraph("Aucune parole citable sur ce thème pour l'instant.", st["Vide"])]
    titre = Paragraph(echapper(theme["label"]), st["Chapitre"])
    hauteur_titre = (
        titre.wrap(g.largeur, g.hauteur)[1] + st["Chapitre"].spaceAfter + st["Chapitre"].spaceBefore
    )
    frequences = contenu.frequences(slug)
    nuage = []
    if len(frequences):
        png = ImagePNG(
            nuage_de_mots(
                frequences, largeur=NUAGE[0], hauteur=NUAGE[1], mots_max=len(frequences), optimiser=False
            ),
            *NUAGE,
        )
        nuage = [png.flowable(g.largeur * LARGEUR_NUAGE)]
    reste = g.hauteur - hauteur_titre - (nuage[0].drawHeight if nuage else 0) - 30
    return [titre, KeepInFrame(g.largeur, reste, blocs, mode="shrink")] + nuage + [PageBreak()]


def construire_affiches(
    session, slug: str, progression=None, plafond: int = PLAFOND_TEXTES, acteur: Acteur = ACTEUR_TERMINAL
) -> bytes:
    """PDF A3 : une affiche par thème, dans l'ordre du livre de codes. ErreurValidation si la
    démarche n'existe pas ; une démarche sans thème donne une page qui le dit. Noté au journal
    (« livret ») au nom d'`acteur`."""
    avancer = progression or (lambda etape: None)
    contenu = preparer(session, slug, avancer, plafond)
    g = gabarit("A3")
    recit = []
    for theme in contenu.themes:
        avancer(f"Affiche « {theme['label']} »")
        recit += affiche(contenu, g, theme)
    recit = recit[:-1]  # pas de page blanche après la dernière affiche
    if not recit:
        recit = [Paragraph("Aucun thème dans le livre de codes : pas d'affiche à imprimer.", g.st["Vide"])]
    avancer("Mise en page")
    tampon = io.BytesIO()
    titre = contenu.textes["couverture"].titre
    DocumentLivret(tampon, "A3", f"Affiches — {titre}", pied=titre, couverture=False).build(recit)
    journaliser(
        session, "livret", acteur, slug, f"affiches A3 ; {donnees.details_masquage(contenu.masquage)}"
    )
    return tampon.getvalue()
