"""Suggestions de thèmes : indices du livre de codes (multi-mots), apprentissage, cache, commande."""

import json
from dataclasses import replace

import pandas as pd

from analyse.donnees import Corpus
from analyse.suggestions import construire_modele, modele_de_la_demarche, suggerer

THEMES = pd.DataFrame(
    [
        {"slug": "demarches", "label": "Démarches en ligne", "mots_cles": ["mot de passe", "CAF", "impôt"]},
        {
            "slug": "parents",
            "label": "Parentalité numérique",
            "mots_cles": ["enfant", "contrôle parental", "écran"],
        },
        {"slug": "arnaques", "label": "Arnaques et piratage", "mots_cles": ["arnaque", "pirater", "virus"]},
        {"slug": "sans-indice", "label": "Langue française", "mots_cles": []},
    ]
)


def _corpus(textes=(), liens=()):
    vide = pd.DataFrame()
    return Corpus(
        demarche={"mots_vides": ""},
        contributions=pd.DataFrame({"id": range(1, len(textes) + 1), "texte": list(textes)}),
        liens_themes=pd.DataFrame(list(liens), columns=["contribution_id", "theme"]),
        themes=THEMES,
        temps=vide,
        structures=vide,
        territoires=vide,
        questionnaires_soumis=vide,
    )


def _slugs(modele, texte):
    return [s for s, _ in suggerer(modele, texte)]


def test_indices_multi_mots_lemmatises():
    modele = construire_modele(_corpus())
    assert _slugs(modele, "J'ai encore perdu mes mots de passe") == ["demarches"]
    assert _slugs(modele, "Il faudrait un contrôle parentale sur la tablette") == ["parents"]
    assert _slugs(modele, "Je passe mon tour") == []  # « passe » seul n'est pas l'indice « mot de passe »
    assert _slugs(modele, "On m'a piraté, une arnaque aux impôts")[:2] == ["arnaques", "demarches"]


def test_theme_sans_indice_utilise_son_libelle():
    assert _slugs(construire_modele(_corpus()), "Des cours de français") == ["sans-indice"]


def test_au_plus_trois_scores_decroissants_entre_0_et_1():
    modele = construire_modele(_corpus())
    resultat = suggerer(modele, "enfant arnaque CAF français virus écran mot de passe")
    assert len(resultat) == 3
    scores = [s for _, s in resultat]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)


def test_entrees_difficiles():
    modele = construire_modele(_corpus())
    for texte in ("", "   ", "le la les de", "😀🙏", None, "écran " * 50_000):
        resultat = suggerer(modele, texte)
        assert isinstance(resultat, list) and len(resultat) <= 3
    assert suggerer(construire_modele(replace(_corpus(), themes=THEMES.iloc[0:0])), "enfant") == []


def test_apprend_des_paroles_etiquetees():
    textes = [
        "La boulangerie ferme tôt",
        "La boulangerie du quartier",
        "Plus de boulangerie ici",
        "Mes enfants sur les écrans",
    ]
    liens = [{"contribution_id": i, "theme": "sans-indice"} for i in (1, 2, 3)] + [
        {"contribution_id": 4, "theme": "parents"}
    ]
    modele = construire_modele(_corpus(textes, liens))
    assert modele.n_etiquetees == 4
    assert _slugs(modele, "Une boulangerie ferme dans le quartier")[0] == "sans-indice"
    assert _slugs(construire_modele(_corpus()), "Une boulangerie ferme dans le quartier") == []
    # Sans indice du livre de codes, un seul mot connu ne suffit pas : il ne dit rien d'un thème.
    assert _slugs(modele, "Boulangerie !") == []


def test_sur_l_exemple_un_texte_qui_ne_dit_rien_ne_suggere_rien(runner, session, app):
    from pathlib import Path

    from collecte.tableurs.entrees import importer_chemin

    exemples = Path(app.config["EXEMPLES_DIR"])
    importer_chemin(session, exemples / "numerique-citoyennete", "exemple", exemples / "themes.yaml")
    resultat = runner.invoke(
        args=["themes", "suggerer", "--demarche", "exemple"],
        input="bonjour\noui\nmerci\nbonne journée\nça va\n"
        "Ma fille me fait mes papiers de la CAF sur son téléphone, moi je n'y arrive pas.\n",
    )
    assert resultat.exit_code == 0, resultat.output
    *riens, parole = [json.loads(l) for l in resultat.output.splitlines()]
    assert [l["suggestions"] for l in riens] == [[]] * 5
    assert parole["suggestions"]


def test_cache_invalide_quand_le_livre_de_codes_change(
    session, creer_demarche, creer_theme, creer_temps, creer_contribution
):
    demarche = creer_demarche("cache")
    creer_theme(demarche, "parents", "Parentalité", mots_cles=["enfant"])
    premier = modele_de_la_demarche(session, "cache")
    assert modele_de_la_demarche(session, "cache") is premier
    creer_theme(demarche, "arnaques", "Arnaques", ordre=1, mots_cles=["arnaque"])
    second = modele_de_la_demarche(session, "cache")
    assert second is not premier and [s for s, _ in suggerer(second, "une arnaque")] == ["arnaques"]
    theme = creer_theme(demarche, "langue", "Langue", ordre=2)
    creer_contribution(creer_temps(demarche), "Le français administratif", themes=[theme])
    troisieme = modele_de_la_demarche(session, "cache")
    assert troisieme is not second and troisieme.n_etiquetees == 1
    assert modele_de_la_demarche(session, "inconnue") is None


def test_commande_suggerer_une_ligne_json_par_texte(runner, creer_demarche, creer_theme):
    demarche = creer_demarche("cli")
    creer_theme(demarche, "demarches", "Démarches", mots_cles=["mot de passe"])
    creer_theme(demarche, "parents", "Parents", ordre=1, mots_cles=["enfant"])
    resultat = runner.invoke(
        args=["themes", "suggerer", "--demarche", "cli"],
        input="Mes mots de passe et mes enfants\n\nle la les\n",
    )
    assert resultat.exit_code == 0, resultat.output
    lignes = [json.loads(l) for l in resultat.output.splitlines()]
    assert [l["texte"] for l in lignes] == ["Mes mots de passe et mes enfants", "", "le la les"]
    premiere = lignes[0]["suggestions"]
    assert {s["theme"] for s in premiere} == {"demarches", "parents"} and len(premiere) <= 3
    assert all(set(s) == {"theme", "score"} and isinstance(s["score"], float) for s in premiere)
    assert lignes[1]["suggestions"] == [] and lignes[2]["suggestions"] == []


def test_commande_suggerer_demarche_inconnue(runner, creer_demarche):
    creer_demarche("une")
    resultat = runner.invoke(args=["themes", "suggerer", "--demarche", "autre"], input="texte\n")
    assert resultat.exit_code != 0 and "introuvable" in resultat.output
