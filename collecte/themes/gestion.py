"""Livre de codes d'une démarche : thèmes (création, ordre, fusion, suppression) et import.

Les formats (YAML, CSV, REFI-QDA .qdc) sont lus et écrits par `collecte.themes.formats` ;
ce module valide et écrit en base, tout ou rien.
"""

from __future__ import annotations

import re
from contextlib import nullcontext
from dataclasses import dataclass, field

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from collecte.modele.db import unite_de_travail
from collecte.modele.models import AliasTheme, Contribution, ContributionTheme, TempsTheme, Theme, Utilisateur
from collecte.modele.validation import ErreurValidation, lire_identifiant, valider_entier, valider_texte

MOTIF_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MOTIF_COULEUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def lire_mots_cles(valeur) -> list[str]:
    if isinstance(valeur, (list, tuple)):
        morceaux = [str(v) for v in valeur]
    else:
        morceaux = re.split(r"[;\n]", "" if valeur is None else str(valeur))
    mots = []
    for morceau in morceaux:
        mot = morceau.strip()
        if mot and mot not in mots:
            mots.append(valider_texte(mot, "mots_cles", 100))
    return mots


def valider_theme(donnees: dict) -> dict:
    slug = str(donnees.get("slug") or "").strip()
    if not MOTIF_SLUG.match(slug) or len(slug) > 80:
        raise ErreurValidation(
            (
                f"Identifiant de thème « {slug} » invalide : minuscules, chiffres et tirets "
                "(ex. « manque-moyens »)."
            ),
            "slug",
        )
    couleur = str(donnees.get("couleur") or "").strip()
    if couleur and not MOTIF_COULEUR.match(couleur):
        raise ErreurValidation(f"Couleur « {couleur} » invalide : format #rrggbb.", "couleur")
    return {
        "slug": slug,
        "label": valider_texte(donnees.get("label"), "label", 300),
        "description": valider_texte(donnees.get("description"), "description", 5_000, requis=False),
        "mots_cles": lire_mots_cles(donnees.get("mots_cles")),
        "couleur": couleur.lower(),
        "ordre": valider_entier(donnees.get("ordre"), "ordre", defaut=0),
    }


def themes_dans_l_ordre(session: Session, demarche_id: int) -> list[Theme]:
    """Thèmes de la démarche dans l'ordre du livre de codes (sans compter leurs paroles)."""
    requete = select(Theme).where(Theme.demarche_id == demarche_id).order_by(Theme.ordre, Theme.id)
    return list(session.exec(requete))


def lister_themes(session: Session, demarche_id: int) -> list[tuple[Theme, int]]:
    """Thèmes dans l'ordre du livre de codes, avec leur nombre de paroles étiquetées."""
    compte = (
        select(ContributionTheme.theme_id, func.count().label("n"))
        .group_by(ContributionTheme.theme_id)
        .subquery()
    )
    requete = (
        select(Theme, func.coalesce(compte.c.n, 0))
        .outerjoin(compte, compte.c.theme_id == Theme.id)
        .where(Theme.demarche_id == demarche_id)
        .order_by(Theme.ordre, Theme.id)
    )
    return [(theme, n) for theme, n in session.exec(requete).all()]


def _verifier_parent(session: Session, theme: Theme, parent_id: int | None) -> int | None:
    if parent_id is None:
        return None
    parent = session.get(Theme, parent_id)
    if parent is None or parent.demarche_id != theme.demarche_id:
        raise ErreurValidation("Thème parent inconnu dans cette démarche.", "parent")
    ancetre = parent
    while ancetre is not None:
        if ancetre.id == theme.id:
            raise ErreurValidation("Un thème ne peut pas être son propre ancêtre.", "parent")
        ancetre = session.get(Theme, ancetre.parent_id) if ancetre.parent_id else None
    return parent.id


def enregistrer_theme(session: Session, demarche_id: int, donnees: dict, theme: Theme | None = None) -> Theme:
    """Crée ou modifie un thème (son parent compris), tout ou rien ; lève ErreurValidation."""
    champs = valider_theme(donnees)
    deja = ErreurValidation(f"Le thème « {champs['slug']} » existe déjà.", "slug")
    doublon = session.exec(
        select(Theme).where(Theme.demarche_id == demarche_id, Theme.slug == champs["slug"])
    ).first()
    if doublon is not None and (theme is None or doublon.id != theme.id):
        raise deja
    if theme is None and donnees.get("ordre") in (None, ""):
        champs["ordre"] = (
            session.exec(select(func.max(Theme.ordre)).where(Theme.demarche_id == demarche_id)).one() or 0
        ) + 1
    parent = donnees.get("parent_id")
    with unite_de_travail(session, doublon=deja):
        theme = theme or Theme(demarche_id=demarche_id, **champs)
        for champ, valeur in champs.items():
            setattr(theme, champ, valeur)
        session.add(theme)
        session.flush()
        theme.parent_id = _verifier_parent(session, theme, _identifiant_parent(parent))
    return theme


def _identifiant_parent(valeur) -> int | None:
    if valeur in (None, ""):
        return None
    ident = lire_identifiant(valeur)
    if ident is None:
        raise ErreurValidation("Thème parent inconnu dans cette démarche.", "parent")
    return ident


def deplacer(session: Session, theme: Theme, sens: int) -> None:
    """Monte (sens = -1) ou descend (+1) un thème d'un cran ; renumérote 0, 1, 2…"""
    themes = [t for t, _ in lister_themes(session, theme.demarche_id)]
    position = next(i for i, t in enumerate(themes) if t.id == theme.id)
    voisin = position + sens
    if 0 <= voisin < len(themes):
        themes[position], themes[voisin] = themes[voisin], themes[position]
    with unite_de_travail(session):
        for rang, t in enumerate(themes):
            t.ordre = rang
            session.add(t)


def fusionner(session: Session, source: Theme, cible: Theme) -> int:
    """Fusionne `source` dans `cible` : étiquettes reportées sans doublon, enfants rattachés,
    `source` supprimé. Renvoie le nombre de paroles nouvellement étiquetées `cible`."""
    if source.id == cible.id or source.demarche_id != cible.demarche_id:
        raise ErreurValidation("Choisissez deux thèmes différents de la même démarche.", "cible")
    deja = select(ContributionTheme.contribution_id).where(ContributionTheme.theme_id == cible.id)
    with unite_de_travail(session):
        a_reporter = session.exec(
            select(ContributionTheme.contribution_id).where(
                ContributionTheme.theme_id == source.id, ContributionTheme.contribution_id.not_in(deja)
            )
        ).all()
        for contribution_id in a_reporter:
            session.add(ContributionTheme(contribution_id=contribution_id, theme_id=cible.id))
        session.exec(update(Theme).where(Theme.parent_id == source.id).values(parent_id=cible.id))
        if cible.parent_id == source.id:
            cible.parent_id = source.parent_id
        session.exec(delete(ContributionTheme).where(ContributionTheme.theme_id == source.id))
        _reporter_temps_et_alias(session, source, cible)
        session.delete(source)
    return len(a_reporter)


def _reporter_temps_et_alias(session: Session, source: Theme, cible: Theme) -> None:
    """Les temps qui proposaient `source` proposent `cible` ; l'ancien slug (et ceux déjà fusionnés
    dans `source`) mène à `cible` : une tablette partie avec l'ancien livre de codes n'est pas refusée."""
    proposants = select(TempsTheme.temps_id).where(TempsTheme.theme_id == cible.id)
    for temps_id in session.exec(
        select(TempsTheme.temps_id).where(
            TempsTheme.theme_id == source.id, TempsTheme.temps_id.not_in(proposants)
        )
    ).all():
        session.add(TempsTheme(temps_id=temps_id, theme_id=cible.id))
    session.exec(update(AliasTheme).where(AliasTheme.theme_id == source.id).values(theme_id=cible.id))
    ancien = session.exec(
        select(AliasTheme).where(AliasTheme.demarche_id == source.demarche_id, AliasTheme.slug == source.slug)
    ).first()
    if ancien is None:
        session.add(AliasTheme(demarche_id=source.demarche_id, slug=source.slug, theme_id=cible.id))
    else:
        ancien.theme_id = cible.id
        session.add(ancien)
    session.flush()


def supprimer(session: Session, theme: Theme) -> int:
    """Supprime un thème ; renvoie le nombre de paroles qui perdent cette étiquette."""
    n = session.exec(select(func.count()).where(ContributionTheme.theme_id == theme.id)).one()
    with unite_de_travail(session):
        session.exec(update(Theme).where(Theme.parent_id == theme.id).values(parent_id=theme.parent_id))
        session.delete(theme)
    return n


@dataclass
class RapportThemes:
    crees: list[str] = field(default_factory=list)
    mis_a_jour: list[str] = field(default_factory=list)
    avertissements: list[str] = field(default_factory=list)

    def resume(self) -> str:
        return f"{len(self.crees)} thème(s) créé(s), {len(self.mis_a_jour)} mis à jour."


def importer_themes(
    session: Session, demarche_id: int, themes: list[dict], avertissements=(), commit: bool = True
) -> RapportThemes:
    """Crée ou met à jour les thèmes par slug, tout ou rien ; ne supprime jamais un thème existant.

    Chaque entrée : slug, label, description, mots_cles, couleur, ordre, parent (slug), et
    `_lieu` (pour les messages : « ligne 4 », « thème n° 2 »). `commit=False` : l'appelant (l'import
    d'un classeur) tient l'unité de travail ; les thèmes sont écrits (flush) sans être validés.
    """
    valides, vus = [], set()
    for rang, brut in enumerate(themes, start=1):
        lieu = brut.get("_lieu") or f"thème n° {rang}"
        try:
            champs = valider_theme(
                {**brut, "ordre": brut.get("ordre") if brut.get("ordre") not in (None, "") else rang}
            )
        except ErreurValidation as erreur:
            raise ErreurValidation(f"{lieu}, {erreur.champ} : {erreur.message}", erreur.champ) from None
        if champs["slug"] in vus:
            raise ErreurValidation(f"{lieu} : le thème « {champs['slug']} » apparaît deux fois.", "slug")
        vus.add(champs["slug"])
        valides.append((champs, str(brut.get("parent") or "").strip(), lieu))
    if not valides:
        raise ErreurValidation("Aucun thème dans ce fichier.")
    existants = {t.slug: t for t in session.exec(select(Theme).where(Theme.demarche_id == demarche_id))}
    for _champs, parent, lieu in valides:
        if parent and parent not in vus and parent not in existants:
            raise ErreurValidation(f"{lieu} : thème parent « {parent} » inconnu.", "parent")
    rapport = RapportThemes(avertissements=list(avertissements))
    with unite_de_travail(session) if commit else nullcontext():
        _ecrire_themes(session, demarche_id, valides, existants, rapport)
    return rapport


def _ecrire_themes(
    session: Session, demarche_id: int, valides: list, existants: dict[str, Theme], rapport: RapportThemes
) -> None:
    for champs, _parent, _lieu in valides:
        theme = existants.get(champs["slug"])
        (rapport.mis_a_jour if theme else rapport.crees).append(champs["slug"])
        theme = theme or Theme(demarche_id=demarche_id, **champs)
        for champ, valeur in champs.items():
            setattr(theme, champ, valeur)
        session.add(theme)
        existants[champs["slug"]] = theme
    session.flush()
    for champs, parent, _lieu in valides:
        existants[champs["slug"]].parent_id = existants[parent].id if parent else None
    session.flush()


def codeurs_des_paroles(session: Session, contribution_ids: list[int]) -> dict[int, tuple]:
    """Qui a étiqueté ces paroles : {id: (id du compte ou None, nom affiché, modifiée le)}.

    Parole ne garde pas l'auteur de chaque étiquette : le codeur d'une parole est le dernier compte qui
    l'a modifiée (étiquetage et correction dans la revue), à défaut celui qui l'a saisie ; aucun (None,
    "") pour une parole importée d'un classeur ou dont le compte a été supprimé. Seul le nom affiché
    sort (nom, à défaut identifiant), comme dans l'en-tête des pages."""
    if not contribution_ids:
        return {}
    compte = func.coalesce(Contribution.modifiee_par_id, Contribution.saisie_par_id)
    lignes = session.exec(
        select(
            Contribution.id,
            Utilisateur.id,
            Utilisateur.nom,
            Utilisateur.identifiant,
            Contribution.modifiee_le,
        )
        .outerjoin(Utilisateur, Utilisateur.id == compte)
        .where(Contribution.id.in_(contribution_ids))
        .order_by(Contribution.id)
    ).all()
    return {
        ident: (compte_id, (nom or identifiant or ""), modifiee)
        for ident, compte_id, nom, identifiant, modifiee in lignes
    }


def themes_en_dicts(session: Session, demarche_id: int) -> list[dict]:
    themes = [t for t, _ in lister_themes(session, demarche_id)]
    slugs = {t.id: t.slug for t in themes}
    return [{**t.model_dump(), "parent": slugs.get(t.parent_id, "")} for t in themes]


FORMATS_EXPORT = {"csv": "text/csv", "yaml": "application/x-yaml", "qdc": "application/xml"}


def exporter(session: Session, demarche, format_: str) -> bytes:
    from collecte.themes import formats

    themes = themes_en_dicts(session, demarche.id)
    if format_ == "csv":
        return formats.exporter_csv(themes)
    if format_ == "yaml":
        return formats.exporter_yaml(themes)
    if format_ == "qdc":
        return formats.exporter_qdc(themes, demarche.slug)
    raise ErreurValidation(f"Format d'export « {format_} » inconnu (csv, yaml ou qdc).", "format")


def importer_fichier(
    session: Session, demarche, nom: str, contenu: bytes, commit: bool = True
) -> RapportThemes:
    """Importe un livre de codes YAML, CSV ou REFI-QDA (.qdc) selon l'extension du fichier."""
    from collecte.themes import formats

    extension = nom.rsplit(".", 1)[-1].lower() if "." in nom else ""
    if not contenu.strip():
        raise ErreurValidation(f"« {nom} » est vide.")
    formats.verifier_taille(contenu)
    if extension in ("yaml", "yml"):
        return importer_themes(session, demarche.id, formats.lire_yaml(contenu), commit=commit)
    if extension == "csv":
        return importer_themes(session, demarche.id, formats.lire_csv_themes(contenu), commit=commit)
    if extension in ("qdc", "xml"):
        presents = themes_dans_l_ordre(session, demarche.id)
        guids, libelles = formats.reperes_des_themes(presents, demarche.slug)
        perdu = [
            "Le format REFI-QDA ne transporte pas les mots-clés : ceux des thèmes existants sont conservés."
        ]
        themes = formats.lire_qdc(contenu, guids, libelles)
        existants = {t.slug: t for t in presents}
        for theme in themes:
            if theme["slug"] in existants:
                theme["mots_cles"] = existants[theme["slug"]].mots_cles
                theme["ordre"] = existants[theme["slug"]].ordre
        return importer_themes(session, demarche.id, themes, perdu, commit=commit)
    raise ErreurValidation(f"« {nom} » : format non reconnu (attendu .yaml, .csv ou .qdc).")
