"""Découpage, lemmatisation, mots vides, fréquences et concordance (analyse.lexique)."""

import pandas as pd

from analyse.lexique import concordance, formes, frequences, indexer, lemmes, mots_vides
from tests.test_analyse_chiffres import TOURS, VIERZON, _contribution, _temps, corpus_litteral


def test_elisions_pluriels_et_verbes():
    assert formes("L'école, c'est aujourd'hui !") == ["école", "est", "aujourd'hui"]
    assert lemmes("Les enfants jouaient sur les ordinateurs") == [
        "le",
        "enfant",
        "jouer",
        "sur",
        "le",
        "ordinateur",
    ]


def test_mots_vides_de_base_et_de_la_demarche():
    vides = mots_vides("numérique\nTéléphone")
    assert {"le", "de", "et", "numérique", "téléphone"} <= vides
    assert lemmes("Le numérique et mes enfants", vides) == ["enfant"]


def test_index_compte_les_lemmes_par_parole():
    index = indexer(["Les enfants, mon enfant !", "Un enfant jouait", None, "le la les de"], mots_vides())
    lemmes_ = list(index.lemmes)
    assert index.matrice.shape == (4, len(lemmes_))
    assert index.matrice[0, lemmes_.index("enfant")] == 2
    assert index.matrice[1, lemmes_.index("jouer")] == 1
    assert index.matrice[2].sum() == 0 and index.matrice[3].sum() == 0


def test_entrees_difficiles_sans_erreur():
    textes = pd.Series(["😀🙏🏽", "", None, "le la les", "écran " * 20_000, "x" * 500, "42 % 3,5"])
    table = frequences(textes)
    assert table.to_dict(orient="records") == [{"lemme": "écran", "frequence": 20_000, "contributions": 1}]
    assert frequences(pd.Series([], dtype=object)).empty


def _corpus():
    t1 = _temps(1, "porteur_de_parole", TOURS, None, 3, 0)
    t2 = _temps(2, "atelier_echange", VIERZON, None, 3, 0)
    contributions = [
        _contribution(1, t1, texte="Mes enfants passent leur vie sur les écrans."),
        _contribution(2, t1, texte="Mon enfant m'aide pour les papiers.", ne_pas_citer=True),
        _contribution(3, t2, texte="Les écrans, les écrans, toujours les écrans."),
    ]
    liens = [{"contribution_id": 1, "theme": "parents"}, {"contribution_id": 2, "theme": "parents"}]
    themes = [{"slug": "parents", "label": "Parentalité", "mots_cles": []}]
    return corpus_litteral([t1, t2], contributions, liens=liens, themes=themes)


def test_frequences_globales_et_par_groupe():
    corpus = _corpus()
    globales = frequences(corpus).set_index("lemme")
    assert globales.loc["écran", "frequence"] == 4 and globales.loc["écran", "contributions"] == 2
    assert globales.loc["enfant", "frequence"] == 2
    par_territoire = frequences(corpus, par="territoire", n=1)
    assert par_territoire[["groupe", "lemme", "frequence"]].values.tolist() == [
        ["Tours – Europe", "enfant", 2],
        ["Vierzon – Clos du Roy", "écran", 3],
    ]
    par_theme = frequences(corpus, par="theme")
    assert set(par_theme["lemme"]) >= {"enfant", "papier"} and "écran" in set(par_theme["lemme"])


def test_mots_vides_de_la_demarche_retirent_le_lemme():
    corpus = _corpus()
    corpus.demarche["mots_vides"] = "écran"
    assert "écran" not in set(frequences(corpus)["lemme"])


def test_concordance_trouve_toutes_les_formes():
    table = concordance(_corpus(), "enfant", largeur=10)
    assert table["forme"].tolist() == ["enfants", "enfant"]
    assert table.iloc[0]["avant"] == "Mes " and table.iloc[0]["apres"].startswith(" passent l")
    assert table["ne_pas_citer"].tolist() == [False, True]
    assert concordance(_corpus(), "ENFANTS")["id"].tolist() == [1, 2]
    assert concordance(_corpus(), "girafe").empty and concordance(_corpus(), "").empty


def test_les_balises_des_donnees_masquees_ne_sont_pas_des_mots():
    texte = (
        "Appelez [téléphone] ou écrivez à [courriel] : [prénom] [nom] habite au [adresse], près du marché."
    )
    assert lemmes(texte) == lemmes("Appelez ou écrivez à : habite au, près du marché.")
    assert not {"téléphone", "courriel", "prénom", "nom", "adresse"} & set(lemmes(texte))
