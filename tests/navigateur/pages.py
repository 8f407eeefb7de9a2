"""Toutes les pages de l'application, pour les tests navigateur d'accessibilité et de mise en page.

La liste vient de `app.url_map` : chaque route GET est visitée avec des objets réels d'une démarche peuplée
(`tests/donnees_livret.creer_campagne`), sauf les routes d'`EXCLUSIONS` (téléchargements, images, JSON),
chacune avec sa raison. Une route GET nouvelle qui n'est ni visitée ni exclue fait échouer les tests
(`routes_oubliees`) : on ne peut pas ajouter une page sans qu'axe-core et la mesure du débordement la voient.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from collecte import comptes
from collecte.modele.models import Contribution, ReponseQuestionnaire, Structure
from questionnaires import invitations
from restitution import textes
from tests.conftest import MOT_DE_PASSE
from tests.donnees_livret import creer_campagne

DOSSIER = Path(__file__).parent
AXE = DOSSIER / "node_modules" / "axe-core" / "axe.min.js"

# Route GET → raison de ne pas la visiter comme une page.
EXCLUSIONS = {
    "static": "fichiers statiques (CSS, scripts, icônes)",
    "favicon": "icône du site, redirigée vers static/icone.svg",
    "terrain.service_worker": "script du service worker",
    "index": "redirige vers la liste des démarches, visitée",
    "api.session_en_cours": "JSON de l'API",
    "api.temps_pour_appareil": "JSON de l'API",
    "analyse.graphique_comptage": "image d'un graphique, vue dans le tableau de bord",
    "analyse.graphique_croisement": "image d'un graphique, vue dans le tableau de bord",
    "analyse.graphique_specificites": "image d'un graphique, vue dans la page du lexique",
    "analyse.nuage": "image PNG du nuage de mots",
    "analyse.graphique_afc": "image de l'analyse des correspondances, vue dans la page de la structure",
    "analyse.graphique_similitudes": "image du graphe de similitudes, vue dans la page de la structure",
    "temps.photo": "photo téléchargée",
    "themes.exporter": "téléchargement du livre de codes (YAML, CSV, .qdc)",
    "comptes.journal_csv": "téléchargement CSV du journal",
    "questionnaires.exporter_liens": "téléchargement CSV/XLSX des liens d'invitation",
    "questionnaires.exporter_reponses": "téléchargement CSV/XLSX des réponses",
    "restitution.exporter": "téléchargement d'un export (CSV, XLSX, IRaMuTeQ, REFI-QDA)",
    "restitution.livret": "téléchargement du livret PDF",
    "restitution.affiches": "téléchargement des affiches PDF",
    "information.notice": "téléchargement de la notice PDF",
    "information.registre_telecharger": "téléchargement de la fiche du registre PDF",
}


@dataclass
class Monde:
    """Les objets réels qui remplissent les paramètres des routes."""

    valeurs: dict[str, object]
    # Quelques routes ont plusieurs états à voir (questionnaire à remplir et réponse envoyée).
    variantes: dict[str, list[dict[str, object]]]


def peupler(session, fabriques) -> Monde:
    """Démarche d'exemple (thèmes, temps, paroles, questionnaire), deux liens d'invitation (l'un
    répondu), un second compte ; renvoie les valeurs des paramètres d'URL."""
    campagne = creer_campagne(session, *fabriques)
    demarche = campagne.demarche
    reponse = session.exec(select(ReponseQuestionnaire)).one()
    media = session.exec(select(Structure).where(Structure.nom == "Médiathèque Europe")).one()
    professionnel = invitations.definition("professionnel")
    ids = [reponse.structure_id, media.id]
    creees, _ = invitations.creer_invitations(session, demarche, professionnel, ids)
    repondue = next(i for i in creees if i.structure_id == reponse.structure_id)
    libre = next(i for i in creees if i.structure_id != reponse.structure_id)
    reponse.invitation_id, reponse.version = repondue.id, professionnel.version
    demarche.date_fin = None  # démarche ouverte : la structure peut encore supprimer sa réponse
    session.add_all([reponse, demarche])
    session.commit()
    autre = comptes.creer_utilisateur(session, "lecteur-a-supprimer", MOT_DE_PASSE, "lecteur")
    contribution = session.exec(select(Contribution).order_by(Contribution.id)).first()
    temps = contribution.temps_id
    valeurs = {
        "slug": demarche.slug,
        "temps_id": temps,
        "contribution_id": contribution.id,
        "structure_id": repondue.structure_id,
        "theme_id": campagne.themes["parentalite"].id,
        "theme_slug": "parentalite",
        "utilisateur_id": autre.id,
        "reponse_id": reponse.id,
        "cle": textes.ORDRE[0],
        "jeton": libre.jeton,
    }
    variantes = {
        "public.formulaire": [{"jeton": libre.jeton}, {"jeton": repondue.jeton}],
        "public.supprimer": [{"jeton": repondue.jeton}],
    }
    return Monde(valeurs, variantes)


# Pages d'erreur vues avec un compte (gabarit erreur.html) : (adresse, statut attendu).
PAGES_D_ERREUR = [("/collecte/temps/999999", 404), ("/adresse-inconnue", 404)]


def _regles_get(app):
    for regle in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" in regle.methods:
            yield regle


def adresses(app, monde: Monde) -> list[tuple[str, str]]:
    """(route, adresse) de chaque page à visiter, dans l'ordre des routes."""
    visites = []
    for regle in _regles_get(app):
        if regle.endpoint in EXCLUSIONS:
            continue
        jeux = monde.variantes.get(regle.endpoint) or [{}]
        for jeu in jeux:
            valeurs = {nom: jeu.get(nom, monde.valeurs.get(nom)) for nom in regle.arguments}
            if any(v is None for v in valeurs.values()):
                continue  # paramètre inconnu : signalé par routes_oubliees
            visites.append((regle.rule, regle.build(valeurs, append_unknown=False)[1]))
    return visites


def routes_oubliees(app, visites) -> list[str]:
    """Routes GET ni visitées ni exclues (nom de l'endpoint et règle)."""
    vues = {route for route, _ in visites}
    return [
        f"{r.endpoint} ({r.rule})"
        for r in _regles_get(app)
        if r.endpoint not in EXCLUSIONS and r.rule not in vues
    ]


def exclusions_perimees(app) -> list[str]:
    """Exclusions qui ne correspondent plus à aucune route : la liste ne doit pas dériver."""
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    return sorted(set(EXCLUSIONS) - endpoints)


def exiger_axe() -> Path:
    """Chemin d'axe.min.js ; sinon saute le test (échoue en CI, PAROLE_EXIGER_OUTILS=1)."""
    if AXE.is_file():
        return AXE
    message = f"axe-core absent ({AXE}) : lancez « npm ci » dans {DOSSIER}."
    if os.environ.get("PAROLE_EXIGER_OUTILS"):
        pytest.fail(message + " (PAROLE_EXIGER_OUTILS est défini)")
    pytest.skip(message)


def visiter(page, url: str) -> int:
    """Ouvre la page, attend que ses images soient chargées ; renvoie le statut HTTP."""
    reponse = page.goto(url, wait_until="load", timeout=60_000)  # analyse et nuages : machine partagée
    return reponse.status if reponse else 0
