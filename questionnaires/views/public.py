"""Formulaire public d'un questionnaire, derrière le lien personnel d'une structure (sans compte).

Seules ces routes sont ouvertes sans connexion (blueprint `public`) ; elles sont limitées en
débit (Flask-Limiter, réglage RATELIMIT_PUBLIC) et en taille (PUBLIC_TAILLE_MAX), et protégées
par CSRF comme le reste.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from collecte.confidentialite import information
from collecte.modele.db import get_session
from collecte.modele.models import Demarche, Structure, heure_locale
from questionnaires import ErreurDefinition, invitations, suppression
from questionnaires import reponses as logique

bp = Blueprint("public", __name__, url_prefix="/q")


# Avant tout `before_request` : la protection CSRF de l'application lit le formulaire la première,
# et une limite posée après sa lecture ne s'appliquerait plus.
@bp.url_value_preprocessor
def _limiter_la_taille(_endpoint, _valeurs):
    request.max_content_length = current_app.config["PUBLIC_TAILLE_MAX"]
    request.max_form_memory_size = current_app.config["PUBLIC_TAILLE_MAX"]


def _veut_json() -> bool:
    """Vrai pour le script du formulaire (Accept: application/json) ; un envoi sans JavaScript reçoit du
    HTML."""
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _page_erreur(titre: str, message: str, code: int):
    if _veut_json():
        return {"erreur": message, "titre": titre}, code
    return render_template("public/erreur.html", titre=titre, message=message), code


@bp.errorhandler(logique.LienInvalide)
def _lien_invalide(erreur: logique.LienInvalide):
    return _page_erreur(erreur.titre, erreur.message, erreur.code)


@bp.errorhandler(ErreurDefinition)
def _definition_cassee(erreur: ErreurDefinition):
    current_app.logger.error("Questionnaire inutilisable : %s", erreur)
    return _page_erreur(
        "Questionnaire momentanément indisponible",
        "Le questionnaire est en cours de modification par l'équipe. Vos réponses déjà enregistrées "
        "sont conservées ; réessayez un peu plus tard.",
        503,
    )


@bp.errorhandler(413)
def _trop_gros(_erreur):
    return _page_erreur(
        "Envoi trop volumineux",
        "Vos réponses dépassent la taille autorisée : raccourcissez les textes les plus longs. "
        "Ce qui était déjà enregistré est conservé.",
        413,
    )


@bp.errorhandler(429)
def _trop_de_requetes(_erreur):
    return _page_erreur(
        "Trop de tentatives",
        "Trop d'envois en peu de temps depuis cette connexion. Patientez une minute puis rechargez "
        "la page : vos réponses déjà enregistrées sont conservées.",
        429,
    )


def _contexte(jeton: str):
    session = get_session()
    invitation = logique.ouvrir(session, jeton)
    definition = invitations.definition(invitation.questionnaire, current_app.config["QUESTIONNAIRES_DIR"])
    return (
        session,
        invitation,
        definition,
        session.get(Demarche, invitation.demarche_id),
        session.get(Structure, invitation.structure_id),
    )


def _saisie_du_formulaire(definition) -> logique.Saisie:
    return logique.Saisie(
        valeurs={q.ref: request.form.getlist(f"q-{q.ref}") for q in definition.questions},
        role_repondant=request.form.get("role_repondant", ""),
        nom_structure=request.form.get("nom_structure", ""),
    )


def _donnees_et_droits(demarche, reponse) -> dict:
    """Notice d'information (« Vos données et vos droits ») et bouton « Supprimer ma réponse »."""
    return {
        "notice": information.notice(demarche),
        "suppression_possible": reponse is not None and not suppression.demarche_close(demarche),
    }


def _formulaire(jeton, definition, demarche, structure, reponse, saisie=None, code=200, message=None):
    if saisie is None:
        valeurs = {
            ref: v if isinstance(v, list) else [str(v)]
            for ref, v in (reponse.valeurs if reponse else {}).items()
        }
        saisie = logique.Saisie(
            valeurs,
            reponse.role_repondant if reponse else "",
            reponse.nom_structure if reponse and reponse.nom_structure else structure.nom,
        )
    return render_template(
        "public/formulaire.html",
        jeton=jeton,
        definition=definition,
        demarche=demarche,
        structure=structure,
        reponse=reponse,
        saisie=saisie,
        revision=logique.revision(reponse),
        message=message,
        oui_non=logique.OUI_NON,
        **_donnees_et_droits(demarche, reponse),
    ), code


@bp.get("/<jeton>")
def formulaire(jeton: str):
    session, invitation, definition, demarche, structure = _contexte(jeton)
    reponse = logique.reponse_de(session, invitation)
    if demarche.cloturee or (reponse and reponse.statut == "soumise" and "modifier" not in request.args):
        relue = invitations.definition_de_reponse(session, reponse) if reponse else None
        return render_template(
            "public/merci.html",
            jeton=jeton,
            definition=relue or definition,
            demarche=demarche,
            structure=structure,
            reponse=reponse,
            oui_non=logique.OUI_NON,
            revision=logique.revision(reponse),
            **_donnees_et_droits(demarche, reponse),
        )
    return _formulaire(jeton, definition, demarche, structure, reponse)


@bp.post("/<jeton>")
def envoyer(jeton: str):
    session, invitation, definition, demarche, structure = _contexte(jeton)
    saisie = _saisie_du_formulaire(definition)
    try:
        if request.form.get("action") == "brouillon":
            reponse = logique.enregistrer_brouillon(session, invitation, definition, saisie)
            message = (
                ("erreur", "Brouillon enregistré, sauf les réponses signalées.")
                if saisie.erreurs
                else (
                    "succes",
                    (
                        "Brouillon enregistré : vous pouvez fermer la page et revenir plus tard avec le "
                        "même lien."
                    ),
                )
            )
            return _formulaire(
                jeton,
                definition,
                demarche,
                structure,
                reponse,
                saisie,
                422 if saisie.erreurs else 200,
                message,
            )
        reponse = logique.soumettre(session, invitation, definition, saisie, request.form.get("revision", ""))
    except logique.RefusEnvoi as refus:
        return _page_erreur(refus.titre, refus.message, 409)
    if reponse is None:
        message = (
            "erreur",
            (
                f"{len(saisie.erreurs)} réponse(s) à corriger avant l'envoi. Le reste est enregistré en "
                "brouillon."
            ),
        )
        if _veut_json():
            return {"message": message[1], "erreurs": saisie.erreurs}, 422
        return _formulaire(
            jeton,
            definition,
            demarche,
            structure,
            logique.reponse_de(session, invitation),
            saisie,
            422,
            message,
        )
    merci = url_for("public.formulaire", jeton=jeton, envoye=1)
    if _veut_json():
        return {"statut": "envoye", "url": merci}
    return redirect(merci, code=303)


@bp.post("/<jeton>/brouillon")
def brouillon_auto(jeton: str):
    """Enregistrement automatique pendant la saisie (JavaScript) ; répond en JSON."""
    session, invitation, definition, _demarche, _structure = _contexte(jeton)
    saisie = _saisie_du_formulaire(definition)
    try:
        reponse = logique.enregistrer_brouillon(session, invitation, definition, saisie)
    except logique.RefusEnvoi as refus:
        return {"erreur": refus.message}, 409
    heure = heure_locale(reponse.modifiee_le).strftime("%H:%M")
    return {
        "message": f"Brouillon enregistré à {heure}.",
        "erreurs": saisie.erreurs,
    }, 422 if saisie.erreurs else 200


@bp.route("/<jeton>/supprimer", methods=["GET", "POST"])
def supprimer(jeton: str):
    """La structure supprime sa réponse : une page de confirmation, puis la suppression (tant que la
    démarche n'est pas close)."""
    session, invitation, definition, demarche, structure = _contexte(jeton)
    try:
        if request.method == "POST":
            suppression.supprimer_ma_reponse(session, invitation)
            return redirect(url_for("public.reponse_supprimee", jeton=jeton), code=303)
        reponse = suppression.verifier_suppression_possible(session, invitation)
    except logique.RefusEnvoi as refus:
        return _page_erreur(refus.titre, refus.message, 409)
    return render_template(
        "questionnaires/supprimer_ma_reponse.html",
        jeton=jeton,
        definition=definition,
        demarche=demarche,
        structure=structure,
        reponse=reponse,
        paroles=suppression.nombre_de_paroles(session, reponse.id),
    )


@bp.get("/<jeton>/supprimee")
def reponse_supprimee(jeton: str):
    session, invitation, definition, demarche, structure = _contexte(jeton)
    if logique.reponse_de(session, invitation) is not None:  # répondu de nouveau depuis
        return redirect(url_for("public.formulaire", jeton=jeton))
    return render_template(
        "questionnaires/reponse_supprimee.html",
        jeton=jeton,
        definition=definition,
        demarche=demarche,
        structure=structure,
        close=suppression.demarche_close(demarche),
    )
