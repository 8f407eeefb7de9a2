"""API JSON des appareils de terrain (session de connexion de l'équipe, jeton CSRF en en-tête).

- POST /api/contributions : une parole (idempotent par client_uuid) ;
- POST /api/contributions/lot : plusieurs paroles, un résultat chacune (file d'attente d'une tablette) ;
- POST /api/contributions/<uuid>/annulation : « annuler la dernière » depuis un appareil (idempotent) ;
- GET /api/session : qui est connecté·e et un jeton CSRF frais (la page en cache peut être ancienne) ;
- GET /api/temps/<id> : ce qu'un appareil garde d'un temps pour saisir hors ligne.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from collecte.modele.champs import en_json
from collecte.modele.db import get_session
from collecte.modele.models import Contribution, TempsDeCollecte, maintenant
from collecte.modele.validation import ErreurValidation, valider_uuid
from collecte.terrain.saisie import (
    LOT_TAILLE_MAX,
    RefusAnnulation,
    annuler_par_uuid,
    compter_par_temps,
    enregistrer_lot,
    theme_ids_de,
    themes_de_la_demarche,
)
from collecte.views.saisie import description_pour_appareil, examiner_apres_la_reponse
from collecte.web import ecriture_requise, obtenir_ou_404

bp = Blueprint("api", __name__, url_prefix="/api")


def _en_json(session, contribution: Contribution) -> dict:
    temps = session.get(TempsDeCollecte, contribution.temps_id)
    slugs = {ident: slug for slug, ident in themes_de_la_demarche(session, temps.demarche_id).items()}
    return en_json(contribution, [slugs[i] for i in theme_ids_de(session, contribution.id)])


def _corps_json():
    """Le JSON de la requête, ou None s'il est illisible ou imbriqué au point d'épuiser l'analyseur."""
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def _erreur(message: str, statut: int, champ: str | None = None, code: str = "validation"):
    corps = {"erreur": message, "code": code}
    if champ:
        corps["champ"] = champ
    return corps, statut


@bp.post("/contributions")
@ecriture_requise
def creer_contribution():
    donnees = _corps_json()
    if not isinstance(donnees, dict):
        return _erreur(
            "Corps JSON attendu : un objet avec au moins « client_uuid », « temps » et « texte ».", 400
        )
    session = get_session()
    resultat = enregistrer_lot(session, [donnees], current_user.id)[0]
    if resultat.contribution_id is None or resultat.statut == "conflit":
        code = {"conflit": "conflit", "annulee": "annulee"}.get(resultat.statut, "validation")
        message = resultat.erreur
        return _erreur(message, resultat.code, resultat.champ, code)
    examiner_apres_la_reponse([resultat.contribution_id])
    return _en_json(session, session.get(Contribution, resultat.contribution_id)), resultat.code


@bp.post("/contributions/lot")
@ecriture_requise
def creer_lot():
    """Plusieurs paroles d'un coup : toujours 200 si le lot est lisible, un résultat par parole."""
    corps = _corps_json()
    elements = corps.get("contributions") if isinstance(corps, dict) else None
    if not isinstance(elements, list):
        return _erreur('Corps JSON attendu : {"contributions": [ … ]}.', 400)
    if len(elements) > LOT_TAILLE_MAX:
        return _erreur(f"Lot trop grand : {LOT_TAILLE_MAX} paroles au plus par envoi.", 413, code="trop_gros")
    session = get_session()
    resultats = enregistrer_lot(session, elements, current_user.id)
    examiner_apres_la_reponse(r.contribution_id for r in resultats)
    temps_touches = {r.temps_id for r in resultats if r.temps_id is not None and r.code in (200, 201)}
    compteurs = compter_par_temps(session, temps_touches)
    return {
        "resultats": [r.en_json() for r in resultats],
        "compteurs": {str(ident): n for ident, n in compteurs.items()},
        "heure": maintenant().isoformat(),  # les compteurs valent à cette heure du serveur
    }


@bp.post("/contributions/<client_uuid>/annulation")
@ecriture_requise
def annuler(client_uuid: str):
    try:
        ident = valider_uuid(client_uuid)
    except ErreurValidation as erreur:
        return _erreur(erreur.message, 400, erreur.champ)
    session = get_session()
    try:
        statut, supprimee = annuler_par_uuid(
            session, ident, current_user.id, toutes=current_user.peut("admin")
        )
    except RefusAnnulation as refus:
        return _erreur(str(refus), 403, code="role")
    corps = {"client_uuid": str(ident), "statut": statut, "heure": maintenant().isoformat()}
    if supprimee is not None:
        corps["compteurs"] = {
            str(supprimee.temps_id): compter_par_temps(session, {supprimee.temps_id})[supprimee.temps_id]
        }
    return corps


@bp.get("/session")
def session_en_cours():
    """Répond 401 sans session (voir app._exiger_compte) ; sinon le compte et un jeton CSRF frais."""
    return {
        "utilisateur": {"id": current_user.id, "nom": current_user.nom, "role": current_user.role},
        "csrf": generate_csrf(),
        "delai_reseau_ms": current_app.config["TERRAIN_DELAI_RESEAU_MS"],
    }


@bp.get("/temps/<int:temps_id>")
@ecriture_requise
def temps_pour_appareil(temps_id: int):
    return description_pour_appareil(obtenir_ou_404(TempsDeCollecte, temps_id))
