"""Génère une démarche synthétique au format d'import « dossier de CSV » (séparateur « ; »).

    python bench/generer.py 100000 bench/donnees/100k [--graine 1]

Feuilles écrites : demarche, themes, territoires, structures, temps, contributions. Les phrases
sont assemblées à partir de gabarits et d'un vocabulaire par thème (tiré du livre de codes
d'exemple) : elles ressemblent à des paroles recueillies (première personne, registre oral,
élisions, accents), avec une ou deux étiquettes par parole et des territoires au vocabulaire
légèrement différent, pour que fréquences et spécificités aient quelque chose à trouver.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import yaml

RACINE = Path(__file__).resolve().parent.parent
DISPOSITIFS = [
    "porteur_de_parole",
    "ordi_panneau",
    "atelier_echange",
    "echange_activite",
    "atelier_video",
    "questionnaire",
]
POIDS_DISPOSITIFS = [0.35, 0.25, 0.15, 0.1, 0.05, 0.1]
PROFILS = ["habitant", "professionnel", "benevole", "jeune", "inconnu"]
POIDS_PROFILS = [0.5, 0.15, 0.05, 0.2, 0.1]
TRANCHES = ["moins_18", "18_25", "26_39", "40_59", "60_plus", "inconnu"]
VILLES = [
    "Tours",
    "Vierzon",
    "Bourges",
    "Orléans",
    "Blois",
    "Chartres",
    "Châteauroux",
    "Dreux",
    "Montargis",
    "Joué-lès-Tours",
]
QUARTIERS = [
    "Europe",
    "Clos du Roy",
    "Les Rives du Cher",
    "La Source",
    "Bel-Air",
    "Beaulieu",
    "Saint-Jean",
    "Les Chaises",
]
DEBUTS = [
    "Moi je trouve que",
    "Franchement,",
    "Pour moi,",
    "Honnêtement,",
    "Je dirais que",
    "Ce qui me gêne, c'est que",
    "Au quotidien,",
    "Avec mes voisins, on se dit que",
    "Depuis le confinement,",
    "À la maison,",
    "Ici au centre social,",
    "Quand je vais à la mairie,",
    "Mon fils me dit que",
    "Ma voisine pense que",
]
MILIEUX = [
    "{n1} c'est devenu compliqué pour {n2}",
    "on me demande toujours {n1} alors que je n'ai pas {n2}",
    "j'aimerais qu'on m'explique {n1} sans me presser",
    "{n1} ça m'aide, mais {n2} ça m'inquiète",
    "personne ne m'a montré {n1}, j'ai dû demander à {n2}",
    "il faut {v1} pour {n1}, et moi je n'y arrive pas",
    "je voudrais {v1} tout seul, sans dépendre de {n2}",
    "on devrait pouvoir {v1} sans {n1}",
    "les jeunes savent {v1}, nous on galère avec {n1}",
    "{n1} et {n2}, c'est tout le temps la même histoire",
]
FINS = [
    "",
    "",
    " Voilà.",
    " C'est comme ça.",
    " Ça me met en colère.",
    " Heureusement il y a l'association.",
    " Il faudrait plus de monde pour aider.",
    " On se sent seuls.",
    " Mais bon, on s'adapte.",
    " 😀",
    " 🙏",
]
NOMS_COMMUNS = [
    "le papier",
    "le guichet",
    "internet",
    "le téléphone",
    "l'ordinateur",
    "les mails",
    "le mot de passe",
    "la banque",
    "la CAF",
    "les enfants",
    "le wifi",
    "l'imprimante",
    "la retraite",
    "mes démarches",
]
VERBES = [
    "remplir un dossier",
    "imprimer une attestation",
    "prendre rendez-vous",
    "envoyer un mail",
    "créer un compte",
    "scanner un papier",
    "payer en ligne",
    "trouver l'information",
    "déclarer mes impôts",
]


def _vocabulaire(themes: list[dict]) -> list[list[str]]:
    mots = []
    for t in themes:
        liste = [m for m in t.get("keywords", []) if len(m) > 2]
        mots.append(["le " + m if " " not in m else m for m in liste] or NOMS_COMMUNS)
    return mots


def _phrases(
    n: int, themes_idx: np.ndarray, vocab: list[list[str]], territoires: np.ndarray, rng
) -> list[str]:
    debuts = rng.integers(0, len(DEBUTS), n)
    milieux = rng.integers(0, len(MILIEUX), n)
    fins = rng.integers(0, len(FINS), n)
    tirages = rng.random((n, 4))
    textes = []
    for i in range(n):
        propres = vocab[themes_idx[i]]
        n1 = propres[int(tirages[i, 0] * len(propres))]
        n2 = (
            NOMS_COMMUNS[int(tirages[i, 1] * len(NOMS_COMMUNS))]
            if tirages[i, 3] < 0.5
            else propres[int(tirages[i, 2] * len(propres))]
        )
        v1 = VERBES[(int(tirages[i, 2] * 1000) + territoires[i]) % len(VERBES)]
        milieu = MILIEUX[milieux[i]].format(n1=n1, n2=n2, v1=v1)
        textes.append(f"{DEBUTS[debuts[i]]} {milieu}.{FINS[fins[i]]}")
    return textes


def _ecrire(dossier: Path, nom: str, colonnes: list[str], lignes) -> None:
    with open(dossier / f"{nom}.csv", "w", encoding="utf-8", newline="") as f:
        ecrivain = csv.writer(f, delimiter=";", lineterminator="\n")
        ecrivain.writerow(colonnes)
        ecrivain.writerows(lignes)


def generer(n: int, dossier: Path, graine: int = 1) -> None:
    rng = np.random.default_rng(graine)
    dossier.mkdir(parents=True, exist_ok=True)
    livre = yaml.safe_load((RACINE / "exemples" / "themes.yaml").read_text(encoding="utf-8"))["themes"]
    slugs = [t["slug"] for t in livre]
    n_territoires = int(min(20, max(2, n // 5_000)))
    territoires = [
        (VILLES[i % len(VILLES)], QUARTIERS[(i * 3) % len(QUARTIERS)] + (f" {i // 8 + 1}" if i >= 8 else ""))
        for i in range(n_territoires)
    ]
    n_structures = min(60, 3 * n_territoires)
    structures = [(f"Structure {i + 1:03d}", *territoires[i % n_territoires]) for i in range(n_structures)]
    n_temps = max(5, n // 30)
    debut = date(2023, 1, 9)
    temps_t = rng.integers(0, n_territoires, n_temps)
    temps_d = rng.choice(len(DISPOSITIFS), n_temps, p=POIDS_DISPOSITIFS)
    _ecrire(
        dossier,
        "demarche",
        ["slug", "titre", "description"],
        [[f"bench-{n}", f"Démarche synthétique ({n} paroles)", "Données générées par bench/generer.py"]],
    )
    _ecrire(
        dossier,
        "themes",
        ["slug", "label", "description", "mots_cles", "couleur", "ordre", "parent"],
        [
            [t["slug"], t["label"], t.get("description", ""), "; ".join(t.get("keywords", [])), "", i, ""]
            for i, t in enumerate(livre)
        ],
    )
    _ecrire(dossier, "territoires", ["ville", "quartier", "code_qpv"], [[v, q, ""] for v, q in territoires])
    _ecrire(
        dossier,
        "structures",
        ["nom", "ville", "quartier", "typologie"],
        [
            [nom, v, q, ["a_mission", "proposante", "confrontee"][i % 3]]
            for i, (nom, v, q) in enumerate(structures)
        ],
    )
    _ecrire(
        dossier,
        "temps",
        [
            "ref",
            "dispositif",
            "date",
            "ville",
            "quartier",
            "lieu",
            "structure",
            "personnes_rencontrees",
            "dont_professionnels",
            "questions",
        ],
        [
            [
                f"T{i:06d}",
                DISPOSITIFS[temps_d[i]],
                (debut + timedelta(days=int(i * 540 / n_temps))).isoformat(),
                *territoires[temps_t[i]],
                "Place du marché",
                structures[(temps_t[i] + n_territoires * (i % 3)) % n_structures][0] if i % 4 else "",
                int(rng.integers(3, 40)),
                int(rng.integers(0, 4)),
                "Le numérique, c'est compliqué ?",
            ]
            for i in range(n_temps)
        ],
    )
    _ecrire_contributions(dossier, n, n_temps, temps_t, slugs, _vocabulaire(livre), rng)


def _ecrire_contributions(dossier, n, n_temps, temps_t, slugs, vocab, rng) -> None:
    temps_c = np.sort(rng.integers(0, n_temps, n))
    biais = temps_t[temps_c] % len(slugs)
    themes_c = np.where(rng.random(n) < 0.3, biais, rng.integers(0, len(slugs), n))  # territoires typés
    second = np.where(rng.random(n) < 0.3, rng.integers(0, len(slugs), n), -1)
    textes = _phrases(n, themes_c, vocab, temps_t[temps_c], rng)
    profils = rng.choice(len(PROFILS), n, p=POIDS_PROFILS)
    tranches = rng.integers(0, len(TRANCHES), n)
    drapeaux = rng.random((n, 2))
    lignes = (
        [
            f"T{temps_c[i]:06d}",
            textes[i],
            "",
            PROFILS[profils[i]],
            TRANCHES[tranches[i]],
            slugs[themes_c[i]]
            + (f";{slugs[second[i]]}" if second[i] >= 0 and second[i] != themes_c[i] else ""),
            "oui" if drapeaux[i, 0] < 0.05 else "",
            "oui" if drapeaux[i, 1] < 0.03 else "",
        ]
        for i in range(n)
    )
    _ecrire(
        dossier,
        "contributions",
        ["temps", "texte", "question", "profil", "tranche_age", "themes", "a_retenir", "ne_pas_citer"],
        lignes,
    )


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("nombre", type=int, help="nombre de paroles (10000, 100000, 1000000…)")
    parseur.add_argument("dossier", type=Path)
    parseur.add_argument("--graine", type=int, default=1)
    args = parseur.parse_args()
    generer(args.nombre, args.dossier, args.graine)
    print(f"{args.nombre} paroles écrites dans {args.dossier}", file=sys.stderr)


if __name__ == "__main__":
    main()
