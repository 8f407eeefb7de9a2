"""Connexion, déconnexion et gestion des comptes d'équipe (réservée aux admins), journal des actions
sensibles (admins)."""

from __future__ import annotations

from datetime import datetime, time

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_user, logout_user

from collecte import comptes
from collecte.confidentialite import journal
from collecte.confidentialite.journal import Acteur
from collecte.modele.db import get_session
from collecte.modele.models import FUSEAU_AFFICHAGE, ROLES, Utilisateur, heure_locale, maintenant
from collecte.modele.validation import ErreurValidation, lire_identifiant, valider_date
from collecte.web import admin_requis, cible_sure, obtenir_ou_404

bp = Blueprint("comptes", __name__, url_prefix="/comptes")


@bp.route("/connexion", methods=["GET", "POST"])
def connexion():
    if request.method == "POST":
        utilisateur = comptes.connecter(
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
        comptes.fermer_les_sessions(get_session(), current_user.id, Acteur.compte(current_user))
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
                acteur=Acteur.compte(current_user),
            )
            flash(f"Compte « {cree.identifiant} » créé.", "succes")
            return redirect(url_for("comptes.liste"))
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    # Après un refus, le formulaire garde ce qui a été tapé (sauf le mot de passe).
    saisie = {cle: request.form.get(cle, "") for cle in ("identifiant", "nom", "role")}
    return render_template(
        "comptes/liste.html", utilisateurs=comptes.lister_utilisateurs(session), roles=ROLES, saisie=saisie
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
            acteur=Acteur.compte(current_user),
        )
        flash(f"Compte « {utilisateur.identifiant} » mis à jour.", "succes")
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
    return redirect(url_for("comptes.liste"))


@bp.route("/<int:utilisateur_id>/supprimer", methods=["GET", "POST"])
@admin_requis
def supprimer(utilisateur_id: int):
    """Suppression d'un compte : une page de confirmation, puis la suppression."""
    utilisateur = obtenir_ou_404(Utilisateur, utilisateur_id)
    if request.method == "GET":
        return render_template("comptes/supprimer.html", utilisateur=utilisateur, roles=ROLES)
    identifiant = utilisateur.identifiant
    try:
        pseudonyme = comptes.supprimer_utilisateur(
            get_session(), utilisateur, Acteur.compte(current_user), par_id=current_user.id
        )
        flash(
            f"Compte « {identifiant} » supprimé ; le journal le nomme désormais « {pseudonyme} ».", "succes"
        )
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
    return redirect(url_for("comptes.liste"))


PAR_PAGE_JOURNAL = 100


def _filtre_journal() -> tuple[journal.FiltreJournal, list[str]]:
    erreurs = []
    try:
        jour = valider_date(request.args.get("depuis"), "depuis", requis=False)
    except ErreurValidation as erreur:
        erreurs.append(erreur.message)
        jour = None
    action = request.args.get("action") or None
    filtre = journal.FiltreJournal(
        action=action if action in journal.ACTIONS else None,
        acteur=(request.args.get("acteur") or "")[:100] or None,
        depuis=datetime.combine(jour, time(0, 0), FUSEAU_AFFICHAGE) if jour else None,
    )
    return filtre, erreurs


@bp.get("/journal")
@admin_requis
def journal_page():
    """Journal des actions sensibles : filtres (action, compte, date), 100 lignes par page."""
    session = get_session()
    filtre, erreurs = _filtre_journal()
    for message in erreurs:
        flash(message, "erreur")
    numero = max(lire_identifiant(request.args.get("page")) or 1, 1)
    lignes, total = journal.lire(session, filtre, numero, PAR_PAGE_JOURNAL)
    return render_template(
        "comptes/journal.html",
        lignes=lignes,
        total=total,
        numero=numero,
        pages=max((total + PAR_PAGE_JOURNAL - 1) // PAR_PAGE_JOURNAL, 1),
        actions=journal.ACTIONS,
        acteurs=comptes.acteurs_du_journal(session),
        args=request.args,
        heure_locale=heure_locale,
    )


@bp.get("/journal.csv")
@admin_requis
def journal_csv():
    """Le journal du filtre en CSV (Excel en français), écrit au fil de la lecture."""
    filtre, _erreurs = _filtre_journal()
    nom = f"journal-{heure_locale(maintenant()):%Y-%m-%d}.csv"
    flux = comptes.journal_en_csv(get_session(), filtre, Acteur.compte(current_user))
    return Response(
        stream_with_context(flux),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{nom}"'},
    )
