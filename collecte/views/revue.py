"""Revue des paroles : liste filtrée, modification, actions groupées, doublons probables, données
personnelles repérées (masquer, écarter)."""

from __future__ import annotations

import urllib.parse
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select
from werkzeug.datastructures import MultiDict

from collecte import demarches as logique_demarches
from collecte import doublons as logique_doublons
from collecte import revue
from collecte.confidentialite import examen
from collecte.confidentialite.journal import Acteur
from collecte.modele.db import get_session
from collecte.modele.models import (
    DISPOSITIFS,
    GENRES,
    NATURES,
    PROFILS,
    TRANCHES_AGE,
    Contribution,
    Demarche,
    TempsDeCollecte,
    Theme,
)
from collecte.modele.validation import ErreurValidation, lire_identifiant, valider_date
from collecte.terrain.saisie import theme_ids_de
from collecte.web import cible_sure, ecriture_requise, obtenir_ou_404

bp = Blueprint("revue", __name__, url_prefix="/collecte/revue")


def _entier(nom: str, args=None) -> int | None:
    return lire_identifiant((request.args if args is None else args).get(nom))


def _filtres(demarche: Demarche | None, args=None) -> tuple[revue.Filtres, list[str]]:
    args = request.args if args is None else args
    erreurs = []
    dates = {}
    for nom in ("date_debut", "date_fin"):
        try:
            dates[nom] = valider_date(args.get(nom), nom, requis=False)
        except ErreurValidation as erreur:
            erreurs.append(erreur.message)
            dates[nom] = None
    filtres = revue.Filtres(
        demarche_id=demarche.id if demarche else None,
        territoire_id=_entier("territoire", args),
        dispositif=args.get("dispositif") or None,
        theme_id=_entier("theme", args),
        profil=args.get("profil") or None,
        temps_id=_entier("temps", args),
        recherche=args.get("q", "")[:200],
        masquees=bool(args.get("masquees")),
        a_retenir=bool(args.get("a_retenir")),
        donnees=args.get("donnees") if args.get("donnees") in revue.FILTRES_DONNEES else None,
        **dates,
    )
    return filtres, erreurs


def _demarche(args=None) -> Demarche | None:
    args = request.args if args is None else args
    session = get_session()
    slug = args.get("demarche")
    if slug:
        return logique_demarches.demarche_par_slug(session, slug) or abort(404)
    temps_id = _entier("temps", args)
    if temps_id:
        temps = obtenir_ou_404(TempsDeCollecte, temps_id)
        return session.get(Demarche, temps.demarche_id)
    demarches = logique_demarches.lister_demarches(session)
    return demarches[0] if demarches else None


def _themes(demarche: Demarche | None) -> list[Theme]:
    if demarche is None:
        return []
    return list(
        get_session().exec(select(Theme).where(Theme.demarche_id == demarche.id).order_by(Theme.ordre))
    )


def _comptes_donnees(session, demarche: Demarche | None) -> dict[str, int]:
    """Paroles à examiner et en attente du détecteur, comptées une fois par version des données."""
    if demarche is None:
        return {"a_examiner": 0, "en_attente": 0}
    return {
        nom: revue.compte_en_cache(session, demarche.id, nom, lambda f=compter: f(session, demarche.id))
        for nom, compter in (
            ("a_examiner", examen.compter_a_examiner),
            ("en_attente", examen.compter_en_attente),
        )
    }


@bp.get("/")
def liste():
    session = get_session()
    demarche = _demarche()
    filtres, erreurs = _filtres(demarche)
    for message in erreurs:
        flash(message, "erreur")
    numero = max(_entier("page") or 1, 1)
    lignes, total = revue.page(session, filtres, numero) if demarche else ([], 0)
    return render_template(
        "revue/liste.html",
        demarche=demarche,
        demarches=logique_demarches.lister_demarches(session),
        lignes=lignes,
        total=total,
        numero=numero,
        pages=max((total + revue.PAR_PAGE - 1) // revue.PAR_PAGE, 1),
        themes=_themes(demarche),
        territoires=logique_demarches.territoires(session, demarche.id) if demarche else [],
        dispositifs=DISPOSITIFS,
        profils=PROFILS,
        tranches=TRANCHES_AGE,
        natures=NATURES,
        libelle_territoire=logique_demarches.libelle_territoire,
        args=request.args,
        filtres_donnees=revue.FILTRES_DONNEES,
        **_comptes_donnees(session, demarche),
    )


MESSAGES_DONNEES = {
    "masquer_donnees": "{} donnée(s) personnelle(s) masquée(s).",
    "ecarter_donnees": "{} repérage(s) marqué(s) « pas une donnée personnelle ».",
}


def _retour():
    return redirect(cible_sure(request.form.get("retour"), url_for("revue.liste")))


def _action_donnees(ids: list[int], action: str) -> None:
    n = revue.action_donnees(get_session(), ids, action, Acteur.compte(current_user))
    flash(MESSAGES_DONNEES[action].format(n), "succes")


@bp.post("/actions")
@ecriture_requise
def actions():
    ids = [i for i in map(lire_identifiant, request.form.getlist("ids")) if i is not None]
    theme = request.form.get("theme", "")
    action = request.form.get("action", "")
    try:
        if action in revue.ACTIONS_DONNEES:
            _action_donnees(ids, action)
        else:
            n = revue.action_groupee(get_session(), ids, action, lire_identifiant(theme), current_user.id)
            flash(f"{n} parole(s) modifiée(s).", "succes")
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
    return _retour()


@bp.post("/donnees")
@ecriture_requise
def donnees_du_filtre():
    """Masquer ou écarter les données personnelles repérées de toutes les paroles du filtre affiché."""
    args = MultiDict(urllib.parse.parse_qsl(request.form.get("filtre", "")[:4000]))
    demarche = _demarche(args)
    filtres, erreurs = _filtres(demarche, args)
    action = request.form.get("action", "")
    if demarche is None or erreurs or action not in revue.ACTIONS_DONNEES:
        flash("Filtre ou action illisible : rien n'a été modifié.", "erreur")
    elif not request.form.get("confirmation"):
        flash("Cochez « Je confirme » : rien n'a été modifié.", "erreur")
    else:
        try:
            _action_donnees(revue.ids_filtres(get_session(), filtres), action)
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    return _retour()


def _version() -> datetime | None:
    try:
        return datetime.fromisoformat(request.form.get("version", ""))
    except ValueError:
        return None


@bp.post("/reperages/<int:reperage_id>/masquer")
@ecriture_requise
def masquer_reperage(reperage_id: int):
    try:
        examen.masquer(get_session(), reperage_id, _version(), Acteur.compte(current_user))
        flash("Donnée personnelle masquée.", "succes")
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
    return _retour()


@bp.post("/reperages/<int:reperage_id>/ecarter")
@ecriture_requise
def ecarter_reperage(reperage_id: int):
    try:
        examen.ecarter(get_session(), reperage_id, _version(), Acteur.compte(current_user))
        flash("Repérage écarté : ce n'est pas une donnée personnelle.", "succes")
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
    return _retour()


@bp.route("/<int:contribution_id>", methods=["GET", "POST"])
@ecriture_requise
def modifier(contribution_id: int):
    session = get_session()
    contribution = obtenir_ou_404(Contribution, contribution_id)
    temps = session.get(TempsDeCollecte, contribution.temps_id)
    demarche = session.get(Demarche, temps.demarche_id)
    if request.method == "POST":
        donnees = {**request.form.to_dict(), "themes": request.form.getlist("themes")}
        try:
            revue.modifier_parole(session, contribution, donnees, current_user.id)
            flash("Parole mise à jour.", "succes")
            return redirect(url_for("revue.liste", demarche=demarche.slug))
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
        valeurs = donnees
    else:
        slugs = {t.id: t.slug for t in _themes(demarche)}
        valeurs = {
            **contribution.model_dump(),
            "themes": [slugs[i] for i in theme_ids_de(session, contribution.id)],
        }
    return render_template(
        "revue/modifier.html",
        contribution=contribution,
        reperes=revue.reperes_de(session, contribution),
        temps=temps,
        demarche=demarche,
        valeurs=valeurs,
        themes=_themes(demarche),
        profils=PROFILS,
        tranches=TRANCHES_AGE,
        genres=GENRES,
        natures=NATURES,
        dispositifs=DISPOSITIFS,
    )


@bp.get("/doublons")
def doublons():
    demarche = _demarche()
    paires = revue.doublons_probables(get_session(), demarche.id) if demarche else []
    return render_template(
        "revue/doublons.html",
        demarche=demarche,
        paires=paires,
        seuil=logique_doublons.SEUIL_DOUBLON,
        maximum=logique_doublons.DOUBLONS_MAX_PAROLES,
        profils=PROFILS,
    )


@bp.route("/<int:contribution_id>/supprimer", methods=["GET", "POST"])
@ecriture_requise
def supprimer(contribution_id: int):
    """Suppression définitive d'une parole : une page de confirmation, puis la suppression."""
    session = get_session()
    if (
        lire_identifiant(contribution_id) is None
    ):  # identifiant démesuré : 404 (une parole déjà supprimée : message)
        abort(404)
    if request.method == "POST":
        try:
            slug = revue.supprimer_parole(session, contribution_id, _version(), Acteur.compte(current_user))
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
            if erreur.champ == "version":
                return redirect(url_for("revue.modifier", contribution_id=contribution_id))
            return redirect(url_for("revue.liste"))
        flash(f"Parole n° {contribution_id} supprimée définitivement.", "succes")
        return redirect(url_for("revue.liste", demarche=slug))
    contribution = obtenir_ou_404(Contribution, contribution_id)
    temps = session.get(TempsDeCollecte, contribution.temps_id)
    return render_template(
        "revue/supprimer.html",
        contribution=contribution,
        temps=temps,
        demarche=session.get(Demarche, temps.demarche_id),
        dispositifs=DISPOSITIFS,
    )
