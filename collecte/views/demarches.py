"""Démarches (campagnes), leurs territoires et leurs structures partenaires."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from collecte import demarches as logique
from collecte.confidentialite import information
from collecte.modele.db import get_session
from collecte.modele.models import BASES_LEGALES, TYPOLOGIES, Demarche, Structure
from collecte.modele.validation import ErreurValidation
from collecte.web import ecriture_requise, obtenir_ou_404

bp = Blueprint("demarches", __name__, url_prefix="/demarches")


def demarche_ou_404(slug: str) -> Demarche:
    demarche = logique.demarche_par_slug(get_session(), slug)
    if demarche is None:
        abort(404)
    return demarche


def _formulaire(demarche: Demarche | None, valeurs):
    """Le formulaire de la démarche, réglages « Données personnelles (RGPD) » compris ; les champs vides
    montrent un exemple tiré du titre et du commanditaire (jamais enregistré tel quel)."""
    return render_template(
        "demarches/formulaire.html",
        demarche=demarche,
        valeurs=valeurs,
        reglages=information.REGLAGES,
        bases_legales=BASES_LEGALES,
        conservation=(information.CONSERVATION_MIN, information.CONSERVATION_MAX),
        suggestions=logique.suggestions_donnees_personnelles(
            valeurs.get("titre") or "", valeurs.get("commanditaire") or ""
        ),
    )


@bp.get("/")
def liste():
    return render_template("demarches/liste.html", demarches=logique.lister_demarches(get_session()))


@bp.route("/nouvelle", methods=["GET", "POST"])
@ecriture_requise
def creer():
    if request.method == "POST":
        try:
            demarche = logique.creer_demarche(get_session(), request.form.to_dict(), request.form.get("slug"))
            flash(f"Démarche « {demarche.titre} » créée.", "succes")
            return redirect(url_for("demarches.detail", slug=demarche.slug))
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    return _formulaire(None, request.form or {"conservation_mois": logique.CONSERVATION_PAR_DEFAUT})


@bp.get("/<slug>")
def detail(slug: str):
    session = get_session()
    demarche = demarche_ou_404(slug)
    return render_template(
        "demarches/detail.html",
        demarche=demarche,
        resume=logique.resume_demarche(session, demarche.id),
        territoires=logique.territoires(session, demarche.id),
        structures=logique.structures(session, demarche.id),
        typologies=TYPOLOGIES,
        libelle_territoire=logique.libelle_territoire,
        reglages_manquants=information.reglages_manquants(demarche),
    )


@bp.route("/<slug>/modifier", methods=["GET", "POST"])
@ecriture_requise
def modifier(slug: str):
    demarche = demarche_ou_404(slug)
    if request.method == "POST":
        try:
            logique.modifier_demarche(get_session(), demarche, request.form.to_dict())
            flash("Démarche mise à jour.", "succes")
            return redirect(url_for("demarches.detail", slug=slug))
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    return _formulaire(demarche, request.form or demarche.model_dump())


@bp.post("/<slug>/territoires")
@ecriture_requise
def ajouter_territoire(slug: str):
    demarche = demarche_ou_404(slug)
    try:
        logique.trouver_ou_creer_territoire(
            get_session(),
            demarche.id,
            request.form.get("ville", ""),
            request.form.get("quartier", ""),
            request.form.get("code_qpv", ""),
        )
        flash("Territoire enregistré.", "succes")
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
    return redirect(url_for("demarches.detail", slug=slug) + "#territoires")


@bp.route("/<slug>/structures/nouvelle", methods=["GET", "POST"], defaults={"structure_id": None})
@bp.route("/<slug>/structures/<int:structure_id>", methods=["GET", "POST"])
@ecriture_requise
def structure(slug: str, structure_id: int | None):
    session = get_session()
    demarche = demarche_ou_404(slug)
    existante = obtenir_ou_404(Structure, structure_id) if structure_id else None
    if existante is not None and existante.demarche_id != demarche.id:
        abort(404)
    if request.method == "POST":
        try:
            logique.enregistrer_structure(session, demarche.id, request.form.to_dict(), existante)
            flash("Structure enregistrée.", "succes")
            return redirect(url_for("demarches.detail", slug=slug) + "#structures")
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    valeurs = request.form if request.method == "POST" else (existante.model_dump() if existante else {})
    return render_template(
        "demarches/structure.html",
        demarche=demarche,
        structure=existante,
        valeurs=valeurs,
        territoires=logique.territoires(session, demarche.id),
        typologies=TYPOLOGIES,
        libelle_territoire=logique.libelle_territoire,
    )
