"""Import d'un classeur depuis le navigateur (animateur·rices)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from collecte import demarches as logique_demarches
from collecte.modele.db import get_session
from collecte.tableurs import entrees as imports
from collecte.web import ecriture_requise

bp = Blueprint("imports", __name__, url_prefix="/collecte/import")


@bp.route("/", methods=["GET", "POST"])
@ecriture_requise
def formulaire():
    session = get_session()
    rapport, erreurs = None, []
    if request.method == "POST":
        fichiers = {f.filename: f.read() for f in request.files.getlist("fichiers") if f and f.filename}
        slug = request.form.get("demarche") or request.form.get("nouvelle") or None
        try:
            rapport = imports.importer_envoi(
                session, fichiers, slug, current_app.config["QUESTIONNAIRES_DIR"]
            )
        except imports.ErreurImport as erreur:
            erreurs = erreur.erreurs
    return render_template(
        "imports/formulaire.html",
        demarches=logique_demarches.lister_demarches(session),
        rapport=rapport,
        erreurs=erreurs,
        valeurs=request.form,
    ), 400 if erreurs else 200
