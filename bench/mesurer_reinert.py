"""Mesure la classification de Reinert (analyse.reinert) : durée, mémoire, classes obtenues.

    python bench/mesurer_reinert.py [DOSSIER_CSV ...] [--classes 10] [--taille 40] [--frequence-min 3]
                                    [--repetitions 3]

Par défaut : la démarche d'exemple `exemples/numerique-citoyennete` puis, s'il existe, le dossier
généré `/tmp/parole-bench/demarche-100000` (`python bench/generer.py 100000 <dossier>`).
Chaque dossier est mesuré dans un processus Python neuf (pic de mémoire propre, lu par
`resource.getrusage`) : lecture du CSV des contributions, puis `classer` (chronométré), `profils`
(profil et thèmes de chaque parole) et `classer_double`. Imprime, par dossier, le nombre de segments,
les classes avec leur effectif et leurs 5 premiers lemmes, les durées et le pic de mémoire, en JSON.
Avec `--repetitions N`, chaque dossier est mesuré N fois (un processus neuf à chaque fois) : les durées
et la mémoire imprimées sont les médianes, la liste de chaque mesure suit (`mesures`).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from analyse.lexique import mots_vides  # noqa: E402
from analyse.reinert import classer, profils  # noqa: E402
from analyse.reinert_double import classer_double  # noqa: E402

PAR_DEFAUT = [RACINE / "exemples" / "numerique-citoyennete", Path("/tmp/parole-bench/demarche-100000")]


def lire(dossier: Path) -> tuple[list[str], list[int], dict[str, dict[int, object]]]:
    with open(dossier / "contributions.csv", encoding="utf-8-sig", newline="") as f:
        lignes = list(csv.DictReader(f, delimiter=";"))
    ids = list(range(1, len(lignes) + 1))
    variables = {
        "profil": {i: l.get("profil") or "" for i, l in zip(ids, lignes, strict=True)},
        "theme": {
            i: [t for t in (l.get("themes") or "").split(";") if t] for i, l in zip(ids, lignes, strict=True)
        },
    }
    return [l["texte"] for l in lignes], ids, variables


def mesurer(dossier: Path, classes: int, taille: int, frequence_min: int) -> dict:
    debut = time.perf_counter()
    textes, ids, variables = lire(dossier)
    lecture = time.perf_counter() - debut
    debut = time.perf_counter()
    resultat = classer(
        textes, ids, mots_vides(), classes=classes, taille_segment=taille, frequence_min=frequence_min
    )
    duree = time.perf_counter() - debut
    debut = time.perf_counter()
    table = profils(resultat, variables)
    duree_profils = time.perf_counter() - debut
    debut = time.perf_counter()
    double = classer_double(
        textes, ids, mots_vides(), classes=classes, taille_segment=taille, frequence_min=frequence_min
    )
    duree_double = time.perf_counter() - debut
    return {
        "dossier": str(dossier),
        "paroles": len(textes),
        "segments": len(resultat.segments),
        "segments_classes": int((resultat.segments["classe"] > 0).sum()),
        "echantillon": resultat.echantillon,
        "lemmes_retenus": len(resultat.lemmes),
        "classes": [
            {
                "classe": c.numero,
                "segments": c.segments,
                "paroles": c.paroles,
                "part": round(c.part, 3),
                "lemmes": c.lemmes["lemme"].head(5).tolist(),
                "modalites": table[(table["classe"] == c.numero) & (table["chi2"] > 3.84)]
                .head(3)["modalite"]
                .tolist(),
            }
            for c in resultat.classes
        ],
        "coupes_chi2": [round(c.chi2, 1) for c in resultat.coupes],
        "lecture_s": round(lecture, 2),
        "classer_s": round(duree, 2),
        "profils_s": round(duree_profils, 2),
        "double": {
            "classes_stables": [c.segments for c in double.classes],
            "segments_classes": int((double.segments["classe"] > 0).sum()),
            "lemmes": [c.lemmes["lemme"].head(5).tolist() for c in double.classes],
            "duree_s": round(duree_double, 2),
        },
        "memoire_max_mo": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("dossiers", nargs="*", type=Path)
    parseur.add_argument("--classes", type=int, default=10)
    parseur.add_argument("--taille", type=int, default=40)
    parseur.add_argument("--frequence-min", type=int, default=3)
    parseur.add_argument("--repetitions", type=int, default=1)
    parseur.add_argument("--un", action="store_true", help="mesure un seul dossier dans ce processus")
    args = parseur.parse_args()
    if args.un:
        print(json.dumps(mesurer(args.dossiers[0], args.classes, args.taille, args.frequence_min)))
        return
    for dossier in args.dossiers or [d for d in PAR_DEFAUT if (d / "contributions.csv").exists()]:
        commande = [sys.executable, __file__, str(dossier), "--un", "--classes", str(args.classes)]
        commande += ["--taille", str(args.taille), "--frequence-min", str(args.frequence_min)]
        mesures = [
            json.loads(subprocess.run(commande, check=True, capture_output=True, text=True).stdout)
            for _ in range(max(args.repetitions, 1))
        ]
        resultat = mesures[0]
        for cle in ("lecture_s", "classer_s", "profils_s", "memoire_max_mo"):
            resultat[cle] = statistics.median(m[cle] for m in mesures)
        resultat["double"]["duree_s"] = statistics.median(m["double"]["duree_s"] for m in mesures)
        resultat["mesures"] = [
            {"classer_s": m["classer_s"], "profils_s": m["profils_s"], "double_s": m["double"]["duree_s"]}
            for m in mesures
        ]
        print(json.dumps(resultat, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
