"""Rapport d'analyse d'une démarche : ce qu'imprime `parole analyse` et ce que montre le tableau de bord.

Clés JSON stables (documentées dans le README, section « Analyse ») :
- `demarche` : {slug, titre} ; `filtres` : les filtres appliqués (null si aucun) ;
- `chiffres` : `chiffres_cles` (dont `par_territoire`) ;
- `comptages` : {critère: [{modalite, libelle, contributions, part}]} pour dispositif, territoire,
  theme, profil, tranche_age, mois ;
- `croisements` : {"theme_territoire"|"theme_profil"|"theme_dispositif": [{ligne, colonne,
  contributions, base, part}]} ;
- `cooccurrences` : [{theme_a, theme_b, contributions}] ;
- `lemmes` : [{lemme, frequence, contributions}] (les plus fréquents) ;
- `specificites` : {"territoire"|"profil"|"dispositif": [{groupe, lemme, frequence,
  frequence_totale, attendu, score, sens}]} ;
- `messages` : avertissements lisibles (corpus vide, aucun mot plein, un seul groupe…).
"""

from __future__ import annotations

from dataclasses import asdict

from analyse.chiffres import chiffres_cles
from analyse.comptages import compter_par, cooccurrences_en_long, croiser
from analyse.lexique import frequences, index_du_corpus
from analyse.specificites import specificites

CRITERES_COMPTES = ("dispositif", "territoire", "theme", "profil", "tranche_age", "mois")
CRITERES_CROISES = ("territoire", "profil", "dispositif")
CRITERES_SPECIFICITES = ("territoire", "profil", "dispositif")


def _enregistrements(table) -> list[dict]:
    return [
        {k: (round(v, 4) if isinstance(v, float) else v) for k, v in ligne.items()}
        for ligne in table.to_dict(orient="records")
    ]


def _filtres(corpus) -> dict | None:
    valeurs = {k: (str(v) if v is not None else None) for k, v in asdict(corpus.filtres).items()}
    return valeurs if any(v is not None for v in valeurs.values()) else None


def messages(corpus) -> list[str]:
    """Avertissements à afficher au-dessus des résultats."""
    if corpus.contributions.empty:
        return ["Aucune parole recueillie pour cette démarche ou ces filtres : les comptes sont à zéro."]
    notes = []
    if index_du_corpus(corpus).occurrences == 0:
        notes.append(
            "Les textes ne contiennent que des mots vides ou aucun mot : pas d'analyse lexicale possible."
        )
    if corpus.liens_themes.empty:
        notes.append("Aucune parole n'a encore de thème : les tableaux par thème sont vides.")
    return notes


def rapport(corpus, n_lemmes: int = 30, n_specificites: int = 10, lexique: bool = True) -> dict:
    """Rapport complet (dict prêt pour JSON) ; voir le docstring du module pour les clés."""
    resultat = {
        "demarche": {"slug": corpus.demarche.get("slug"), "titre": corpus.demarche.get("titre")},
        "filtres": _filtres(corpus),
        "chiffres": chiffres_cles(corpus),
        "comptages": {c: _enregistrements(compter_par(corpus, c)) for c in CRITERES_COMPTES},
        "croisements": {f"theme_{c}": croiser(corpus, "theme", c).en_long() for c in CRITERES_CROISES},
        "cooccurrences": cooccurrences_en_long(corpus),
        "lemmes": [],
        "specificites": {c: [] for c in CRITERES_SPECIFICITES},
        "messages": messages(corpus),
    }
    if lexique and not corpus.contributions.empty:
        resultat["lemmes"] = _enregistrements(frequences(corpus, n=n_lemmes))
        for critere in CRITERES_SPECIFICITES:
            resultat["specificites"][critere] = _enregistrements(
                specificites(corpus, critere, n=n_specificites)
            )
    return resultat
