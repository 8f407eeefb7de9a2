"""Réponses aux questionnaires : lien public, brouillon, envoi, et passage des réponses au corpus.

Chaque réponse en texte libre d'une réponse envoyée devient une contribution (nature `reponse`,
profil `professionnel`, dispositif `questionnaire`, la structure et son territoire, la question) :
revue, étiquetage, analyse et livret la traitent comme une parole. Son identifiant client est
dérivé (uuid5) de la réponse et de la question : renvoyer ou modifier ne crée jamais de doublon.
Les réponses fermées (choix, échelle, oui/non) restent des valeurs de la réponse.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, delete, select

from collecte.confidentialite import examen
from collecte.modele.db import unite_de_travail
from collecte.modele.models import (
    Contribution,
    ContributionTheme,
    Demarche,
    Invitation,
    ReponseQuestionnaire,
    Structure,
    TempsDeCollecte,
    heure_locale,
    maintenant,
)
from collecte.modele.validation import ErreurValidation, valider_texte
from questionnaires import Definition, Question
from questionnaires.invitations import enregistrer_version

ESPACE_REPONSES = uuid.UUID("0c8f1d7e-4a59-4d0b-9f3e-6b2a91c5d4e7")
OUI_NON = {"oui": "Oui", "non": "Non"}


class LienInvalide(Exception):
    """Jeton inconnu, révoqué (404) ou expiré (410) : une page claire, rien n'est enregistré."""

    def __init__(self, code: int, titre: str, message: str):
        super().__init__(message)
        self.code, self.titre, self.message = code, titre, message


class RefusEnvoi(Exception):
    """Démarche close ou envoi rejoué : la réponse enregistrée n'est pas touchée."""

    def __init__(self, titre: str, message: str):
        super().__init__(message)
        self.titre, self.message = titre, message


@dataclass
class Saisie:
    """Ce que le formulaire a envoyé : valeurs par question (listes) et les deux champs d'en-tête."""

    valeurs: dict[str, list[str]]
    role_repondant: str = ""
    nom_structure: str = ""
    erreurs: dict[str, str] = field(default_factory=dict)


def ouvrir(session: Session, jeton: str, instant: datetime | None = None) -> Invitation:
    invitation = session.exec(select(Invitation).where(Invitation.jeton == jeton)).first() if jeton else None
    if invitation is None or invitation.revoquee_le is not None:
        raise LienInvalide(
            404,
            "Lien introuvable",
            (
                "Ce lien n'existe pas ou a été retiré. Vérifiez l'adresse reçue ou écrivez à l'équipe qui "
                "vous l'a envoyée."
            ),
        )
    if invitation.expire_le is not None and invitation.expire_le <= (instant or maintenant()):
        date_ = heure_locale(invitation.expire_le).strftime("%d/%m/%Y à %H:%M")
        raise LienInvalide(
            410,
            "Lien expiré",
            (
                f"Ce lien a expiré le {date_}. Si vous souhaitez encore répondre, demandez un nouveau lien "
                "à l'équipe."
            ),
        )
    if invitation.ouverte_le is None:
        with unite_de_travail(session):
            invitation.ouverte_le = maintenant()
            session.add(invitation)
    return invitation


def reponse_de(session: Session, invitation: Invitation) -> ReponseQuestionnaire | None:
    return session.exec(
        select(ReponseQuestionnaire).where(ReponseQuestionnaire.invitation_id == invitation.id)
    ).first()


def revision(reponse: ReponseQuestionnaire | None) -> str:
    """Marque de la version d'une réponse envoyée, glissée dans le formulaire pour repérer un envoi rejoué."""
    if reponse is None or reponse.statut != "soumise":
        return "brouillon"
    return reponse.modifiee_le.isoformat()


def valider_question(question: Question, brutes: list[str]):
    brutes = [b for b in brutes if b is not None]
    if question.est_texte:
        return (
            valider_texte(brutes[0] if brutes else "", question.ref, question.longueur_max, requis=False)
            or None
        )
    propres = [b.strip() for b in brutes if b.strip()]
    if not propres:
        return None
    if question.type == "choix_multiple":
        hors = [p for p in propres if p not in question.choix]
        if hors:
            raise ErreurValidation(f"« {hors[0]} » ne fait pas partie des réponses proposées.", question.ref)
        return [c for c in question.choix if c in propres]
    valeur = propres[0]
    if question.type == "choix_unique" and valeur not in question.choix:
        raise ErreurValidation(f"« {valeur} » ne fait pas partie des réponses proposées.", question.ref)
    if question.type == "oui_non" and valeur not in OUI_NON:
        raise ErreurValidation("Répondez par oui ou par non.", question.ref)
    if question.type == "echelle":
        if not valeur.isdigit() or int(valeur) not in question.echelons:
            raise ErreurValidation(
                f"Choisissez une valeur entre {question.minimum} et {question.maximum}.", question.ref
            )
        return int(valeur)
    return valeur


def valider_saisie(definition: Definition, saisie: Saisie, complete: bool) -> dict:
    """Valeurs propres par question ; les erreurs vont dans `saisie.erreurs` (ref → message).

    `complete` exige les questions obligatoires (envoi) ; un brouillon accepte des trous."""
    valeurs = {}
    for question in definition.questions:
        try:
            valeur = valider_question(question, saisie.valeurs.get(question.ref, []))
        except ErreurValidation as erreur:
            saisie.erreurs[question.ref] = erreur.message
            continue
        if valeur is None:
            if complete and question.obligatoire:
                saisie.erreurs[question.ref] = "Cette question est obligatoire."
            continue
        valeurs[question.ref] = valeur
    for champ, longueur in (("role_repondant", 200), ("nom_structure", 300)):
        try:
            setattr(saisie, champ, valider_texte(getattr(saisie, champ), champ, longueur, requis=False))
        except ErreurValidation as erreur:
            saisie.erreurs[champ] = erreur.message
    return valeurs


def _demarche_ouverte(session: Session, invitation: Invitation) -> Demarche:
    demarche = session.get(Demarche, invitation.demarche_id)
    if demarche.cloturee:
        raise RefusEnvoi(
            "Démarche close",
            (
                "La démarche est close : les réponses ne peuvent plus être modifiées. Merci pour votre "
                "participation !"
            ),
        )
    return demarche


def _reponse_a_jour(session: Session, invitation: Invitation, definition: Definition) -> ReponseQuestionnaire:
    enregistrer_version(session, definition)
    reponse = reponse_de(session, invitation)
    if reponse is None:
        reponse = ReponseQuestionnaire(
            demarche_id=invitation.demarche_id,
            structure_id=invitation.structure_id,
            invitation_id=invitation.id,
            questionnaire=definition.nom,
            version=definition.version,
        )
    return reponse


def enregistrer_brouillon(
    session: Session, invitation: Invitation, definition: Definition, saisie: Saisie
) -> ReponseQuestionnaire:
    """Garde ce qui est valide ; une question refusée garde sa valeur précédente (rien n'est perdu).

    Tout ou rien : une démarche close ou une réponse déjà envoyée (RefusEnvoi) ne laisse aucune trace."""
    with unite_de_travail(session):
        _demarche_ouverte(session, invitation)
        reponse = _reponse_a_jour(session, invitation, definition)
        if reponse.statut == "soumise":
            raise RefusEnvoi(
                "Réponses déjà envoyées",
                "Vos réponses ont déjà été envoyées : utilisez « Envoyer les "
                "modifications » pour les changer.",
            )
        valeurs = valider_saisie(definition, saisie, complete=False)
        anciennes = dict(reponse.valeurs or {})
        for question in definition.questions:
            if question.ref in saisie.erreurs:
                continue
            if question.ref in valeurs:
                anciennes[question.ref] = valeurs[question.ref]
            else:
                anciennes.pop(question.ref, None)
        _ecrire(reponse, anciennes, saisie, definition)
        session.add(reponse)
    return reponse


def _ecrire(reponse: ReponseQuestionnaire, valeurs: dict, saisie: Saisie, definition: Definition) -> None:
    reponse.valeurs = valeurs
    reponse.version = definition.version
    if "role_repondant" not in saisie.erreurs:
        reponse.role_repondant = saisie.role_repondant
    if "nom_structure" not in saisie.erreurs:
        reponse.nom_structure = saisie.nom_structure
    reponse.modifiee_le = maintenant()


def soumettre(
    session: Session, invitation: Invitation, definition: Definition, saisie: Saisie, revision_formulaire: str
) -> ReponseQuestionnaire | None:
    """Envoi (ou modification d'un envoi). Renvoie None si la saisie a des erreurs : le brouillon
    garde alors ce qui était valide. Un formulaire périmé (envoi rejoué) est refusé, sauf s'il répète
    à l'identique ce qui est enregistré (renvoi d'un envoi arrivé dont la réponse s'est perdue).
    L'envoi est une unité de travail : réponse et contributions sont écrites ensemble, ou rien."""
    with unite_de_travail(session):
        _demarche_ouverte(session, invitation)
        reponse = _reponse_a_jour(session, invitation, definition)
        if reponse.statut == "soumise" and revision_formulaire != revision(reponse):
            if _deja_recue(reponse, definition, saisie):
                return reponse
            raise RefusEnvoi(
                "Réponses déjà envoyées",
                "Ces réponses ont déjà été envoyées depuis ce formulaire (envoi en double ou page "
                "ancienne). Rien n'a été modifié : rouvrez le lien pour voir ou changer vos réponses.",
            )
        valeurs = valider_saisie(definition, saisie, complete=True)
        if not saisie.erreurs:
            _ecrire(reponse, valeurs, saisie, definition)
            reponse.statut = "soumise"
            reponse.soumise_le = reponse.soumise_le or reponse.modifiee_le
            session.add(reponse)
            session.flush()
            synchroniser_contributions(session, reponse, definition)
            return reponse
    if reponse.statut != "soumise":  # une saisie à corriger : ce qui est valide est gardé en brouillon
        enregistrer_brouillon(
            session,
            invitation,
            definition,
            Saisie(saisie.valeurs, saisie.role_repondant, saisie.nom_structure),
        )
    return None


def _deja_recue(reponse: ReponseQuestionnaire, definition: Definition, saisie: Saisie) -> bool:
    """Vrai si la saisie est exactement la réponse déjà envoyée : un téléphone renvoie un envoi arrivé
    au serveur mais dont la réponse s'est perdue (réseau coupé) ; ce n'est pas un rejeu à refuser."""
    copie = Saisie(saisie.valeurs, saisie.role_repondant, saisie.nom_structure)
    valeurs = valider_saisie(definition, copie, complete=True)
    return (
        not copie.erreurs
        and valeurs == reponse.valeurs
        and copie.role_repondant == (reponse.role_repondant or "")
        and copie.nom_structure == (reponse.nom_structure or "")
    )


def uuid_contribution(reponse_id: int, ref: str) -> uuid.UUID:
    return uuid.uuid5(ESPACE_REPONSES, f"reponse/{reponse_id}/{ref}")


def _temps_de_reponse(
    session: Session, reponse: ReponseQuestionnaire, definition: Definition
) -> TempsDeCollecte:
    temps = session.get(TempsDeCollecte, reponse.temps_id) if reponse.temps_id else None
    structure = session.get(Structure, reponse.structure_id) if reponse.structure_id else None
    if temps is None:
        temps = TempsDeCollecte(
            demarche_id=reponse.demarche_id,
            ref=f"questionnaire-{reponse.id}",
            dispositif="questionnaire",
            date=(reponse.soumise_le or maintenant()).date(),
        )
    temps.structure_id = structure.id if structure else None
    temps.territoire_id = structure.territoire_id if structure else None
    temps.lieu = structure.nom if structure else reponse.nom_structure
    temps.questions = [q.intitule for q in definition.questions if q.est_texte]
    temps.notes = (
        f"{definition.titre} (version {definition.version}, "
        f"{'papier' if reponse.source == 'papier' else 'en ligne'})"
    )
    session.add(temps)
    session.flush()
    reponse.temps_id = temps.id
    session.add(reponse)
    return temps


def synchroniser_contributions(
    session: Session, reponse: ReponseQuestionnaire, definition: Definition
) -> int:
    """Crée, met à jour ou retire les contributions des réponses en texte libre ; renvoie leur nombre.

    Une contribution déjà étiquetée garde ses thèmes et ses drapeaux quand le texte change."""
    temps = _temps_de_reponse(session, reponse, definition)
    existantes = {
        c.client_uuid: c
        for c in session.exec(select(Contribution).where(Contribution.reponse_id == reponse.id))
    }
    nombre = 0
    for question in definition.questions:
        texte = (reponse.valeurs or {}).get(question.ref) if question.est_texte else None
        existante = existantes.pop(uuid_contribution(reponse.id, question.ref), None)
        if not texte:
            if existante is not None:
                _retirer(session, existante)
            continue
        contribution = existante or Contribution(
            client_uuid=uuid_contribution(reponse.id, question.ref),
            temps_id=temps.id,
            nature="reponse",
            profil="professionnel",
            reponse_id=reponse.id,
        )
        if existante is not None and existante.texte != texte:
            contribution.modifiee_le = maintenant()
            examen.oublier_reperages(session, contribution)  # positions caduques : nouvel examen
        contribution.texte, contribution.question, contribution.question_ref = (
            texte,
            question.intitule,
            question.ref,
        )
        contribution.temps_id = temps.id
        session.add(contribution)
        nombre += 1
    for orpheline in existantes.values():  # question retirée dans une nouvelle version du fichier
        _retirer(session, orpheline)
    session.flush()
    return nombre


def _retirer(session: Session, contribution: Contribution) -> None:
    session.exec(delete(ContributionTheme).where(ContributionTheme.contribution_id == contribution.id))
    session.delete(contribution)
