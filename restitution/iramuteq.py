"""Corpus IRaMuTeQ (`.txt`), selon ../shared/formats.md §1, règles prudentes comprises.

Un texte par parole : une ligne d'en-tête `**** *variable_modalite …` puis le texte sur une
ligne. Noms de variables et modalités en [a-z0-9] seulement (IRaMuTeQ coupe au premier `_`) ;
aucune ligne du texte ne commence par `****` ni par `-*` (elle ouvrirait un faux texte ou une
fausse partie). UTF-8 sans BOM.

Une seule modalité par variable et par texte (IRaMuTeQ compte sinon chaque texte sous une seule
de ses modalités, choisie au hasard de l'ordre) :
- chaque thème du livre de codes est une variable à deux modalités, `*th<slug>_1` (la parole porte
  ce thème) ou `*th<slug>_0` (elle ne le porte pas) ; le slug réduit à [a-z0-9] et à
  `LONGUEUR_THEME` caractères, car IRaMuTeQ coupe le nom de la variable au premier `_` ;
- Parole n'a pas de « thème principal » : `*theme_<slug>` nomme le thème d'une parole qui n'en a
  qu'un, `*theme_plusieurs` et `*theme_aucun` les autres. Aucun thème n'est choisi à la place de
  l'équipe.
Deux valeurs différentes qui se réduisent à la même modalité (`T-2` et `T2` → `t2`) restent
distinctes : la seconde rencontrée reçoit un suffixe (`t2x2`) et l'export le dit, par nom. Une parole
sans aucun mot (émojis ou ponctuation seulement) ferait un texte vide : elle est laissée dehors
et comptée dans les avertissements.
"""

from __future__ import annotations

import re
import unicodedata

from collecte.modele.champs import registre

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss"})
ENTETE = re.compile(r"^\*{4}( \*[a-z0-9]+_[a-z0-9]+)*$")
_MOT = re.compile(r"[^\W_]")  # une lettre ou un chiffre, dans n'importe quelle écriture
LONGUEUR_THEME = 20  # `*th` + 20 caractères : lisible dans les listes de variables d'IRaMuTeQ
PREFIXE_THEME = "th"
PLUSIEURS, AUCUN = "plusieurs", "aucun"


def modalite(valeur) -> str:
    """Valeur → modalité IRaMuTeQ déterministe : sans accents, minuscules, [a-z0-9] ; vide → nr."""
    texte = str(valeur or "").lower().translate(_LIGATURES)
    texte = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii")
    propre = re.sub(r"[^a-z0-9]", "", texte.lower())
    return propre or "nr"


class Modalites:
    """Les modalités d'une variable : une valeur donne toujours la même, deux valeurs jamais la même.
    La première valeur rencontrée garde la forme réduite ; les suivantes reçoivent `x2`, `x3`…
    (`reservees` : formes déjà prises, comme les noms des autres variables)."""

    def __init__(self, variable: str, reservees=()):
        self.variable = variable
        self._par_valeur: dict = {}
        self._prises: dict[str, object] = {r: r for r in reservees}
        self.collisions: list[tuple[object, object, str]] = []  # (valeur, valeur qui a la forme, suffixée)

    def __call__(self, valeur, reduite: str | None = None) -> str:
        if valeur in self._par_valeur:
            return self._par_valeur[valeur]
        base = reduite if reduite is not None else modalite(valeur)
        choisie, rang = base, 1
        while choisie in self._prises:
            rang += 1
            choisie = f"{base}x{rang}"
        if choisie != base:
            self.collisions.append((valeur, self._prises[base], choisie))
        self._prises[choisie] = valeur
        self._par_valeur[valeur] = choisie
        return choisie


def variables_parole() -> list[tuple[str, str]]:
    """(variable étoilée, champ) : les champs de la parole que déclare `collecte.modele.champs`."""
    return [(c.iramuteq, c.nom) for c in registre() if c.iramuteq]


def _variables_fixes() -> list[tuple[str, object]]:
    """(variable, clé de la parole ou fonction de la parole), dans l'ordre de l'en-tête."""
    return [
        ("id", "id"),
        ("dispositif", "dispositif"),
        ("ville", "ville"),
        ("quartier", "quartier"),
        ("structure", "structure"),
        *variables_parole(),
        ("mois", lambda p: p["date"].strftime("%Y%m") if p.get("date") else ""),
        ("temps", "temps_ref"),
        ("theme", _theme_seul),
    ]


def _theme_seul(parole: dict) -> tuple[str, str]:
    """(valeur, forme réduite) de la variable `theme` : le thème s'il est seul, sinon plusieurs / aucun.
    Les deux mots sont des valeurs à part : un thème de slug « aucun » ne s'y confond pas."""
    themes = parole["themes"]
    if len(themes) == 1:
        return ("slug", themes[0]), modalite(themes[0])
    return ("sans", PLUSIEURS if themes else AUCUN), PLUSIEURS if themes else AUCUN


class Entetes:
    """Les en-têtes d'un corpus : une `Modalites` par variable, et un nom de variable par thème."""

    def __init__(self, themes: list[dict]):
        self.fixes = _variables_fixes()
        # `id` : des chiffres, uniques par construction ; pas de registre (un million d'entrées sinon).
        self.modalites = {nom: Modalites(nom) for nom, _ in self.fixes if nom != "id"}
        self.noms_themes = Modalites("thème", reservees=[nom for nom, _ in self.fixes])
        self.themes = [
            (t["slug"], self.noms_themes(t["slug"], PREFIXE_THEME + modalite(t["slug"])[:LONGUEUR_THEME]))
            for t in themes
        ]

    def __call__(self, parole: dict) -> str:
        jetons = []
        for nom, cle in self.fixes:
            valeur = cle(parole) if callable(cle) else parole.get(cle)
            if nom not in self.modalites:
                jetons.append(f"*{nom}_{int(valeur)}")
            elif isinstance(valeur, tuple):
                jetons.append(f"*{nom}_{self.modalites[nom](*valeur)}")
            else:
                jetons.append(f"*{nom}_{self.modalites[nom]('' if valeur is None else str(valeur))}")
        portes = set(parole["themes"])
        jetons += [f"*{variable}_{1 if slug in portes else 0}" for slug, variable in self.themes]
        return "**** " + " ".join(jetons)

    def avertissements(self) -> list[str]:
        """Les collisions, par nom : thèmes d'abord, puis modalités."""
        messages = [
            f"IRaMuTeQ : le thème « {slug} » donnerait la même variable que « {autre} » ; "
            f"il devient *{nom}_1 / *{nom}_0."
            for slug, autre, nom in self.noms_themes.collisions
        ]
        for variable, modalites in self.modalites.items():
            messages += [
                f"IRaMuTeQ, variable {variable} : « {_lisible(valeur)} » et « {_lisible(autre)} » se "
                f"réduisent à la même modalité ; « {_lisible(valeur)} » devient *{variable}_{forme}."
                for valeur, autre, forme in modalites.collisions
            ]
        return messages


def _lisible(valeur) -> str:
    return str(valeur[1] if isinstance(valeur, tuple) else valeur)


def corps(texte: str) -> str:
    """Le texte sur une ligne ; un début `****` ou `-*` est désamorcé par une espace."""
    ligne = " ".join(morceau.strip() for morceau in str(texte).splitlines() if morceau.strip())
    if ligne.startswith("****"):
        ligne = "* " + ligne[1:]
    elif ligne.startswith("-*"):
        ligne = "- " + ligne[1:]
    return ligne


def a_des_mots(ligne: str) -> bool:
    return _MOT.search(ligne) is not None


def ecrire(matiere, sortie, progression=None) -> int:
    """Écrit les paroles (`matiere.lots()`, voir `restitution.exports`) dans `sortie` (binaire) ;
    renvoie leur nombre. Collisions et paroles sans mot vont dans `matiere.avertissements`."""
    entetes = Entetes(matiere.themes)
    nombre = sans_mot = 0
    for lot in matiere.lots():
        morceaux = []
        for parole in lot:
            ligne = corps(parole["texte"])
            if not a_des_mots(ligne):
                sans_mot += 1
                continue
            morceaux.append(f"{entetes(parole)}\n{ligne}\n\n")
            nombre += 1
        sortie.write("".join(morceaux).encode("utf-8"))
        if progression:
            progression(len(lot))
    matiere.avertissements.extend(entetes.avertissements())
    if sans_mot:
        matiere.avertissements.append(
            f"{sans_mot} parole(s) sans aucun mot (émojis ou ponctuation seulement) laissée(s) hors du "
            "corpus IRaMuTeQ, qui en ferait des textes vides."
        )
    return nombre
