"""Vider une file de 1 000 paroles : par lots (POST /api/contributions/lot) ou une requête par parole.

    python bench/mesurer_lot.py [--paroles 1000] [--lot 100] [--repetitions 5] [--postgres URL]

Comme une tablette qui retrouve le réseau : un serveur Parole (processus à part, serveur WSGI de
Werkzeug en fils, comme `parole demo`) sur une base neuve, une session connectée, puis la file
envoyée en HTTP sur 127.0.0.1 avec une connexion persistante. On chronomètre l'envoi complet
(sérialisation JSON, HTTP, validation, écriture, réponse), base SQLite (ou PostgreSQL avec
`--postgres`), une base neuve par mesure. Résultat : millisecondes par parole, médiane des mesures.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from bench.mesurer import machine  # noqa: E402

MOT_DE_PASSE = "mot-de-passe-du-banc"
TEXTES = [
    "Le wifi de la médiathèque ne marche jamais, alors je fais tout sur mon téléphone.",
    "Mon fils m'aide pour l'ENT, moi je n'y comprends rien […] mais il n'est pas toujours là.",
    "On devrait avoir un humain au guichet de la CAF, « au moins le mardi ».",
    "J'ai peur de me faire arnaquer : mon voisin s'est fait vider son compte en banque.",
]


def _servir(url_base: str, dossier: str, port, pret) -> None:
    import logging

    from sqlmodel import Session
    from werkzeug.serving import make_server

    from app import create_app
    from collecte import comptes
    from collecte.modele.db import init_db
    from collecte.modele.models import Demarche, TempsDeCollecte, Theme

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ["PAROLE_INSTANCE"] = dossier
    app = create_app({"SECRET_KEY": "banc-" + "x" * 40, "DATABASE_URL": url_base, "ENV": "developpement"})
    engine = app.extensions["parole_engine"]
    init_db(engine)
    with Session(engine) as session:
        comptes.creer_utilisateur(session, "banc", MOT_DE_PASSE, "animateur")
        demarche = Demarche(slug="banc", titre="Banc")
        session.add(demarche)
        session.flush()
        for rang, slug in enumerate(("parentalite", "manque-moyens", "maitrise-technique")):
            session.add(Theme(demarche_id=demarche.id, slug=slug, label=slug, ordre=rang))
        from datetime import date

        session.add(
            TempsDeCollecte(
                demarche_id=demarche.id, ref="PDP-1", dispositif="porteur_de_parole", date=date(2024, 3, 5)
            )
        )
        session.commit()
    serveur = make_server("127.0.0.1", 0, app, threaded=True)
    port.value = serveur.server_port
    pret.set()
    serveur.serve_forever()


class Client:
    """Une session HTTP persistante (cookie de session, jeton CSRF), comme la page du navigateur."""

    def __init__(self, port: int):
        self.connexion = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""
        statut, corps = self.requete("GET", "/comptes/connexion")
        jeton = corps.split('name="csrf-token" content="')[1].split('"')[0]
        formulaire = urllib.parse.urlencode(
            {"identifiant": "banc", "mot_de_passe": MOT_DE_PASSE, "csrf_token": jeton}
        )
        self.requete("POST", "/comptes/connexion", formulaire, "application/x-www-form-urlencoded")
        self.jeton = json.loads(self.requete("GET", "/api/session")[1])["csrf"]

    def requete(self, methode, chemin, corps=None, type_=None):
        entetes = {"Cookie": self.cookie, "X-CSRFToken": getattr(self, "jeton", "")}
        if type_:
            entetes["Content-Type"] = type_
        self.connexion.request(methode, chemin, body=corps, headers=entetes)
        reponse = self.connexion.getresponse()
        donnees = reponse.read().decode()
        cookie = reponse.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return reponse.status, donnees


def _file(n: int, temps_id: int) -> list[dict]:
    return [
        {
            "client_uuid": str(uuid.uuid4()),
            "temps": temps_id,
            "texte": TEXTES[i % len(TEXTES)] + f" ({i})",
            "question": "Le numérique, c'est compliqué ?",
            "nature": "parole",
            "profil": "habitant",
            "tranche_age": "40_59",
            "genre": "",
            "themes": ["parentalite"] if i % 2 else ["manque-moyens"],
            "a_retenir": False,
            "ne_pas_citer": False,
        }
        for i in range(n)
    ]


def mesurer(mode: str, n: int, taille_lot: int, url_base: str | None) -> float:
    with tempfile.TemporaryDirectory(prefix="parole-banc-") as dossier:
        url = url_base or f"sqlite:///{dossier}/parole.sqlite"
        if url_base:
            _vider_postgres(url_base)
        port, pret = multiprocessing.Value("i", 0), multiprocessing.Event()
        serveur = multiprocessing.Process(target=_servir, args=(url, dossier, port, pret), daemon=True)
        serveur.start()
        try:
            pret.wait(60)
            client = Client(port.value)
            file = _file(n, 1)
            debut = time.perf_counter()
            if mode == "par_lots":
                for i in range(0, n, taille_lot):
                    statut, corps = client.requete(
                        "POST",
                        "/api/contributions/lot",
                        json.dumps({"contributions": file[i : i + taille_lot]}),
                        "application/json",
                    )
                    assert statut == 200 and all(
                        r["statut"] == "creee" for r in json.loads(corps)["resultats"]
                    ), corps[:300]
            else:
                for parole in file:
                    statut, corps = client.requete(
                        "POST", "/api/contributions", json.dumps(parole), "application/json"
                    )
                    assert statut == 201, corps[:300]
            duree = time.perf_counter() - debut
        finally:
            serveur.terminate()
            serveur.join(10)
    return duree * 1000 / n


def _vider_postgres(url: str) -> None:
    from sqlalchemy import text

    from collecte.modele.db import creer_engine

    engine = creer_engine(url)
    with engine.begin() as connexion:
        connexion.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paroles", type=int, default=1000)
    parser.add_argument(
        "--lot", type=int, default=100, help="paroles par requête (la tablette monte jusqu'à 100)"
    )
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument(
        "--postgres", default=None, help="URL d'une base PostgreSQL jetable (vidée à chaque mesure)"
    )
    args = parser.parse_args()
    resultats = {
        "machine": machine(),
        "paroles": args.paroles,
        "taille_lot": args.lot,
        "base": "postgresql" if args.postgres else "sqlite",
    }
    for mode in ("par_lots", "une_par_une"):
        mesures = [mesurer(mode, args.paroles, args.lot, args.postgres) for _ in range(args.repetitions)]
        resultats[mode] = {
            "ms_par_parole_mediane": round(statistics.median(mesures), 3),
            "mesures": [round(m, 3) for m in mesures],
        }
        print(
            f"{mode} : {resultats[mode]['ms_par_parole_mediane']} ms par parole (médiane de {len(mesures)})",
            file=sys.stderr,
        )
    sortie = RACINE / "bench" / "resultats"
    sortie.mkdir(exist_ok=True)
    (sortie / f"lot-{resultats['base']}.json").write_text(json.dumps(resultats, ensure_ascii=False, indent=2))
    print(json.dumps(resultats, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
