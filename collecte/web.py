"""Garde-fous d'accès communs aux vues de Parole (couche web) : rôles, objet ou 404, redirection sûre,
écrans gardés hors ligne. Les vues de `collecte`, `questionnaires`, `analyse` et `restitution` les
importent d'ici ; la connexion elle-même est exigée partout par `app._exiger_compte`.
"""

from __future__ import annotations

import urllib.parse
from functools import wraps

from flask import abort
from flask_login import current_user

from collecte.modele.db import get_session
from collecte.modele.validation import ID_MAX


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


_INTERDITS_DANS_UNE_CIBLE = frozenset("\\") | {chr(c) for c in range(32)} | {"\x7f"}


def cible_sure(cible: str | None, defaut: str) -> str:
    """Adresse de retour (`next`, `retour`) si elle reste sur ce site, sinon `defaut`.

    Seul un chemin absolu est gardé, reconstruit sans schéma ni hôte : « //ailleurs », « /\\ailleurs »,
    « https://… », une tabulation ou un saut de ligne (même encodés : %09, %0d, %5c) renvoient à `defaut`.
    Les navigateurs retirent tabulations et sauts de ligne : « /⇥/ailleurs » deviendrait « //ailleurs »."""
    if not isinstance(cible, str) or not cible:
        return defaut
    for forme in (cible, urllib.parse.unquote(cible)):
        if (
            any(c in _INTERDITS_DANS_UNE_CIBLE for c in forme)
            or not forme.startswith("/")
            or forme.startswith("//")
        ):
            return defaut
    morceaux = urllib.parse.urlsplit(cible)
    if morceaux.scheme or morceaux.netloc:
        return defaut
    return urllib.parse.urlunsplit(("", "", morceaux.path, morceaux.query, morceaux.fragment))


def hors_ligne(vue):
    """Marque un écran de terrain : sa page peut être gardée par le service worker et rouverte sans réseau
    (voir `collecte.views.terrain`)."""
    vue.disponible_hors_ligne = True
    return vue


def obtenir_ou_404(modele, ident):
    if not isinstance(ident, int) or not 0 < ident <= ID_MAX:
        abort(404)
    objet = get_session().get(modele, ident)
    if objet is None:
        abort(404)
    return objet
