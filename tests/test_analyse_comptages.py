"""Comptes et croisements (analyse.comptages) sur un corpus littéral, valeurs calculées à la main."""

from datetime import date

import pytest

from analyse.comptages import compter_par, cooccurrences_en_long, cooccurrences_themes, croiser
from tests.test_analyse_chiffres import TOURS, VIERZON, _contribution, _temps, corpus_litteral

THEMES = [
    {"slug": "parents", "label": "Parentalité", "mots_cles": []},
    {"slug": "arnaques", "label": "Arnaques", "mots_cles": []},
    {"slug": "langue", "label": "Langue", "mots_cles": []},
]


def exemple():
    t1 = _temps(1, "porteur_de_parole", TOURS, None, 10, 0)
    t2 = _temps(2, "atelier_echange", VIERZON, None, 5, 5)
    t2["date"] = date(2023, 4, 2)
    contributions = [
        _contribution(1, t1, profil="habitant", tranche_age="60_plus"),
        _contribution(2, t1, profil="habitant", tranche_age="60_plus", ne_pas_citer=True),
        _contribution(3, t1, profil="jeune", tranche_age="18_25"),
        _contribution(4, t2, profil="professionnel", tranche_age="40_59"),
        _contribution(5, t2, profil="habitant", tranche_age="40_59"),
    ]
    liens = [
        {"contribution_id": 1, "theme": "parents"},
        {"contribution_id": 1, "theme": "arnaques"},
        {"contribution_id": 2, "theme": "arnaques"},
        {"contribution_id": 4, "theme": "parents"},
        {"contribution_id": 5, "theme": "parents"},
    ]
    return corpus_litteral([t1, t2], contributions, liens=liens, themes=THEMES)


def _table(table):
    return {l.modalite: (l.libelle, l.contributions, round(l.part, 3)) for l in table.itertuples()}


def test_par_dispositif_avec_libelles_et_parts():
    assert _table(compter_par(exemple(), "dispositif")) == {
        "porteur_de_parole": ("Porteur de parole", 3, 0.6),
        "atelier_echange": ("Atelier d'échange", 2, 0.4),
    }


def test_par_theme_inclut_les_themes_vides_et_les_paroles_sans_theme():
    table = compter_par(exemple(), "theme")
    assert table["libelle"].tolist() == ["Parentalité", "Arnaques", "Langue", "Sans thème"]
    assert table["contributions"].tolist() == [3, 2, 0, 1]  # la parole « ne pas citer » compte


@pytest.mark.parametrize(
    "critere, attendu",
    [
        ("territoire", {"Tours – Europe": 3, "Vierzon – Clos du Roy": 2}),
        ("profil", {"habitant": 3, "jeune": 1, "professionnel": 1}),
        ("tranche_age", {"60_plus": 2, "40_59": 2, "18_25": 1}),
        ("mois", {"2023-03": 3, "2023-04": 2}),
    ],
)
def test_autres_criteres(critere, attendu):
    table = compter_par(exemple(), critere)
    assert dict(zip(table["modalite"], table["contributions"])) == attendu


def test_mois_dans_l_ordre_chronologique():
    assert compter_par(exemple(), "mois")["modalite"].tolist() == ["2023-03", "2023-04"]


def test_croisement_theme_territoire_effectifs_parts_et_bases():
    croisement = croiser(exemple(), "theme", "territoire")
    assert croisement.bases.to_dict() == {"Tours – Europe": 3, "Vierzon – Clos du Roy": 2}
    assert croisement.effectifs.loc["parents"].tolist() == [1, 2]
    assert croisement.effectifs.loc["arnaques"].tolist() == [2, 0]
    assert croisement.parts.loc["parents", "Vierzon – Clos du Roy"] == 1.0
    assert croisement.parts.loc["arnaques", "Tours – Europe"] == pytest.approx(2 / 3)
    cellule = next(
        c for c in croisement.en_long() if c["ligne"] == "parents" and c["colonne"] == "Tours – Europe"
    )
    assert cellule == {
        "ligne": "parents",
        "colonne": "Tours – Europe",
        "contributions": 1,
        "base": 3,
        "part": 0.3333,
    }


def test_croisements_profil_et_dispositif():
    assert croiser(exemple(), "theme", "profil").effectifs.loc["parents"].to_dict() == {
        "habitant": 2,
        "jeune": 0,
        "professionnel": 1,
    }
    par_dispositif = croiser(exemple(), "theme", "dispositif")
    assert par_dispositif.effectifs.loc["arnaques"].to_dict() == {
        "atelier_echange": 0,
        "porteur_de_parole": 2,
    }
    assert par_dispositif.libelles_colonnes["atelier_echange"] == "Atelier d'échange"


def test_cooccurrences():
    matrice = cooccurrences_themes(exemple())
    assert matrice.loc["parents", "arnaques"] == 1 and matrice.loc["parents", "parents"] == 3
    assert cooccurrences_en_long(exemple()) == [
        {"theme_a": "parents", "theme_b": "arnaques", "contributions": 1}
    ]


def test_corpus_vide():
    vide = corpus_litteral([], [], themes=THEMES)
    assert compter_par(vide, "dispositif").empty
    assert compter_par(vide, "theme")["contributions"].tolist() == [0, 0, 0]
    assert croiser(vide, "theme", "territoire").effectifs.shape == (3, 0)
    assert cooccurrences_en_long(vide) == []
