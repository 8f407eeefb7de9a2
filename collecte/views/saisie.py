"""Écrans de terrain : « nouvelle parole » (porteur de parole…) et transcription de post-its.

Les paroles enregistrées ici ou par l'API passent au détecteur de données personnelles une fois la réponse
envoyée (`examiner_apres_la_reponse`) : l'animateur·rice n'attend jamais le détecteur.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from functools import partial

from flask import (
    Blueprint,
    Flask,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlmodel import select

from collecte.confidentialite import examen
from collecte.modele.champs import description_pour_les_pages, valider_contribution
from collecte.modele.db import get_session
from collecte.modele.models import (
    GENRES,
    PROFILS,
    TRANCHES_AGE_COURTES,
    Contribution,
    Demarche,
    TempsDeCollecte,
)
from collecte.modele.validation import ErreurValidation, valider_uuid
from collecte.terrain.saisie import (
    ConflitContribution,
    ParoleAnnulee,
    annuler_derniere,
    compter_contributions,
    description_temps,
    enregistrer_contribution,
    slugs_acceptes,
    themes_de_saisie,
)
from collecte.web import ecriture_requise, hors_ligne, obtenir_ou_404

bp = Blueprint("saisie", __name__, url_prefix="/collecte/temps")


def examiner_apres_la_reponse(contribution_ids: Iterable[int | None]) -> None:
    """Fait examiner ces paroles quand la réponse de la requête en cours a été envoyée (fermeture de la
    réponse par le serveur WSGI) : la saisie ne paie pas le détecteur. Une erreur est notée dans le journal
    de l'application, jamais renvoyée ; la parole reste alors « à examiner » (revue, `parole examiner`)."""
    ids = sorted({i for i in contribution_ids if i is not None})
    if not ids:
        return
    app = current_app._get_current_object()

    @after_this_request
    def _programmer(reponse):
        reponse.call_on_close(partial(_examiner_sans_echec, app, ids))
        return reponse


# Un examen à la fois par processus : le modèle de langue se charge une fois, et les écritures qui suivent
# ne se disputent pas la base.
_UN_EXAMEN_A_LA_FOIS = threading.Lock()


def _examiner_sans_echec(app: Flask, ids: list[int]) -> None:
    try:
        with _UN_EXAMEN_A_LA_FOIS, app.app_context():
            examen.examiner(get_session(), ids)
    except Exception:
        app.logger.exception("Examen des données personnelles après l'envoi (paroles n° %s) : échec", ids)


def _donnees_formulaire() -> dict:
    donnees = request.form.to_dict()
    donnees["themes"] = request.form.getlist("themes")
    return donnees


def _enregistrer(temps: TempsDeCollecte, donnees: dict) -> Contribution:
    """Valide et enregistre ; lève ErreurValidation (message pour l'animateur·rice)."""
    session = get_session()
    valides = valider_contribution(donnees, slugs_acceptes(session, temps.demarche_id))
    try:
        contribution, _cree = enregistrer_contribution(
            session, temps, valides, valider_uuid(donnees.get("client_uuid")), current_user.id
        )
        examiner_apres_la_reponse([contribution.id])
    except ConflitContribution:
        raise ErreurValidation(
            "Ce formulaire a déjà servi pour une autre parole : rechargez la page."
        ) from None
    except ParoleAnnulee:
        raise ErreurValidation(
            "Cette parole a été annulée : rechargez la page pour en saisir une nouvelle."
        ) from None
    return contribution


def _page(gabarit: str, temps: TempsDeCollecte, valeurs: dict, statut: int = 200):
    session = get_session()
    demarche = session.get(Demarche, temps.demarche_id)
    suggestions = "analyse.api_suggestions" in current_app.view_functions
    proposes, autres = themes_de_saisie(session, temps)
    return render_template(
        gabarit,
        temps=temps,
        demarche=demarche,
        valeurs=valeurs,
        client_uuid=valeurs.get("client_uuid") or str(uuid.uuid4()),
        themes_proposes=proposes,
        themes_autres=autres,
        description=description_pour_appareil(temps),
        champs=description_pour_les_pages(),
        profils=PROFILS,
        tranches=TRANCHES_AGE_COURTES,
        genres={k: v for k, v in GENRES.items() if k},
        compteur=compter_contributions(session, temps.id),
        url_suggestions=url_for("analyse.api_suggestions") if suggestions else "",
        dernieres=_dernieres_postits(temps.id) if gabarit.endswith("postits.html") else [],
    ), statut


def description_pour_appareil(temps: TempsDeCollecte) -> dict:
    """La fiche du temps que garde un appareil, avec les adresses de ses deux écrans."""
    description = description_temps(get_session(), temps)
    description["urls"] = {
        "parole": url_for("saisie.nouvelle_parole", temps_id=temps.id),
        "postits": url_for("saisie.postits", temps_id=temps.id),
    }
    return description


def _dernieres_postits(temps_id: int) -> list[Contribution]:
    requete = (
        select(Contribution)
        .where(Contribution.temps_id == temps_id)
        .order_by(Contribution.id.desc())
        .limit(30)
    )
    return list(get_session().exec(requete))


def _valeurs_suivantes(valeurs: dict) -> dict:
    # La question reste choisie d'une parole à l'autre (le panneau ne change pas pendant la
    # session) ; profil, âge, genre, thèmes et drapeaux repartent de zéro : chaque passant·e
    # est une autre personne, et un profil resté coché par erreur fausserait les comptes.
    return {"question": valeurs.get("question", "")}


@bp.route("/<int:temps_id>/parole", methods=["GET", "POST"])
@ecriture_requise
@hors_ligne
def nouvelle_parole(temps_id: int):
    temps = obtenir_ou_404(TempsDeCollecte, temps_id)
    if request.method == "GET":
        return _page("saisie/parole.html", temps, {"question": (temps.questions or [""])[0]})
    donnees = _donnees_formulaire()
    try:
        contribution = _enregistrer(temps, donnees)
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
        return _page("saisie/parole.html", temps, donnees, 400)
    flash(
        f"Parole enregistrée : « {contribution.texte[:80]}{'…' if len(contribution.texte) > 80 else ''} »",
        "succes",
    )
    return _page("saisie/parole.html", temps, _valeurs_suivantes(donnees))


@bp.route("/<int:temps_id>/postits", methods=["GET", "POST"])
@ecriture_requise
@hors_ligne
def postits(temps_id: int):
    temps = obtenir_ou_404(TempsDeCollecte, temps_id)
    if request.method == "GET":
        return _page("saisie/postits.html", temps, {"question": (temps.questions or [""])[0]})
    donnees = {**_donnees_formulaire(), "nature": "postit", "profil": "inconnu"}
    try:
        _enregistrer(temps, donnees)
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
        return _page("saisie/postits.html", temps, donnees, 400)
    flash("Post-it enregistré.", "succes")
    return _page("saisie/postits.html", temps, _valeurs_suivantes(donnees))


@bp.post("/<int:temps_id>/annuler")
@ecriture_requise
def annuler(temps_id: int):
    temps = obtenir_ou_404(TempsDeCollecte, temps_id)
    annulee = annuler_derniere(get_session(), temps.id, current_user.id)
    if annulee is None:
        flash("Rien à annuler : vous n'avez encore rien saisi dans ce temps.", "info")
    else:
        flash(
            f"Dernière saisie annulée : « {annulee.texte[:80]}{'…' if len(annulee.texte) > 80 else ''} »",
            "info",
        )
    vue = "saisie.postits" if request.form.get("ecran") == "postits" else "saisie.nouvelle_parole"
    return redirect(url_for(vue, temps_id=temps.id))
