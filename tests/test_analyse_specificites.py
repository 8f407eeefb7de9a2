"""Spécificités hypergéométriques sur un corpus jouet dont la réponse est calculée à la main.

Corpus : partie A = « chat chat chat chien » (t = 4), partie B = « chien poisson ×5 » (t = 6) ;
T = 10 ; F(chat) = 3, F(chien) = 2, F(poisson) = 5.
- chat dans A : k = 3 > 1,2 attendu ; P(X ≥ 3) = C(3,3)·C(7,1)/C(10,4) = 7/210 = 1/30 → +log10(30) = +1,4771
- chien dans A : k = 1 > 0,8 ; P(X ≥ 1) = 1 − C(8,4)/C(10,4) = 1 − 70/210 = 2/3 → −log10(2/3) = +0,1761
- poisson dans A : k = 0 < 2 ; P(X ≤ 0) = C(5,4)/C(10,4) = 5/210 → log10(1/42) = −1,6232
- chat dans B : k = 0 < 1,8 ; P(X ≤ 0) = C(7,6)/C(10,6) = 7/210 → −1,4771
"""

import math

import pandas as pd
import pytest

from analyse.specificites import scores, specificites, specificites_comptes
from tests.test_analyse_chiffres import TOURS, VIERZON, _contribution, _temps, corpus_litteral

ATTENDU_A = {"chat": math.log10(30), "chien": -math.log10(2 / 3), "poisson": math.log10(5 / 210)}


def test_formule_sur_un_tableau_de_comptes():
    comptes = pd.DataFrame({"chat": [3, 0], "chien": [1, 1], "poisson": [0, 5]}, index=["A", "B"])
    resultat = specificites_comptes(comptes)
    for lemme, valeur in ATTENDU_A.items():
        assert resultat.loc["A", lemme] == pytest.approx(valeur, abs=1e-9)
    assert resultat.loc["B", "chat"] == pytest.approx(-math.log10(30), abs=1e-9)


def test_sur_un_corpus_de_paroles():
    ta, tb = (
        _temps(1, "porteur_de_parole", TOURS, None, 1, 0),
        _temps(2, "porteur_de_parole", VIERZON, None, 1, 0),
    )
    corpus = corpus_litteral(
        [ta, tb],
        [
            _contribution(1, ta, texte="chat chat"),
            _contribution(2, ta, texte="chat chien"),
            _contribution(3, tb, texte="chien poisson poisson"),
            _contribution(4, tb, texte="poisson poisson poisson"),
        ],
    )
    table = specificites(corpus, "territoire", n=5, frequence_min=1, seuil=0)
    a = table[table["groupe"] == "Tours – Europe"].set_index("lemme")
    for lemme, valeur in ATTENDU_A.items():
        assert a.loc[lemme, "score"] == pytest.approx(valeur, abs=0.01)
    assert a.loc["chat", "sens"] == "+" and a.loc["poisson", "sens"] == "-"
    assert (a.loc["chat", "frequence"], a.loc["chat", "frequence_totale"], a.loc["chat", "attendu"]) == (
        3,
        3,
        1.2,
    )
    assert a.index[0] == "chat"  # sur-emploi le plus fort en tête


def test_seuil_par_defaut_et_cas_limites():
    ta = _temps(1, "porteur_de_parole", TOURS, None, 1, 0)
    seul = corpus_litteral([ta], [_contribution(1, ta, texte="chat chat chien")])
    assert specificites(seul, "territoire").empty  # un seul groupe
    assert specificites(corpus_litteral([ta], [_contribution(1, ta, texte="le la les")]), "territoire").empty


def test_grand_corpus_coherent_avec_l_exact():
    # Cellule très spécifique dans un grand corpus : la queue exacte reste finie et positive.
    valeur = scores(900, 10_000_000, 1_000, 100_000)
    assert valeur > 100 and math.isfinite(valeur)
    assert scores(0, 10_000_000, 100_000, 100_000) < -100
