"""Analyse factorielle des correspondances (AFC) : lemmes × une variable (territoire, profil, dispositif,
thème).

Méthode (voir README, « Analyse ») :
- table de contingence : une ligne par lemme plein (mots vides écartés, `analyse.lexique`) employé au
  moins `seuil` fois, une colonne par modalité de la variable, le nombre d'occurrences du lemme dans les
  paroles de cette modalité ; lignes et colonnes vides retirées ;
- calcul par `prince.CA` (moteur « scipy » : SVD exacte des résidus standardisés) ; autant d'axes que
  le rang le permet (min(lignes, colonnes) − 1), si bien que les parts d'inertie somment à 1 ;
- pour chaque ligne et chaque colonne : coordonnées, contribution à chaque axe (part de l'inertie de
  l'axe, qui somme à 1 par axe) et cos² (qualité de représentation sur l'axe) ;
- le signe d'un axe est arbitraire : on l'oriente pour que la modalité la plus éloignée du centre sur cet
  axe soit du côté positif (résultat reproductible d'une version à l'autre).

Le tracé montre les modalités et les lemmes qui contribuent le plus aux deux premiers axes ; les
étiquettes sont placées par `placer_etiquettes` (recherche gloutonne d'une place libre, mesurée avec le
moteur de rendu de matplotlib) : aucune ne chevauche une autre ni un point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analyse import lexique
from analyse.etiquettes import placer_etiquettes
from analyse.graphiques import COULEUR, LARGEUR_ETROITE, POLICE, rendre
from collecte.nombres import nombre_fr

COULEUR_MODALITE = "#b5472d"
SEUIL = 5  # occurrences minimales d'un lemme pour entrer dans la table


class ErreurAFC(ValueError):
    """Table ou textes qui ne permettent pas d'AFC ; le message, en français, dit pourquoi."""


@dataclass
class ResultatAFC:
    """Résultat d'une AFC. Axes numérotés à partir de 1.

    `axes` : colonnes axe, valeur_propre, part_inertie, part_cumulee.
    `lignes`, `colonnes` : un tableau par ensemble (index = lemme ou modalité) avec masse, effectif,
    puis coord_k, contrib_k (de 0 à 1) et cos2_k pour chaque axe k.
    """

    variable: str
    axes: pd.DataFrame
    lignes: pd.DataFrame
    colonnes: pd.DataFrame
    inertie_totale: float

    @property
    def nombre_axes(self) -> int:
        return len(self.axes)

    def contributions(self, axe: int = 1, cote: str = "lignes", n: int | None = None) -> pd.DataFrame:
        """Contributions à l'axe `axe`, triées par ordre décroissant : colonnes libelle, contribution
        (de 0 à 1), coordonnee, cos2. `cote` : « lignes » (lemmes) ou « colonnes » (modalités)."""
        if not 1 <= axe <= self.nombre_axes:
            raise ErreurAFC(f"L'axe {axe} n'existe pas : cette analyse a {self.nombre_axes} axe(s).")
        if cote not in ("lignes", "colonnes"):
            raise ErreurAFC(f"Côté inconnu « {cote} » : choisir « lignes » ou « colonnes ».")
        table = getattr(self, cote)
        resultat = pd.DataFrame(
            {
                "libelle": table.index.astype(str),
                "contribution": table[f"contrib_{axe}"].to_numpy(),
                "coordonnee": table[f"coord_{axe}"].to_numpy(),
                "cos2": table[f"cos2_{axe}"].to_numpy(),
            }
        )
        resultat = resultat.sort_values(["contribution", "libelle"], ascending=[False, True])
        return (resultat.head(n) if n else resultat).reset_index(drop=True)


def table_contingence(textes, modalites, seuil: int = SEUIL, vides: frozenset[str] | None = None):
    """Table lemmes × modalités depuis des textes et la modalité de chacun (None ou vide : texte écarté).

    Lignes : lemmes pleins employés au moins `seuil` fois dans les textes retenus, triés par fréquence
    décroissante puis par ordre alphabétique ; colonnes : modalités triées."""
    textes, modalites = list(textes), list(modalites)
    if len(textes) != len(modalites):
        raise ErreurAFC(
            f"Il faut une modalité par texte : {len(textes)} texte(s), {len(modalites)} modalité(s)."
        )
    valeurs = pd.Series([None if m is None or m != m or str(m).strip() == "" else str(m) for m in modalites])
    codes, noms = pd.factorize(valeurs, sort=True)
    garde = codes >= 0
    index = lexique.indexer([t for t, g in zip(textes, garde, strict=True) if g], vides)
    from scipy import sparse

    appartenance = sparse.csr_matrix(
        (np.ones(int(garde.sum())), (codes[garde], np.arange(int(garde.sum())))),
        shape=(len(noms), int(garde.sum())),
    )
    comptes = (appartenance @ index.matrice).T.toarray()
    table = pd.DataFrame(comptes, index=pd.Index(index.lemmes, name="lemme"), columns=[str(n) for n in noms])
    return _filtrer(table.astype(int), seuil)


def table_du_corpus(corpus, critere: str, seuil: int = SEUIL) -> pd.DataFrame:
    """Table lemmes × modalités d'un Corpus (mots vides de la démarche compris) ; `critere` comme pour
    `analyse.groupes.matrice_groupes` (territoire, profil, dispositif, theme…)."""
    from analyse.groupes import matrice_groupes

    index = lexique.index_du_corpus(corpus)
    noms, appartenance = matrice_groupes(corpus, critere)
    comptes = (appartenance @ index.matrice).T.toarray()
    table = pd.DataFrame(comptes, index=pd.Index(index.lemmes, name="lemme"), columns=[str(n) for n in noms])
    return _filtrer(table.astype(int), seuil)


def _filtrer(table: pd.DataFrame, seuil: int) -> pd.DataFrame:
    totaux = table.sum(axis=1)
    table = table[totaux >= max(int(seuil), 1)]
    table = table.loc[:, table.sum(axis=0) > 0]
    ordre = pd.DataFrame({"f": -table.sum(axis=1), "l": table.index.astype(str)}, index=table.index)
    return table.loc[ordre.sort_values(["f", "l"]).index]


def _verifier(table) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ErreurAFC(
            "La table de contingence doit être un tableau (lemmes en lignes, modalités en colonnes)."
        )
    try:
        valeurs = table.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ErreurAFC("La table de contingence ne doit contenir que des nombres.") from None
    if not np.isfinite(valeurs).all() or (valeurs < 0).any():
        raise ErreurAFC("La table de contingence ne doit contenir que des effectifs positifs ou nuls.")
    table = pd.DataFrame(valeurs, index=table.index.astype(str), columns=table.columns.astype(str))
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    if table.shape[0] < 2 or table.shape[1] < 2:
        raise ErreurAFC(
            "Pas assez de données pour une analyse des correspondances : il faut au moins deux lemmes et "
            f"deux modalités non vides (ici {table.shape[0]} lemme(s), {table.shape[1]} modalité(s)). "
            "Baissez le seuil de fréquence ou choisissez une variable qui a plusieurs modalités."
        )
    return table


def afc(table: pd.DataFrame, variable: str = "") -> ResultatAFC:
    """AFC d'une table de contingence (DataFrame lemmes × modalités, effectifs ≥ 0)."""
    import prince  # import différé : scikit-learn met une seconde à se charger

    table = _verifier(table)
    rang = min(table.shape) - 1
    modele = prince.CA(n_components=rang, engine="scipy", random_state=0).fit(table)
    valeurs_propres = np.asarray(modele.eigenvalues_, dtype=float)
    garde = valeurs_propres > 1e-12 * max(float(valeurs_propres.max(initial=0)), 1.0)
    if not garde.any():
        raise ErreurAFC(
            "Les lemmes se répartissent de la même façon dans toutes les modalités : "
            "aucune opposition à montrer (inertie nulle)."
        )
    k = int(garde.sum())
    coord_l = modele.row_coordinates(table).to_numpy()[:, :k]
    coord_c = modele.column_coordinates(table).to_numpy()[:, :k]
    signes = np.sign(coord_c[np.abs(coord_c).argmax(axis=0), np.arange(k)])
    signes[signes == 0] = 1
    coord_l, coord_c = coord_l * signes, coord_c * signes
    total = table.to_numpy().sum()
    masses_l, masses_c = table.sum(axis=1).to_numpy() / total, table.sum(axis=0).to_numpy() / total
    valeurs_propres = valeurs_propres[:k]
    inertie = float(modele.total_inertia_)
    axes = pd.DataFrame(
        {
            "axe": np.arange(1, k + 1),
            "valeur_propre": valeurs_propres,
            "part_inertie": valeurs_propres / inertie,
            "part_cumulee": np.cumsum(valeurs_propres) / inertie,
        }
    )
    lignes = _tableau(table.index, table.sum(axis=1).to_numpy(), masses_l, coord_l, valeurs_propres)
    colonnes = _tableau(table.columns, table.sum(axis=0).to_numpy(), masses_c, coord_c, valeurs_propres)
    return ResultatAFC(variable, axes, lignes, colonnes, inertie)


def _tableau(noms, effectifs, masses, coords, valeurs_propres) -> pd.DataFrame:
    """Coordonnées, contributions (masse × coord² / valeur propre) et cos² (coord² / distance² au
    centre ; sur tous les axes, la distance est la somme des coord²)."""
    distances = (coords**2).sum(axis=1)
    donnees = {"effectif": effectifs.astype(int), "masse": masses}
    for j in range(coords.shape[1]):
        donnees[f"coord_{j + 1}"] = coords[:, j]
        donnees[f"contrib_{j + 1}"] = masses * coords[:, j] ** 2 / valeurs_propres[j]
        donnees[f"cos2_{j + 1}"] = np.divide(
            coords[:, j] ** 2, distances, out=np.zeros_like(distances), where=distances > 0
        )
    return pd.DataFrame(donnees, index=pd.Index(list(noms), dtype=object))


# --- Tracé -------------------------------------------------------------------------------------------


def lemmes_contributifs(resultat: ResultatAFC, n: int = 20) -> list[str]:
    """Les `n` lemmes qui contribuent le plus aux deux premiers axes (somme des contributions pondérée
    par la part d'inertie de chaque axe)."""
    k = min(2, resultat.nombre_axes)
    poids = resultat.axes["part_inertie"].to_numpy()[:k]
    score = sum(resultat.lignes[f"contrib_{j + 1}"] * poids[j] for j in range(k))
    ordre = pd.DataFrame({"s": -score, "l": resultat.lignes.index.astype(str)}, index=resultat.lignes.index)
    return list(ordre.sort_values(["s", "l"]).index[:n])


def figure_afc(resultat: ResultatAFC, etroit: bool = False, n_lemmes: int | None = None) -> Figure:
    """Plan factoriel des deux premiers axes (ou de l'axe unique) : modalités et lemmes les plus
    contributifs, étiquettes placées sans chevauchement. Renvoie la figure (déjà mesurée)."""
    n_lemmes = (12 if etroit else 25) if n_lemmes is None else n_lemmes
    lemmes_ = lemmes_contributifs(resultat, n_lemmes)
    deux = resultat.nombre_axes >= 2
    figure = Figure(figsize=(LARGEUR_ETROITE, 4.2) if etroit else (8.5, 6.5))
    figure.subplots_adjust(left=0.2 if etroit else 0.1, right=0.97, bottom=0.1, top=0.9)
    axe = figure.add_subplot()
    points = _points(resultat, lemmes_, deux)
    _cadrer(axe, points)
    axe.axhline(0, color="#bbbbbb", linewidth=0.8, zorder=0)
    axe.axvline(0, color="#bbbbbb", linewidth=0.8, zorder=0)
    for modalite, groupe in points.groupby("modalite"):
        axe.scatter(
            groupe["x"], groupe["y"], s=30 if modalite else 12, marker="s" if modalite else "o",
            color=COULEUR_MODALITE if modalite else COULEUR, zorder=3,
        )  # fmt: skip
    axe.set_xlabel(_titre_axe(resultat, 1), fontsize=POLICE[etroit])
    axe.set_ylabel(_titre_axe(resultat, 2) if deux else "", fontsize=POLICE[etroit])
    axe.tick_params(labelsize=POLICE[etroit] - 1)
    axe.xaxis.set_major_formatter(lambda v, _: nombre_fr(v, 1))
    axe.yaxis.set_major_formatter(lambda v, _: nombre_fr(v, 1))
    variable = f" × {resultat.variable}" if resultat.variable else ""
    axe.set_title(f"Analyse des correspondances : lemmes{variable}", loc="left", fontsize=12)
    placer_etiquettes(
        figure, axe, points["x"], points["y"], points["libelle"], police=POLICE[etroit],
        couleurs=np.where(points["modalite"], COULEUR_MODALITE, "#222222"),
        gras=points["modalite"].to_numpy(),
    )  # fmt: skip
    return figure


def _points(resultat: ResultatAFC, lemmes_: list[str], deux: bool) -> pd.DataFrame:
    morceaux = []
    for table, noms, modalite in ((resultat.colonnes, list(resultat.colonnes.index), True),
                                  (resultat.lignes, lemmes_, False)):  # fmt: skip
        sous = table.loc[noms]
        morceaux.append(
            pd.DataFrame(
                {
                    "libelle": [str(n) for n in noms],
                    "x": sous["coord_1"].to_numpy(),
                    "y": sous["coord_2"].to_numpy() if deux else np.zeros(len(noms)),
                    "modalite": modalite,
                }
            )
        )
    return pd.concat(morceaux, ignore_index=True)


def _cadrer(axe, points: pd.DataFrame) -> None:
    """Limites fixées avant le placement des étiquettes (le placement dépend de la transformation)."""
    for lim, valeurs in ((axe.set_xlim, points["x"]), (axe.set_ylim, points["y"])):
        bas, haut = float(valeurs.min()), float(valeurs.max())
        marge = max(haut - bas, 1e-3) * 0.18
        lim(bas - marge, haut + marge)
    axe.set_autoscale_on(False)


def _titre_axe(resultat: ResultatAFC, k: int) -> str:
    part = resultat.axes["part_inertie"].iloc[k - 1]
    return f"Axe {k} ({nombre_fr(part, 1, pourcent=True)} de l'inertie)"


def tracer_afc(
    resultat: ResultatAFC, format_: str = "svg", etroit: bool = False, n_lemmes: int | None = None
) -> bytes:
    """Plan factoriel en SVG (texte gardé en texte) ou PNG."""
    if format_ not in ("svg", "png"):
        raise ErreurAFC(f"Format de graphique inconnu « {format_} » : choisir « svg » ou « png ».")
    return rendre(figure_afc(resultat, etroit, n_lemmes), format_)
