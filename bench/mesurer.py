"""Mesure l'import et l'analyse (`parole analyse`) de démarches synthétiques.

    python bench/mesurer.py 10000 100000 [--repetitions 5] [--dossier /tmp/parole-bench] [--profil]
    python bench/mesurer.py 100000 --repetitions 0 --profil-import

Pour chaque taille : génère la démarche (bench/generer.py) si besoin, crée une base SQLite neuve
dans un dossier d'instance jetable, chronomètre `parole import` (une fois) puis `parole analyse
--format json` (`--repetitions` fois ; médiane), mémoire maximale relevée par /usr/bin/time -v.
Avec `--profil`, mesure aussi dans ce processus le temps de chaque étape de l'analyse
(chargement, chiffres, comptes, croisements, indexation lexicale, fréquences, spécificités).
Avec `--profil-import`, refait l'import dans un processus à part, sur une base neuve, et rend le temps
par parole de chaque étape (validation par le registre des champs, identifiant déterministe, empreintes,
insertion par lots, le reste : lecture du CSV et autres feuilles), en microsecondes.
Résultats imprimés en JSON et écrits dans bench/resultats/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
PAROLE = str(Path(sys.executable).parent / "parole")


def machine() -> dict:
    modele = ""
    for ligne in Path("/proc/cpuinfo").read_text().splitlines():
        if ligne.startswith("model name"):
            modele = ligne.split(":", 1)[1].strip()
            break
    memoire = next(
        (l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")),
        "0",
    )
    return {
        "nproc": os.cpu_count(),
        "processeur": modele,
        "memoire_go": round(int(memoire) / 1024**2, 1),
        "python": platform.python_version(),
        "systeme": platform.platform(),
    }


def chronometrer(commande: list[str], env: dict) -> dict:
    """Durée (horloge murale) et mémoire maximale (Mo) d'une commande, via /usr/bin/time -v."""
    debut = time.perf_counter()
    fini = subprocess.run(["/usr/bin/time", "-v", *commande], env=env, capture_output=True, text=True)
    duree = time.perf_counter() - debut
    if fini.returncode != 0:
        raise RuntimeError(f"Échec de {' '.join(commande)} :\n{fini.stderr[-3000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", fini.stderr)
    return {"secondes": round(duree, 2), "memoire_max_mo": round(int(rss.group(1)) / 1024) if rss else None}


def _environnement(instance: Path) -> dict:
    return {
        **os.environ,
        "PAROLE_INSTANCE": str(instance),
        "PAROLE_ENV": "developpement",
        "PAROLE_DATABASE_URL": f"sqlite:///{instance / 'parole.sqlite'}",
    }


def _importer_dans_une_base_neuve(donnees: Path, instance: Path, slug: str) -> tuple[dict, dict]:
    for fichier in instance.glob("parole.sqlite*"):
        fichier.unlink()
    instance.mkdir(parents=True, exist_ok=True)
    env = _environnement(instance)
    subprocess.run([PAROLE, "init-db"], env=env, check=True, capture_output=True)
    return chronometrer([PAROLE, "import", str(donnees), "--demarche", slug], env), env


def mesurer_taille(
    n: int,
    dossier: Path,
    repetitions: int,
    profil: bool,
    repetitions_import: int = 1,
    profil_import: bool = False,
) -> dict:
    donnees = dossier / f"demarche-{n}"
    if not (donnees / "contributions.csv").exists():
        subprocess.run(
            [sys.executable, str(RACINE / "bench" / "generer.py"), str(n), str(donnees)], check=True
        )
    instance = dossier / f"instance-{n}"
    slug = f"bench-{n}"
    imports = []
    for _ in range(max(1, repetitions_import)):  # chaque import part d'une base neuve
        mesure, env = _importer_dans_une_base_neuve(donnees, instance, slug)
        imports.append(mesure)
    resultat = {
        "paroles": n,
        "import": {
            "mediane_secondes": statistics.median(m["secondes"] for m in imports),
            "memoire_max_mo": max(m["memoire_max_mo"] or 0 for m in imports),
            "mesures": [m["secondes"] for m in imports],
        },
    }
    analyses = [
        chronometrer([PAROLE, "analyse", "--demarche", slug, "--format", "json"], env)
        for _ in range(repetitions)
    ]
    if analyses:
        resultat["analyse"] = {
            "mediane_secondes": statistics.median(a["secondes"] for a in analyses),
            "memoire_max_mo": max(a["memoire_max_mo"] or 0 for a in analyses),
            "mesures": [a["secondes"] for a in analyses],
        }
    if profil:
        resultat["profil"] = profiler(env, slug)
    if profil_import:
        resultat["profil_import"] = profiler_import(donnees, dossier / f"instance-{n}-profil", slug, n)
    return resultat


def profiler_import(donnees: Path, instance: Path, slug: str, n: int) -> dict:
    """Microsecondes par parole de chaque étape de l'import, dans un sous-processus, base neuve. Chaque
    étape est chronométrée par une enveloppe (temps d'horloge, pas d'échantillonnage) : l'identifiant est
    compté dans la validation, les empreintes (posées par l'écouteur du moteur) dans l'insertion."""
    for fichier in instance.glob("parole.sqlite*"):
        fichier.unlink()
    instance.mkdir(parents=True, exist_ok=True)
    code = f"""
import json, time
from pathlib import Path
from app import create_app
from collecte.modele import ecritures
from collecte.modele.db import get_engine, get_session, init_db
from collecte.tableurs import paroles
from collecte.tableurs.entrees import importer_chemin
temps = {{}}
def chronometrer(porteur, nom, etape):
    fonction = getattr(porteur, nom)
    def enveloppe(*args, **kwargs):
        debut = time.perf_counter()
        try:
            return fonction(*args, **kwargs)
        finally:
            temps[etape] = temps.get(etape, 0.0) + time.perf_counter() - debut
    setattr(porteur, nom, enveloppe)
chronometrer(paroles._Validation, "__call__", "validation (registre, temps, identifiant)")
chronometrer(paroles, "uuid_parole", "dont identifiant deterministe (uuid5)")
chronometrer(paroles._Ecrivain, "vider", "insertion par lots (empreintes comprises)")
chronometrer(ecritures, "empreintes", "dont empreintes")
app = create_app()
with app.app_context():
    init_db(get_engine())
    debut = time.perf_counter()
    importer_chemin(get_session(), Path({str(donnees)!r}), {slug!r})
    total = time.perf_counter() - debut
mesurees = sum(d for nom, d in temps.items() if not nom.startswith("dont"))
temps["reste (lecture, autres feuilles, boucle)"] = total - mesurees
ordre = ("validation", "dont identifiant", "insertion", "dont empreintes", "reste")
rang = lambda nom: next(i for i, debut in enumerate(ordre) if nom.startswith(debut))
etapes = {{nom: round(temps[nom] * 1e6 / {n}, 1) for nom in sorted(temps, key=rang)}}
etapes["total import (secondes)"] = round(total, 2)
print(json.dumps(etapes))
"""
    sortie = subprocess.run(
        [sys.executable, "-c", code],
        env=_environnement(instance),
        capture_output=True,
        text=True,
        check=True,
        cwd=str(RACINE),
    )
    for fichier in instance.glob("parole.sqlite*"):
        fichier.unlink()
    return json.loads(sortie.stdout.strip().splitlines()[-1])


def profiler(env: dict, slug: str) -> dict:
    """Temps de chaque étape de l'analyse, dans un sous-processus (même base, même code)."""
    code = f"""
import json, time, os
from app import create_app
from collecte.modele.db import get_session
from analyse.donnees import charger_corpus
from analyse import chiffres, comptages, lexique, specificites
etapes = {{}}
def etape(nom, f):
    debut = time.perf_counter(); r = f(); etapes[nom] = round(time.perf_counter() - debut, 3); return r
app = create_app()
with app.app_context():
    t0 = time.perf_counter()
    corpus = etape("chargement (SQL -> pandas)", lambda: charger_corpus(get_session(), {slug!r}))
    etape("chiffres cles", lambda: chiffres.chiffres_cles(corpus))
    etape("comptages (6 criteres)", lambda: [comptages.compter_par(corpus, c) for c in
          ("dispositif", "territoire", "theme", "profil", "tranche_age", "mois")])
    etape("croisements (3) + cooccurrences", lambda: ([comptages.croiser(corpus, "theme", c) for c in
          ("territoire", "profil", "dispositif")], comptages.cooccurrences_themes(corpus)))
    etape("indexation lexicale (decoupage + lemmes)", lambda: lexique.index_du_corpus(corpus))
    etape("frequences", lambda: lexique.frequences(corpus, n=30))
    etape("specificites (3 groupements)", lambda: [specificites.specificites(corpus, c) for c in
          ("territoire", "profil", "dispositif")])
    etapes["total"] = round(time.perf_counter() - t0, 3)
print(json.dumps(etapes))
"""
    sortie = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=str(RACINE)
    )
    return json.loads(sortie.stdout.strip().splitlines()[-1])


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("tailles", nargs="+", type=int)
    parseur.add_argument("--repetitions", type=int, default=5)
    parseur.add_argument("--dossier", type=Path, default=Path("/tmp/parole-bench"))
    parseur.add_argument("--profil", action="store_true")
    parseur.add_argument(
        "--profil-import", action="store_true", help="temps par parole de chaque étape de l'import"
    )
    parseur.add_argument(
        "--repetitions-import", type=int, default=1, help="imports mesurés (base neuve à chaque fois)"
    )
    args = parseur.parse_args()
    resultats = {"machine": machine(), "tailles": []}
    for n in args.tailles:
        resultats["tailles"].append(
            mesurer_taille(
                n, args.dossier, args.repetitions, args.profil, args.repetitions_import, args.profil_import
            )
        )
        print(json.dumps(resultats["tailles"][-1], ensure_ascii=False), file=sys.stderr)
    sortie = RACINE / "bench" / "resultats"
    sortie.mkdir(exist_ok=True)
    (sortie / f"mesures-{int(time.time())}.json").write_text(
        json.dumps(resultats, ensure_ascii=False, indent=2)
    )
    print(json.dumps(resultats, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
