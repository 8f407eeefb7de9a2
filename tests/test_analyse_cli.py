"""Commande `parole analyse` : formats texte, JSON (clés stables) et CSV."""

import csv
import io
import json

import pytest

from tests.conftest import importer_exemple

CLES_JSON = {
    "demarche",
    "filtres",
    "chiffres",
    "comptages",
    "croisements",
    "cooccurrences",
    "lemmes",
    "specificites",
    "messages",
}


@pytest.fixture
def demarche(creer_demarche, creer_territoire, creer_theme, creer_temps, creer_contribution):
    d = creer_demarche("cli-analyse", titre="Démarche CLI")
    tours, vierzon = creer_territoire(d, "Tours", "Europe"), creer_territoire(d, "Vierzon", "Clos du Roy")
    theme = creer_theme(d, "parents", "Parentalité")
    t1 = creer_temps(d, "A", territoire=tours, personnes_rencontrees=10)
    t2 = creer_temps(d, "B", "atelier_video", territoire=vierzon, personnes_rencontrees=4)
    creer_contribution(t1, "Les enfants et les écrans", themes=[theme])
    creer_contribution(t2, "Une vidéo en stop-motion sur les écrans")
    return d


def test_json_cles_stables(runner, demarche):
    resultat = runner.invoke(args=["analyse", "--demarche", "cli-analyse", "--format", "json"])
    assert resultat.exit_code == 0, resultat.output
    donnees = json.loads(resultat.output)
    assert set(donnees) == CLES_JSON
    assert donnees["chiffres"]["personnes_rencontrees"] == 14 and donnees["chiffres"]["videos"] == 1
    assert set(donnees["comptages"]) == {"dispositif", "territoire", "theme", "profil", "tranche_age", "mois"}
    assert set(donnees["croisements"]) == {"theme_territoire", "theme_profil", "theme_dispositif"}
    assert set(donnees["specificites"]) == {"territoire", "profil", "dispositif"}
    theme = donnees["comptages"]["theme"][0]
    assert theme == {"modalite": "parents", "libelle": "Parentalité", "contributions": 1, "part": 0.5}
    assert {"lemme": "écran", "frequence": 2, "contributions": 2} in donnees["lemmes"]


def test_texte_et_csv(runner, demarche):
    texte = runner.invoke(args=["analyse"]).output
    assert "14  personnes rencontrées" in texte and "Parentalité" in texte
    assert "1  vidéo\n" in texte and "2  paroles recueillies" in texte  # singulier pour 1, du registre
    sortie = runner.invoke(args=["analyse", "--format", "csv"]).output
    lignes = list(csv.reader(io.StringIO(sortie), delimiter=";"))
    assert lignes[0] == ["section", "groupe", "modalite", "mesure", "valeur"]
    assert ["chiffres", "", "paroles", "valeur", "2"] in lignes
    assert ["comptage_theme", "", "parents", "contributions", "1"] in lignes


def test_demarche_vide_et_inconnue(runner, creer_demarche):
    creer_demarche("vide")
    resultat = runner.invoke(args=["analyse", "--format", "json"])
    donnees = json.loads(resultat.output)
    assert donnees["chiffres"]["paroles"] == 0 and donnees["lemmes"] == []
    assert "Aucune parole" in donnees["messages"][0]
    inconnue = runner.invoke(args=["analyse", "--demarche", "zzz"])
    assert inconnue.exit_code != 0 and "introuvable" in inconnue.output


FORMULE = '=HYPERLINK("http://evil.example","x")'


def test_csv_sans_formule_executable(
    runner, creer_demarche, creer_territoire, creer_theme, creer_temps, creer_contribution
):
    """Un libellé saisi qui commence par « = » (ou +, -, @) s'ouvre dans un tableur comme du texte,
    précédé d'une apostrophe, comme dans l'export du corpus ; les nombres, même négatifs, restent des nombres.
    Le CSV nomme les thèmes par leur slug : les libellés piégés des thèmes n'y sont que par précaution."""
    d = creer_demarche("formules")
    piege, tours = creer_territoire(d, FORMULE, "Europe"), creer_territoire(d, "Tours", "Sanitas")
    themes = [creer_theme(d, "arnaques", FORMULE, 0), creer_theme(d, "ecole", "@ecole", 1)]
    temps = [creer_temps(d, territoire=piege), creer_temps(d, territoire=tours)]
    textes = ["Arnaque au téléphone, arnaque bancaire.", "La cantine de l'école, les devoirs de l'école."]
    for i in range(16):  # un vocabulaire par territoire : des spécificités négatives
        creer_contribution(temps[i % 2], textes[i % 2], themes=[themes[i % 2]])
    sortie = runner.invoke(args=["analyse", "--demarche", "formules", "--format", "csv"]).output
    lignes = list(csv.reader(io.StringIO(sortie), delimiter=";"))
    cellules = [c for ligne in lignes for c in ligne]
    assert f"'{FORMULE} – Europe" in cellules
    assert not [c for c in cellules if c and c[0] in "=+@\t\r"]
    scores = [float(l[4]) for l in lignes if l[3] == "score"]
    assert scores and min(scores) < 0


def test_classes_de_discours_sur_l_exemple(runner, app, session):
    """`--classes` : les classes de Reinert de la démarche d'exemple, en JSON, en texte et en CSV."""

    from analyse.reinert import SEUIL_CHI2

    importer_exemple(session, "exemple")
    args = ["analyse", "--demarche", "exemple", "--classes", "4"]
    donnees = json.loads(runner.invoke(args=[*args, "--format", "json"]).output)
    assert set(donnees) == CLES_JSON | {"classes_de_discours"}
    discours = donnees["classes_de_discours"]
    classes = discours["classes"]
    assert 2 <= len(classes) <= 4 and discours["message"] == ""
    assert sum(c["segments"] for c in classes) == discours["segments_classes"] <= discours["segments"]
    for classe in classes:
        assert classe["lemmes"] and all(l["chi2"] >= SEUIL_CHI2 for l in classe["lemmes"])
        assert [l["chi2"] for l in classe["lemmes"]] == sorted(
            (l["chi2"] for l in classe["lemmes"]), reverse=True
        )
        assert classe["segments_caracteristiques"]
    # Les mots d'une classe se lisent dans ses segments les plus typiques.
    premiere = classes[0]
    assert any(
        l["lemme"][:4] in " ".join(premiere["segments_caracteristiques"]).lower() for l in premiere["lemmes"]
    )

    texte = runner.invoke(args=args).output
    assert "Classes de discours (méthode de Reinert" in texte and "Classe 1 : " in texte
    lignes = list(
        csv.reader(io.StringIO(runner.invoke(args=[*args, "--format", "csv"]).output), delimiter=";")
    )
    assert any(l[0] == "classes_de_discours" and l[3] == "chi2" for l in lignes)


def test_classes_de_discours_corpus_trop_petit(runner, demarche):
    resultat = runner.invoke(
        args=["analyse", "--demarche", "cli-analyse", "--classes", "10", "--format", "json"]
    )
    assert resultat.exit_code == 0, resultat.output
    discours = json.loads(resultat.output)["classes_de_discours"]
    assert discours["classes"] == [] and "Corpus trop petit pour 10 classes" in discours["message"]
