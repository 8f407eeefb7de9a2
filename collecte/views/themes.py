"""Livre de codes : liste, création, modification, ordre, fusion, suppression, import et export."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for

from collecte import demarches as logique_demarches
from collecte.modele.db import get_session
from collecte.modele.models import Demarche, Theme
from collecte.modele.validation import ErreurValidation, lire_identifiant
from collecte.themes import gestion as gestion_themes
from collecte.web import ecriture_requise, obtenir_ou_404

bp = Blueprint("themes", __name__, url_prefix="/collecte/themes")


def _demarche_choisie() -> Demarche | None:
    session = get_session()
    slug = request.args.get("demarche") or request.form.get("demarche")
    if slug:
        return logique_demarches.demarche_par_slug(session, slug) or abort(404)
    demarches = logique_demarches.lister_demarches(session)
    return demarches[0] if demarches else None


def _theme_de(theme_id: int) -> tuple[Theme, Demarche]:
    theme = obtenir_ou_404(Theme, theme_id)
    return theme, get_session().get(Demarche, theme.demarche_id)


# Motifs `pattern` du formulaire : ceux du serveur, que le navigateur applique avant l'envoi.
MOTIFS = {"slug": gestion_themes.MOTIF_SLUG.pattern, "couleur": gestion_themes.MOTIF_COULEUR.pattern}


def _retour(demarche: Demarche):
    return redirect(url_for("themes.liste", demarche=demarche.slug))


@bp.get("/")
def liste():
    session = get_session()
    demarche = _demarche_choisie()
    lignes = gestion_themes.lister_themes(session, demarche.id) if demarche else []
    return render_template(
        "themes/liste.html",
        demarche=demarche,
        lignes=lignes,
        demarches=logique_demarches.lister_demarches(session),
        par_id={t.id: t for t, _ in lignes},
    )


@bp.route("/nouveau", methods=["GET", "POST"], defaults={"theme_id": None})
@bp.route("/<int:theme_id>", methods=["GET", "POST"])
@ecriture_requise
def editer(theme_id: int | None):
    session = get_session()
    theme, demarche = _theme_de(theme_id) if theme_id else (None, _demarche_choisie() or abort(404))
    if request.method == "POST":
        try:
            gestion_themes.enregistrer_theme(session, demarche.id, request.form.to_dict(), theme)
            flash("Thème enregistré.", "succes")
            return _retour(demarche)
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    if request.method == "POST":
        valeurs = request.form
    else:
        valeurs = {**theme.model_dump(), "mots_cles": "\n".join(theme.mots_cles)} if theme else {}
    autres = [
        t for t, _ in gestion_themes.lister_themes(session, demarche.id) if not theme or t.id != theme.id
    ]
    return render_template(
        "themes/formulaire.html",
        theme=theme,
        demarche=demarche,
        valeurs=valeurs,
        autres=autres,
        motifs=MOTIFS,
    )


@bp.post("/<int:theme_id>/deplacer")
@ecriture_requise
def deplacer(theme_id: int):
    theme, demarche = _theme_de(theme_id)
    gestion_themes.deplacer(get_session(), theme, -1 if request.form.get("sens") == "haut" else 1)
    return _retour(demarche)


@bp.post("/<int:theme_id>/fusionner")
@ecriture_requise
def fusionner(theme_id: int):
    source, demarche = _theme_de(theme_id)
    cible = obtenir_ou_404(Theme, lire_identifiant(request.form.get("cible")))
    label = source.label
    try:
        n = gestion_themes.fusionner(get_session(), source, cible)
        flash(f"« {label} » fusionné dans « {cible.label} » : {n} parole(s) reportée(s).", "succes")
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
    return _retour(demarche)


@bp.post("/<int:theme_id>/supprimer")
@ecriture_requise
def supprimer(theme_id: int):
    theme, demarche = _theme_de(theme_id)
    label = theme.label
    n = gestion_themes.supprimer(get_session(), theme)
    flash(f"Thème « {label} » supprimé ; {n} parole(s) ont perdu cette étiquette.", "succes")
    return _retour(demarche)


@bp.post("/importer")
@ecriture_requise
def importer():
    demarche = _demarche_choisie() or abort(404)
    fichier = request.files.get("fichier")
    if not fichier or not fichier.filename:
        flash("Choisissez un fichier à importer (.yaml, .csv ou .qdc).", "erreur")
        return _retour(demarche)
    try:
        rapport = gestion_themes.importer_fichier(get_session(), demarche, fichier.filename, fichier.read())
        flash(f"Livre de codes importé : {rapport.resume()}", "succes")
        for avertissement in rapport.avertissements:
            flash(avertissement, "avertissement")
    except ErreurValidation as erreur:
        flash(f"Import refusé, rien n'a été modifié. {erreur.message}", "erreur")
    return _retour(demarche)


@bp.get("/exporter/<format_>")
def exporter(format_: str):
    demarche = _demarche_choisie() or abort(404)
    if format_ not in gestion_themes.FORMATS_EXPORT:
        abort(404)
    try:
        contenu = gestion_themes.exporter(get_session(), demarche, format_)
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
        return _retour(demarche)
    return send_file(
        io.BytesIO(contenu),
        mimetype=gestion_themes.FORMATS_EXPORT[format_],
        as_attachment=True,
        download_name=f"themes-{demarche.slug}.{format_}",
    )
