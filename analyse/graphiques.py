"""Graphiques matplotlib (objets `Figure`, jamais pyplot), rendus en SVG ou PNG.

Chaque graphique porte un titre, des libellés d'axes et les effectifs sur lesquels il repose
(valeur au bout de chaque barre, nombre de paroles de chaque colonne). Sans donnée : une figure
qui le dit, jamais d'erreur. Le SVG garde le texte en texte (lisible, cherchable).

Deux dessins : large (tableau de bord sur tablette ou ordinateur) et `etroit=True`, dessiné à la largeur
d'un téléphone (environ 330 px) avec un texte d'au moins 12 px une fois affiché, au lieu d'un dessin large
réduit de moitié. Les nombres sont écrits par `collecte.nombres.nombre_fr` (le filtre `nombre` des
gabarits) : virgule décimale, espace fine insécable pour les milliers et avant « % ».
"""

from __future__ import annotations

import io
import textwrap

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from collecte.nombres import nombre_fr

matplotlib.use("Agg")

COULEUR = "#2f6f73"
MESSAGE_VIDE = "Aucune parole pour ces filtres."
# Pouces : 238 pt, soit 317 px en SVG, libellés compris (mise en page « constrained » : tout tient dans
# la figure), montré sur 320 px au moins (carte du tableau de bord sur un téléphone de 390 px).
LARGEUR_ETROITE = 3.3
POLICE = {False: 9, True: 11}  # points, dessin large / étroit
COUPURE = {False: 38, True: 20}  # caractères par ligne d'un libellé


def rendre(figure: Figure, format_: str) -> bytes:
    tampon = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "parole"}):
        metadonnees = {"Date": None} if format_ == "svg" else {}
        figure.savefig(tampon, format=format_, bbox_inches="tight", metadata=metadonnees, dpi=110)
    return tampon.getvalue()


def _court(texte: str, largeur: int = 38) -> str:
    return "\n".join(textwrap.wrap(str(texte), largeur, break_long_words=False)[:2]) or "—"


def _figure(etroit: bool, largeur: float, hauteur: float) -> Figure:
    """Figure large (`largeur` pouces) ou étroite (mise en page « constrained » : libellés compris)."""
    if etroit:
        return Figure(figsize=(LARGEUR_ETROITE, hauteur), layout="constrained")
    return Figure(figsize=(largeur, hauteur))


def _titre(figure: Figure, axe, titre: str, etroit: bool, pad: float = 6) -> None:
    """Titre à gauche ; étroit : titre de la figure (il tient dans sa largeur, coupé en lignes), pas de
    l'axe (qui commence après les libellés et déborderait à droite)."""
    if etroit:
        figure.suptitle(_court(titre, 30), x=0.02, ha="left", fontsize=12)
    else:
        axe.set_title(titre, loc="left", fontsize=12, pad=pad)


def _figure_vide(titre: str, message: str, etroit: bool = False) -> Figure:
    lignes = len(textwrap.wrap(str(message), 44 if etroit else 80, break_long_words=False))
    figure = Figure(figsize=(LARGEUR_ETROITE if etroit else 7, 1.8 + 0.25 * lignes))
    axe = figure.add_subplot()
    axe.set_axis_off()
    axe.set_title(titre, loc="left", fontsize=12)
    message = textwrap.fill(str(message), 44 if etroit else 80, break_long_words=False)
    axe.text(0.5, 0.4, message, ha="center", va="center", fontsize=11, color="#555555")
    return figure


def image_vide(titre: str, message: str, format_: str = "svg", etroit: bool = False) -> bytes:
    """Image qui dit, à la place d'un graphique, pourquoi il n'y en a pas (message en français)."""
    return rendre(_figure_vide(titre, message, etroit), format_)


def barres(
    libelles,
    valeurs,
    titre: str,
    axe_valeurs: str = "Nombre de paroles",
    axe_modalites: str = "",
    total: int | None = None,
    format_: str = "svg",
    etroit: bool = False,
    nombre=nombre_fr,
) -> bytes:
    """Barres horizontales, effectif au bout de chaque barre (et part du total si `total`)."""
    libelles, valeurs = list(libelles), [int(v) for v in valeurs]
    if not valeurs or sum(valeurs) == 0:
        return rendre(_figure_vide(titre, MESSAGE_VIDE, etroit), format_)
    police = POLICE[etroit]
    figure = _figure(etroit, 8, 1.2 + (0.6 if etroit else 0.42) * len(valeurs))
    axe = figure.add_subplot()
    positions = np.arange(len(valeurs))
    axe.barh(positions, valeurs, color=COULEUR)
    axe.set_yticks(positions, [_court(l, COUPURE[etroit]) for l in libelles], fontsize=police)
    axe.tick_params(axis="x", labelsize=police)
    axe.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: nombre(x)))
    axe.invert_yaxis()
    for y, v in zip(positions, valeurs):
        etiquette = nombre(v) + (f" ({nombre(v / total, 0, True)})" if total else "")
        axe.text(v, y, " " + etiquette, va="center", fontsize=police)
    axe.set_xlim(0, max(valeurs) * (1.6 if etroit else 1.25))
    axe.set_xlabel(axe_valeurs, fontsize=police)
    axe.set_ylabel(axe_modalites, fontsize=police)
    sous_titre = f" — {nombre(total)} paroles" if total is not None else ""
    _titre(figure, axe, titre + sous_titre, etroit)
    axe.spines[["top", "right"]].set_visible(False)
    return rendre(figure, format_)


def carte_croisement(
    croisement,
    titre: str,
    format_: str = "svg",
    parts: bool = True,
    etroit: bool = False,
    nombre=nombre_fr,
) -> bytes:
    """Tableau croisé en carte de chaleur : couleur = part de la colonne, texte = effectif (et part) ;
    chaque colonne indique sous son nom le nombre de paroles (n=…) sur lequel les parts reposent.
    Étroit : libellés plus courts et plus grands, échelle de couleur sous la carte."""
    effectifs = croisement.effectifs
    if effectifs.empty or int(effectifs.to_numpy().sum()) == 0:
        return rendre(_figure_vide(titre, MESSAGE_VIDE, etroit), format_)
    valeurs = croisement.parts.to_numpy() if parts else effectifs.to_numpy()
    police = 10 if etroit else 8
    lignes = [_court(croisement.libelles_lignes.get(l, l), 18 if etroit else 45) for l in effectifs.index]
    coupure = 10 if etroit else 22
    colonnes = [
        f"{_court(croisement.libelles_colonnes.get(c, c), coupure)}\n(n={nombre(croisement.bases[c])})"
        for c in effectifs.columns
    ]
    if etroit:
        taille = (max(LARGEUR_ETROITE, 1.5 + 0.8 * len(colonnes)), 2.4 + 0.55 * len(lignes))
    else:
        taille = (2.5 + 1.5 * len(colonnes), 1.5 + 0.42 * len(lignes))
    figure = Figure(figsize=taille, layout="constrained" if etroit else None)
    axe = figure.add_subplot()
    image = axe.imshow(valeurs, aspect="auto", cmap="Blues", vmin=0)
    axe.set_xticks(range(len(colonnes)), colonnes, fontsize=police)
    axe.set_yticks(range(len(lignes)), lignes, fontsize=police)
    axe.xaxis.tick_top()
    seuil = valeurs.max() * 0.6 if valeurs.size else 0
    for i in range(valeurs.shape[0]):
        for j in range(valeurs.shape[1]):
            n = nombre(int(effectifs.iat[i, j]))
            texte = f"{n}\n{nombre(croisement.parts.iat[i, j], 0, True)}" if parts else n
            axe.text(
                j,
                i,
                texte,
                ha="center",
                va="center",
                fontsize=police - 1 if etroit else 7,
                color="white" if valeurs[i, j] > seuil else "#222222",
            )
    barre = figure.colorbar(
        image,
        ax=axe,
        label="Part des paroles de la colonne" if parts else "Nombre de paroles",
        shrink=0.6 if not etroit else 0.9,
        orientation="horizontal" if etroit else "vertical",
        pad=0.04 if etroit else 0.05,
        format=FuncFormatter(lambda x, _p: nombre(x, 0, parts)),
    )
    barre.ax.tick_params(labelsize=police)
    _titre(figure, axe, titre, etroit, pad=36)
    return rendre(figure, format_)


def barres_specificites(
    table, groupe: str, titre: str, format_: str = "svg", etroit: bool = False, nombre=nombre_fr
) -> bytes:
    """Scores de spécificité d'un groupe (barres divergentes : sur-emploi à droite, sous-emploi à
    gauche), avec la fréquence observée du lemme dans le groupe."""
    lignes = table[table["groupe"] == groupe] if table is not None and len(table) else None
    if lignes is None or len(lignes) == 0:
        return rendre(_figure_vide(titre, "Aucun lemme spécifique pour ce groupe.", etroit), format_)
    lignes = lignes.sort_values("score")
    police = POLICE[etroit]
    hauteur = (0.5 if etroit else 0.36) * len(lignes)
    figure = _figure(etroit, 8, 1.2 + hauteur)
    axe = figure.add_subplot()
    couleurs = [COULEUR if s > 0 else "#b5523b" for s in lignes["score"]]
    positions = np.arange(len(lignes))
    axe.barh(positions, lignes["score"], color=couleurs)
    etiquettes = [f"{l} ({nombre(f)})" for l, f in zip(lignes["lemme"], lignes["frequence"])]
    axe.set_yticks(positions, etiquettes, fontsize=police)
    axe.tick_params(axis="x", labelsize=police)
    axe.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: nombre(x, 0 if float(x).is_integer() else 1)))
    axe.axvline(0, color="#444444", linewidth=0.8)
    axe.set_xlabel("Score de spécificité" + ("" if etroit else " (log10 de la probabilité, signé)"))
    if not etroit:  # étroit : la place manque ; le tableau qui suit le graphique nomme les colonnes
        axe.set_ylabel("Lemme (fréquence dans le groupe)")
    _titre(figure, axe, titre, etroit)
    axe.spines[["top", "right"]].set_visible(False)
    return rendre(figure, format_)
