"""Commande `parole analyse` : formats texte, JSON (clés stables) et CSV."""
import csv
import io
import json

import pytest

CLES_JSON = {"demarche", "filtres", "chiffres", "comptages", "croisements", "cooccurrences", "lemmes",
             "specificites", "messages"}


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
