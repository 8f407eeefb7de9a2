"""Mesure l'AFC (lemmes × variable) et le graphe de similitudes sur une démarche en CSV.

    python bench/mesurer_afc.py [DOSSIER ...] [--variable territoire] [--seuil 5] [--lemmes 30]

Par défaut : la démarche d'exemple `exemples/numerique-citoyennete`. Chaque parole est reliée à son temps
de collecte par `temps.csv` (colonne `ref`), d'où son dispositif et son territoire (« Ville – Quartier »,
comme `analyse.donnees`) ; `profil` vient de la parole. Les étapes sont chronométrées dans ce processus
(horloge murale ; `--repetitions N` : N mesures, durées médianes ; la première paie l'import de
`prince`) : table de contingence (découpage et lemmatisation
compris), AFC, tracé SVG, graphe de similitudes, tracé SVG. Imprime un JSON avec les deux premiers
axes (part d'inertie) et les lemmes les plus contributifs de chacun.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

from analyse import afc, similitudes  # noqa: E402

EXEMPLE = RACINE / "exemples" / "numerique-citoyennete"


def lire(dossier: Path) -> pd.DataFrame:
    """Paroles avec texte, profil, dispositif et territoire de leur temps de collecte."""
    options = {"sep": ";", "encoding": "utf-8-sig", "dtype": str, "keep_default_na": False}
    paroles = pd.read_csv(dossier / "contributions.csv", **options)
    temps = pd.read_csv(dossier / "temps.csv", **options)
    ville, quartier = temps["ville"].str.strip(), temps["quartier"].str.strip()
    temps["territoire"] = ville.where(quartier == "", ville + " – " + quartier)
    temps = temps[["ref", "dispositif", "territoire"]].rename(columns={"ref": "temps"})
    return paroles.merge(temps, on="temps", how="left", validate="many_to_one")


def _chrono(fonction, *args, **kwargs):
    debut = time.perf_counter()
    resultat = fonction(*args, **kwargs)
    return resultat, round(time.perf_counter() - debut, 2)


def mesurer(dossier: Path, variable: str, seuil: int, n_lemmes: int) -> dict:
    paroles, lecture = _chrono(lire, dossier)
    table, t_table = _chrono(afc.table_contingence, paroles["texte"], paroles[variable], seuil)
    resultat, t_afc = _chrono(afc.afc, table, variable)
    svg, t_trace = _chrono(afc.tracer_afc, resultat)
    graphe, t_sim = _chrono(similitudes.similitudes, paroles["texte"], n_lemmes)
    svg_sim, t_trace_sim = _chrono(similitudes.tracer_similitudes, graphe)
    axes = [
        {
            "axe": int(ligne.axe),
            "part_inertie": round(float(ligne.part_inertie), 4),
            "lemmes": resultat.contributions(int(ligne.axe), "lignes", n=5)
            .round({"contribution": 4, "coordonnee": 3})[["libelle", "contribution", "coordonnee"]]
            .to_dict(orient="records"),
            "modalites": resultat.contributions(int(ligne.axe), "colonnes", n=3)["libelle"].tolist(),
        }
        for ligne in resultat.axes.head(2).itertuples()
    ]
    return {
        "demarche": str(dossier),
        "paroles": len(paroles),
        "variable": variable,
        "table": {"lemmes": table.shape[0], "modalites": table.shape[1], "seuil": seuil},
        "secondes": {
            "lecture_csv": lecture,
            "table_contingence": t_table,
            "afc": t_afc,
            "trace_afc_svg": t_trace,
            "similitudes": t_sim,
            "trace_similitudes_svg": t_trace_sim,
        },
        "octets_svg": {"afc": len(svg), "similitudes": len(svg_sim)},
        "axes": axes,
        "similitudes": {
            "lemmes": len(graphe.lemmes),
            "aretes": len(graphe.aretes),
            "composantes": graphe.composantes,
            "aretes_les_plus_fortes": graphe.aretes.head(5)[["source", "cible", "indice"]].to_dict("records"),
        },
    }


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("dossiers", nargs="*", type=Path, default=[EXEMPLE])
    parseur.add_argument("--variable", default="territoire", choices=["territoire", "dispositif", "profil"])
    parseur.add_argument("--seuil", type=int, default=afc.SEUIL)
    parseur.add_argument("--lemmes", type=int, default=similitudes.N_LEMMES)
    parseur.add_argument(
        "--repetitions", type=int, default=1, help="mesures par dossier ; durées imprimées : les médianes"
    )
    options = parseur.parse_args()
    resultats = []
    for dossier in options.dossiers:
        mesures = [
            mesurer(dossier, options.variable, options.seuil, options.lemmes)
            for _ in range(max(options.repetitions, 1))
        ]
        resultat = mesures[-1]
        resultat["secondes"] = {
            cle: statistics.median(m["secondes"][cle] for m in mesures) for cle in resultat["secondes"]
        }
        resultat["repetitions"] = len(mesures)
        resultats.append(resultat)
    print(json.dumps(resultats, ensure_ascii=False, indent=2, default=float))


if __name__ == "__main__":
    main()
