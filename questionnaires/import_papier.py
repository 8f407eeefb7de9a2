"""Feuille `reponses` d'un import : questionnaires remplis sur papier puis recopiés dans un tableur.

Une ligne = la réponse d'une structure à une question (par son numéro). Les lignes d'une même
structure, d'un même questionnaire et d'une même fonction de répondant·e forment une réponse
(source « papier »), envoyée à la date indiquée ; ses réponses libres rejoignent le corpus comme
celles du formulaire en ligne. Réimporter la même feuille met à jour la même réponse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlmodel import select

from collecte.modele.models import FUSEAU_AFFICHAGE, ReponseQuestionnaire, maintenant
from collecte.modele.validation import ErreurValidation, valider_date, valider_entier, valider_texte
from collecte.tableurs.contexte import ContexteImport
from collecte.tableurs.import_classeur import enregistrer_gestionnaire, gestionnaire
from collecte.tableurs.lecture import Feuille
from questionnaires import Definition, ErreurDefinition, invitations
from questionnaires.reponses import synchroniser_contributions, valider_question


@dataclass
class ReponsePapier:
    structure_id: int
    definition: Definition
    role: str
    date: date | None = None
    valeurs: dict = field(default_factory=dict)


def _definition(ctx: ContexteImport, nom: str, definitions: dict) -> Definition:
    if not definitions:
        try:
            definitions.update(invitations.definitions(ctx.dossier_questionnaires))
        except ErreurDefinition as erreur:
            raise ErreurValidation(
                f"définitions de questionnaires illisibles ({erreur}).", "questionnaire"
            ) from None
    definition = definitions.get(nom)
    if definition is None or definition.usage != "structures":
        connus = ", ".join(n for n, d in definitions.items() if d.usage == "structures")
        raise ErreurValidation(
            f"questionnaire « {nom} » inconnu (questionnaires possibles : {connus}).", "questionnaire"
        )
    return definition


def _lire_ligne(ctx: ContexteImport, ligne: dict, definitions: dict, reponses: dict) -> None:
    nom_structure = valider_texte(ligne.get("structure"), "structure", 300)
    if nom_structure not in ctx.structures:
        raise ErreurValidation(
            f"structure « {nom_structure} » inconnue : ajoutez-la à la feuille structures.", "structure"
        )
    definition = _definition(ctx, valider_texte(ligne.get("questionnaire"), "questionnaire", 80), definitions)
    numero = valider_entier(ligne.get("numero"), "numero")
    if not 1 <= numero <= len(definition.questions):
        raise ErreurValidation(
            f"le questionnaire « {definition.nom} » a {len(definition.questions)} questions "
            f"(numéro {numero} reçu).",
            "numero",
        )
    question = definition.questions[numero - 1]
    brute = str(ligne.get("reponse") or "")
    brutes = brute.split(";") if question.type == "choix_multiple" else [brute]
    valeur = valider_question(question, brutes)
    if valeur is None:
        raise ErreurValidation("réponse vide.", "reponse")
    role = valider_texte(ligne.get("role_repondant"), "role_repondant", 200, requis=False)
    cle = (nom_structure, definition.nom, role)
    reponse = reponses.setdefault(cle, ReponsePapier(ctx.structures[nom_structure], definition, role))
    if question.ref in reponse.valeurs:
        raise ErreurValidation(f"la question {numero} a déjà une réponse pour cette structure.", "numero")
    reponse.valeurs[question.ref] = valeur
    jour = valider_date(ligne.get("date"), "date", requis=False)
    reponse.date = jour or reponse.date


def traiter_reponses(ctx: ContexteImport, feuille: Feuille) -> None:
    definitions: dict[str, Definition] = {}
    reponses: dict[tuple, ReponsePapier] = {}
    for numero, ligne in ctx.lignes(feuille):
        try:
            _lire_ligne(ctx, ligne, definitions, reponses)
        except ErreurValidation as erreur:
            ctx.erreur("reponses", numero, erreur)
    if ctx.ecriture_permise:
        for papier in reponses.values():
            _enregistrer(ctx, papier)


def _enregistrer(ctx: ContexteImport, papier: ReponsePapier) -> None:
    session = ctx.session
    invitations.enregistrer_version(session, papier.definition)
    existante = session.exec(
        select(ReponseQuestionnaire).where(
            ReponseQuestionnaire.demarche_id == ctx.demarche.id,
            ReponseQuestionnaire.source == "papier",
            ReponseQuestionnaire.structure_id == papier.structure_id,
            ReponseQuestionnaire.questionnaire == papier.definition.nom,
            ReponseQuestionnaire.role_repondant == papier.role,
        )
    ).first()
    envoyee = datetime.combine(papier.date, time(12), FUSEAU_AFFICHAGE) if papier.date else None
    if (
        existante is not None
        and existante.valeurs == papier.valeurs
        and existante.version == papier.definition.version
        and (envoyee is None or existante.soumise_le == envoyee)
    ):
        ctx.compter("reponses", "inchangees")
        return
    reponse = existante or ReponseQuestionnaire(
        demarche_id=ctx.demarche.id,
        structure_id=papier.structure_id,
        questionnaire=papier.definition.nom,
        source="papier",
        role_repondant=papier.role,
        statut="soumise",
    )
    reponse.valeurs, reponse.version, reponse.modifiee_le = (
        papier.valeurs,
        papier.definition.version,
        maintenant(),
    )
    reponse.soumise_le = envoyee or reponse.soumise_le or maintenant()
    session.add(reponse)
    session.flush()
    synchroniser_contributions(session, reponse, papier.definition)
    ctx.compter("reponses", "mises_a_jour" if existante else "creees")


# La feuille rejoint l'import des classeurs de collecte (chargé par `app` au démarrage).
enregistrer_gestionnaire(
    gestionnaire(
        "reponses",
        "structure questionnaire numero reponse date role_repondant",
        "structure questionnaire numero reponse",
        traiter_reponses,
    )
)
