"""Mesure les temps de réponse des pages de l'équipe sur des démarches synthétiques.

    python bench/mesurer_pages.py 10000 100000 [--repetitions 30] [--dossier /tmp/parole-bench]

Pour chaque taille : génère la démarche (bench/generer.py) si besoin, l'importe dans une base SQLite neuve
(`parole import`, dossier d'instance `pages-instance-<n>` ; base gardée pour les mesures suivantes, sauf
`--reimporter`), puis, dans ce processus, avec le client de test Flask et un compte admin connecté,
demande chaque page : une première fois (à froid : examen des paroles de la page, chargement du corpus),
puis `--repetitions` fois ; médiane (p50) et 95e centile (p95) des temps de réponse, en millisecondes.
Mesure aussi la première réponse après une écriture (une parole marquée « à retenir » : le cache
d'analyse de la démarche est périmé, le tableau de bord se recalcule).

Pages : liste de revue, revue filtrée (dispositif et profil), tableau de bord, une image de graphique, la
structure des paroles (classes de discours, AFC, similitudes) et ses deux images, aperçu du livret
(jusqu'à 100 000 paroles : avant son premier calcul, le livret examine toutes les paroles importées, que
l'import n'examine pas). Résultats imprimés (JSON, puis tableau Markdown) et écrits dans
bench/resultats/.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
sys.path.insert(0, str(RACINE / "bench"))

from mesurer import PAROLE, machine  # noqa: E402

MOT_DE_PASSE = "banc-de-mesure-" + uuid.uuid4().hex


APERCU_MAX = 100_000  # au-delà, le premier aperçu examine toutes les paroles importées (des dizaines de min)


def _pages(slug: str, n: int) -> dict[str, str]:
    pages = {
        "revue": f"/collecte/revue/?demarche={slug}",
        "revue filtrée": f"/collecte/revue/?demarche={slug}&dispositif=porteur_de_parole&profil=habitant",
        "tableau de bord": f"/analyse/?demarche={slug}",
        "graphique": f"/analyse/graphique/comptage/territoire.svg?demarche={slug}",
        "structure des paroles": f"/analyse/structure?demarche={slug}",
        "image de l'AFC": f"/analyse/graphique/afc/dispositif.svg?demarche={slug}",
        "graphe de similitudes": f"/analyse/graphique/similitudes.svg?demarche={slug}",
    }
    if n <= APERCU_MAX:
        pages["aperçu du livret"] = f"/restitution/{slug}/apercu"
    return pages


def centile(valeurs: list[float], p: float) -> float:
    """Centile par rang le plus proche (p95 de 30 mesures : la 29e)."""
    ordonnees = sorted(valeurs)
    return ordonnees[max(0, math.ceil(p / 100 * len(ordonnees)) - 1)]


def _importer(donnees: Path, instance: Path, slug: str, reimporter: bool) -> float | None:
    base = instance / "parole.sqlite"
    if base.exists() and not reimporter:
        return None
    for fichier in instance.glob("parole.sqlite*"):
        fichier.unlink()
    instance.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PAROLE_INSTANCE": str(instance), "PAROLE_DATABASE_URL": f"sqlite:///{base}"}
    subprocess.run([PAROLE, "init-db"], env=env, check=True, capture_output=True)
    debut = time.perf_counter()
    subprocess.run(
        [PAROLE, "import", str(donnees), "--demarche", slug], env=env, check=True, capture_output=True
    )
    return round(time.perf_counter() - debut, 1)


def _client(instance: Path):
    os.environ["PAROLE_INSTANCE"] = str(instance)
    from sqlmodel import Session

    from app import create_app
    from collecte import comptes
    from collecte.modele.db import init_db

    app = create_app(
        {
            "SECRET_KEY": uuid.uuid4().hex * 2,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "DATABASE_URL": f"sqlite:///{instance / 'parole.sqlite'}",
        }
    )
    engine = app.extensions["parole_engine"]
    init_db(engine)
    identifiant = "banc-" + uuid.uuid4().hex[:8]
    with Session(engine) as session:
        comptes.creer_utilisateur(session, identifiant, MOT_DE_PASSE, "admin")
    client = app.test_client()
    reponse = client.post(
        "/comptes/connexion", data={"identifiant": identifiant, "mot_de_passe": MOT_DE_PASSE}
    )
    if reponse.status_code != 302:
        raise RuntimeError("Connexion du banc de mesure refusée.")
    return app, client


def _chronometrer(client, adresse: str) -> float:
    debut = time.perf_counter()
    reponse = client.get(adresse)
    duree = (time.perf_counter() - debut) * 1000
    if reponse.status_code != 200:
        raise RuntimeError(f"{adresse} : statut {reponse.status_code}")
    return duree


def _ecrire_une_parole(app) -> None:
    """Une écriture ordinaire de la revue : la parole la plus récente passe « à retenir » (ou plus)."""
    from sqlmodel import Session, select

    from collecte import revue
    from collecte.modele.models import Contribution, Utilisateur

    with Session(app.extensions["parole_engine"], expire_on_commit=False) as session:
        parole = session.exec(select(Contribution).order_by(Contribution.id.desc()).limit(1)).one()
        compte = session.exec(select(Utilisateur.id).order_by(Utilisateur.id.desc()).limit(1)).one()
        action = "ne_plus_retenir" if parole.a_retenir else "retenir"
        revue.action_groupee(session, [parole.id], action, None, compte)


def mesurer_taille(n: int, dossier: Path, repetitions: int, reimporter: bool) -> dict:
    donnees = dossier / f"demarche-{n}"
    if not (donnees / "contributions.csv").exists():
        subprocess.run(
            [sys.executable, str(RACINE / "bench" / "generer.py"), str(n), str(donnees)], check=True
        )
    instance, slug = dossier / f"pages-instance-{n}", f"bench-{n}"
    duree_import = _importer(donnees, instance, slug, reimporter)
    app, client = _client(instance)
    resultat = {"paroles": n, "import_secondes": duree_import, "pages": {}}
    for nom, adresse in _pages(slug, n).items():
        premiere = _chronometrer(client, adresse)
        mesures = [_chronometrer(client, adresse) for _ in range(repetitions)]
        resultat["pages"][nom] = {
            "premiere_ms": round(premiere),
            "p50_ms": round(statistics.median(mesures), 1),
            "p95_ms": round(centile(mesures, 95), 1),
        }
    _ecrire_une_parole(app)
    resultat["apres_ecriture_ms"] = {
        nom: round(_chronometrer(client, adresse))
        for nom, adresse in _pages(slug, n).items()
        if nom in ("tableau de bord", "graphique", "revue", "structure des paroles")
    }
    return resultat


def tableau_markdown(resultats: dict) -> str:
    lignes = [
        "| paroles | page | p50 (ms) | p95 (ms) | première requête (ms) |",
        "|---:|---|---:|---:|---:|",
    ]
    for taille in resultats["tailles"]:
        for nom, m in taille["pages"].items():
            lignes.append(
                f"| {taille['paroles']:,} | {nom} | {m['p50_ms']:.0f} | {m['p95_ms']:.0f} | "
                f"{m['premiere_ms']:,} |".replace(",", "\u202f")
            )
    return "\n".join(lignes)


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("tailles", nargs="+", type=int)
    parseur.add_argument("--repetitions", type=int, default=30)
    parseur.add_argument("--dossier", type=Path, default=Path("/tmp/parole-bench"))
    parseur.add_argument("--reimporter", action="store_true", help="base neuve même si elle existe déjà")
    args = parseur.parse_args()
    resultats = {"machine": machine(), "repetitions": args.repetitions, "tailles": []}
    for n in args.tailles:
        resultats["tailles"].append(mesurer_taille(n, args.dossier, args.repetitions, args.reimporter))
        print(json.dumps(resultats["tailles"][-1], ensure_ascii=False), file=sys.stderr)
    sortie = RACINE / "bench" / "resultats"
    sortie.mkdir(exist_ok=True)
    (sortie / f"pages-{int(time.time())}.json").write_text(
        json.dumps(resultats, ensure_ascii=False, indent=2)
    )
    print(json.dumps(resultats, ensure_ascii=False, indent=2))
    print(tableau_markdown(resultats))


if __name__ == "__main__":
    main()
