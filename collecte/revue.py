"""Revue des paroles : filtres, recherche sans accents, correction, actions groupées, doublons probables."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz, process
from sqlalchemy import delete
from sqlmodel import Session, select

from collecte.modele.champs import champ, valider_champ, valider_contribution
from collecte.modele.db import unite_de_travail
from collecte.modele.models import (
    Contribution,
    ContributionTheme,
    TempsDeCollecte,
    Territoire,
    Theme,
    Utilisateur,
    maintenant,
)
from collecte.modele.validation import ErreurValidation
from collecte.terrain.saisie import remplacer_themes, themes_de_la_demarche

PAR_PAGE = 50
SEUIL_DOUBLON = 90  # score RapidFuzz (0-100) au-delà duquel deux textes sont « presque les mêmes »
LONGUEUR_MIN_DOUBLON = 20  # « oui », « non »… ne sont pas des doublons
DOUBLONS_MAX_PAROLES = 5_000  # la page « doublons probables » compare au plus ces paroles (les plus récentes)


@dataclass
class Filtres:
    demarche_id: int | None = None
    territoire_id: int | None = None
    dispositif: str | None = None
    theme_id: int | None = None
    profil: str | None = None
    temps_id: int | None = None
    date_debut: date | None = None
    date_fin: date | None = None
    recherche: str = ""
    masquees: bool = False  # montrer aussi les paroles masquées
    a_retenir: bool = False


@dataclass
class Ligne:
    contribution: Contribution
    temps: TempsDeCollecte
    territoire: Territoire | None
    saisie_par: str
    themes: list[Theme] = field(default_factory=list)
    doublon_de: tuple[int, float] | None = None


def normaliser(texte: str) -> str:
    """Minuscules, sans accents ni ponctuation, espaces réduits : « Ça m'énerve ! » → « ca m enerve »."""
    sans_accents = unicodedata.normalize("NFKD", texte.casefold())
    sans_accents = "".join(c for c in sans_accents if not unicodedata.combining(c))
    return re.sub(r"\W+", " ", sans_accents).strip()


def _requete(filtres: Filtres, *colonnes):
    requete = select(*(colonnes or (Contribution.id,))).join(
        TempsDeCollecte, TempsDeCollecte.id == Contribution.temps_id
    )
    # Chaque condition n'est construite que si son filtre est actif (pas de comparaison à None).
    conditions = [
        (filtres.demarche_id, lambda: TempsDeCollecte.demarche_id == filtres.demarche_id),
        (filtres.territoire_id, lambda: TempsDeCollecte.territoire_id == filtres.territoire_id),
        (filtres.dispositif, lambda: TempsDeCollecte.dispositif == filtres.dispositif),
        (filtres.temps_id, lambda: Contribution.temps_id == filtres.temps_id),
        (filtres.profil, lambda: Contribution.profil == filtres.profil),
        (filtres.date_debut, lambda: TempsDeCollecte.date >= filtres.date_debut),
        (filtres.date_fin, lambda: TempsDeCollecte.date <= filtres.date_fin),
        (not filtres.masquees, lambda: Contribution.masquee.is_(False)),
        (filtres.a_retenir, lambda: Contribution.a_retenir.is_(True)),
    ]
    for actif, condition in conditions:
        if actif:
            requete = requete.where(condition())
    if filtres.theme_id:
        requete = requete.where(
            Contribution.id.in_(
                select(ContributionTheme.contribution_id).where(
                    ContributionTheme.theme_id == filtres.theme_id
                )
            )
        )
    return requete


def ids_filtres(session: Session, filtres: Filtres) -> list[int]:
    """Identifiants des paroles retenues par les filtres, les plus récentes d'abord.

    La recherche de texte se fait en Python sur le texte normalisé : elle ignore casse et
    accents de la même façon sur SQLite et PostgreSQL (sans extension `unaccent`).
    """
    requete = _requete(filtres).order_by(Contribution.id.desc())
    if not filtres.recherche.strip():
        return list(session.exec(requete).all())
    cherche = normaliser(filtres.recherche)
    requete = _requete(filtres, Contribution.id, Contribution.texte).order_by(Contribution.id.desc())
    return [ident for ident, texte in session.exec(requete).all() if cherche in normaliser(texte)]


def _lignes(session: Session, ids: list[int]) -> list[Ligne]:
    if not ids:
        return []
    requete = (
        select(Contribution, TempsDeCollecte, Territoire, Utilisateur.identifiant)
        .join(TempsDeCollecte, TempsDeCollecte.id == Contribution.temps_id)
        .outerjoin(Territoire, Territoire.id == TempsDeCollecte.territoire_id)
        .outerjoin(Utilisateur, Utilisateur.id == Contribution.saisie_par_id)
        .where(Contribution.id.in_(ids))
        .order_by(Contribution.id.desc())
    )
    lignes = {c.id: Ligne(c, t, te, u or "") for c, t, te, u in session.exec(requete).all()}
    etiquettes = session.exec(
        select(ContributionTheme.contribution_id, Theme)
        .join(Theme, Theme.id == ContributionTheme.theme_id)
        .where(ContributionTheme.contribution_id.in_(ids))
        .order_by(Theme.ordre)
    ).all()
    for contribution_id, theme in etiquettes:
        lignes[contribution_id].themes.append(theme)
    return [lignes[i] for i in ids if i in lignes]


def page(session: Session, filtres: Filtres, numero: int = 1) -> tuple[list[Ligne], int]:
    """Les lignes de la page `numero` (50 par page) et le nombre total de paroles filtrées."""
    ids = ids_filtres(session, filtres)
    debut = (max(numero, 1) - 1) * PAR_PAGE
    lignes = _lignes(session, ids[debut : debut + PAR_PAGE])
    if filtres.demarche_id and lignes:
        _marquer_doublons(session, filtres.demarche_id, lignes)
    return lignes, len(ids)


def _textes_demarche(session: Session, demarche_id: int, limite: int | None = None) -> dict[int, str]:
    requete = (
        select(Contribution.id, Contribution.texte)
        .join(TempsDeCollecte)
        .where(TempsDeCollecte.demarche_id == demarche_id)
        .order_by(Contribution.id.desc())
    )
    if limite:
        requete = requete.limit(limite)
    textes = {}
    for ident, texte in session.exec(requete).all():
        propre = normaliser(texte)
        if len(propre) >= LONGUEUR_MIN_DOUBLON:
            textes[ident] = propre
    return textes


def _marquer_doublons(session: Session, demarche_id: int, lignes: list[Ligne]) -> None:
    """Compare chaque parole de la page à toute la démarche (page × n comparaisons, pas n²)."""
    textes = _textes_demarche(session, demarche_id)
    for ligne in lignes:
        propre = textes.get(ligne.contribution.id)
        if propre is None:
            continue
        proches = process.extract(propre, textes, scorer=fuzz.ratio, score_cutoff=SEUIL_DOUBLON, limit=2)
        autre = next((p for p in proches if p[2] != ligne.contribution.id), None)
        if autre:
            ligne.doublon_de = (autre[2], round(autre[1]))


def doublons_probables(session: Session, demarche_id: int) -> list[tuple[Ligne, Ligne, int]]:
    """Paires de paroles presque identiques (les 5 000 plus récentes de la démarche au plus)."""
    textes = _textes_demarche(session, demarche_id, DOUBLONS_MAX_PAROLES)
    ids, corpus = list(textes), list(textes.values())
    paires = []
    for debut in range(0, len(corpus), 500):
        scores = process.cdist(
            corpus[debut : debut + 500], corpus, scorer=fuzz.ratio, score_cutoff=SEUIL_DOUBLON, dtype="uint8"
        )
        for i, j in zip(*scores.nonzero()):
            if debut + i < j:
                paires.append((ids[debut + i], ids[j], int(scores[i, j])))
    lignes = {
        l.contribution.id: l
        for l in _lignes(session, sorted({i for p in paires for i in p[:2]}, reverse=True))
    }
    return [(lignes[a], lignes[b], score) for a, b, score in sorted(paires, key=lambda p: -p[2])]


ACTIONS = {"ajouter_theme", "retirer_theme", "retenir", "ne_plus_retenir", "masquer", "afficher"}


def action_groupee(
    session: Session, ids: list[int], action: str, theme_id: int | None, utilisateur_id: int
) -> int:
    """Applique `action` aux paroles `ids`, tout ou rien ; renvoie le nombre de paroles modifiées."""
    if action not in ACTIONS:
        raise ErreurValidation("Action inconnue.", "action")
    if not ids:
        raise ErreurValidation("Cochez au moins une parole.", "ids")
    theme = None
    if action in ("ajouter_theme", "retirer_theme"):
        theme = session.get(Theme, theme_id) if theme_id else None
        if theme is None:
            raise ErreurValidation("Choisissez un thème.", "theme")
    with unite_de_travail(session):
        contributions = list(session.exec(select(Contribution).where(Contribution.id.in_(ids))))
        cibles = (
            _etiqueter(session, contributions, action, theme) if theme else _marquer(contributions, action)
        )
        for contribution in cibles:
            contribution.modifiee_par_id = utilisateur_id
            contribution.modifiee_le = maintenant()
            session.add(contribution)
    return len(cibles)


def _etiqueter(
    session: Session, contributions: list[Contribution], action: str, theme: Theme
) -> list[Contribution]:
    ids = [c.id for c in contributions]
    deja = set(
        session.exec(
            select(ContributionTheme.contribution_id).where(
                ContributionTheme.theme_id == theme.id, ContributionTheme.contribution_id.in_(ids)
            )
        ).all()
    )
    if action == "ajouter_theme":
        cibles = [c for c in contributions if c.id not in deja]
        session.add_all([ContributionTheme(contribution_id=c.id, theme_id=theme.id) for c in cibles])
        return cibles
    session.exec(
        delete(ContributionTheme).where(
            ContributionTheme.theme_id == theme.id, ContributionTheme.contribution_id.in_(ids)
        )
    )
    return [c for c in contributions if c.id in deja]


def _marquer(contributions: list[Contribution], action: str) -> list[Contribution]:
    attribut, valeur = {
        "retenir": ("a_retenir", True),
        "ne_plus_retenir": ("a_retenir", False),
        "masquer": ("masquee", True),
        "afficher": ("masquee", False),
    }[action]
    cibles = [c for c in contributions if getattr(c, attribut) != valeur]
    for contribution in cibles:
        setattr(contribution, attribut, valeur)
    return cibles


def modifier_parole(
    session: Session, contribution: Contribution, donnees: dict, utilisateur_id: int | None
) -> Contribution:
    """Correction d'une parole dans la revue : ses champs saisis, ses thèmes et la modération (« masquée »),
    validés comme à la saisie puis écrits ensemble, ou pas du tout ; lève ErreurValidation."""
    temps = session.get(TempsDeCollecte, contribution.temps_id)
    champs = vars(valider_contribution(donnees, themes_de_la_demarche(session, temps.demarche_id))).copy()
    champs["masquee"] = valider_champ(champ("masquee"), donnees.get("masquee"))
    theme_ids = champs.pop("theme_ids")
    with unite_de_travail(session):
        for nom, valeur in champs.items():
            setattr(contribution, nom, valeur)
        contribution.modifiee_par_id = utilisateur_id
        contribution.modifiee_le = maintenant()
        session.add(contribution)
        remplacer_themes(session, contribution, theme_ids)
    return contribution
