"""Choix des paroles imprimées (livret, affiches, aperçu de la page Restitution), sans base de données.

Pour chaque thème, deux encadrés : « Paroles d'habitants » (tous les profils sauf professionnel)
et « Paroles de structures » (profil professionnel). Dans chacun : d'abord les paroles marquées
« à retenir » par l'équipe (dans l'ordre de saisie), puis les paroles représentatives choisies par
l'analyse (`analyse.citations.citations_representatives`), jusqu'à `n`. Une parole « ne pas citer »
n'est jamais retenue (filtrée ici en plus de l'analyse) ; les masquées sont absentes du corpus.
Chaque parole porte sa source : la ville pour un·e habitant·e, « Structure (Ville) » pour une
structure, jamais un nom de personne.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from analyse.citations import citations_representatives

PAR_ENCADRE = 4
LONGUEUR_AFFICHE = 260  # caractères : une parole d'affiche se lit à deux mètres
PROFIL_STRUCTURES = "professionnel"
ENCADRES = {"habitants": "Paroles d'habitants", "structures": "Paroles de structures"}


@dataclass(frozen=True)
class Citation:
    id: int
    texte: str
    source: str
    a_retenir: bool
    profil: str


def _chaine(valeur) -> str:
    return "" if valeur is None or valeur != valeur else str(valeur).strip()


def source_de(ligne) -> str:
    """« Vierzon » pour un·e habitant·e ; « Centre social (Vierzon) » pour une structure."""
    ville, structure = _chaine(ligne.get("ville")), _chaine(ligne.get("structure"))
    if _chaine(ligne.get("profil")) == PROFIL_STRUCTURES and structure:
        return f"{structure} ({ville})" if ville else structure
    return ville


def _en_citations(table: pd.DataFrame) -> list[Citation]:
    return [
        Citation(int(l["id"]), str(l["texte"]), source_de(l), bool(l["a_retenir"]), _chaine(l["profil"]))
        for l in table.to_dict("records")
    ]


def corpus_structures(corpus):
    """Sous-corpus des paroles de professionnel·les (pour choisir les paroles de structures parmi elles)."""
    contributions = corpus.contributions
    garde = contributions[contributions["profil"] == PROFIL_STRUCTURES].reset_index(drop=True)
    liens = corpus.liens_themes[corpus.liens_themes["contribution_id"].isin(garde["id"])].reset_index(
        drop=True
    )
    return replace(corpus, contributions=garde, liens_themes=liens)


def _du_theme(corpus, slug: str) -> pd.DataFrame:
    ids = corpus.liens_themes.loc[corpus.liens_themes["theme"] == slug, "contribution_id"]
    contributions = corpus.contributions
    return contributions[contributions["id"].isin(ids) & ~contributions["ne_pas_citer"].astype(bool)]


def _completer(choisies: list[Citation], candidates: pd.DataFrame, n: int) -> list[Citation]:
    deja = {c.id for c in choisies}
    for citation in _en_citations(candidates):
        if len(choisies) >= n:
            break
        if citation.id not in deja:
            choisies.append(citation)
            deja.add(citation.id)
    return choisies


def citations_du_theme(corpus, slug: str, n: int = PAR_ENCADRE, structures=None) -> dict[str, list[Citation]]:
    """{"habitants": [...], "structures": [...]}, au plus `n` paroles chacun, « à retenir » d'abord.
    `structures` : le sous-corpus de `corpus_structures(corpus)`, à passer pour éviter de le refaire
    à chaque thème."""
    structures = corpus_structures(corpus) if structures is None else structures
    du_theme = _du_theme(corpus, slug)
    citables = set(du_theme["id"])
    retenues = du_theme[du_theme["a_retenir"].astype(bool)].sort_values("id")
    pro = retenues["profil"] == PROFIL_STRUCTURES
    resultat = {
        "habitants": _en_citations(retenues[~pro].head(n)),
        "structures": _en_citations(retenues[pro].head(n)),
    }
    if len(resultat["habitants"]) < n:
        representatives = citations_representatives(corpus, slug, n=3 * n)
        representatives = representatives[representatives["profil"] != PROFIL_STRUCTURES]
        _completer(resultat["habitants"], representatives[representatives["id"].isin(citables)], n)
    if len(resultat["structures"]) < n and len(structures.contributions):
        representatives = citations_representatives(structures, slug, n=n)
        _completer(resultat["structures"], representatives[representatives["id"].isin(citables)], n)
    return resultat


def citations_affiche(corpus, slug: str, n: int = 4, longueur_max: int = LONGUEUR_AFFICHE) -> list[Citation]:
    """Paroles fortes d'une affiche : « à retenir » courtes d'abord, puis représentatives courtes."""
    du_theme = _du_theme(corpus, slug)
    courtes = du_theme[du_theme["texte"].fillna("").str.len() <= longueur_max]
    choisies = _en_citations(courtes[courtes["a_retenir"].astype(bool)].sort_values("id").head(n))
    if len(choisies) < n:
        representatives = citations_representatives(corpus, slug, n=2 * n, longueur_max=longueur_max)
        _completer(choisies, representatives[representatives["id"].isin(set(courtes["id"]))], n)
    return choisies
