"""Précision des suggestions de thèmes sur une démarche étiquetée (validation croisée).

    python bench/precision_suggestions.py [DOSSIER_CSV] [--themes exemples/themes.yaml]

Par défaut : la démarche d'exemple `exemples/numerique-citoyennete` et son livre de codes.
Les paroles étiquetées sont mélangées (graine fixe) puis coupées en 5 parts ; chaque part est
prédite par un modèle construit sur les 4 autres (plus les indices du livre de codes).
top-1 : la première suggestion est l'un des thèmes posés par l'équipe ; top-3 : l'un des trois.
On compare les indices seuls, le bayésien seul et le mélange (la méthode en service).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from analyse import suggestions  # noqa: E402
from analyse.donnees import Corpus  # noqa: E402


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


def evaluer(contributions: pd.DataFrame, themes: pd.DataFrame, parts: int = 5, graine: int = 0) -> dict:
    ordre = np.random.default_rng(graine).permutation(len(contributions))
    resultats = {m: {"top1": 0, "top3": 0, "sans_suggestion": 0} for m in ("indices", "bayes", "melange")}
    for p in range(parts):
        test = contributions.iloc[ordre[p::parts]]
        appris = contributions.iloc[np.setdiff1d(ordre, ordre[p::parts])]
        modeles = _modeles(_corpus(appris, themes), _corpus(appris.iloc[0:0], themes))
        for ligne in test.itertuples():
            for nom, modele in modeles.items():
                proposes = [s for s, _ in suggestions.suggerer(modele, ligne.texte)]
                r = resultats[nom]
                r["top1"] += bool(proposes) and proposes[0] in ligne.themes
                r["top3"] += any(s in ligne.themes for s in proposes[:3])
                r["sans_suggestion"] += not proposes
    n = len(contributions)
    return {
        "paroles": n,
        "themes": len(themes),
        "parts": parts,
        **{nom: {k: round(v / n, 3) for k, v in r.items()} for nom, r in resultats.items()},
    }


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
    melange = suggestions.construire_modele(complet)
    indices = suggestions.construire_modele(sans_etiquettes)
    bayes = suggestions.construire_modele(complet)
    bayes.indices = {}
    return {"indices": indices, "bayes": bayes, "melange": melange}


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument(
        "dossier", nargs="?", type=Path, default=RACINE / "exemples" / "numerique-citoyennete"
    )
    parseur.add_argument("--themes", type=Path, default=RACINE / "exemples" / "themes.yaml")
    args = parseur.parse_args()
    contributions, themes = lire_demarche(args.dossier, args.themes)
    resultat = {**evaluer(contributions, themes), "ne_disent_rien": ne_disent_rien(contributions, themes)}
    print(json.dumps(resultat, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
