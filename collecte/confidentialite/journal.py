"""Journal des actions sensibles : qui, quand, quoi — jamais le contenu d'une parole.

Une action est notée par la fonction de logique qui la fait, dans la même unité de travail (`noter`) :
un masquage annulé n'est pas journalisé, un masquage fait l'est toujours. Ce qui n'écrit rien d'autre
(connexion, export) passe par `journaliser`, qui valide seul. Les admins lisent le journal dans
Comptes → Journal et l'exportent en CSV.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, func, select, update

from collecte.modele.db import unite_de_travail
from collecte.modele.models import Journal

# Une clé par action, son libellé dans la page et l'export. Une action inconnue est une erreur de
# programmation (pas une entrée du public) : elle lève KeyError.
ACTIONS = {
    "connexion": "Connexion",
    "connexion_refusee": "Connexion refusée",
    "deconnexion": "Déconnexion",
    "export": "Export",
    "export_brut": "Export avec les textes bruts (données personnelles non masquées)",
    "livret": "Livret ou affiches téléchargés",
    "masquage": "Donnée personnelle masquée",
    "reperage_ecarte": "Repérage écarté (pas une donnée personnelle)",
    "suppression_parole": "Parole supprimée",
    "suppression_reponse": "Réponse à un questionnaire supprimée",
    "purge": "Purge à la fin de la durée de conservation",
    "compte_cree": "Compte créé",
    "compte_modifie": "Compte modifié",
    "compte_supprime": "Compte supprimé",
}
TERMINAL = "ligne de commande"
LONGUEUR_DETAILS = 1000


@dataclass(frozen=True)
class Acteur:
    """Qui agit : un compte (identifiant lu au moment de l'action) ou la ligne de commande."""

    utilisateur_id: int | None
    identifiant: str

    @classmethod
    def compte(cls, utilisateur) -> Acteur:
        return cls(utilisateur.id, utilisateur.identifiant)


ACTEUR_TERMINAL = Acteur(None, TERMINAL)


def noter(session: Session, action: str, acteur: Acteur, objet: str = "", details: str = "") -> Journal:
    """Ajoute une ligne au journal dans l'écriture en cours (validée avec elle)."""
    ACTIONS[action]  # noqa: B018 — une action inconnue lève KeyError
    ligne = Journal(
        utilisateur_id=acteur.utilisateur_id,
        acteur=acteur.identifiant[:100],
        action=action,
        objet=objet[:300],
        details=details[:LONGUEUR_DETAILS],
    )
    session.add(ligne)
    return ligne


def journaliser(session: Session, action: str, acteur: Acteur, objet: str = "", details: str = "") -> None:
    """Note une action qui n'écrit rien d'autre (connexion, export), dans sa propre écriture."""
    with unite_de_travail(session):
        noter(session, action, acteur, objet, details)


def pseudonymiser(session: Session, utilisateur_id: int) -> int:
    """Remplace l'identifiant d'un compte supprimé par un pseudonyme dans tout le journal (dans l'écriture
    en cours) ; renvoie le nombre de lignes touchées."""
    resultat = session.execute(
        update(Journal)
        .where(Journal.utilisateur_id == utilisateur_id)
        .values(acteur=pseudonyme(utilisateur_id), utilisateur_id=None)
    )
    return resultat.rowcount


def pseudonyme(utilisateur_id: int) -> str:
    return f"compte supprimé n° {utilisateur_id}"


@dataclass
class FiltreJournal:
    action: str | None = None
    acteur: str | None = None
    depuis: datetime | None = None


def _requete(filtre: FiltreJournal):
    requete = select(Journal)
    if filtre.action:
        requete = requete.where(Journal.action == filtre.action)
    if filtre.acteur:
        requete = requete.where(Journal.acteur == filtre.acteur)
    if filtre.depuis:
        requete = requete.where(Journal.quand >= filtre.depuis)
    return requete


def lire(
    session: Session, filtre: FiltreJournal, page: int = 1, par_page: int = 100
) -> tuple[list[Journal], int]:
    """Une page du journal, la plus récente d'abord, et le nombre total de lignes du filtre."""
    requete = _requete(filtre)
    total = session.exec(select(func.count()).select_from(requete.subquery())).one()
    lignes = session.exec(
        requete.order_by(Journal.quand.desc(), Journal.id.desc())
        .offset((page - 1) * par_page)
        .limit(par_page)
    ).all()
    return list(lignes), total


COLONNES_CSV = ["quand", "acteur", "action", "libelle", "objet", "details"]


def lignes_csv(session: Session, filtre: FiltreJournal) -> Iterator[list]:
    """Tout le journal du filtre, du plus ancien au plus récent, pour `collecte.tableurs.ecriture`."""
    requete = _requete(filtre).order_by(Journal.quand, Journal.id).execution_options(yield_per=1000)
    for ligne in session.exec(requete):
        yield [
            ligne.quand.isoformat(timespec="seconds"),
            ligne.acteur,
            ligne.action,
            ACTIONS.get(ligne.action, ligne.action),
            ligne.objet,
            ligne.details,
        ]
