"""Précision et vitesse des suggestions de thèmes sur une démarche étiquetée.

    python bench/precision_suggestions.py [DOSSIER_CSV] [--themes exemples/themes.yaml]

Par défaut : la démarche d'exemple `exemples/numerique-citoyennete` et son livre de codes.
top-1 : la première suggestion est l'un des thèmes posés par l'équipe ; top-3 : l'un des trois.

1. `validation_croisee` (livre de codes complet, avec indices) : les paroles étiquetées sont
   mélangées (graine fixe) puis coupées en 5 parts ; chaque part est prédite par un modèle construit
   sur les 4 autres. On compare chaque source seule et la méthode en service.
2. `k_exemples` (libellés et descriptions seulement) : le livre de codes sans ses indices ; pour
   chaque thème, k paroles qui le portent sont tirées au hasard (avec toutes leurs étiquettes) ; on
   prédit toutes les autres paroles étiquetées. k = 1, 3, 5, 10 ; 5 tirages (graines 0 à 4), cumulés.
3. `ne_disent_rien` : phrases qui ne parlent d'aucun thème, qui ne doivent rien recevoir.
4. `vitesse` : chargement des vecteurs, construction du modèle, p50/p95 de `suggerer` par parole.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from analyse import suggestions, suggestions_vecteurs  # noqa: E402
from analyse.donnees import Corpus  # noqa: E402

METHODES = ("indices", "bayes", "mots", "vecteurs", "service")


def lire_demarche(dossier: Path, fichier_themes: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with open(dossier / "contributions.csv", encoding="utf-8-sig", newline="") as f:
        lignes = list(csv.DictReader(f, delimiter=";"))
    contributions = pd.DataFrame(
        {
            "id": range(1, len(lignes) + 1),
            "texte": [l["texte"] for l in lignes],
            "themes": [[s for s in (l.get("themes") or "").split(";") if s] for l in lignes],
        }
    )
    livre = yaml.safe_load(fichier_themes.read_text(encoding="utf-8"))
    themes = pd.DataFrame(
        [
            {
                "slug": t["slug"],
                "label": t["label"],
                "description": t.get("description") or "",
                "mots_cles": t.get("keywords") or t.get("mots_cles") or [],
            }
            for t in livre["themes"]
        ]
    )
    return contributions[contributions["themes"].map(bool)].reset_index(drop=True), themes


def _corpus(apprentissage: pd.DataFrame, themes: pd.DataFrame) -> Corpus:
    liens = (
        apprentissage[["id", "themes"]]
        .explode("themes")
        .rename(columns={"id": "contribution_id", "themes": "theme"})
    )
    vide = pd.DataFrame()
    return Corpus(
        demarche={},
        contributions=apprentissage[["id", "texte"]],
        liens_themes=liens,
        themes=themes,
        temps=vide,
        structures=vide,
        territoires=vide,
        questionnaires_soumis=vide,
    )


def _compter(resultats: dict, modeles: dict, test: pd.DataFrame) -> None:
    for ligne in test.itertuples():
        for nom, modele in modeles.items():
            proposes = [s for s, _ in suggestions.suggerer(modele, ligne.texte)]
            r = resultats[nom]
            r["top1"] += bool(proposes) and proposes[0] in ligne.themes
            r["top3"] += any(s in ligne.themes for s in proposes[:3])
            r["sans_suggestion"] += not proposes
            r["n"] += 1


def _taux(resultats: dict) -> dict:
    return {nom: {k: round(v / r["n"], 3) for k, v in r.items() if k != "n"} for nom, r in resultats.items()}


def _vierges(methodes=METHODES) -> dict:
    return {m: {"top1": 0, "top3": 0, "sans_suggestion": 0, "n": 0} for m in methodes}


def evaluer(contributions: pd.DataFrame, themes: pd.DataFrame, parts: int = 5, graine: int = 0) -> dict:
    """Validation croisée en `parts` parts, livre de codes complet."""
    ordre = np.random.default_rng(graine).permutation(len(contributions))
    resultats = _vierges()
    for p in range(parts):
        test = contributions.iloc[ordre[p::parts]]
        appris = contributions.iloc[np.setdiff1d(ordre, ordre[p::parts])]
        _compter(resultats, _modeles(_corpus(appris, themes), _corpus(appris.iloc[0:0], themes)), test)
    return {"paroles": len(contributions), "themes": len(themes), "parts": parts, **_taux(resultats)}


def sans_indices(themes: pd.DataFrame) -> pd.DataFrame:
    """Le livre de codes réduit aux libellés et descriptions."""
    return themes.assign(mots_cles=[[] for _ in range(len(themes))])


def tirer(contributions: pd.DataFrame, slugs: list[str], k: int, graine: int) -> np.ndarray:
    """Positions des paroles d'apprentissage : pour chaque thème, k paroles qui le portent (toutes s'il
    en a moins), tirées au hasard ; une parole tirée pour un thème apporte toutes ses étiquettes."""
    hasard = np.random.default_rng(graine)
    choisies: set[int] = set()
    for slug in slugs:
        porteuses = np.flatnonzero(contributions["themes"].map(lambda t, s=slug: s in t).to_numpy())
        choisies.update(hasard.choice(porteuses, size=min(k, len(porteuses)), replace=False).tolist())
    return np.array(sorted(choisies))


def evaluer_k_exemples(
    contributions: pd.DataFrame, themes: pd.DataFrame, ks=(1, 3, 5, 10), tirages: int = 5
) -> dict:
    """Livre de codes réduit aux libellés et descriptions ; k paroles étiquetées par thème."""
    livre = sans_indices(themes)
    resultat = {}
    for k in ks:
        resultats, apprises = _vierges(("mots", "vecteurs", "service")), []
        for graine in range(tirages):
            positions = tirer(contributions, list(themes["slug"]), k, graine)
            appris = contributions.iloc[positions]
            test = contributions.drop(index=contributions.index[positions])
            modeles = _modeles(_corpus(appris, livre), _corpus(appris.iloc[0:0], livre))
            _compter(resultats, {m: modeles[m] for m in resultats}, test)
            apprises.append(len(positions))
        resultat[f"k={k}"] = {"paroles_apprises": round(float(np.mean(apprises)), 1), **_taux(resultats)}
    return resultat


# Ce qu'un·e passant·e dit sans parler d'un thème (inventé) : aucune suggestion n'est attendue.
NE_DISENT_RIEN = [
    "bonjour", "oui", "non", "merci", "je sais pas", "ok", "rien à dire", "bof", "...", "hmm", "au revoir",
    "pas d'avis", "c'est comme ça", "voilà", "je ne sais pas trop", "bonne journée", "peut-être",
    "pourquoi pas", "euh", "ça va",
]  # fmt: skip


def ne_disent_rien(contributions: pd.DataFrame, themes: pd.DataFrame) -> dict:
    """Parmi `NE_DISENT_RIEN`, celles qui reçoivent quand même une suggestion (modèle appris sur tout)."""
    modele = suggestions.construire_modele(_corpus(contributions, themes))
    avec = [t for t in NE_DISENT_RIEN if suggestions.suggerer(modele, t)]
    return {"phrases": len(NE_DISENT_RIEN), "avec_suggestion": len(avec), "lesquelles": avec}


def _modeles(complet: Corpus, sans_etiquettes: Corpus) -> dict:
    """La méthode en service et chacune de ses sources seule (mêmes modèles, parties retirées)."""
    service = suggestions.construire_modele(complet)
    indices = replace(suggestions.construire_modele(sans_etiquettes), prototypes=None)
    return {
        "indices": indices,
        "bayes": replace(service, indices={}, prototypes=None),
        "mots": replace(service, prototypes=None),
        "vecteurs": replace(service, indices={}, log_mots=None),
        "service": service,
    }


def _construire(contributions: pd.DataFrame, themes: pd.DataFrame) -> tuple[object, float]:
    suggestions_vecteurs._ligne.cache_clear()  # chaque construction paie ses recherches de vecteurs
    debut = time.perf_counter()
    modele = suggestions.construire_modele(_corpus(contributions, themes))
    return modele, time.perf_counter() - debut


def _synthetiques(contributions: pd.DataFrame, n: int, graine: int = 0) -> pd.DataFrame:
    """`n` paroles faites des mots d'une parole de l'exemple, mélangés, avec ses étiquettes."""
    hasard = np.random.default_rng(graine)
    sources = contributions.iloc[hasard.integers(0, len(contributions), n)]
    textes = [" ".join(hasard.permutation(t.split())) for t in sources["texte"]]
    return pd.DataFrame({"id": range(1, n + 1), "texte": textes, "themes": list(sources["themes"])})


def vitesse(contributions: pd.DataFrame, themes: pd.DataFrame, synthetiques: int = 20_000) -> dict:
    """Temps de chargement des vecteurs (une fois par processus), de construction du modèle (première
    fois, imports compris ; puis sur l'exemple ; puis sur `synthetiques` paroles étiquetées, le plafond
    de `charger_apprentissage`) et de `suggerer` sur chaque parole de l'exemple (ms)."""
    debut = time.perf_counter()
    suggestions_vecteurs._vocabulaire()
    chargement = time.perf_counter() - debut
    _, premiere = _construire(contributions, themes)
    modele, exemple = _construire(contributions, themes)
    _, grand = _construire(_synthetiques(contributions, synthetiques), themes)
    suggestions_vecteurs._ligne.cache_clear()  # chaque texte paie ses recherches de vecteurs
    durees = []
    for texte in contributions["texte"]:
        debut = time.perf_counter()
        suggestions.suggerer(modele, texte)
        durees.append((time.perf_counter() - debut) * 1000)
    return {
        "chargement_vecteurs_s": round(chargement, 2),
        "premiere_construction_s": round(premiere, 2),
        "construction_exemple_s": round(exemple, 3),
        f"construction_{synthetiques}_paroles_s": round(grand, 2),
        "suggerer_ms": {q: round(float(np.percentile(durees, p)), 2) for q, p in (("p50", 50), ("p95", 95))}
        | {"max": round(max(durees), 2)},
    }


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument(
        "dossier", nargs="?", type=Path, default=RACINE / "exemples" / "numerique-citoyennete"
    )
    parseur.add_argument("--themes", type=Path, default=RACINE / "exemples" / "themes.yaml")
    args = parseur.parse_args()
    contributions, themes = lire_demarche(args.dossier, args.themes)
    resultat = {
        "vitesse": vitesse(contributions, themes),
        "validation_croisee": evaluer(contributions, themes),
        "k_exemples": evaluer_k_exemples(contributions, themes),
        "ne_disent_rien": ne_disent_rien(contributions, themes),
        "ne_disent_rien_sans_indices": ne_disent_rien(contributions, sans_indices(themes)),
    }
    print(json.dumps(resultat, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
