"""Graphiques matplotlib (objets `Figure`, jamais pyplot), rendus en SVG ou PNG.

Chaque graphique porte un titre, des libellés d'axes et les effectifs sur lesquels il repose
(valeur au bout de chaque barre, nombre de paroles de chaque colonne). Sans donnée : une figure
qui le dit, jamais d'erreur. Le SVG garde le texte en texte (lisible, cherchable).
"""

from __future__ import annotations

import io
import textwrap

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

matplotlib.use("Agg")

COULEUR = "#2f6f73"
MESSAGE_VIDE = "Aucune parole pour ces filtres."


def _rendre(figure: Figure, format_: str) -> bytes:
    tampon = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "parole"}):
        metadonnees = {"Date": None} if format_ == "svg" else {}
        figure.savefig(tampon, format=format_, bbox_inches="tight", metadata=metadonnees, dpi=110)
    return tampon.getvalue()


def _court(texte: str, largeur: int = 38) -> str:
    return "\n".join(textwrap.wrap(str(texte), largeur)[:2]) or "—"


def _figure_vide(titre: str, message: str) -> Figure:
    figure = Figure(figsize=(7, 2.2))
    axe = figure.add_subplot()
    axe.set_axis_off()
    axe.set_title(titre, loc="left", fontsize=12)
    axe.text(0.5, 0.4, message, ha="center", va="center", fontsize=11, color="#555555")
    return figure


def barres(
    libelles,
    valeurs,
    titre: str,
    axe_valeurs: str = "Nombre de paroles",
    axe_modalites: str = "",
    total: int | None = None,
    format_: str = "svg",
) -> bytes:
    """Barres horizontales, effectif au bout de chaque barre (et part du total si `total`)."""
    libelles, valeurs = list(libelles), [int(v) for v in valeurs]
    if not valeurs or sum(valeurs) == 0:
        return _rendre(_figure_vide(titre, MESSAGE_VIDE), format_)
    figure = Figure(figsize=(8, 1.2 + 0.42 * len(valeurs)))
    axe = figure.add_subplot()
    positions = np.arange(len(valeurs))
    axe.barh(positions, valeurs, color=COULEUR)
    axe.set_yticks(positions, [_court(l) for l in libelles], fontsize=9)
    axe.invert_yaxis()
    for y, v in zip(positions, valeurs):
        etiquette = f"{v}" + (f" ({v / total:.0%})" if total else "")
        axe.text(v, y, " " + etiquette, va="center", fontsize=9)
    axe.set_xlim(0, max(valeurs) * 1.25)
    axe.set_xlabel(axe_valeurs)
    axe.set_ylabel(axe_modalites)
    sous_titre = f" — {total} paroles" if total is not None else ""
    axe.set_title(titre + sous_titre, loc="left", fontsize=12)
    axe.spines[["top", "right"]].set_visible(False)
    return _rendre(figure, format_)


def carte_croisement(croisement, titre: str, format_: str = "svg", parts: bool = True) -> bytes:
    """Tableau croisé en carte de chaleur : couleur = part de la colonne, texte = effectif (et part) ;
    chaque colonne indique sous son nom le nombre de paroles (n=…) sur lequel les parts reposent."""
    effectifs = croisement.effectifs
    if effectifs.empty or int(effectifs.to_numpy().sum()) == 0:
        return _rendre(_figure_vide(titre, MESSAGE_VIDE), format_)
    valeurs = croisement.parts.to_numpy() if parts else effectifs.to_numpy()
    lignes = [_court(croisement.libelles_lignes.get(l, l), 45) for l in effectifs.index]
    colonnes = [
        f"{_court(croisement.libelles_colonnes.get(c, c), 22)}\n(n={int(croisement.bases[c])})"
        for c in effectifs.columns
    ]
    figure = Figure(figsize=(2.5 + 1.5 * len(colonnes), 1.5 + 0.42 * len(lignes)))
    axe = figure.add_subplot()
    image = axe.imshow(valeurs, aspect="auto", cmap="Blues", vmin=0)
    axe.set_xticks(range(len(colonnes)), colonnes, fontsize=8)
    axe.set_yticks(range(len(lignes)), lignes, fontsize=8)
    axe.xaxis.tick_top()
    seuil = valeurs.max() * 0.6 if valeurs.size else 0
    for i in range(valeurs.shape[0]):
        for j in range(valeurs.shape[1]):
            n = int(effectifs.iat[i, j])
            texte = f"{n}\n{croisement.parts.iat[i, j]:.0%}" if parts else f"{n}"
            axe.text(
                j,
                i,
                texte,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if valeurs[i, j] > seuil else "#222222",
            )
    figure.colorbar(
        image,
        ax=axe,
        label="Part des paroles de la colonne" if parts else "Nombre de paroles",
        shrink=0.6,
        format=PercentFormatter(1.0, decimals=0) if parts else None,
    )
    axe.set_title(titre, loc="left", fontsize=12, pad=36)
    return _rendre(figure, format_)


def barres_specificites(table, groupe: str, titre: str, format_: str = "svg") -> bytes:
    """Scores de spécificité d'un groupe (barres divergentes : sur-emploi à droite, sous-emploi à
    gauche), avec la fréquence observée du lemme dans le groupe."""
    lignes = table[table["groupe"] == groupe] if len(table) else table
    if lignes is None or len(lignes) == 0:
        return _rendre(_figure_vide(titre, "Aucun lemme spécifique pour ce groupe."), format_)
    lignes = lignes.sort_values("score")
    figure = Figure(figsize=(8, 1.2 + 0.36 * len(lignes)))
    axe = figure.add_subplot()
    couleurs = [COULEUR if s > 0 else "#b5523b" for s in lignes["score"]]
    positions = np.arange(len(lignes))
    axe.barh(positions, lignes["score"], color=couleurs)
    axe.set_yticks(
        positions, [f"{l} ({f})" for l, f in zip(lignes["lemme"], lignes["frequence"])], fontsize=9
    )
    axe.axvline(0, color="#444444", linewidth=0.8)
    axe.set_xlabel("Score de spécificité (log10 de la probabilité, signé)")
    axe.set_ylabel("Lemme (fréquence dans le groupe)")
    axe.set_title(titre, loc="left", fontsize=12)
    axe.spines[["top", "right"]].set_visible(False)
    return _rendre(figure, format_)
