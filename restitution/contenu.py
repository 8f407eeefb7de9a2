"""Ce que le livret et les affiches impriment, rassemblé une fois : corpus de l'analyse, textes de
l'équipe, chiffres clés, fréquences des mots par thème, questionnaires utilisés, paroles écartées.

La base n'est lue qu'à travers `analyse.donnees`, `restitution.textes` et `restitution.donnees`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlmodel import Session

import questionnaires
from analyse.chiffres import chiffres_cles
from analyse.comptages import croiser
from analyse.donnees import charger_corpus
from analyse.lexique import frequences
from collecte.validation import ErreurValidation
from restitution import donnees
from restitution.selection import corpus_structures
from restitution.textes import Texte, lire_textes

MOTS_NUAGE = 60
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
        "novembre", "décembre")


@dataclass
class Contenu:
    demarche: dict
    corpus: object
    textes: dict[str, Texte]
    chiffres: dict
    exclues: dict
    frequences_themes: pd.DataFrame  # groupe (slug), lemme, frequence
    questionnaires_utilises: list = field(default_factory=list)  # Definition
    questionnaires_inconnus: list[str] = field(default_factory=list)
    structures: object = None  # sous-corpus des paroles de professionnel·les
    croisements: dict = field(default_factory=dict)  # « territoire », « profil » : Croisement thème × critère

    @property
    def themes(self) -> list[dict]:
        return self.corpus.themes.to_dict("records") if len(self.corpus.themes) else []

    def frequences(self, slug: str) -> pd.DataFrame:
        table = self.frequences_themes
        return table[table["groupe"] == slug] if len(table) else table


def _date(valeur) -> date | None:
    if valeur is None or valeur != valeur or valeur == "":
        return None
    if isinstance(valeur, date):
        return valeur
    return pd.Timestamp(valeur).date()


def _mois(jour: date) -> str:
    return f"{MOIS[jour.month - 1]} {jour.year}"


def periode(contenu: Contenu) -> str:
    """« de février 2023 à juillet 2023 » : dates de la démarche, à défaut celles des temps de collecte."""
    debut, fin = _date(contenu.demarche.get("date_debut")), _date(contenu.demarche.get("date_fin"))
    temps = contenu.corpus.temps
    if (debut is None or fin is None) and len(temps):
        dates = [d for d in temps["date"].tolist() if isinstance(d, date)]
        debut, fin = debut or (min(dates) if dates else None), fin or (max(dates) if dates else None)
    if debut is None:
        return ""
    if fin is None or _mois(debut) == _mois(fin):
        return _mois(debut).capitalize()
    return f"De {_mois(debut)} à {_mois(fin)}"


def _questionnaires(corpus) -> tuple[list, list[str]]:
    soumis = corpus.questionnaires_soumis
    noms = sorted(set(soumis["questionnaire"].dropna().astype(str))) if len(soumis) else []
    if not noms:
        return [], []
    try:
        definitions = {d.nom: d for d in questionnaires.charger_tous()}
    except questionnaires.ErreurDefinition:
        definitions = {}
    return [definitions[n] for n in noms if n in definitions], [n for n in noms if n not in definitions]


def _frequences_themes(corpus) -> pd.DataFrame:
    """Comme `analyse.tableau.frequences_pour_nuage`, mais pour tous les thèmes d'un coup."""
    if corpus.contributions.empty or corpus.themes.empty:
        return pd.DataFrame(columns=["groupe", "lemme", "frequence", "contributions"])
    return frequences(corpus, par="theme", n=MOTS_NUAGE)


def preparer(session: Session, slug: str, progression=None) -> Contenu:
    """Rassemble le contenu d'une démarche ; ErreurValidation (champ « demarche ») si elle n'existe pas."""
    avancer = progression or (lambda etape: None)
    avancer("Lecture des paroles")
    corpus = charger_corpus(session, slug)
    if corpus is None:
        raise ErreurValidation(f"Démarche « {slug} » introuvable.", "demarche")
    ident = int(corpus.demarche["id"])
    avancer("Analyse lexicale")
    utilises, inconnus = _questionnaires(corpus)
    return Contenu(demarche=corpus.demarche, corpus=corpus, textes=lire_textes(session, ident),
                   chiffres=chiffres_cles(corpus), exclues=donnees.compter_exclues(session, ident),
                   frequences_themes=_frequences_themes(corpus), questionnaires_utilises=utilises,
                   questionnaires_inconnus=inconnus, structures=corpus_structures(corpus),
                   croisements={c: croiser(corpus, "theme", c) for c in ("territoire", "profil")})

