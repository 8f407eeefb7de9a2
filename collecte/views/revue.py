"""Revue des paroles : liste filtrée, modification, actions groupées, doublons probables."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import select

from collecte import demarches as logique_demarches
from collecte import revue
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


def _entier(nom: str) -> int | None:
    return lire_identifiant(request.args.get(nom))


def _filtres(demarche: Demarche | None) -> tuple[revue.Filtres, list[str]]:
    erreurs = []
    dates = {}
    for nom in ("date_debut", "date_fin"):
        try:
            dates[nom] = valider_date(request.args.get(nom), nom, requis=False)
        except ErreurValidation as erreur:
            erreurs.append(erreur.message)
            dates[nom] = None
    filtres = revue.Filtres(
        demarche_id=demarche.id if demarche else None,
        territoire_id=_entier("territoire"),
        dispositif=request.args.get("dispositif") or None,
        theme_id=_entier("theme"),
        profil=request.args.get("profil") or None,
        temps_id=_entier("temps"),
        recherche=request.args.get("q", "")[:200],
        masquees=bool(request.args.get("masquees")),
        a_retenir=bool(request.args.get("a_retenir")),
        **dates,
    )
    return filtres, erreurs


def _demarche() -> Demarche | None:
    session = get_session()
    slug = request.args.get("demarche")
    if slug:
        return logique_demarches.demarche_par_slug(session, slug) or abort(404)
    temps_id = _entier("temps")
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
    )


@bp.post("/actions")
@ecriture_requise
def actions():
    ids = [i for i in map(lire_identifiant, request.form.getlist("ids")) if i is not None]
    theme = request.form.get("theme", "")
    try:
        n = revue.action_groupee(
            get_session(), ids, request.form.get("action", ""), lire_identifiant(theme), current_user.id
        )
        flash(f"{n} parole(s) modifiée(s).", "succes")
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
    return redirect(cible_sure(request.form.get("retour"), url_for("revue.liste")))


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
        seuil=revue.SEUIL_DOUBLON,
        maximum=revue.DOUBLONS_MAX_PAROLES,
        profils=PROFILS,
    )
