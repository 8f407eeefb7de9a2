"""Corpus IRaMuTeQ (`.txt`), selon ../shared/formats.md §1, règles prudentes comprises.

Un texte par parole : une ligne d'en-tête `**** *variable_modalite …` puis le texte sur une
ligne. Noms de variables et modalités en [a-z0-9] seulement (IRaMuTeQ coupe au premier `_`) ;
aucune ligne du texte ne commence par `****` ni par `-*` (elle ouvrirait un faux texte ou une
fausse partie). UTF-8 sans BOM.
"""

from __future__ import annotations

import re
import unicodedata

from collecte.modele.champs import registre

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
ENTETE = re.compile(r"^\*{4}( \*[a-z0-9]+_[a-z0-9]+)*$")


def modalite(valeur) -> str:
    """Valeur → modalité IRaMuTeQ déterministe : sans accents, minuscules, [a-z0-9] ; vide → nr."""
    texte = str(valeur or "").lower().translate(_LIGATURES)
    texte = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii")
    propre = re.sub(r"[^a-z0-9]", "", texte.lower())
    return propre or "nr"


def variables_parole() -> list[tuple[str, str]]:
    """(variable étoilée, champ) : les champs de la parole que déclare `collecte.modele.champs`."""
    return [(c.iramuteq, c.nom) for c in registre() if c.iramuteq]


def entete(parole: dict) -> str:
    variables = [
        ("id", str(parole["id"])),
        ("dispositif", parole["dispositif"]),
        ("ville", parole["ville"]),
        ("quartier", parole["quartier"]),
        ("structure", parole["structure"]),
        *((nom, parole[cle]) for nom, cle in variables_parole()),
        ("mois", parole["date"].strftime("%Y%m") if parole.get("date") else ""),
        ("temps", parole["temps_ref"]),
    ] + [("theme", slug) for slug in parole["themes"]]
    return "****" + "".join(f" *{nom}_{modalite(valeur)}" for nom, valeur in variables)


def corps(texte: str) -> str:
    """Le texte sur une ligne ; un début `****` ou `-*` est désamorcé par une espace."""
    ligne = " ".join(morceau.strip() for morceau in str(texte).splitlines() if morceau.strip())
    if ligne.startswith("****"):
        ligne = "* " + ligne[1:]
    elif ligne.startswith("-*"):
        ligne = "- " + ligne[1:]
    return ligne


def ecrire(matiere, sortie, progression=None) -> int:
    """Écrit les paroles (`matiere.lots()`, voir `restitution.exports`) dans `sortie` (binaire) ;
    renvoie leur nombre."""
    nombre = 0
    for lot in matiere.lots():
        morceaux = []
        for parole in lot:
            ligne = corps(parole["texte"])
            if not ligne:
                continue
            morceaux.append(f"{entete(parole)}\n{ligne}\n\n")
            nombre += 1
        sortie.write("".join(morceaux).encode("utf-8"))
        if progression:
            progression(len(lot))
    return nombre
