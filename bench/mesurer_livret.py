"""Mesure la construction du livret (`parole livret`) : démarche d'exemple et démarches synthétiques.

    python bench/mesurer_livret.py 100000 1000000 [--repetitions 3] [--dossier /tmp/parole-bench] [--profil]

La démarche d'exemple (exemples/numerique-citoyennete) est toujours mesurée. Pour chaque taille :
génère la démarche (bench/generer.py) si besoin, l'importe une fois dans une base SQLite neuve
(dossier `instance-livret-<n>`, réutilisée ensuite), puis chronomètre `parole livret -o … --demarche`
`--repetitions` fois (médiane ; processus complet, démarrage de Python compris), pic de mémoire
relevé par /usr/bin/time -v. Avec `--profil`, une construction de plus dans un seul processus
découpe le temps par étape (lecture, analyse lexicale, sections, nuages de mots, mise en page).
Résultats imprimés en JSON et écrits dans bench/resultats/.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mesurer import PAROLE, RACINE, _environnement, chronometrer, machine  # noqa: E402

EXEMPLES = RACINE / "exemples"


def _base(dossier: Path, nom: str, source: Path, slug: str, themes: Path | None) -> dict:
    """Environnement d'une base où la démarche `slug` est importée (importée au premier appel)."""
    instance = dossier / f"instance-livret-{nom}"
    env = _environnement(instance)
    if not (instance / "parole.sqlite").exists():
        instance.mkdir(parents=True, exist_ok=True)
        subprocess.run([PAROLE, "init-db"], env=env, check=True, capture_output=True)
        commande = [PAROLE, "import", str(source), "--demarche", slug] + (
            ["--themes", str(themes)] if themes else []
        )
        subprocess.run(commande, env=env, check=True, capture_output=True)
    return env


def _pages(pdf: Path) -> int:
    sortie = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    return int(next((l.split()[-1] for l in sortie.splitlines() if l.startswith("Pages:")), "0"))


def mesurer(nom: str, env: dict, slug: str, dossier: Path, repetitions: int, profil: bool) -> dict:
    pdf = dossier / f"livret-{nom}.pdf"
    mesures = [
        chronometrer([PAROLE, "livret", "-o", str(pdf), "--demarche", slug], env) for _ in range(repetitions)
    ]
    resultat = {
        "demarche": nom,
        "mediane_secondes": statistics.median(m["secondes"] for m in mesures),
        "mesures": [m["secondes"] for m in mesures],
        "memoire_max_mo": max(m["memoire_max_mo"] or 0 for m in mesures),
        "pages": _pages(pdf),
        "taille_ko": pdf.stat().st_size // 1024,
    }
    if profil:
        resultat["profil"] = profiler(env, slug)
    return resultat


_CODE_PROFIL = """
import json, time
from app import create_app
from collecte.modele.db import get_session
from restitution import livret, livret_chapitres
etapes, nuages = [], [0.0]
original = livret_chapitres.nuage_de_mots
def nuage_chronometre(*a, **k):
    debut = time.perf_counter(); r = original(*a, **k); nuages[0] += time.perf_counter() - debut; return r
livret_chapitres.nuage_de_mots = nuage_chronometre
app = create_app()
with app.app_context():
    debut = time.perf_counter()
    livret.construire_livret(
        get_session(), SLUG, progression=lambda e: etapes.append((e, time.perf_counter()))
    )
    fin = time.perf_counter()
durees = {}
for (nom, t), (_, suivant) in zip(etapes, etapes[1:] + [("fin", fin)]):
    cle = "chapitres (paroles choisies, tableaux, nuages)" if nom.startswith("Chapitre") else nom
    durees[cle] = durees.get(cle, 0) + suivant - t
durees["dont nuages de mots"] = nuages[0]
durees["total"] = fin - debut
print(json.dumps({k: round(v, 2) for k, v in durees.items()}, ensure_ascii=False))
"""


def profiler(env: dict, slug: str) -> dict:
    """Durée de chaque étape, d'après les appels de progression du livret (un seul processus)."""
    code = _CODE_PROFIL.replace("SLUG", repr(slug))
    sortie = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=str(RACINE)
    )
    return json.loads(sortie.stdout.strip().splitlines()[-1])


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("tailles", nargs="*", type=int)
    parseur.add_argument("--repetitions", type=int, default=3)
    parseur.add_argument("--dossier", type=Path, default=Path("/tmp/parole-bench"))
    parseur.add_argument("--profil", action="store_true")
    args = parseur.parse_args()
    resultats = {"machine": machine(), "livrets": []}
    cibles = [
        ("exemple", EXEMPLES / "numerique-citoyennete", "numerique-citoyennete", EXEMPLES / "themes.yaml")
    ]
    for n in args.tailles:
        donnees = args.dossier / f"demarche-{n}"
        if not (donnees / "contributions.csv").exists():
            subprocess.run(
                [sys.executable, str(RACINE / "bench" / "generer.py"), str(n), str(donnees)], check=True
            )
        cibles.append((str(n), donnees, f"bench-{n}", None))
    for nom, source, slug, themes in cibles:
        env = _base(args.dossier, nom, source, slug, themes)
        resultats["livrets"].append(mesurer(nom, env, slug, args.dossier, args.repetitions, args.profil))
        print(json.dumps(resultats["livrets"][-1], ensure_ascii=False), file=sys.stderr)
    sortie = RACINE / "bench" / "resultats"
    sortie.mkdir(exist_ok=True)
    (sortie / f"livret-{int(time.time())}.json").write_text(
        json.dumps(resultats, ensure_ascii=False, indent=2)
    )
    print(json.dumps(resultats, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
