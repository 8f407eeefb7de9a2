"""Analyse des correspondances : structure retrouvée, chiffres vérifiés par un SVD fait à la main, tracé
lisible (SVG parsable, étiquettes sans chevauchement)."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from analyse import afc
from collecte.nombres import nombre_fr

TRANSPORT = ["bus", "horaire", "tram", "arrêt"]
ECOLE = ["école", "cantine", "crèche", "maîtresse"]


def _table_deux_groupes() -> pd.DataFrame:
    """Les mots du transport sont dits au Nord, ceux de l'école au Sud ; le Centre mélange un peu."""
    lignes = {}
    for i, lem in enumerate(TRANSPORT):
        lignes[lem] = [20 + i, 1, 4 + i % 2]
    for i, lem in enumerate(ECOLE):
        lignes[lem] = [1, 18 + i, 3 + i % 3]
    lignes["mairie"] = [5, 5, 9]
    return pd.DataFrame.from_dict(lignes, orient="index", columns=["Nord", "Sud", "Centre"])


def _afc_a_la_main(table: pd.DataFrame):
    """AFC par le livre : SVD des résidus standardisés D_r^-1/2 (P − r cᵀ) D_c^-1/2."""
    p = table.to_numpy(float) / table.to_numpy().sum()
    r, c = p.sum(axis=1), p.sum(axis=0)
    residus = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, s, vt = np.linalg.svd(residus, full_matrices=False)
    k = min(table.shape) - 1
    lignes = (u[:, :k] * s[:k]) / np.sqrt(r)[:, None]
    colonnes = (vt.T[:, :k] * s[:k]) / np.sqrt(c)[:, None]
    return s[:k] ** 2, lignes, colonnes, r, c


def test_le_premier_axe_oppose_les_deux_vocabulaires():
    resultat = afc.afc(_table_deux_groupes(), "territoire")
    lignes, colonnes = resultat.lignes, resultat.colonnes
    assert np.sign(colonnes.loc["Nord", "coord_1"]) == -np.sign(colonnes.loc["Sud", "coord_1"])
    cote_nord = np.sign(colonnes.loc["Nord", "coord_1"])
    assert all(np.sign(lignes.loc[lem, "coord_1"]) == cote_nord for lem in TRANSPORT)
    assert all(np.sign(lignes.loc[lem, "coord_1"]) == -cote_nord for lem in ECOLE)
    premiers = resultat.contributions(1, "colonnes")["libelle"].tolist()[:2]
    assert set(premiers) == {"Nord", "Sud"}
    assert resultat.axes["part_inertie"].iloc[0] > 0.8


def test_parts_d_inertie_et_contributions_somment_a_un():
    resultat = afc.afc(_table_deux_groupes())
    assert resultat.nombre_axes == 2
    assert resultat.axes["part_inertie"].sum() == pytest.approx(1)
    assert resultat.axes["part_cumulee"].iloc[-1] == pytest.approx(1)
    for k in (1, 2):
        assert resultat.lignes[f"contrib_{k}"].sum() == pytest.approx(1)
        assert resultat.colonnes[f"contrib_{k}"].sum() == pytest.approx(1)
    # sur tous les axes, un point est entièrement représenté
    assert (resultat.lignes[["cos2_1", "cos2_2"]].sum(axis=1)).to_numpy() == pytest.approx(1)


@pytest.mark.parametrize(
    "table",
    [
        _table_deux_groupes(),
        pd.DataFrame([[10, 2, 3], [1, 12, 4], [2, 3, 15]], index=["a", "b", "c"], columns=["X", "Y", "Z"]),
    ],
    ids=["deux-groupes", "trois-sur-trois"],
)
def test_les_chiffres_sont_ceux_d_un_svd_fait_a_la_main(table):
    valeurs, lignes, colonnes, r, c = _afc_a_la_main(table)
    resultat = afc.afc(table)
    assert resultat.axes["valeur_propre"].to_numpy() == pytest.approx(valeurs)
    assert resultat.inertie_totale == pytest.approx(
        ((table.to_numpy() / table.to_numpy().sum() - np.outer(r, c)) ** 2 / np.outer(r, c)).sum()
    )
    for k in range(len(valeurs)):
        signe = np.sign(resultat.colonnes[f"coord_{k + 1}"].iloc[0]) * np.sign(colonnes[0, k])
        assert resultat.lignes[f"coord_{k + 1}"].to_numpy() == pytest.approx(signe * lignes[:, k])
        assert resultat.colonnes[f"coord_{k + 1}"].to_numpy() == pytest.approx(signe * colonnes[:, k])
        assert resultat.lignes[f"contrib_{k + 1}"].to_numpy() == pytest.approx(
            r * lignes[:, k] ** 2 / valeurs[k]
        )
        assert resultat.colonnes[f"contrib_{k + 1}"].to_numpy() == pytest.approx(
            c * colonnes[:, k] ** 2 / valeurs[k]
        )


def test_contributions_triees_et_limitees():
    resultat = afc.afc(_table_deux_groupes())
    trois = resultat.contributions(1, "lignes", n=3)
    assert len(trois) == 3
    assert list(trois["contribution"]) == sorted(trois["contribution"], reverse=True)
    toutes = resultat.contributions(1)
    assert trois["libelle"].tolist() == toutes["libelle"].tolist()[:3]
    assert "mairie" not in trois["libelle"].tolist()
    with pytest.raises(afc.ErreurAFC, match="L'axe 3 n'existe pas"):
        resultat.contributions(3)


def test_la_table_se_construit_depuis_les_textes():
    textes = [
        "Le bus est en retard, encore le bus.",
        "L'horaire du bus a changé.",
        "La cantine de l'école est bonne.",
        "Cantine fermée à l'école",
        "Un texte sans territoire sur le bus",
    ]
    table = afc.table_contingence(textes, ["Nord", "Nord", "Sud", "Sud", None], seuil=2)
    assert list(table.columns) == ["Nord", "Sud"]
    assert table.to_dict(orient="index") == {
        "bus": {"Nord": 3, "Sud": 0},
        "cantine": {"Nord": 0, "Sud": 2},
        "école": {"Nord": 0, "Sud": 2},
    }
    with pytest.raises(afc.ErreurAFC, match="une modalité par texte"):
        afc.table_contingence(textes, ["Nord"])


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pd.DataFrame({"Nord": [3, 4]}, index=["bus", "tram"]), "au moins deux lemmes et deux modalités"),
        (pd.DataFrame(columns=["Nord", "Sud"]), "au moins deux lemmes et deux modalités"),
        (pd.DataFrame({"Nord": [3, -1], "Sud": [1, 2]}, index=["a", "b"]), "positifs ou nuls"),
        (pd.DataFrame({"Nord": ["x", "y"], "Sud": [1, 2]}, index=["a", "b"]), "que des nombres"),
        (pd.DataFrame({"Nord": [2, 4], "Sud": [1, 2]}, index=["a", "b"]), "aucune opposition"),
        ([[1, 2], [3, 4]], "doit être un tableau"),
    ],
)
def test_une_table_inutilisable_est_refusee_en_francais(table, message):
    with pytest.raises(afc.ErreurAFC, match=message):
        afc.afc(table)


def _boites(figure):
    renderer = FigureCanvasAgg(figure).get_renderer()
    axe = figure.axes[0]
    return {t.get_text(): t.get_window_extent(renderer) for t in axe.texts}


def _table_serree() -> pd.DataFrame:
    """Quarante lemmes aux profils proches : beaucoup d'étiquettes se disputent la même place."""
    rng = np.random.default_rng(3)
    comptes = rng.integers(5, 12, size=(40, 4)) + np.eye(4, dtype=int)[np.arange(40) % 4] * 4
    return pd.DataFrame(
        comptes, index=[f"lemme{i:02d}" for i in range(40)], columns=["Nord", "Sud", "Est", "Ouest"]
    )


@pytest.mark.parametrize("etroit", [False, True])
def test_les_etiquettes_ne_se_chevauchent_pas(etroit):
    resultat = afc.afc(_table_serree(), "territoire")
    figure = afc.figure_afc(resultat, etroit=etroit, n_lemmes=30)
    boites = _boites(figure)
    assert {"Nord", "Sud", "Est", "Ouest"} <= set(boites)
    assert len(boites) >= 12
    cadre = figure.axes[0].get_window_extent(FigureCanvasAgg(figure).get_renderer())
    for (nom_a, a), (nom_b, b) in itertools.combinations(boites.items(), 2):
        assert not a.overlaps(b), f"« {nom_a} » chevauche « {nom_b} »"
    for nom, boite in boites.items():
        assert cadre.x0 <= boite.x0 and boite.x1 <= cadre.x1, f"« {nom} » sort du cadre"


def test_le_svg_montre_modalites_lemmes_et_parts_d_inertie():
    resultat = afc.afc(_table_deux_groupes(), "territoire")
    svg = afc.tracer_afc(resultat, format_="svg", n_lemmes=5)
    textes = " ".join(t for t in ET.fromstring(svg).itertext() if t.strip())
    for nom in ["Nord", "Sud", "Centre", *afc.lemmes_contributifs(resultat, 5)]:
        assert nom in textes
    part = nombre_fr(resultat.axes["part_inertie"].iloc[0], 1, pourcent=True)
    assert f"Axe 1 ({part} de l'inertie)" in textes
    assert "lemmes × territoire" in textes
    assert afc.tracer_afc(resultat, format_="png").startswith(b"\x89PNG")
    with pytest.raises(afc.ErreurAFC, match="Format de graphique inconnu"):
        afc.tracer_afc(resultat, format_="gif")


def test_deux_modalites_donnent_un_seul_axe_trace():
    table = _table_deux_groupes()[["Nord", "Sud"]]
    resultat = afc.afc(table)
    assert resultat.nombre_axes == 1
    assert resultat.axes["part_inertie"].iloc[0] == pytest.approx(1)
    textes = " ".join(ET.fromstring(afc.tracer_afc(resultat)).itertext())
    assert "Nord" in textes and "Axe 1 (100,0" in textes
