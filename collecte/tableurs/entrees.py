"""Points d'entrée de l'import (ligne de commande et formulaire web) : livre de codes puis classeur."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlmodel import Session

from collecte.demarches import demarche_par_slug, slugifier
from collecte.modele.models import Demarche
from collecte.modele.validation import ErreurValidation
from collecte.tableurs.feuilles import compter_themes, etat_des_themes
from collecte.tableurs.import_classeur import (
    ErreurImport,
    RapportImport,
    importer,
    noms_feuilles,
    ramasse_miettes_espace,
)
from collecte.tableurs.lecture import lire_envoi, lire_source
from collecte.tableurs.lecture_qdpx import reperes_de_la_demarche
from collecte.themes import gestion as gestion_themes

__all__ = ["ErreurImport", "importer_chemin", "importer_envoi"]


def _slug_du_classeur(feuilles) -> str:
    """Slug (ou titre) de la feuille demarche, lue d'avance pour pouvoir la relire ensuite."""
    if "demarche" not in feuilles:
        return ""
    feuille = feuilles["demarche"]
    feuille.lignes = list(feuille.lignes)
    donnees = feuille.lignes[0][1] if feuille.lignes else {}
    return str(donnees.get("slug") or donnees.get("titre") or "")


def _avec_themes(
    session: Session,
    feuilles,
    slug,
    nom_themes: str | None,
    contenu_themes: bytes | None,
    questionnaires: str | None = None,
) -> RapportImport:
    if contenu_themes is None:
        return importer(session, feuilles, slug, questionnaires)
    slug = slugifier(slug or _slug_du_classeur(feuilles))
    demarche = demarche_par_slug(session, slug) if slug else None
    if not slug:
        raise ErreurImport(
            [
                "Pour importer un livre de codes avec le classeur, précisez --demarche "
                "(ou donnez un slug dans la feuille demarche)."
            ]
        )
    creee = demarche is None
    if creee:
        demarche = Demarche(slug=slug, titre=slug)
        session.add(demarche)
        session.flush()
    avant = etat_des_themes(session, demarche.id)
    try:
        themes = gestion_themes.importer_fichier(session, demarche, nom_themes, contenu_themes, commit=False)
    except ErreurValidation as erreur:
        session.rollback()
        raise ErreurImport([f"Livre de codes « {nom_themes} » : {erreur.message}"]) from None
    du_livre = RapportImport()
    compter_themes(du_livre, session, demarche.id, avant, themes)
    rapport = importer(session, feuilles, slug, questionnaires)
    for etat, nombre in du_livre.comptes["themes"].items():
        rapport.compter("themes", etat, nombre)
    if creee:  # créée ici, avant `importer`, qui l'a trouvée existante
        rapport.comptes["demarche"] = Counter(creees=1)
    return rapport


def importer_chemin(
    session: Session,
    chemin: Path,
    slug: str | None = None,
    themes: Path | None = None,
    questionnaires: str | None = None,
) -> RapportImport:
    """Import de la ligne de commande. `questionnaires` : dossier des définitions (feuille reponses),
    celui de l'application par défaut. Le ramasse-miettes des cycles est espacé pendant l'import
    (`ramasse_miettes_espace`) : le processus ne fait rien d'autre."""
    try:
        with ramasse_miettes_espace():
            feuilles = lire_source(chemin, noms_feuilles(), lambda: reperes_de_la_demarche(session, slug))
            return _avec_themes(
                session,
                feuilles,
                slug,
                themes.name if themes else None,
                themes.read_bytes() if themes else None,
                questionnaires,
            )
    except ErreurValidation as erreur:  # refusé, parfois en cours de lecture : `importer` a déjà tout annulé
        raise ErreurImport([erreur.message]) from None


def importer_envoi(
    session: Session, fichiers: dict[str, bytes], slug: str | None = None, questionnaires: str | None = None
) -> RapportImport:
    if not fichiers or not any(fichiers.values()):
        raise ErreurImport(["Aucun fichier reçu (ou fichier vide)."])
    try:
        feuilles = lire_envoi(fichiers, noms_feuilles(), lambda: reperes_de_la_demarche(session, slug))
        return importer(session, feuilles, slug, questionnaires)
    except ErreurValidation as erreur:  # refusé, parfois en cours de lecture : `importer` a déjà tout annulé
        raise ErreurImport([erreur.message]) from None
