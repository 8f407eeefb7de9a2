"""Questionnaires d'une démarche côté équipe : définitions, versions répondues, invitations, suivi.

Le formulaire public (réponses, brouillons, contributions) est dans `questionnaires.reponses`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

import questionnaires
from collecte.modele.db import unite_de_travail
from collecte.modele.models import (
    Demarche,
    Invitation,
    ReponseQuestionnaire,
    Structure,
    VersionQuestionnaire,
    maintenant,
)
from collecte.modele.validation import ErreurValidation, lire_identifiant
from questionnaires import Definition, ErreurDefinition

JETON_OCTETS = 24  # 192 bits d'aléa : un lien ne se devine pas
STATUTS = {
    "non_ouverte": "Pas encore ouvert",
    "ouverte": "Ouvert, rien d'enregistré",
    "brouillon": "Brouillon en cours",
    "soumise": "Envoyé",
    "expiree": "Expiré",
    "revoquee": "Révoqué",
}


def definitions(dossier: str | None = None) -> dict[str, Definition]:
    """Définitions disponibles, par nom (relues à chaque appel : un fichier corrigé est pris en compte)."""
    return {d.nom: d for d in questionnaires.charger_tous(dossier)}


def definition(nom: str, dossier: str | None = None) -> Definition:
    trouvee = definitions(dossier).get(nom)
    if trouvee is None:
        raise ErreurValidation(
            f"Questionnaire « {nom} » inconnu : aucun fichier ne porte ce nom.", "questionnaire"
        )
    return trouvee


def enregistrer_version(session: Session, definition_: Definition) -> None:
    """Garde l'instantané de la version proposée ; refuse un fichier modifié sans nouvelle version
    quand des réponses existent déjà (elles deviendraient illisibles)."""
    version = session.exec(
        select(VersionQuestionnaire).where(
            VersionQuestionnaire.nom == definition_.nom, VersionQuestionnaire.version == definition_.version
        )
    ).first()
    if version is None:
        session.add(
            VersionQuestionnaire(
                nom=definition_.nom,
                version=definition_.version,
                empreinte=definition_.empreinte,
                definition=definition_.en_dict(),
            )
        )
        session.flush()
        return
    if version.empreinte == definition_.empreinte:
        return
    reponses = session.exec(
        select(ReponseQuestionnaire.id).where(
            ReponseQuestionnaire.questionnaire == definition_.nom,
            ReponseQuestionnaire.version == definition_.version,
        )
    ).first()
    if reponses is not None:
        raise ErreurDefinition(
            f"{definition_.fichier} : les questions ont changé alors que des réponses existent pour la "
            f"version {definition_.version} ; augmentez le champ « version » pour garder les anciennes "
            "réponses lisibles."
        )
    version.empreinte, version.definition = definition_.empreinte, definition_.en_dict()
    session.add(version)
    session.flush()


def definition_de_reponse(
    session: Session, reponse: ReponseQuestionnaire, dossier: str | None = None
) -> Definition | None:
    """Les questions telles qu'elles ont été posées à cette réponse (instantané), sinon le fichier actuel."""
    version = session.exec(
        select(VersionQuestionnaire).where(
            VersionQuestionnaire.nom == reponse.questionnaire, VersionQuestionnaire.version == reponse.version
        )
    ).first()
    if version is not None:
        return questionnaires.depuis_dict(version.definition)
    actuelle = definitions(dossier).get(reponse.questionnaire)
    return actuelle if actuelle and actuelle.version == reponse.version else None


def creer_invitations(
    session: Session,
    demarche: Demarche,
    definition_: Definition,
    structure_ids,
    expire_le: datetime | None = None,
) -> tuple[list[Invitation], list[Structure]]:
    """Un lien par structure ; une structure qui a déjà un lien actif pour ce questionnaire le garde.

    Renvoie (invitations créées, structures déjà invitées)."""
    if definition_.usage != "structures":
        raise ErreurValidation(
            f"« {definition_.titre} » est un jeu de questions de séance, pas un questionnaire à envoyer."
        )
    if demarche.cloturee:
        raise ErreurValidation("La démarche est close : on ne peut plus inviter de structure.")
    if expire_le is not None and expire_le <= maintenant():
        raise ErreurValidation("La date d'expiration est déjà passée.", "expire_le")
    ids = {lire_identifiant(i) for i in structure_ids}
    if not ids:
        raise ErreurValidation("Cochez au moins une structure à inviter.", "structures")
    structures = session.exec(
        select(Structure).where(Structure.demarche_id == demarche.id, Structure.id.in_(ids - {None}))
    ).all()
    if len(structures) != len(ids):
        raise ErreurValidation("Une des structures cochées n'appartient pas à cette démarche.", "structures")
    creees, deja = [], []
    with unite_de_travail(session):
        enregistrer_version(session, definition_)
        for structure in sorted(structures, key=lambda s: s.nom):
            if _invitation_active(session, structure.id, definition_.nom) is not None:
                deja.append(structure)
                continue
            invitation = Invitation(
                demarche_id=demarche.id,
                structure_id=structure.id,
                questionnaire=definition_.nom,
                jeton=secrets.token_urlsafe(JETON_OCTETS),
                expire_le=expire_le,
            )
            session.add(invitation)
            creees.append(invitation)
    return creees, deja


def _invitation_active(session: Session, structure_id: int, nom: str) -> Invitation | None:
    return session.exec(
        select(Invitation).where(
            Invitation.structure_id == structure_id,
            Invitation.questionnaire == nom,
            Invitation.revoquee_le.is_(None),
        )
    ).first()


def revoquer(session: Session, invitation: Invitation) -> None:
    """Le lien répond ensuite « introuvable » ; une réponse déjà envoyée reste dans le corpus."""
    if invitation.revoquee_le is None:
        with unite_de_travail(session):
            invitation.revoquee_le = maintenant()
            session.add(invitation)


def statut(
    invitation: Invitation, reponse: ReponseQuestionnaire | None, instant: datetime | None = None
) -> str:
    if invitation.revoquee_le is not None:
        return "revoquee"
    if reponse is not None and reponse.statut == "soumise":
        return "soumise"
    if invitation.expire_le is not None and invitation.expire_le <= (instant or maintenant()):
        return "expiree"
    if reponse is not None:
        return "brouillon"
    return "ouverte" if invitation.ouverte_le else "non_ouverte"


@dataclass
class LigneInvitation:
    invitation: Invitation
    structure: Structure
    reponse: ReponseQuestionnaire | None
    statut: str

    @property
    def libelle_statut(self) -> str:
        return STATUTS[self.statut]


def lister_invitations(session: Session, demarche_id: int) -> list[LigneInvitation]:
    lignes = session.exec(
        select(Invitation, Structure, ReponseQuestionnaire)
        .join(Structure, Structure.id == Invitation.structure_id)
        .join(ReponseQuestionnaire, ReponseQuestionnaire.invitation_id == Invitation.id, isouter=True)
        .where(Invitation.demarche_id == demarche_id)
        .order_by(Structure.nom, Invitation.questionnaire, Invitation.id)
    ).all()
    instant = maintenant()
    return [
        LigneInvitation(inv, structure, reponse, statut(inv, reponse, instant))
        for inv, structure, reponse in lignes
    ]
