"""Temps de collecte : liste, création, fiche, modification, photos."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for

from collecte import demarches as logique_demarches
from collecte.modele.db import get_session
from collecte.modele.models import DISPOSITIFS, Demarche, Photo, TempsDeCollecte
from collecte.modele.validation import ErreurValidation
from collecte.terrain import photos as logique_photos
from collecte.terrain import temps as logique
from collecte.terrain.saisie import compter_contributions
from collecte.themes import gestion as gestion_themes
from collecte.web import cible_sure, ecriture_requise, obtenir_ou_404
from questionnaires import ErreurDefinition, charger_tous

bp = Blueprint("temps", __name__, url_prefix="/collecte/temps")


def _jeux_questions() -> list:
    """Jeux de questions de séance (questionnaires/*.toml, usage « seance ») ; vide si un fichier est
    refusé."""
    try:
        return [d for d in charger_tous(current_app.config["QUESTIONNAIRES_DIR"]) if d.usage == "seance"]
    except ErreurDefinition as erreur:
        current_app.logger.error("Jeux de questions illisibles : %s", erreur)
        return []


def _donnees_formulaire() -> dict:
    """Le formulaire, avec les questions cochées dans les jeux ajoutées à celles tapées."""
    donnees = request.form.to_dict()
    donnees["themes"] = request.form.getlist("themes")
    cochees = request.form.getlist("questions_jeu")
    if cochees:
        donnees["questions"] = "\n".join([donnees.get("questions", ""), *cochees])
    return donnees


def _contexte_formulaire(demarche: Demarche) -> dict:
    session = get_session()
    return {
        "jeux_questions": _jeux_questions(),
        "demarche": demarche,
        "dispositifs": DISPOSITIFS,
        "territoires": logique_demarches.territoires(session, demarche.id),
        "structures": logique_demarches.structures(session, demarche.id),
        "libelle_territoire": logique_demarches.libelle_territoire,
        "themes": [theme for theme, _n in gestion_themes.lister_themes(session, demarche.id)],
    }


@bp.get("/")
def liste():
    session = get_session()
    slug = request.args.get("demarche")
    demarche = logique_demarches.demarche_par_slug(session, slug) if slug else None
    if slug and demarche is None:
        abort(404)
    return render_template(
        "temps/liste.html",
        demarche=demarche,
        demarches=logique_demarches.lister_demarches(session),
        lignes=logique.lister_temps(session, demarche.id if demarche else None),
        dispositifs=DISPOSITIFS,
    )


@bp.route("/nouveau/<slug>", methods=["GET", "POST"])
@ecriture_requise
def creer(slug: str):
    demarche = logique_demarches.demarche_par_slug(get_session(), slug) or abort(404)
    if request.method == "POST":
        try:
            temps = logique.enregistrer_temps(get_session(), demarche, _donnees_formulaire())
            flash(f"Temps « {temps.ref} » créé.", "succes")
            return redirect(url_for("temps.detail", temps_id=temps.id))
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    valeurs = (
        _donnees_formulaire()
        if request.method == "POST"
        else {"dispositif": request.args.get("dispositif", "porteur_de_parole")}
    )
    return render_template(
        "temps/formulaire.html", temps=None, valeurs=valeurs, **_contexte_formulaire(demarche)
    )


@bp.route("/<int:temps_id>/modifier", methods=["GET", "POST"])
@ecriture_requise
def modifier(temps_id: int):
    temps = obtenir_ou_404(TempsDeCollecte, temps_id)
    demarche = get_session().get(Demarche, temps.demarche_id)
    if request.method == "POST":
        try:
            logique.enregistrer_temps(get_session(), demarche, _donnees_formulaire(), temps)
            flash("Temps de collecte mis à jour.", "succes")
            return redirect(url_for("temps.detail", temps_id=temps.id))
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    valeurs = (
        _donnees_formulaire()
        if request.method == "POST"
        else {
            **temps.model_dump(),
            "questions": "\n".join(temps.questions),
            "themes": logique.slugs_du_temps(get_session(), temps.id),
        }
    )
    return render_template(
        "temps/formulaire.html", temps=temps, valeurs=valeurs, **_contexte_formulaire(demarche)
    )


@bp.get("/<int:temps_id>")
def detail(temps_id: int):
    session = get_session()
    temps = obtenir_ou_404(TempsDeCollecte, temps_id)
    contexte = _contexte_formulaire(session.get(Demarche, temps.demarche_id))
    return render_template(
        "temps/detail.html",
        temps=temps,
        nb_paroles=compter_contributions(session, temps.id),
        photos=logique_photos.photos_du_temps(session, temps.id),
        **contexte,
    )


@bp.post("/<int:temps_id>/photos")
@ecriture_requise
def ajouter_photos(temps_id: int):
    temps = obtenir_ou_404(TempsDeCollecte, temps_id)
    fichiers = [f for f in request.files.getlist("photos") if f and f.filename]
    if not fichiers:
        flash("Aucune photo choisie.", "erreur")
    for fichier in fichiers:
        try:
            logique_photos.enregistrer_photo(
                get_session(),
                temps,
                fichier.stream,
                current_app.config["PHOTOS_DIR"],
                current_app.config["PHOTOS_TAILLE_MAX"],
                request.form.get("legende", ""),
            )
            flash(f"Photo « {fichier.filename} » ajoutée.", "succes")
        except ErreurValidation as erreur:
            flash(f"« {fichier.filename} » : {erreur.message}", "erreur")
    return redirect(
        cible_sure(request.form.get("retour"), url_for("temps.detail", temps_id=temps.id) + "#photos")
    )


@bp.get("/photos/<int:photo_id>")
def photo(photo_id: int):
    photo = obtenir_ou_404(Photo, photo_id)
    chemin = logique_photos.chemin_photo(current_app.config["PHOTOS_DIR"], photo)
    if not chemin.is_file():
        abort(404)
    return send_file(chemin, mimetype=photo.type_mime, max_age=3600)


@bp.post("/photos/<int:photo_id>/supprimer")
@ecriture_requise
def supprimer_photo(photo_id: int):
    photo = obtenir_ou_404(Photo, photo_id)
    temps_id = photo.temps_id
    logique_photos.supprimer_photo(get_session(), photo, current_app.config["PHOTOS_DIR"])
    flash("Photo supprimée.", "succes")
    return redirect(url_for("temps.detail", temps_id=temps_id) + "#photos")
