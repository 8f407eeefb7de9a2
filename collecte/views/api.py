"""API JSON de synchronisation des tablettes : POST /api/contributions (idempotent par client_uuid)."""
from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from collecte.db import get_session
from collecte.models import TempsDeCollecte
from collecte.saisie import ConflitContribution, enregistrer_contribution, theme_ids_de, themes_de_la_demarche
from collecte.validation import ErreurValidation, valider_contribution, valider_entier, valider_uuid
from collecte.views import ecriture_requise

bp = Blueprint("api", __name__, url_prefix="/api")


def _en_json(session, contribution, slugs_par_id: dict[int, str]) -> dict:
    return {
        "id": contribution.id,
        "client_uuid": str(contribution.client_uuid),
        "temps": contribution.temps_id,
        "texte": contribution.texte,
        "question": contribution.question,
        "nature": contribution.nature,
        "profil": contribution.profil,
        "tranche_age": contribution.tranche_age,
        "genre": contribution.genre,
        "themes": sorted(slugs_par_id[i] for i in theme_ids_de(session, contribution.id)),
        "a_retenir": contribution.a_retenir,
        "ne_pas_citer": contribution.ne_pas_citer,
        "cree_le": contribution.cree_le.isoformat(),
    }


def _erreur(message: str, statut: int, champ: str | None = None):
    corps = {"erreur": message}
    if champ:
        corps["champ"] = champ
    return corps, statut


@bp.post("/contributions")
@ecriture_requise
def creer_contribution():
    donnees = request.get_json(silent=True)
    if not isinstance(donnees, dict):
        return _erreur("Corps JSON attendu : un objet avec au moins « client_uuid », « temps » et « texte ».", 400)
    session = get_session()
    try:
        client_uuid = valider_uuid(donnees.get("client_uuid"))
        temps = session.get(TempsDeCollecte, valider_entier(donnees.get("temps"), "temps", minimum=1, defaut=0) or 0)
        if temps is None:
            raise ErreurValidation("Temps de collecte inconnu.", "temps")
        themes = themes_de_la_demarche(session, temps.demarche_id)
        valides = valider_contribution(donnees, themes)
        contribution, cree = enregistrer_contribution(session, temps, valides, client_uuid, current_user.id)
    except ErreurValidation as erreur:
        return _erreur(erreur.message, 400, erreur.champ)
    except ConflitContribution as conflit:
        return _erreur(f"{conflit} (parole n° {conflit.existante.id}).", 409, "client_uuid")
    slugs = {ident: slug for slug, ident in themes.items()}
    return _en_json(session, contribution, slugs), 201 if cree else 200
