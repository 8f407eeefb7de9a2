"""Préparation des pages du tableau de bord (sans Flask) : lecture des filtres, tableaux à afficher."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analyse.chiffres import chiffres_cles
from analyse.comptages import compter_par, cooccurrences_en_long, croiser
from analyse.donnees import LIBELLES, Filtres, lire_identifiant
from analyse.lexique import frequences
from analyse.rapport import messages
from analyse.specificites import specificites

CRITERES_AFFICHES = {
    "dispositif": "Paroles par dispositif",
    "territoire": "Paroles par territoire",
    "theme": "Paroles par thème",
    "profil": "Paroles par profil",
    "tranche_age": "Paroles par tranche d'âge",
    "mois": "Paroles par mois",
}
CROISEMENTS_AFFICHES = {
    "territoire": "Thèmes × territoires",
    "profil": "Thèmes × profils",
    "dispositif": "Thèmes × dispositifs",
}
GROUPES_SPECIFICITES = {"territoire": "territoire", "profil": "profil", "dispositif": "dispositif"}
PARAMETRES_FILTRES = ("territoire", "dispositif", "profil", "theme", "du", "au")


def _date(valeur: str, nom: str, erreurs: list[str]) -> date | None:
    try:
        return date.fromisoformat(valeur)
    except ValueError:
        erreurs.append(f"Date « {nom} » illisible ({valeur}) : filtre ignoré (format attendu AAAA-MM-JJ).")
        return None


def lire_filtres(parametres, corpus=None) -> tuple[Filtres, list[str]]:
    """Filtres depuis des paramètres de requête (dict-like) ; une valeur invalide est ignorée et
    signalée dans la liste de messages renvoyée."""
    erreurs: list[str] = []
    filtres = Filtres()
    territoire = (parametres.get("territoire") or "").strip()
    if territoire:
        filtres.territoire_id = lire_identifiant(territoire)
        if filtres.territoire_id is None:
            erreurs.append("Territoire inconnu : filtre ignoré.")
    for nom in ("dispositif", "profil"):
        valeur = (parametres.get(nom) or "").strip()
        if valeur and valeur not in LIBELLES[nom]:
            erreurs.append(f"Valeur inconnue pour « {nom} » : filtre ignoré.")
        elif valeur:
            setattr(filtres, nom, valeur)
    theme = (parametres.get("theme") or "").strip()
    if theme and corpus is not None and theme not in set(corpus.themes.get("slug", [])):
        erreurs.append("Thème inconnu dans cette démarche : filtre ignoré.")
    elif theme:
        filtres.theme = theme
    for nom, attribut in (("du", "date_debut"), ("au", "date_fin")):
        valeur = (parametres.get(nom) or "").strip()
        if valeur:
            setattr(filtres, attribut, _date(valeur, nom, erreurs))
    return filtres, erreurs


def options_filtres(corpus) -> dict:
    """Listes (valeur, libellé) des menus de filtres."""
    territoires = (
        [(str(t.id), t.territoire) for t in corpus.territoires.itertuples()]
        if len(corpus.territoires)
        else []
    )
    themes = list(zip(corpus.themes["slug"], corpus.themes["label"])) if len(corpus.themes) else []
    return {
        "territoire": territoires,
        "dispositif": list(LIBELLES["dispositif"].items()),
        "profil": list(LIBELLES["profil"].items()),
        "theme": themes,
    }


def page_tableau(corpus) -> dict:
    """Tout ce qu'affiche la page principale du tableau de bord."""
    total = len(corpus.contributions)
    return {
        "chiffres": chiffres_cles(corpus),
        "comptages": {c: (titre, compter_par(corpus, c)) for c, titre in CRITERES_AFFICHES.items()},
        "croisements": {c: (titre, croiser(corpus, "theme", c)) for c, titre in CROISEMENTS_AFFICHES.items()},
        "cooccurrences": cooccurrences_en_long(corpus)[:15],
        "libelles_themes": dict(zip(corpus.themes["slug"], corpus.themes["label"]))
        if len(corpus.themes)
        else {},
        "total": total,
        "messages": messages(corpus),
    }


def page_lexique(corpus, par: str = "territoire", n: int = 40) -> dict:
    """Lemmes fréquents, spécificités du groupement `par`, listes des nuages par thème et territoire."""
    par = par if par in GROUPES_SPECIFICITES else "territoire"
    vide = corpus.contributions.empty
    table = specificites(corpus, par, n=10) if not vide else pd.DataFrame()
    groupes = list(dict.fromkeys(table["groupe"])) if len(table) else []
    return {
        "par": par,
        "lemmes": frequences(corpus, n=n)
        if not vide
        else pd.DataFrame(columns=["lemme", "frequence", "contributions"]),
        "specificites": {g: table[table["groupe"] == g] for g in groupes},
        "themes": list(zip(corpus.themes["slug"], corpus.themes["label"])) if len(corpus.themes) else [],
        "territoires": sorted(set(corpus.contributions["territoire"].dropna())) if not vide else [],
        "messages": messages(corpus),
    }


def frequences_pour_nuage(corpus, groupe: str, valeur: str, n: int = 150) -> pd.DataFrame:
    """Fréquences des lemmes de tout le corpus (groupe « tout »), d'un thème ou d'un territoire."""
    if corpus.contributions.empty:
        return pd.DataFrame(columns=["lemme", "frequence", "contributions"])
    if groupe in ("theme", "territoire"):
        table = frequences(corpus, par=groupe, n=n)
        return table[table["groupe"] == valeur]
    return frequences(corpus, n=n)
