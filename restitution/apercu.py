"""Aperçu de la page « Restitution » : par thème, les paroles que le livret et les affiches
imprimeront, choisies exactement comme à l'impression (`restitution.selection`), avec le chapeau
du chapitre et le nombre de paroles du thème. Aucune mise en page : l'aperçu est instantané là où
le livret prend quelques secondes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from analyse import cache
from analyse.masquage import Masquage
from restitution.affiches import PAROLES_PAR_AFFICHE
from restitution.contenu import Contenu, preparer
from restitution.selection import Citation, citations_affiche, citations_du_theme

MOTS_AFFICHES = 12


@dataclass
class ChapitreApercu:
    slug: str
    label: str
    chapeau: str  # introduction écrite par l'équipe ("" : pas encore écrite)
    paroles: int  # paroles du thème (« ne pas citer » comprises, masquées exclues), comme dans le livret
    livret: dict[str, list[Citation]]  # "habitants", "structures"
    affiche: list[Citation]
    mots: list[str]  # les mots les plus employés, en tête du nuage

    @property
    def imprimees(self) -> int:
        return sum(len(c) for c in self.livret.values())


def _paroles_du_theme(contenu: Contenu, slug: str) -> int:
    effectifs = contenu.croisements["territoire"].effectifs
    return int(effectifs.loc[slug].sum()) if slug in effectifs.index else 0


def chapitres(contenu: Contenu) -> list[ChapitreApercu]:
    """Un `ChapitreApercu` par thème, dans l'ordre du livre de codes."""
    resultat = []
    for theme in contenu.themes:
        slug = theme["slug"]
        chapeau = theme.get("introduction")
        resultat.append(
            ChapitreApercu(
                slug=slug,
                label=theme["label"],
                chapeau=chapeau if isinstance(chapeau, str) else "",
                paroles=_paroles_du_theme(contenu, slug),
                livret=citations_du_theme(contenu.lexical, slug, structures=contenu.structures),
                affiche=citations_affiche(contenu.lexical, slug, PAROLES_PAR_AFFICHE),
                mots=[str(m) for m in contenu.frequences(slug)["lemme"].head(MOTS_AFFICHES)],
            )
        )
    return resultat


@dataclass
class Apercu:
    exclues: dict  # paroles écartées du livret, par raison (comme `Contenu.exclues`)
    masquage: Masquage
    chapitres: list[ChapitreApercu]


def _calculer(session: Session, slug: str) -> Apercu:
    contenu = preparer(session, slug)
    return Apercu(contenu.exclues, contenu.masquage, chapitres(contenu))


def apercu(session: Session, slug: str) -> Apercu:
    """Aperçu des chapitres de la démarche, calculé une fois par version de ses données
    (`analyse.cache`) ; ErreurValidation si elle n'existe pas."""
    cle = cache.cle_demarche(session, slug)
    if cle is None:
        return _calculer(session, slug)  # preparer dit en français que la démarche n'existe pas
    # preparer examine d'abord les paroles en attente : cette écriture change la version, et l'aperçu
    # suivant se recalcule une fois. L'examiner ici à chaque affichage relirait toute la démarche.
    return cache.resultat(cle, "apercu", lambda: _calculer(session, slug))
