"""Terrain sans réseau : service worker, page « Sur cet appareil », pages gardées hors ligne.

Le service worker (`static/sw.js`, servi à la racine pour couvrir tout le site) garde une copie des
écrans marqués `@hors_ligne` quand ils sont ouverts en ligne, et la ressert quand le réseau manque.
Une page n'est gardée que si elle est « propre » : réponse 200 à un GET, sans message flash affiché
(un « parole enregistrée » figé dans la copie serait faux à la réouverture). Les données de terrain,
elles, ne passent jamais par ce cache : elles vivent dans la file d'attente de l'appareil (IndexedDB,
`static/boite.js`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, g, get_flashed_messages, render_template, request, url_for

from collecte.modele.champs import description_pour_les_pages
from collecte.web import ecriture_requise, hors_ligne

bp = Blueprint("terrain", __name__)

EN_TETE_HORS_LIGNE = "X-Parole-Hors-Ligne"
# Fichiers statiques dont les écrans de terrain ont besoin hors ligne (préchargés par le service worker).
STATIQUES_TERRAIN = (
    "parole.css",
    "boite.js",
    "saisie.js",
    "appareil.js",
    "commun.js",
    "manifest.webmanifest",
    "icone.svg",
    "icone-192.png",
    "icone-512.png",
)
EN_TETE_PRECHARGEMENT = "X-Parole-Prechargement"
CACHE_PAGES = "parole-pages-v1"  # partagé par le service worker et boite.js (« Emporter sur cet appareil »)


def _version_statiques() -> str:
    """Empreinte des fichiers statiques : un déploiement qui les change renouvelle le cache des appareils."""
    version = current_app.extensions.get("parole_version_statiques")
    if version is None:
        empreinte = hashlib.sha256()
        dossier = Path(current_app.static_folder)
        for fichier in sorted(p for p in dossier.rglob("*") if p.is_file()):
            empreinte.update(fichier.relative_to(dossier).as_posix().encode())
            empreinte.update(fichier.read_bytes())
        version = current_app.extensions["parole_version_statiques"] = empreinte.hexdigest()[:16]
    return version


@bp.get("/sw.js")
def service_worker():
    source = (Path(current_app.static_folder) / "sw.js").read_text(encoding="utf-8")
    statiques = json.dumps([url_for("static", filename=nom) for nom in STATIQUES_TERRAIN])
    source = (
        source.replace('"__VERSION__"', json.dumps(_version_statiques()))
        .replace('["__STATIQUES__"]', statiques)
        .replace('"__CACHE_PAGES__"', json.dumps(CACHE_PAGES))
        .replace('"__APPAREIL__"', json.dumps(url_for("terrain.appareil")))
    )
    reponse = Response(source, mimetype="text/javascript")
    reponse.headers["Cache-Control"] = "no-cache"
    return reponse


@bp.get("/collecte/appareil")
@ecriture_requise
@hors_ligne
def appareil():
    return render_template("saisie/appareil.html", champs=description_pour_les_pages())


@bp.app_context_processor
def _contexte_terrain():
    def messages_flash():
        # Un préchargement par le service worker ne consomme pas les messages destinés à la page suivante.
        if request.headers.get(EN_TETE_PRECHARGEMENT):
            return []
        messages = get_flashed_messages(with_categories=True)
        g.flash_affiches = g.get("flash_affiches") or bool(messages)
        return messages

    return {"messages_flash": messages_flash, "cache_pages": CACHE_PAGES}


@bp.after_app_request
def _entetes(reponse: Response) -> Response:
    vue = current_app.view_functions.get(request.endpoint or "")
    if (
        getattr(vue, "disponible_hors_ligne", False)
        and request.method == "GET"
        and reponse.status_code == 200
        and not g.get("flash_affiches")
    ):
        reponse.headers[EN_TETE_HORS_LIGNE] = "1"
    return reponse
