"""Détecteur de données personnelles : précision et rappel par sorte, débit, mémoire, pour chaque modèle.

    python bench/mesurer_detection.py [--paroles 20000] [--repetitions 5] [--modeles fr_core_news_sm ...]

Qualité : le jeu d'essai `tests/donnees/donnees_personnelles.yaml` (paroles inventées, repérages
attendus), par lot (réglage, contrôle, second contrôle) et en tout. Un repérage attendu est trouvé
quand un repérage de la même sorte le recouvre à 50 % au moins (intersection sur union) ; les autres
repérages comptent comme faux positifs de leur sorte. « Paroles sans donnée signalées » : part des
paroles sans donnée personnelle qui reçoivent au moins un repérage.

Débit : `reperer_lot` sur N paroles fabriquées à partir des textes de la démarche d'exemple
(`exemples/numerique-citoyennete`, paroles et réponses, assemblées par une ou deux, graine fixe),
médiane de plusieurs passages, chargement du modèle exclu (mesuré à part). Chaque modèle est mesuré
dans son propre processus (mémoire : pic de RSS du processus, et RSS ajoutée par le chargement).
`regles` : les mêmes règles sans modèle de langue (pour mesurer ce qu'apporte le modèle) ;
`fr_core_news_md:sans-tri` : le modèle appelé sur chaque parole, sans le tri préalable
(`detection._modele_utile`), pour le cas où toutes les paroles auraient des mots à majuscule.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from importlib import util
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from bench.mesurer import machine  # noqa: E402
from collecte.confidentialite import detection  # noqa: E402

JEU = RACINE / "tests" / "donnees" / "donnees_personnelles.yaml"
EXEMPLE = RACINE / "exemples" / "numerique-citoyennete"
MODELES = (
    "fr_core_news_sm",
    "fr_core_news_md",
    "regles",
    "fr_core_news_sm:sans-tri",
    "fr_core_news_md:sans-tri",
)


def charger_jeu() -> list[dict]:
    """Les paroles du jeu d'essai, chacune avec ses repérages attendus (debut, fin, sorte)."""
    import yaml

    paroles = []
    for entree in yaml.safe_load(JEU.read_text(encoding="utf-8")):
        texte, position, attendus = entree["texte"], 0, []
        for attendu in entree["attendus"]:
            ((sorte, extrait),) = attendu.items()
            debut = texte.index(extrait, position)
            attendus.append((debut, debut + len(extrait), sorte))
            position = debut + len(extrait)
        paroles.append({"texte": texte, "attendus": attendus, "lot": entree.get("lot", "reglage")})
    return paroles


def _recouvre(attendu: tuple[int, int, str], reperage) -> bool:
    debut, fin, sorte = attendu
    if reperage.sorte != sorte:
        return False
    commun = min(fin, reperage.fin) - max(debut, reperage.debut)
    return commun / (max(fin, reperage.fin) - min(debut, reperage.debut)) >= 0.5


def comparer(paroles: list[dict], resultats: list[list]) -> dict:
    """Vrais positifs, faux positifs, manqués par sorte, et paroles sans donnée signalées."""
    vrais, faux, manques = Counter(), Counter(), Counter()
    sans_donnee = signalees = 0
    for parole, reperages in zip(paroles, resultats):
        restants = list(reperages)
        for attendu in parole["attendus"]:
            trouve = next((r for r in restants if _recouvre(attendu, r)), None)
            if trouve is None:
                manques[attendu[2]] += 1
            else:
                vrais[attendu[2]] += 1
                restants.remove(trouve)
        for reperage in restants:
            faux[reperage.sorte] += 1
        if not parole["attendus"]:
            sans_donnee += 1
            signalees += bool(reperages)
    par_sorte = {}
    for sorte in detection.SORTES:
        v, f, m = vrais[sorte], faux[sorte], manques[sorte]
        par_sorte[sorte] = {
            "attendus": v + m,
            "precision": round(v / (v + f), 3) if v + f else None,
            "rappel": round(v / (v + m), 3) if v + m else None,
            "vrais": v,
            "faux": f,
            "manques": m,
        }
    return {
        "par_sorte": par_sorte,
        "paroles": len(paroles),
        "paroles_sans_donnee": sans_donnee,
        "paroles_sans_donnee_signalees": signalees,
        "taux_signalees": round(signalees / sans_donnee, 3) if sans_donnee else None,
    }


def paroles_d_exemple(n: int) -> list[str]:
    """N paroles fabriquées à partir des textes de la démarche d'exemple (une ou deux par parole)."""
    textes = []
    for nom, colonne in (("contributions.csv", "texte"), ("reponses.csv", "reponse")):
        with open(EXEMPLE / nom, encoding="utf-8", newline="") as fichier:
            textes += [ligne[colonne] for ligne in csv.DictReader(fichier, delimiter=";") if ligne[colonne]]
    hasard = random.Random(14)
    return [" ".join(hasard.sample(textes, hasard.choice((1, 1, 2)))) for _ in range(n)]


def _rss_mo() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _taille_paquet_mo(nom: str) -> float | None:
    spec = util.find_spec(nom)
    if spec is None or not spec.submodule_search_locations:
        return None
    dossier = Path(list(spec.submodule_search_locations)[0])
    return round(sum(f.stat().st_size for f in dossier.rglob("*") if f.is_file()) / 1024**2, 1)


def mesurer_un_modele(nom: str, n: int, repetitions: int) -> dict:
    """Dans ce processus : qualité sur le jeu d'essai, chargement, débit, mémoire."""
    nom_modele, _, variante = nom.partition(":")
    if nom == "regles":
        nom_modele = detection.MODELE
        detection._modele_utile = lambda texte, mots: False  # le modèle n'est jamais appelé
    elif variante == "sans-tri":
        detection._modele_utile = lambda texte, mots: True  # le modèle lit toutes les paroles
    paroles = charger_jeu()
    textes = paroles_d_exemple(n)
    mots = [detection._mots(detection._sans_balises(t)) for t in textes]
    rss_avant = _rss_mo()
    debut = time.perf_counter()
    detection._modele(nom_modele)
    chargement = time.perf_counter() - debut
    rss_modele = _rss_mo() - rss_avant
    resultats = list(detection._reperer_lot([p["texte"] for p in paroles], nom_modele))
    qualite = {"tout": comparer(paroles, resultats)}
    for lot in sorted({p["lot"] for p in paroles}):
        choisies = [(p, r) for p, r in zip(paroles, resultats) if p["lot"] == lot]
        qualite[lot] = comparer([p for p, _ in choisies], [r for _, r in choisies])
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        trouves = sum(bool(r) for r in detection._reperer_lot(textes, nom_modele))
        durees.append(time.perf_counter() - debut)
    return {
        "modele": nom,
        "version": detection._version_modele(nom_modele) if nom != "regles" else None,
        "part_lue_par_le_modele": round(sum(map(detection._modele_utile, textes, mots)) / n, 3),
        "taille_paquet_mo": _taille_paquet_mo(nom_modele) if nom != "regles" else None,
        "chargement_s": round(chargement, 2),
        "rss_modele_mo": round(rss_modele),
        "rss_max_mo": round(_rss_mo()),
        "paroles": n,
        "caracteres_moyens": round(sum(map(len, textes)) / n),
        "paroles_avec_reperage": trouves,
        "paroles_par_s_mediane": round(n / statistics.median(durees)),
        "mesures_s": [round(d, 2) for d in durees],
        "qualite": qualite,
    }


def _resume(resultat: dict) -> str:
    lignes = [
        f"{resultat['modele']} : {resultat['paroles_par_s_mediane']} paroles/s, "
        f"chargement {resultat['chargement_s']} s, pic {resultat['rss_max_mo']} Mo"
    ]
    for lot, qualite in resultat["qualite"].items():
        sortes = ", ".join(
            f"{s} {q['precision']}/{q['rappel']}" for s, q in qualite["par_sorte"].items() if q["attendus"]
        )
        lignes.append(
            f"  {lot} (précision/rappel) : {sortes} ; paroles sans donnée signalées "
            f"{qualite['paroles_sans_donnee_signalees']}/{qualite['paroles_sans_donnee']}"
        )
    return "\n".join(lignes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paroles", type=int, default=20_000)
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--modeles", nargs="+", default=list(MODELES))
    parser.add_argument("--interne", help=argparse.SUPPRESS)  # un modèle, dans un processus à part
    args = parser.parse_args()
    if args.interne:
        print(json.dumps(mesurer_un_modele(args.interne, args.paroles, args.repetitions)))
        return
    resultats = {"machine": machine(), "spacy_mo": _taille_paquet_mo("spacy"), "modeles": []}
    for nom in args.modeles:
        commande = [sys.executable, __file__, "--interne", nom, "--paroles", str(args.paroles)]
        commande += ["--repetitions", str(args.repetitions)]
        sortie = subprocess.run(commande, check=True, capture_output=True, text=True).stdout
        resultat = json.loads(sortie.strip().splitlines()[-1])
        resultats["modeles"].append(resultat)
        print(_resume(resultat), file=sys.stderr)
    dossier = RACINE / "bench" / "resultats"
    dossier.mkdir(exist_ok=True)
    (dossier / "detection.json").write_text(json.dumps(resultats, ensure_ascii=False, indent=2))
    print(json.dumps(resultats, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
