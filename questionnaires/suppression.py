"""Suppression définitive d'une réponse à un questionnaire (RGPD : droit à l'effacement).

Par l'équipe (animateur·rice ou admin), à tout moment ; par la structure elle-même, depuis son lien
personnel, tant que la démarche n'est pas close (close : `cloturee`, ou sa date de fin passée). La réponse,
ses réponses libres devenues paroles (leurs thèmes et repérages) et le temps de collecte créé pour elle
quittent la base ; le lien reste valable et la structure peut répondre de nouveau. Le journal note la
suppression (le numéro de la réponse, la structure, le nombre de paroles), jamais le contenu.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func
from sqlmodel import Session, select

from collecte.confidentialite.journal import Acteur, noter
from collecte.modele.db import unite_de_travail
from collecte.modele.models import (
    Contribution,
    ContributionTheme,
    Demarche,
    Invitation,
    Photo,
    Reperage,
    ReponseQuestionnaire,
    Structure,
    TempsDeCollecte,
    TempsTheme,
    heure_locale,
    maintenant,
)
from collecte.modele.validation import ErreurValidation
from questionnaires.reponses import RefusEnvoi, reponse_de

# Dans le journal, la structure qui supprime sa réponse depuis son lien (elle n'a pas de compte).
ACTEUR_STRUCTURE = Acteur(None, "structure (lien personnel)")


def demarche_close(demarche: Demarche, aujourd_hui: date | None = None) -> bool:
    """Close pour la structure : clôturée par l'équipe, ou sa date de fin passée."""
    jour = aujourd_hui or heure_locale(maintenant()).date()
    return demarche.cloturee or (demarche.date_fin is not None and demarche.date_fin < jour)


def _temps_propre(session: Session, reponse: ReponseQuestionnaire) -> TempsDeCollecte | None:
    """Le temps de collecte créé pour cette réponse, s'il ne porte rien d'autre qu'elle."""
    temps = session.get(TempsDeCollecte, reponse.temps_id) if reponse.temps_id else None
    if temps is None or temps.dispositif != "questionnaire":
        return None
    autres = session.exec(
        select(func.count())
        .select_from(Contribution)
        .where(Contribution.temps_id == temps.id, Contribution.reponse_id.is_distinct_from(reponse.id))
    ).one()
    photos = session.exec(select(func.count()).select_from(Photo).where(Photo.temps_id == temps.id)).one()
    return None if autres or photos else temps


def _decrire(session: Session, reponse: ReponseQuestionnaire) -> tuple[str, str]:
    """(objet, détails) de la ligne du journal : numéro, structure, démarche — jamais le contenu."""
    structure = session.get(Structure, reponse.structure_id) if reponse.structure_id else None
    nom = structure.nom if structure else reponse.nom_structure or "sans structure"
    demarche = session.get(Demarche, reponse.demarche_id)
    source = "réponse papier" if reponse.source == "papier" else "en ligne"
    return (
        f"réponse n° {reponse.id} ({nom})",
        f"démarche {demarche.slug} ; questionnaire {reponse.questionnaire} ; {source}",
    )


def _effacer(session: Session, reponse: ReponseQuestionnaire, acteur: Acteur, qui: str) -> int:
    """Efface la réponse et ce qui en vient (dans l'écriture en cours) ; renvoie le nombre de paroles."""
    objet, details = _decrire(session, reponse)
    temps = _temps_propre(session, reponse)
    paroles = select(Contribution.id).where(Contribution.reponse_id == reponse.id)
    session.execute(delete(ContributionTheme).where(ContributionTheme.contribution_id.in_(paroles)))
    session.execute(delete(Reperage).where(Reperage.contribution_id.in_(paroles)))
    nombre = session.execute(delete(Contribution).where(Contribution.reponse_id == reponse.id)).rowcount
    session.delete(reponse)
    session.flush()
    if temps is not None:
        session.execute(delete(TempsTheme).where(TempsTheme.temps_id == temps.id))
        session.delete(temps)
    noter(
        session,
        "suppression_reponse",
        acteur,
        objet,
        f"{details} ; paroles supprimées : {nombre} ; par {qui}",
    )
    return nombre


def supprimer_reponse(session: Session, reponse_id: int, acteur: Acteur) -> tuple[str, int]:
    """Suppression par l'équipe, quel que soit l'état de la démarche. Renvoie (slug de la démarche,
    nombre de paroles supprimées). Lève ErreurValidation si la réponse n'existe plus."""
    reponse = session.get(ReponseQuestionnaire, reponse_id)
    if reponse is None:
        raise ErreurValidation("Cette réponse n'existe plus : elle a déjà été supprimée.", "reponse")
    slug = session.get(Demarche, reponse.demarche_id).slug
    with unite_de_travail(session):
        nombre = _effacer(session, reponse, acteur, "l'équipe")
    return slug, nombre


def verifier_suppression_possible(
    session: Session, invitation: Invitation, aujourd_hui: date | None = None
) -> ReponseQuestionnaire:
    """La réponse du lien, si la structure peut encore la supprimer. Lève RefusEnvoi : démarche close
    (avec l'adresse où exercer ses droits), ou aucune réponse enregistrée."""
    demarche = session.get(Demarche, invitation.demarche_id)
    if demarche_close(demarche, aujourd_hui):
        contact = (demarche.contact_droits or "").strip()
        raise RefusEnvoi(
            "Démarche close",
            "La démarche est close : votre réponse ne peut plus être supprimée depuis ce lien. "
            + (
                f"Pour la faire effacer, écrivez à : {contact}."
                if contact
                else "Pour la faire effacer, écrivez à l'équipe qui vous a envoyé le lien."
            ),
        )
    reponse = reponse_de(session, invitation)
    if reponse is None:
        raise RefusEnvoi(
            "Aucune réponse à supprimer",
            "Aucune réponse n'est enregistrée pour ce lien : il n'y a rien à supprimer.",
        )
    return reponse


def supprimer_ma_reponse(session: Session, invitation: Invitation, aujourd_hui: date | None = None) -> int:
    """Suppression par la structure, depuis son lien : tout ou rien ; renvoie le nombre de paroles
    supprimées. Le lien reste valable : la structure peut répondre de nouveau. Lève RefusEnvoi."""
    with unite_de_travail(session):
        reponse = verifier_suppression_possible(session, invitation, aujourd_hui)
        return _effacer(session, reponse, ACTEUR_STRUCTURE, "la structure, depuis son lien")


def nombre_de_paroles(session: Session, reponse_id: int) -> int:
    requete = select(func.count()).select_from(Contribution).where(Contribution.reponse_id == reponse_id)
    return session.exec(requete).one()
