"""Analyse lexicale en français : découpage, lemmatisation, mots vides, fréquences, concordance.

Méthode (voir README, « Analyse ») :
- découpage : suites de lettres (chiffres, ponctuation et émojis ignorés), apostrophes internes
  gardées puis élisions retirées (« l'école » → « école », « qu'il » → « il ») ; le trait d'union
  sépare (« mot-de-passe » → mot, de, passe) ;
- lemmatisation par simplemma (dictionnaire français), appliquée une seule fois par **forme
  distincte** du corpus, pas par occurrence : c'est ce qui rend l'analyse rapide sur un million
  de paroles ;
- mots vides : la liste française du paquet `stop-words` (maintenue), plus la liste propre à la
  démarche (`Demarche.mots_vides`, un mot par ligne). Une forme est écartée si la forme ou son
  lemme figure dans la liste, ainsi que les mots d'une lettre.

Le résultat est un `Index` : une matrice creuse paroles × lemmes (comptes d'occurrences).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import simplemma
from scipy import sparse
from stop_words import get_stop_words

from analyse.donnees import BALISES_DONNEES_PERSONNELLES

MOTIF_MOT = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")
_MOTIF_AVEC_SEPARATEUR = re.compile(r"\x1e|[^\W\d_]+(?:'[^\W\d_]+)*")
SEPARATEUR = "\x1e"
ELISIONS = ("jusqu'", "lorsqu'", "puisqu'", "quoiqu'", "qu'", "l'", "d'", "j'", "m'", "t'", "s'", "n'", "c'")
TAILLE_LOT = 100_000  # paroles découpées d'un coup : borne la mémoire sur les très gros corpus


@lru_cache(maxsize=1)
def mots_vides_base() -> frozenset[str]:
    """Liste française du paquet `stop-words`."""
    return frozenset(m.lower().replace("\u2019", "'") for m in get_stop_words("french"))


def mots_vides(supplementaires=()) -> frozenset[str]:
    """Mots vides de base + ceux de la démarche (liste, ou texte avec un mot par ligne)."""
    if isinstance(supplementaires, str):
        supplementaires = supplementaires.splitlines()
    propres = {m.strip().lower().replace("\u2019", "'") for m in supplementaires if m and m.strip()}
    return mots_vides_base() | frozenset(propres)


def mots_vides_du_corpus(corpus) -> frozenset[str]:
    return mots_vides((corpus.demarche or {}).get("mots_vides") or "")


# Une donnée personnelle masquée (« [téléphone] ») n'est pas un mot de la personne : ni lemme, ni nuage.
_BALISES = re.compile(
    "|".join(re.escape(b) for b in sorted(BALISES_DONNEES_PERSONNELLES, key=len, reverse=True))
)


def normaliser(texte: str) -> str:
    return _BALISES.sub(" ", str(texte)).lower().replace("\u2019", "'").replace("`", "'")


def sans_elision(forme: str) -> str:
    if forme == "aujourd'hui":
        return forme
    for prefixe in ELISIONS:
        if forme.startswith(prefixe) and len(forme) > len(prefixe):
            return forme[len(prefixe) :]
    return forme


@lru_cache(maxsize=200_000)
def lemme(forme: str) -> str:
    """Lemme d'une forme en minuscules (élision retirée) ; la forme elle-même si inconnue."""
    forme = sans_elision(forme)
    return simplemma.lemmatize(forme, lang="fr").lower()


def formes(texte: str) -> list[str]:
    """Formes (mots en minuscules) d'un texte, dans l'ordre, élisions retirées."""
    return [sans_elision(f) for f in MOTIF_MOT.findall(normaliser(texte or ""))]


def lemmes(texte: str, vides: frozenset[str] | None = None) -> list[str]:
    """Suite des lemmes d'un texte ; sans les mots vides si `vides` est donné."""
    suite = [(f, lemme(f)) for f in formes(texte)]
    if vides is None:
        return [l for _, l in suite]
    return [l for f, l in suite if not _est_vide(f, l, vides)]


def formes_pleines(texte: str, vides: frozenset[str]) -> list[str]:
    """Formes des mots pleins d'un texte (les mots que `lemmes(texte, vides)` garde), dans l'ordre."""
    return [f for f in formes(texte) if not _est_vide(f, lemme(f), vides)]


def _est_vide(forme: str, lem: str, vides: frozenset[str]) -> bool:
    return len(forme) < 2 or len(lem) < 2 or len(forme) > 40 or forme in vides or lem in vides


@dataclass
class Index:
    """Matrice paroles × lemmes. `matrice[i, j]` = occurrences du lemme `lemmes[j]` dans la parole `i`
    (dans l'ordre des textes indexés) ; `formes_par_lemme` sert à la concordance."""

    matrice: sparse.csr_matrix
    lemmes: np.ndarray
    formes_par_lemme: dict[str, list[str]]

    @property
    def occurrences(self) -> int:
        return int(self.matrice.sum())

    def colonne(self, lem: str) -> int | None:
        trouve = np.flatnonzero(self.lemmes == lem)
        return int(trouve[0]) if len(trouve) else None


def _decouper_lot(textes: list[str], vocabulaire: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Codes de formes et numéro de parole (dans le lot) de chaque occurrence."""
    gros = normaliser(SEPARATEUR.join(textes))
    if gros.count(SEPARATEUR) != len(textes) - 1:  # le séparateur figurait dans un texte
        gros = normaliser(SEPARATEUR.join(t.replace(SEPARATEUR, " ") for t in textes))
    jetons = _MOTIF_AVEC_SEPARATEUR.findall(gros)
    codes, uniques = pd.factorize(np.asarray(jetons, dtype=object))
    globaux = np.fromiter(
        (vocabulaire.setdefault(u, len(vocabulaire)) for u in uniques), dtype=np.int64, count=len(uniques)
    )
    codes = globaux[codes] if len(codes) else codes.astype(np.int64)
    sep = vocabulaire.setdefault(SEPARATEUR, len(vocabulaire))
    est_sep = codes == sep
    doc = np.cumsum(est_sep)
    return codes[~est_sep], doc[~est_sep]


def _lemmatiser_vocabulaire(vocabulaire: dict[str, int], vides: frozenset[str]):
    """Pour chaque forme distincte : numéro de lemme (−1 si mot vide), liste des lemmes, formes par lemme."""
    vers_lemme = np.full(len(vocabulaire), -1, dtype=np.int64)
    numeros: dict[str, int] = {}
    formes_par_lemme: dict[str, list[str]] = {}
    for forme, code in vocabulaire.items():
        if forme == SEPARATEUR:
            continue
        lem = lemme(forme)
        if _est_vide(sans_elision(forme), lem, vides):
            continue
        vers_lemme[code] = numeros.setdefault(lem, len(numeros))
        formes_par_lemme.setdefault(lem, []).append(forme)
    return vers_lemme, np.array(list(numeros), dtype=object), formes_par_lemme


def indexer(textes, vides: frozenset[str] | None = None) -> Index:
    """Indexe une suite de textes (liste ou Series ; None/NaN = texte vide)."""
    vides = mots_vides() if vides is None else vides
    textes = ["" if t is None or t != t else str(t) for t in list(textes)]
    vocabulaire: dict[str, int] = {}
    codes, docs = [], []
    for debut in range(0, len(textes), TAILLE_LOT):
        c, d = _decouper_lot(textes[debut : debut + TAILLE_LOT], vocabulaire)
        codes.append(c)
        docs.append(d + debut)
    vers_lemme, liste_lemmes, formes_par_lemme = _lemmatiser_vocabulaire(vocabulaire, vides)
    codes = np.concatenate(codes) if codes else np.zeros(0, dtype=np.int64)
    docs = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
    lem = vers_lemme[codes] if len(codes) else codes
    garde = lem >= 0
    matrice = sparse.csr_matrix(
        (np.ones(int(garde.sum()), dtype=np.int32), (docs[garde], lem[garde])),
        shape=(len(textes), len(liste_lemmes)),
    )
    matrice.sum_duplicates()
    return Index(matrice=matrice, lemmes=liste_lemmes, formes_par_lemme=formes_par_lemme)


def index_du_corpus(corpus) -> Index:
    """Index des contributions du corpus, calculé une fois par objet Corpus (mis en cache dessus)."""
    vides = mots_vides_du_corpus(corpus)
    cache = getattr(corpus, "_index_lexical", None)
    if cache is not None and cache[0] == vides and cache[1] == len(corpus.contributions):
        return cache[2]
    index = indexer(corpus.contributions["texte"], vides)
    corpus._index_lexical = (vides, len(corpus.contributions), index)
    return index


def _tableau_frequences(
    comptes: np.ndarray, presences: np.ndarray, lemmes_: np.ndarray, n: int | None
) -> pd.DataFrame:
    table = pd.DataFrame(
        {"lemme": lemmes_, "frequence": comptes.astype(int), "contributions": presences.astype(int)}
    )
    table = table[table["frequence"] > 0].sort_values(["frequence", "lemme"], ascending=[False, True])
    return (table.head(n) if n else table).reset_index(drop=True)


def frequences(
    source, par: str | None = None, n: int | None = None, vides: frozenset[str] | None = None
) -> pd.DataFrame:
    """Lemmes les plus fréquents.

    `source` : un Corpus (mots vides de la démarche inclus) ou une Series de textes.
    Sans `par` : colonnes lemme, frequence (occurrences), contributions (paroles qui l'emploient),
    triées par fréquence décroissante. Avec `par` (colonne des contributions : territoire, profil,
    dispositif… ou « theme ») : colonne `groupe` en plus, les `n` premiers lemmes de chaque groupe.
    """
    if isinstance(source, pd.Series):
        index = indexer(source, vides)
        return _tableau_frequences(_somme(index.matrice), _somme(index.matrice > 0), index.lemmes, n)
    index = index_du_corpus(source)
    if par is None:
        return _tableau_frequences(_somme(index.matrice), _somme(index.matrice > 0), index.lemmes, n)
    from analyse.groupes import matrice_groupes

    noms, appartenance = matrice_groupes(source, par)
    comptes = (appartenance @ index.matrice).toarray()
    presences = (appartenance @ (index.matrice > 0).astype(np.int32)).toarray()
    morceaux = []
    for i, nom in enumerate(noms):
        table = _tableau_frequences(comptes[i], presences[i], index.lemmes, n)
        morceaux.append(table.assign(groupe=nom)[["groupe", "lemme", "frequence", "contributions"]])
    return (
        pd.concat(morceaux, ignore_index=True)
        if morceaux
        else pd.DataFrame(columns=["groupe", "lemme", "frequence", "contributions"])
    )


def _somme(matrice) -> np.ndarray:
    return np.asarray(matrice.sum(axis=0)).ravel()


def concordance(corpus, lem: str, largeur: int = 60, n: int = 200) -> pd.DataFrame:
    """Le lemme `lem` dans ses contextes : colonnes id, avant, forme, apres, territoire, profil,
    ne_pas_citer (une ligne par occurrence, au plus `n`). Insensible à la casse ; élisions comprises."""
    colonnes = ["id", "avant", "forme", "apres", "territoire", "profil", "ne_pas_citer"]
    lem = normaliser(lem or "").strip()
    index = index_du_corpus(corpus)
    cible = lem if lem in index.formes_par_lemme else (lemme(lem) if lem else "")
    formes_ = index.formes_par_lemme.get(cible)
    if not formes_:
        return pd.DataFrame(columns=colonnes)
    colonne = index.colonne(cible)
    lignes_docs = index.matrice[:, colonne].nonzero()[0]
    motif = re.compile(
        r"(?<![^\W\d_])(?:"
        + "|".join(re.escape(f) for f in sorted(formes_, key=len, reverse=True))
        + r")(?![^\W\d_'])",
        re.IGNORECASE,
    )
    lignes = []
    for i in lignes_docs:
        ligne = corpus.contributions.iloc[int(i)]
        texte = str(ligne["texte"]).replace("\u2019", "'")
        for trouve in motif.finditer(texte):
            lignes.append(_contexte(ligne, texte, trouve, largeur))
            if len(lignes) >= n:
                return pd.DataFrame(lignes, columns=colonnes)
    return pd.DataFrame(lignes, columns=colonnes)


def _contexte(ligne, texte: str, trouve: re.Match, largeur: int) -> dict:
    avant = texte[max(0, trouve.start() - largeur) : trouve.start()]
    apres = texte[trouve.end() : trouve.end() + largeur]
    return {
        "id": int(ligne["id"]),
        "avant": ("…" if trouve.start() > largeur else "") + avant,
        "forme": trouve.group(0),
        "apres": apres + ("…" if trouve.end() + largeur < len(texte) else ""),
        "territoire": ligne.get("territoire"),
        "profil": ligne.get("profil"),
        "ne_pas_citer": bool(ligne.get("ne_pas_citer")),
    }
