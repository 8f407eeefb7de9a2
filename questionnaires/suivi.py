"""Suivi des questionnaires d'une démarche : qui a répondu, qui n'a pas répondu, export des réponses.

L'export des réponses suit la règle de toute sortie : les réponses libres sont examinées d'abord, et
chaque donnée personnelle repérée que l'équipe n'a pas encore examinée y est remplacée par sa nature
(« [téléphone] »…), comme dans le corpus (voir `collecte.confidentialite`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, select

from collecte.confidentialite import detection, examen
from collecte.demarches import libelle_territoire, structures
from collecte.modele.models import (
    Contribution,
    ReponseQuestionnaire,
    Structure,
    Territoire,
    heure_locale,
)
from collecte.tableurs.ecriture import ecrire_csv, ecrire_xlsx
from questionnaires import Definition
from questionnaires.invitations import STATUTS, LigneInvitation, definition_de_reponse, lister_invitations


@dataclass
class SuiviStructure:
    structure: Structure
    territoire: str
    invitations: list[LigneInvitation] = field(default_factory=list)
    papier: list[ReponseQuestionnaire] = field(default_factory=list)

    @property
    def a_repondu(self) -> bool:
        return bool(self.papier) or any(l.statut == "soumise" for l in self.invitations)

    @property
    def etat(self) -> str:
        if self.a_repondu:
            return "A répondu"
        if any(l.statut == "brouillon" for l in self.invitations):
            return "Brouillon en cours"
        if any(l.statut in ("non_ouverte", "ouverte") for l in self.invitations):
            return "Invitée, pas de réponse"
        return "Pas invitée"


def suivi(session: Session, demarche_id: int) -> list[SuiviStructure]:
    """Une ligne par structure de la démarche, par nom : chaque partenaire reste au même endroit."""
    territoires = {
        t.id: t for t in session.exec(select(Territoire).where(Territoire.demarche_id == demarche_id))
    }
    lignes = {
        s.id: SuiviStructure(
            s, libelle_territoire(territoires.get(s.territoire_id)) if s.territoire_id else ""
        )
        for s in structures(session, demarche_id)
    }
    for ligne in lister_invitations(session, demarche_id):
        lignes[ligne.structure.id].invitations.append(ligne)
    papiers = session.exec(
        select(ReponseQuestionnaire).where(
            ReponseQuestionnaire.demarche_id == demarche_id, ReponseQuestionnaire.source == "papier"
        )
    )
    for reponse in papiers:
        if reponse.structure_id in lignes:
            lignes[reponse.structure_id].papier.append(reponse)
    return list(lignes.values())


def compter(lignes: list[SuiviStructure]) -> dict:
    return {
        "structures": len(lignes),
        "invitees": sum(1 for l in lignes if l.invitations),
        "repondu": sum(1 for l in lignes if l.a_repondu),
        "sans_reponse": sum(1 for l in lignes if not l.a_repondu),
    }


def reponses_du_questionnaire(session: Session, demarche_id: int, nom: str) -> list[ReponseQuestionnaire]:
    return list(
        session.exec(
            select(ReponseQuestionnaire)
            .where(ReponseQuestionnaire.demarche_id == demarche_id, ReponseQuestionnaire.questionnaire == nom)
            .order_by(ReponseQuestionnaire.soumise_le, ReponseQuestionnaire.id)
        )
    )


def _colonnes_questions(session: Session, reponses, actuelle: Definition | None) -> list[tuple[str, str]]:
    """(ref, intitulé) de toutes les versions répondues ; l'intitulé le plus récent l'emporte."""
    colonnes: dict[str, str] = {}
    definitions = [definition_de_reponse(session, r) for r in sorted(reponses, key=lambda r: r.version)]
    for definition in [d for d in definitions if d] + ([actuelle] if actuelle else []):
        for question in definition.questions:
            colonnes[question.ref] = question.intitule
    return list(colonnes.items())


def _valeur(valeur) -> str | int:
    if isinstance(valeur, list):
        return " ; ".join(valeur)
    return "" if valeur is None else valeur


def tableau_reponses(
    session: Session, demarche_id: int, nom: str, actuelle: Definition | None
) -> tuple[list[str], list]:
    """Une ligne par réponse, une colonne par question (« Q1 – intitulé »)."""
    reponses = reponses_du_questionnaire(session, demarche_id, nom)
    questions = _colonnes_questions(session, reponses, actuelle)
    noms = {s.id: s for s in structures(session, demarche_id)}
    territoires = {
        t.id: t for t in session.exec(select(Territoire).where(Territoire.demarche_id == demarche_id))
    }
    masques = _reponses_libres_masquees(session, [r.id for r in reponses])
    colonnes = [
        "structure",
        "territoire",
        "questionnaire",
        "version",
        "statut",
        "source",
        "role_repondant",
        "structure_declaree",
        "envoyee_le",
    ] + [f"{ref} – {intitule}" for ref, intitule in questions]
    lignes = []
    for reponse in reponses:
        structure = noms.get(reponse.structure_id)
        territoire = (
            territoires.get(structure.territoire_id) if structure and structure.territoire_id else None
        )
        lignes.append(
            [
                structure.nom if structure else "",
                libelle_territoire(territoire) if territoire else "",
                nom,
                reponse.version,
                "envoyée" if reponse.statut == "soumise" else "brouillon",
                reponse.source,
                reponse.role_repondant,
                reponse.nom_structure,
                heure_locale(reponse.soumise_le).strftime("%Y-%m-%d %H:%M") if reponse.soumise_le else "",
            ]
            + [
                _valeur(masques.get((reponse.id, ref), (reponse.valeurs or {}).get(ref)))
                for ref, _ in questions
            ]
        )
    return colonnes, lignes


def _reponses_libres_masquees(session: Session, reponse_ids: list[int]) -> dict[tuple[int, str], str]:
    """(réponse, question) → texte libre tel qu'il peut sortir, pour celles qui ont une donnée personnelle
    repérée et pas encore examinée par l'équipe (les paroles de ces réponses sont examinées d'abord)."""
    paroles = []
    for debut in range(0, len(reponse_ids), 500):
        morceau = reponse_ids[debut : debut + 500]
        paroles += session.exec(
            select(Contribution.id, Contribution.reponse_id, Contribution.question_ref, Contribution.texte)
            .where(Contribution.reponse_id.in_(morceau))
            .order_by(Contribution.id)
        ).all()
    examen.examiner(session, [p.id for p in paroles])
    a_masquer = examen.reperages_a_masquer(session, [p.id for p in paroles])
    return {
        (p.reponse_id, p.question_ref): detection.masquer(p.texte, a_masquer[p.id])
        for p in paroles
        if p.id in a_masquer
    }


def exporter_reponses(
    session: Session, demarche_id: int, nom: str, actuelle: Definition | None, format_: str
) -> bytes:
    colonnes, lignes = tableau_reponses(session, demarche_id, nom, actuelle)
    if format_ == "xlsx":
        return ecrire_xlsx({"reponses": (colonnes, lignes)})
    return ecrire_csv(colonnes, lignes)


def exporter_liens(lignes: list[LigneInvitation], url_de, format_: str) -> bytes:
    """Les liens à envoyer aux structures ; `url_de(jeton)` construit l'adresse complète."""
    colonnes = ["structure", "questionnaire", "lien", "statut", "expire_le"]
    donnees = [
        [
            l.structure.nom,
            l.invitation.questionnaire,
            url_de(l.invitation.jeton),
            STATUTS[l.statut],
            heure_locale(l.invitation.expire_le).strftime("%Y-%m-%d") if l.invitation.expire_le else "",
        ]
        for l in lignes
        if l.statut != "revoquee"
    ]
    if format_ == "xlsx":
        return ecrire_xlsx({"liens": (colonnes, donnees)})
    return ecrire_csv(colonnes, donnees)
