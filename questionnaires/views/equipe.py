"""Questionnaires côté équipe : définitions, invitations des structures, suivi et exports des réponses."""

from __future__ import annotations

import io
from datetime import datetime, time

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from collecte import demarches as logique_demarches
from collecte.confidentialite.journal import Acteur
from collecte.modele.db import get_session
from collecte.modele.models import FUSEAU_AFFICHAGE, Demarche, Invitation, ReponseQuestionnaire, Structure
from collecte.modele.validation import ErreurValidation, lire_identifiant, valider_date
from collecte.web import ecriture_requise, obtenir_ou_404
from questionnaires import TYPES, USAGES, ErreurDefinition, suppression
from questionnaires import invitations as logique
from questionnaires import reponses as logique_reponses
from questionnaires import suivi as logique_suivi

bp = Blueprint("questionnaires", __name__, url_prefix="/questionnaires")
TYPES_MIME = {
    "csv": "text/csv",  # Werkzeug ajoute « ; charset=utf-8 » (une seule fois)
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _dossier() -> str | None:
    return current_app.config["QUESTIONNAIRES_DIR"]


def _definitions() -> tuple[dict, str | None]:
    try:
        return logique.definitions(_dossier()), None
    except ErreurDefinition as erreur:
        return {}, str(erreur)


def _demarche(slug: str):
    return logique_demarches.demarche_par_slug(get_session(), slug) or abort(404)


@bp.get("/")
def liste():
    definitions, erreur = _definitions()
    return render_template(
        "questionnaires/liste.html",
        definitions=definitions,
        erreur=erreur,
        types=TYPES,
        usages=USAGES,
        demarches=logique_demarches.lister_demarches(get_session()),
    )


def _lien(jeton: str) -> str:
    return url_for("public.formulaire", jeton=jeton, _external=True)


@bp.get("/<slug>")
def suivi(slug: str):
    demarche = _demarche(slug)
    session = get_session()
    definitions, erreur = _definitions()
    lignes = logique_suivi.suivi(session, demarche.id)
    return render_template(
        "questionnaires/suivi.html",
        demarche=demarche,
        lignes=lignes,
        comptes=logique_suivi.compter(lignes),
        a_envoyer={n: d for n, d in definitions.items() if d.usage == "structures"},
        erreur=erreur,
        voir_liens=current_user.peut("animateur"),
        lien=_lien,
        repondus=sorted(
            {r.questionnaire for l in lignes for r in l.papier}
            | {i.invitation.questionnaire for l in lignes for i in l.invitations if i.reponse}
        ),
    )


def _expiration(valeur: str) -> datetime | None:
    jour = valider_date(valeur, "expire_le", requis=False)
    return datetime.combine(jour, time(23, 59), FUSEAU_AFFICHAGE) if jour else None


@bp.post("/<slug>/inviter")
@ecriture_requise
def inviter(slug: str):
    demarche = _demarche(slug)
    session = get_session()
    try:
        definition = logique.definition(request.form.get("questionnaire", ""), _dossier())
        creees, deja = logique.creer_invitations(
            session,
            demarche,
            definition,
            request.form.getlist("structures"),
            _expiration(request.form.get("expire_le", "")),
        )
    except (ErreurValidation, ErreurDefinition) as erreur:
        flash(getattr(erreur, "message", str(erreur)), "erreur")
        return redirect(url_for("questionnaires.suivi", slug=slug))
    if creees:
        flash(f"{len(creees)} lien(s) créé(s) : copiez-les ou exportez-les pour les envoyer.", "succes")
    if deja:
        flash("Déjà invitée(s), lien conservé : " + ", ".join(s.nom for s in deja) + ".", "info")
    return redirect(url_for("questionnaires.suivi", slug=slug))


@bp.post("/invitation/<int:invitation_id>/revoquer")
@ecriture_requise
def revoquer(invitation_id: int):
    invitation = obtenir_ou_404(Invitation, invitation_id)
    session = get_session()
    logique.revoquer(session, invitation)
    structure = session.get(Structure, invitation.structure_id)
    flash(f"Lien de « {structure.nom} » révoqué : il répond désormais « introuvable ».", "succes")
    demarche = session.get(Demarche, invitation.demarche_id)
    return redirect(url_for("questionnaires.suivi", slug=demarche.slug))


def _fichier(contenu: bytes, nom: str, format_: str):
    return send_file(io.BytesIO(contenu), mimetype=TYPES_MIME[format_], as_attachment=True, download_name=nom)


@bp.get("/<slug>/liens.<any(csv, xlsx):format_>")
@ecriture_requise
def exporter_liens(slug: str, format_: str):
    demarche = _demarche(slug)
    lignes = logique.lister_invitations(get_session(), demarche.id)
    return _fichier(
        logique_suivi.exporter_liens(lignes, _lien, format_), f"liens-{demarche.slug}.{format_}", format_
    )


@bp.get("/<slug>/reponses/<nom>.<any(csv, xlsx):format_>")
def exporter_reponses(slug: str, nom: str, format_: str):
    demarche = _demarche(slug)
    definitions, _erreur = _definitions()
    contenu = logique_suivi.exporter_reponses(get_session(), demarche.id, nom, definitions.get(nom), format_)
    return _fichier(contenu, f"reponses-{nom}-{demarche.slug}.{format_}", format_)


@bp.get("/reponse/<int:reponse_id>")
def reponse(reponse_id: int):
    reponse_ = obtenir_ou_404(ReponseQuestionnaire, reponse_id)
    session = get_session()
    definition = logique.definition_de_reponse(session, reponse_, _dossier())
    if definition is None:
        abort(404)
    return render_template(
        "questionnaires/reponse.html",
        reponse=reponse_,
        definition=definition,
        oui_non=logique_reponses.OUI_NON,
        demarche=session.get(Demarche, reponse_.demarche_id),
        structure=session.get(Structure, reponse_.structure_id) if reponse_.structure_id else None,
    )


@bp.route("/reponse/<int:reponse_id>/supprimer", methods=["GET", "POST"])
@ecriture_requise
def supprimer_reponse(reponse_id: int):
    """Suppression définitive d'une réponse par l'équipe : une page de confirmation, puis la suppression."""
    session = get_session()
    if (
        lire_identifiant(reponse_id) is None
    ):  # identifiant démesuré : 404 (une parole déjà supprimée : message)
        abort(404)
    if request.method == "POST":
        try:
            slug, paroles = suppression.supprimer_reponse(session, reponse_id, Acteur.compte(current_user))
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
            return redirect(url_for("questionnaires.liste"))
        flash(f"Réponse supprimée définitivement, avec ses {paroles} parole(s).", "succes")
        return redirect(url_for("questionnaires.suivi", slug=slug))
    reponse_ = obtenir_ou_404(ReponseQuestionnaire, reponse_id)
    return render_template(
        "questionnaires/supprimer.html",
        reponse=reponse_,
        demarche=session.get(Demarche, reponse_.demarche_id),
        structure=session.get(Structure, reponse_.structure_id) if reponse_.structure_id else None,
        paroles=suppression.nombre_de_paroles(session, reponse_.id),
    )
