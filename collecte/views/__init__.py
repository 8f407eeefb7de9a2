"""Blueprints web du paquet collecte, et les garde-fous d'accès communs.

Chaque module de ce dossier est un blueprint mince : il lit la requête, appelle une fonction
de `collecte.*` et rend une page. La connexion est exigée partout par `app._exiger_compte` ;
les rôles, par `role_requis`.
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user

from collecte.db import get_session


def role_requis(role_minimal: str):
    """Refuse (403) l'accès aux comptes dont le rôle est inférieur à `role_minimal`."""

    def decorateur(vue):
        @wraps(vue)
        def enveloppe(*args, **kwargs):
            if not current_user.is_authenticated or not current_user.peut(role_minimal):
                abort(403)
            return vue(*args, **kwargs)

        return enveloppe

    return decorateur


ecriture_requise = role_requis("animateur")
admin_requis = role_requis("admin")


def hors_ligne(vue):
    """Marque un écran de terrain : sa page peut être gardée par le service worker et rouverte sans réseau
    (voir `collecte.views.terrain`)."""
    vue.disponible_hors_ligne = True
    return vue


ID_MAX = 2**31 - 1  # au-delà, aucune ligne ne peut exister (colonne INTEGER de PostgreSQL)


def obtenir_ou_404(modele, ident):
    if not isinstance(ident, int) or not 0 < ident <= ID_MAX:
        abort(404)
    objet = get_session().get(modele, ident)
    if objet is None:
        abort(404)
    return objet


def _blueprints():
    from collecte.views import api, comptes, demarches, enquetes, imports, public, revue, saisie, temps, terrain, themes

    modules = (comptes, demarches, temps, saisie, api, terrain, revue, themes, imports, enquetes, public)
    return [module.bp for module in modules]


BLUEPRINTS = _blueprints()
