"""Ce que le livret et les affiches impriment, rassemblé une fois : corpus de l'analyse, textes de
l'équipe, chiffres clés, fréquences des mots par thème, questionnaires utilisés, paroles écartées.

Mémoire bornée : jusqu'à `PLAFOND_TEXTES` paroles, tout est chargé (textes compris) ; au-delà, les
chiffres sont calculés sur les métadonnées de toutes les paroles (`charger_corpus(textes=False)`,
une centaine d'octets par parole) et le travail lexical (nuages, paroles représentatives) sur un
échantillon reproductible (`ids_echantillon`) dont seuls les textes sont lus. Les paroles « à
retenir » que la sélection imprimerait sont toujours dans l'échantillon : le choix des paroles de
l'équipe ne dépend pas de la taille de la démarche.

Données personnelles : avant de lire les textes, les paroles pas encore examinées le sont
(`examiner_en_attente`, qui enregistre leurs repérages) ; les textes lus ont alors chaque donnée
personnelle repérée et non examinée remplacée par sa nature (`analyse.donnees`), paroles citées comme
nuages de mots ; `Contenu.masquage` dit combien (note de méthode, page, ligne de commande).

La base n'est lue qu'à travers `analyse.donnees`, `restitution.textes` et `restitution.donnees`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlmodel import Session

from analyse.chiffres import chiffres_cles
from analyse.comptages import croiser
from analyse.donnees import charger_corpus, charger_textes
from analyse.lexique import frequences
from analyse.masquage import Masquage
from collecte.confidentialite.examen import examiner_en_attente
from collecte.modele.validation import ErreurValidation
from restitution import donnees
from restitution.livret_structure import OptionsStructure, Structure, calculer
from restitution.selection import LONGUEUR_AFFICHE, PAR_ENCADRE, PROFIL_STRUCTURES, corpus_structures
from restitution.textes import Texte, lire_textes

MOTS_NUAGE = 60
PLAFOND_TEXTES = 50_000  # au-delà, nuages et paroles représentatives sur un échantillon de cette taille
MINIMUM_PAR_THEME = 2_000  # … qui garde au moins ce nombre de paroles de chaque thème (plafond / 25)
HACHAGE = np.uint64(2654435761)  # multiplicatif de Knuth : un ordre pseudo-aléatoire fixe des identifiants
MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass
class Contenu:
    demarche: dict
    corpus: object  # toutes les paroles : chiffres, croisements (sans les textes au-delà de PLAFOND_TEXTES)
    textes: dict[str, Texte]
    chiffres: dict
    exclues: dict
    frequences_themes: pd.DataFrame  # groupe (slug), lemme, frequence
    questionnaires_utilises: list = field(default_factory=list)  # Definition
    questionnaires_inconnus: list[str] = field(default_factory=list)
    structures: object = None  # sous-corpus des paroles de professionnel·les
    croisements: dict = field(default_factory=dict)  # « territoire », « profil » : Croisement thème × critère
    lexical: object = None  # paroles avec leur texte : toutes, ou l'échantillon
    echantillon: int | None = None  # taille de l'échantillon lexical ; None : toutes les paroles
    masquage: Masquage = field(default_factory=Masquage)  # données personnelles non examinées remplacées
    structure: Structure | None = None  # section « Ce qui structure les paroles », si demandée

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


def _frequences_themes(corpus) -> pd.DataFrame:
    """Comme `analyse.tableau.frequences_pour_nuage`, mais pour tous les thèmes d'un coup."""
    if corpus.contributions.empty or corpus.themes.empty:
        return pd.DataFrame(columns=["groupe", "lemme", "frequence", "contributions"])
    return frequences(corpus, par="theme", n=MOTS_NUAGE)


def _cles(ids: pd.Series) -> np.ndarray:
    return (ids.to_numpy(dtype=np.uint64) * HACHAGE) % np.uint64(2**32)


def ids_echantillon(corpus, plafond: int = PLAFOND_TEXTES) -> set[int]:
    """Identifiants des paroles dont le texte sera lu : les `plafond` premières dans un ordre
    pseudo-aléatoire fixe (hachage de l'identifiant : même démarche, même échantillon), au moins
    `MINIMUM_PAR_THEME` (au plus plafond / 25) de chaque thème dans le même ordre, et, par thème, les paroles
    « à retenir » que la sélection peut imprimer (les `PAR_ENCADRE` premières de chaque encadré, celles assez
    courtes pour l'affiche)."""
    contributions, liens = corpus.contributions, corpus.liens_themes
    ordre = pd.Series(_cles(contributions["id"]), index=contributions["id"].to_numpy())
    choisis = set(ordre.nsmallest(plafond).index.tolist())
    liens = liens.assign(cle=ordre.reindex(liens["contribution_id"].to_numpy()).to_numpy())
    choisis.update(
        liens.sort_values(["cle", "contribution_id"])
        .groupby("theme", observed=True)
        .head(min(MINIMUM_PAR_THEME, plafond // 25))["contribution_id"]
        .tolist()
    )
    retenues = contributions[contributions["a_retenir"] & ~contributions["ne_pas_citer"]]
    retenues = retenues.assign(
        structure_=retenues["profil"] == PROFIL_STRUCTURES, courte=retenues["longueur"] <= LONGUEUR_AFFICHE
    )
    par_theme = liens[["contribution_id", "theme"]].merge(retenues, left_on="contribution_id", right_on="id")
    par_theme = par_theme.sort_values("contribution_id")
    choisis.update(par_theme.groupby(["theme", "structure_"], observed=True).head(PAR_ENCADRE)["id"].tolist())
    courtes = par_theme[par_theme["courte"]]
    choisis.update(courtes.groupby("theme", observed=True).head(PAR_ENCADRE)["id"].tolist())
    return choisis


def preparer(
    session: Session,
    slug: str,
    progression=None,
    plafond: int = PLAFOND_TEXTES,
    structure: OptionsStructure | None = None,
) -> Contenu:
    """Rassemble le contenu d'une démarche ; ErreurValidation (champ « demarche ») si elle n'existe pas.
    `plafond` : nombre de paroles au-delà duquel le travail lexical se fait sur un échantillon ;
    `structure` : options de la section « Ce qui structure les paroles » (None : pas de section), calculée
    sur les mêmes paroles que le lexique."""
    avancer = progression or (lambda etape: None)
    avancer("Lecture des paroles")
    corpus = charger_corpus(session, slug, textes=False)
    if corpus is None:
        raise ErreurValidation(f"Démarche « {slug} » introuvable.", "demarche")
    ident = int(corpus.demarche["id"])
    avancer("Examen des données personnelles")
    examiner_en_attente(session, ident)  # avant toute lecture de texte : rien ne sort sans examen
    echantillon = None
    if len(corpus.contributions) <= plafond:
        corpus = lexical = charger_corpus(session, slug)
    else:
        ids = ids_echantillon(corpus, plafond)
        lexical, echantillon = charger_textes(session, corpus, ids), len(ids)
    avancer("Analyse lexicale")
    utilises, inconnus = donnees.questionnaires_repondus(session, ident)
    calcul = None
    if structure is not None:
        avancer("Classes de discours")
        calcul = calculer(lexical, structure)
    return Contenu(
        demarche=corpus.demarche,
        corpus=corpus,
        textes=lire_textes(session, ident),
        chiffres=chiffres_cles(corpus),
        exclues=donnees.compter_exclues(session, ident),
        frequences_themes=_frequences_themes(lexical),
        questionnaires_utilises=utilises,
        questionnaires_inconnus=inconnus,
        structures=corpus_structures(lexical),
        croisements={c: croiser(corpus, "theme", c) for c in ("territoire", "profil")},
        lexical=lexical,
        echantillon=echantillon,
        masquage=donnees.compter_a_masquer(session, ident),
        structure=calcul,
    )
