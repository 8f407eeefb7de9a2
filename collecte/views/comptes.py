"""Connexion, déconnexion et gestion des comptes d'équipe (réservée aux admins)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from collecte import comptes
from collecte.modele.db import get_session
from collecte.modele.models import ROLES, Utilisateur
from collecte.modele.validation import ErreurValidation
from collecte.web import admin_requis, cible_sure, obtenir_ou_404

bp = Blueprint("comptes", __name__, url_prefix="/comptes")


@bp.route("/connexion", methods=["GET", "POST"])
def connexion():
    if request.method == "POST":
        utilisateur = comptes.verifier_identifiants(
            get_session(), request.form.get("identifiant", ""), request.form.get("mot_de_passe", "")
        )
        if utilisateur is None:
            flash("Identifiant ou mot de passe incorrect.", "erreur")
            return render_template(
                "comptes/connexion.html", identifiant=request.form.get("identifiant", "")
            ), 401
        login_user(comptes.CompteSession(utilisateur), remember=bool(request.form.get("se_souvenir")))
        return redirect(cible_sure(request.args.get("next"), url_for("index")))
    return render_template("comptes/connexion.html", identifiant="")


@bp.post("/deconnexion")
def deconnexion():
    if current_user.is_authenticated:  # toutes les sessions de ce compte, sur tous les appareils
        comptes.fermer_les_sessions(get_session(), current_user.id)
    logout_user()
    flash("Vous êtes déconnecté·e.", "info")
    return redirect(url_for("comptes.connexion"))


@bp.route("/", methods=["GET", "POST"])
@admin_requis
def liste():
    session = get_session()
    if request.method == "POST":
        try:
            cree = comptes.creer_utilisateur(
                session,
                request.form.get("identifiant", ""),
                request.form.get("mot_de_passe", ""),
                request.form.get("role", ""),
                request.form.get("nom", ""),
            )
            flash(f"Compte « {cree.identifiant} » créé.", "succes")
            return redirect(url_for("comptes.liste"))
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    return render_template(
        "comptes/liste.html", utilisateurs=comptes.lister_utilisateurs(session), roles=ROLES
    )


@bp.post("/<int:utilisateur_id>")
@admin_requis
def modifier(utilisateur_id: int):
    utilisateur = obtenir_ou_404(Utilisateur, utilisateur_id)
    try:
        comptes.modifier_utilisateur(
            get_session(),
            utilisateur,
            request.form.get("role", ""),
            bool(request.form.get("actif")),
            request.form.get("mot_de_passe", ""),
            par_id=current_user.id,
        )
        flash(f"Compte « {utilisateur.identifiant} » mis à jour.", "succes")
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
    return redirect(url_for("comptes.liste"))
