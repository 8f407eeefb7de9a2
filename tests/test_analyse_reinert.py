"""Classification de Reinert (analyse.reinert) sur un corpus inventé à structure connue.

Trois univers lexicaux nettement séparés — transports, écrans et enfants, démarches administratives —
de 70 paroles chacun, assemblées au hasard (graine fixe) à partir de phrases de chaque univers : la
classification en 3 classes doit les retrouver.
"""

import numpy as np
import pandas as pd
import pytest

from analyse import reinert_cdh
from analyse.lexique import mots_vides
from analyse.reinert import CorpusTropPetit, classer, profils
from analyse.reinert_double import classer_double, classes_stables, unites
from analyse.reinert_segments import decouper, segmenter

UNIVERS = {
    "transports": [
        "Le bus passe trop rarement dans le quartier le soir.",
        "Je prends le tramway tous les matins pour aller travailler.",
        "Les horaires du bus changent sans arrêt, on attend à l'arrêt sous la pluie.",
        "Il faudrait une ligne de bus directe vers la gare.",
        "Le vélo c'est bien mais les pistes cyclables s'arrêtent au rond-point.",
        "Le ticket de tramway coûte cher pour une famille.",
        "La voiture reste indispensable pour aller à la gare le dimanche.",
        "Le train régional est souvent en retard, la correspondance avec le bus est ratée.",
        "On manque de places de stationnement près de la gare.",
        "Les pistes cyclables et le tramway ont changé ma façon de circuler.",
    ],
    "ecrans": [
        "Mes enfants passent des heures sur la tablette.",
        "Mon fils joue aux jeux vidéo jusqu'à minuit sur son téléphone.",
        "Les écrans fatiguent les yeux des petits, ma fille dort mal.",
        "À l'école on devrait apprendre aux enfants à se protéger sur les réseaux sociaux.",
        "Ma fille regarde des vidéos sur la tablette pendant le repas.",
        "Les parents ne savent pas régler le contrôle parental du téléphone.",
        "Mon fils est harcelé sur les réseaux sociaux depuis la rentrée.",
        "Je limite les écrans à une heure par jour pour les enfants.",
        "Les jeux vidéo rendent les enfants nerveux le soir.",
        "Les parents aussi passent trop de temps sur leur téléphone devant les enfants.",
    ],
    "demarches": [
        "Pour renouveler mon titre de séjour il faut prendre rendez-vous en ligne à la préfecture.",
        "Le dossier de la caisse d'allocations familiales demande beaucoup de justificatifs.",
        "Je ne trouve jamais mon identifiant pour déclarer mes impôts.",
        "Le formulaire de la préfecture refuse mon justificatif de domicile.",
        "Les allocations ont été suspendues parce que le dossier était incomplet.",
        "Il faut scanner chaque justificatif avant de l'envoyer à l'administration.",
        "La déclaration d'impôts en ligne me prend des heures.",
        "Le guichet de la mairie a fermé, tout passe par le formulaire en ligne.",
        "On m'a demandé trois fois le même justificatif pour le dossier de retraite.",
        "L'administration ne répond pas aux courriels sur mon dossier d'allocations.",
    ],
}
LEMMES_ATTENDUS = {
    "transports": {"bus", "tramway", "gare", "cyclable", "piste", "vélo", "train", "ligne"},
    "ecrans": {
        "enfant",
        "écran",
        "tablette",
        "téléphone",
        "fils",
        "fille",
        "vidéo",
        "jeu",
        "réseau",
        "parent",
    },
    "demarches": {"dossier", "justificatif", "préfecture", "formulaire", "impôt", "allocation"},
}
PAROLES_PAR_UNIVERS = 70


def _corpus(graine: int = 7):
    """Textes, identifiants et univers de chaque parole (deux ou trois phrases d'un même univers)."""
    hasard = np.random.default_rng(graine)
    textes, ids, univers = [], [], []
    for nom, phrases in UNIVERS.items():
        for _ in range(PAROLES_PAR_UNIVERS):
            choisies = hasard.choice(len(phrases), size=hasard.integers(2, 4), replace=False)
            textes.append(" ".join(phrases[i] for i in choisies))
            ids.append(len(ids) + 1)
            univers.append(nom)
    ordre = hasard.permutation(len(textes))
    return [textes[i] for i in ordre], [ids[i] for i in ordre], [univers[i] for i in ordre]


@pytest.fixture(scope="module")
def classe_en_trois():
    textes, ids, univers = _corpus()
    resultat = classer(textes, ids, mots_vides(), classes=3)
    return resultat, dict(zip(ids, univers, strict=True))


def test_trois_univers_retrouves_en_trois_classes_pures(classe_en_trois):
    resultat, univers = classe_en_trois
    segments = resultat.segments.assign(univers=resultat.segments["id"].map(univers))
    assert len(resultat.classes) == 3
    croisement = pd.crosstab(segments["univers"], segments["classe"])
    classe_de = croisement.idxmax(axis=1)
    assert sorted(classe_de) == [1, 2, 3]  # chaque univers a sa propre classe
    for nom, classe in classe_de.items():
        assert croisement.loc[nom, classe] >= 0.9 * croisement.loc[nom].sum(), croisement
        lemmes = resultat.classes_par_numero[classe].lemmes
        premiers = set(lemmes["lemme"].head(5))
        assert len(premiers & LEMMES_ATTENDUS[nom]) >= 3, (nom, premiers)
        assert (lemmes["chi2"].head(5) > 3.84).all() and (lemmes["p_valeur"].head(5) < 0.05).all()
        autres = set().union(*(LEMMES_ATTENDUS[u] for u in UNIVERS if u != nom))
        assert not premiers & autres


def test_effectifs_et_segments_caracteristiques(classe_en_trois):
    resultat, univers = classe_en_trois
    assert sum(c.segments for c in resultat.classes) == (resultat.segments["classe"] > 0).sum()
    for classe in resultat.classes:
        dans = resultat.segments[resultat.segments["classe"] == classe.numero]
        assert classe.segments == len(dans) and classe.paroles == dans["id"].nunique()
        ligne = classe.lemmes.iloc[0]
        presents = resultat.presences[:, list(resultat.lemmes).index(ligne["lemme"])].toarray().ravel()
        assert ligne["dans_classe"] == presents[dans.index].sum()
        assert ligne["hors_classe"] == presents.sum() - ligne["dans_classe"]
        tete = classe.segments_caracteristiques.head(5)
        assert len(tete) == 5 and tete["score"].is_monotonic_decreasing
        assert (resultat.segments.loc[tete["segment"], "classe"] == classe.numero).all()
        assert len({univers[i] for i in tete["id"]}) == 1  # les segments les plus typiques d'un univers


def test_deterministe():
    textes, ids, _ = _corpus(graine=3)
    premier = classer(textes, ids, mots_vides(), classes=3)
    second = classer(textes, ids, mots_vides(), classes=3)
    assert premier.segments["classe"].tolist() == second.segments["classe"].tolist()
    assert [list(c.lemmes["lemme"].head(10)) for c in premier.classes] == [
        list(c.lemmes["lemme"].head(10)) for c in second.classes
    ]


def test_plus_de_classes_demandees_coupe_encore(classe_en_trois):
    textes, ids, _ = _corpus()
    resultat = classer(textes, ids, mots_vides(), classes=5)
    assert len(resultat.classes) == 5 and len(resultat.coupes) == 4
    assert sorted(resultat.segments["classe"].unique()) == [1, 2, 3, 4, 5]


def test_une_longue_parole_est_coupee_a_la_ponctuation():
    phrases = [
        "Le bus du matin arrive toujours en retard devant l'école du quartier.",
        "Alors les enfants attendent dehors, dans le froid, parfois sous la pluie, sans abri.",
        "Nous avons écrit à la mairie plusieurs fois mais personne ne nous a répondu.",
        "Il faudrait un abri, un banc et un panneau qui annonce les horaires en temps réel.",
        "Les parents se relaient pour surveiller les petits, c'est fatigant à la longue.",
        "Franchement on se sent oubliés par ceux qui décident des lignes et des arrêts.",
        "Pourtant la solution ne coûterait pas grand-chose à la ville.",
        "Et le soir, quand il fait nuit, c'est encore pire.",
    ]
    texte = " ".join(phrases)
    assert 95 <= len(texte.split()) <= 105
    segments = decouper(texte, taille=40)
    assert len(segments) >= 2
    assert " ".join(segments) == texte
    for segment in segments[:-1]:
        assert segment[-1] in ".!?…", segment
        assert 20 <= len(segment.split()) <= 60
    assert decouper("Une parole courte, sans plus.", taille=40) == ["Une parole courte, sans plus."]
    table = segmenter([texte, "Courte.", "   "], [11, 12, 13], taille=40)
    assert table["id"].tolist() == [11] * len(segments) + [12]
    assert table["rang"].tolist() == [*range(len(segments)), 0]


def test_sans_ponctuation_la_coupe_tombe_a_la_taille():
    mots = [f"mot{chr(97 + i % 26)}" for i in range(100)]
    segments = decouper(" ".join(mots), taille=40)
    assert [len(s.split()) for s in segments] == [40, 40, 20]


def test_corpus_trop_petit():
    textes, ids, _ = _corpus()
    with pytest.raises(CorpusTropPetit, match="Corpus trop petit pour 10 classes : .* au moins 20"):
        classer(textes[:6], ids[:6], mots_vides(), classes=10, frequence_min=1)
    with pytest.raises(CorpusTropPetit, match="au moins 2 classes"):
        classer(textes, ids, mots_vides(), classes=1)
    with pytest.raises(CorpusTropPetit, match="autant"):
        classer(textes, ids[:-1], mots_vides())


def test_echantillon_reproductible_au_dela_du_maximum():
    textes, ids, _ = _corpus()
    resultat = classer(textes, ids, mots_vides(), classes=3, segments_max=150)
    assert resultat.echantillon == 150
    assert (resultat.segments["classe"] > 0).sum() == 150
    encore = classer(textes, ids, mots_vides(), classes=3, segments_max=150)
    assert resultat.segments["classe"].tolist() == encore.segments["classe"].tolist()


def test_variable_liee_a_un_univers(classe_en_trois):
    resultat, univers = classe_en_trois
    # Les paroles « transports » viennent toutes de la gare routière ; les autres se partagent
    # deux lieux au hasard. Les thèmes (plusieurs par parole) sont acceptés.
    lieux = {
        i: "Gare routière" if u == "transports" else ("Mairie" if i % 2 else "Médiathèque")
        for i, u in univers.items()
    }
    themes = {i: [u, "tous"] for i, u in univers.items()}
    table = profils(resultat, {"territoire": lieux, "theme": themes})
    segments = resultat.segments.assign(univers=resultat.segments["id"].map(univers))
    classe_transports = segments[segments["univers"] == "transports"]["classe"].mode()[0]
    territoire = table[table["variable"] == "territoire"]
    gare = territoire[territoire["modalite"] == "Gare routière"].set_index("classe")
    assert gare.loc[classe_transports, "chi2"] > 100 and gare.loc[classe_transports, "p_valeur"] < 1e-6
    assert (gare.drop(index=classe_transports)["chi2"] < 0).all()
    dans_classe = segments[segments["classe"] == classe_transports]
    assert gare.loc[classe_transports, "segments"] == (dans_classe["univers"] == "transports").sum()
    assert gare.loc[classe_transports, "segments_classe"] == len(dans_classe)
    theme = table[(table["variable"] == "theme") & (table["modalite"] == "tous")]
    assert (theme["chi2"].abs() < 1e-9).all() and (theme["segments"] == theme["segments_classe"]).all()
    vide = profils(resultat, {"profil": {}})
    assert vide.empty and "chi2" in vide.columns


def test_premier_facteur_creux_egal_au_dense(monkeypatch):
    textes, ids, _ = _corpus()
    x = classer(textes, ids, mots_vides(), classes=3).presences
    x = x[np.flatnonzero(np.asarray(x.sum(axis=1)).ravel() > 0)]
    dense = reinert_cdh.premier_facteur(x)
    monkeypatch.setattr(reinert_cdh, "CELLULES_DENSE", 0)
    creux = reinert_cdh.premier_facteur(x)
    assert np.allclose(dense, creux, atol=1e-6)
    assert dense.std() > 0.1  # un vrai facteur, pas un vecteur constant


def test_unites_de_la_double_classification():
    # Parole 1 : segments de 4, 4, 4, 1 lemmes ; parole 2 : un segment de 2 lemmes ; parole 3 : 9 puis 1.
    ids = np.array([1, 1, 1, 1, 2, 3, 3])
    occurrences = np.array([4, 4, 4, 1, 2, 9, 1])
    # Au moins 8 occurrences : (4+4), puis 4+1 trop court rejoint l'unité précédente ; parole 2 seule ;
    # parole 3 : 9 suffit, le reste (1) rejoint son unité.
    assert unites(ids, occurrences, 8).tolist() == [0, 0, 0, 0, 1, 2, 2]
    assert unites(ids, occurrences, 4).tolist() == [0, 1, 2, 2, 3, 4, 4]


def test_classes_stables_du_croisement():
    a = np.array([1] * 10 + [2] * 10 + [0] * 2)
    b = np.array([2] * 9 + [1] + [1] * 10 + [2, 0])
    stables = classes_stables(a, b, effectif_min=5)
    assert [s.tolist() for s in stables] == [list(range(10, 20)), list(range(9))]


def test_double_classification_retrouve_les_univers():
    textes, ids, univers = _corpus()
    # Segments courts (10 mots) : les paroles en ont plusieurs, les deux regroupements diffèrent.
    reglages = {"classes": 3, "taille_segment": 10, "lemmes_min": (3, 6)}
    resultat = classer_double(textes, ids, mots_vides(), **reglages)
    assert resultat.segments.groupby("id").size().max() > 1
    assert 2 <= len(resultat.classes) <= 3 and all(c.noeud == 0 for c in resultat.classes)
    segments = resultat.segments.assign(univers=resultat.segments["id"].map(dict(zip(ids, univers))))
    classes = segments[segments["classe"] > 0]
    assert len(classes) >= 0.8 * len(segments)  # la plupart des segments sont dans une classe stable
    purete = pd.crosstab(classes["classe"], classes["univers"])
    assert (purete.max(axis=1) >= 0.95 * purete.sum(axis=1)).all(), purete
    encore = classer_double(textes, ids, mots_vides(), **reglages)
    assert encore.segments["classe"].tolist() == resultat.segments["classe"].tolist()
