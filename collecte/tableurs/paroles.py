"""Gestionnaire de la feuille contributions : validation ligne à ligne, écriture par lots.

Les lignes sont lues en flux et écrites par lots de 5 000 (insertions groupées SQLAlchemy Core,
sans objet ORM ni requête par ligne) tant qu'aucune erreur n'est apparue ; après la première
erreur, on continue seulement à valider pour tout signaler, et la transaction est annulée.
Chaque parole reçoit un identifiant déterministe : réimporter le même classeur ne duplique rien.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter

from sqlalchemy import func, insert, select

from collecte.modele.champs import validation_des_lignes
from collecte.modele.models import Contribution, ContributionTheme, TempsDeCollecte, maintenant
from collecte.modele.validation import ErreurValidation, valider_texte, valider_uuid
from collecte.tableurs.contexte import ContexteImport
from collecte.tableurs.lecture import Feuille

ESPACE_PAROLES = uuid.UUID("0e4c6f7e-9a51-4a77-8f59-2b5b0f6c1d01")
TAILLE_LOT = 5_000


_PREFIXE = ESPACE_PAROLES.bytes


def uuid_parole(demarche_slug: str, ref: str, texte: str, occurrence: int) -> uuid.UUID:
    """Identifiant déterministe d'une parole importée : démarche, temps, texte et rang du doublon exact.

    Identique à `uuid.uuid5(ESPACE_PAROLES, nom)`, calculé sans reconvertir l'espace à chaque appel.
    """
    nom = f"{demarche_slug}\x1f{ref}\x1f{texte}\x1f{occurrence}".encode()
    return uuid.UUID(bytes=hashlib.sha1(_PREFIXE + nom).digest()[:16], version=5)


class _Ecrivain:
    """Accumule les paroles valides et les écrit par lots ; ignore celles déjà en base."""

    def __init__(self, ctx: ContexteImport):
        self.ctx = ctx
        c, t = Contribution.__table__.c, TempsDeCollecte.__table__.c
        self.deja = set(
            ctx.session.execute(
                select(c.client_uuid)
                .join(TempsDeCollecte.__table__, t.id == c.temps_id)
                .where(t.demarche_id == ctx.demarche.id)
            ).scalars()
        )
        self.lot: list[tuple[int, dict, list[int], bool]] = []
        self.horodatage = maintenant()

    def ajouter(self, numero: int, ligne: dict, theme_ids: list[int], explicite: bool) -> None:
        if ligne["client_uuid"] in self.deja:
            self.ctx.compter("contributions", "deja_presentes")
            return
        self.lot.append((numero, ligne, theme_ids, explicite))
        if len(self.lot) >= TAILLE_LOT:
            self.vider()

    def vider(self) -> None:
        lot, self.lot = self.lot, []
        if not lot or not self.ctx.ecriture_permise or not self._ids_libres(lot):
            return
        table = Contribution.__table__
        lignes = [
            {**ligne, "cree_le": self.horodatage, "modifiee_le": self.horodatage} for _, ligne, _, _ in lot
        ]
        # Insertion groupée sans RETURNING (executemany natif, le plus rapide sous SQLite comme sous
        # PostgreSQL), puis relecture des identifiants attribués : ils dépassent tous le maximum d'avant.
        session = self.ctx.session
        avant = session.execute(select(func.max(table.c.id))).scalar() or 0
        session.execute(insert(table), lignes)
        ids = dict(session.execute(select(table.c.client_uuid, table.c.id).where(table.c.id > avant)).all())
        liens = [
            {"contribution_id": ids[ligne["client_uuid"]], "theme_id": t}
            for _, ligne, themes, _ in lot
            for t in themes
        ]
        if liens:
            self.ctx.session.execute(insert(ContributionTheme.__table__), liens)
        self.ctx.compter("contributions", "creees", len(lot))

    def _ids_libres(self, lot) -> bool:
        """Un identifiant donné dans la colonne id ne doit pas appartenir à une autre démarche."""
        explicites = {ligne["client_uuid"]: numero for numero, ligne, _, explicite in lot if explicite}
        if not explicites:
            return True
        colonne = Contribution.__table__.c.client_uuid
        for pris in self.ctx.session.execute(select(colonne).where(colonne.in_(list(explicites)))).scalars():
            self.ctx.erreur(
                "contributions",
                explicites[pris],
                ErreurValidation(
                    f"L'identifiant {pris} est déjà celui d'une parole d'une autre démarche.", "id"
                ),
            )
        return self.ctx.ecriture_permise


class _Identifiants:
    """Identifiant de chaque ligne : colonne id si remplie (unique dans la feuille), sinon déterministe."""

    def __init__(self, slug: str):
        self.slug = slug
        self.occurrences: Counter = Counter()
        self.explicites: set[uuid.UUID] = set()

    def __call__(self, ligne: dict, ref: str, texte: str) -> tuple[uuid.UUID, bool]:
        if str(ligne.get("id") or "").strip():
            ident = valider_uuid(ligne["id"], "id")
            if ident in self.explicites:
                raise ErreurValidation(f"L'identifiant {ident} apparaît deux fois dans la feuille.", "id")
            self.explicites.add(ident)
            return ident, True
        premier = uuid_parole(self.slug, ref, texte, 1)
        self.occurrences[premier.int] += 1
        rang = self.occurrences[premier.int]
        return (premier if rang == 1 else uuid_parole(self.slug, ref, texte, rang)), False


class _Validation:
    """La validation d'une ligne, préparée une fois pour l'import (registre des champs, livre de codes et
    temps de la démarche) : mêmes valeurs et mêmes messages que les validateurs de référence."""

    def __init__(self, ctx: ContexteImport):
        self.ctx = ctx
        self.champs = validation_des_lignes(ctx.themes)
        self.identifiants = _Identifiants(ctx.demarche.slug)
        # Référence écrite telle qu'en base (le cas de presque toutes les lignes) → (référence, temps).
        self.temps_exacts = {ref: (ref, ident) for ref, ident in ctx.temps.items() if _ref_valide(ref) == ref}

    def _temps(self, valeur) -> tuple[str, int]:
        exact = self.temps_exacts.get(valeur) if valeur.__class__ is str else None
        if exact is not None:
            return exact
        ref = valider_texte(valeur, "temps", 80)
        temps_id = self.ctx.temps.get(ref, 0 if ref in self.ctx.refusees["temps"] else None)
        if temps_id is None:
            raise ErreurValidation(f"Temps « {ref} » absent de la feuille temps et de la démarche.", "temps")
        return ref, temps_id

    def __call__(self, ligne: dict) -> tuple[dict, list[int], bool]:
        ref, temps_id = self._temps(ligne.get("temps"))
        valeurs = self.champs(ligne)
        theme_ids = valeurs.pop("theme_ids")
        valeurs["client_uuid"], explicite = self.identifiants(ligne, ref, valeurs["texte"])
        valeurs["temps_id"] = temps_id
        return valeurs, theme_ids, explicite


def _ref_valide(ref: str) -> str | None:
    try:
        return valider_texte(ref, "temps", 80)
    except ErreurValidation:
        return None


def traiter_contributions(ctx: ContexteImport, feuille: Feuille) -> None:
    ecrivain, valider = _Ecrivain(ctx), _Validation(ctx)
    for numero, ligne in ctx.lignes(feuille):
        try:
            valide, theme_ids, explicite = valider(ligne)
        except ErreurValidation as erreur:
            ctx.erreur("contributions", numero, erreur)
            continue
        ecrivain.ajouter(numero, valide, theme_ids, explicite)
    ecrivain.vider()
