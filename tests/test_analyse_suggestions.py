"""Suggestions de thèmes : indices du livre de codes (multi-mots), apprentissage, cache, commande."""

import json
from dataclasses import replace

import pandas as pd

from analyse.donnees import Corpus
from analyse.lexique import lemmes
from analyse.suggestions import _scores_indices, construire_modele, modele_de_la_demarche, suggerer
from tests.conftest import importer_exemple

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
    assert _slugs(modele, "J'ai encore perdu mes mots de passe")[0] == "demarches"
    assert _slugs(modele, "Il faudrait un contrôle parentale sur la tablette")[0] == "parents"
    # « passe » seul n'est pas l'indice « mot de passe » (les vecteurs de mots, eux, peuvent suggérer).
    assert not _scores_indices(modele, lemmes("Je passe mon tour")).any()
    assert _scores_indices(modele, lemmes("Mes mots de passe")).any()
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
    appris = dict(suggerer(modele, "Une boulangerie ferme dans le quartier"))["sans-indice"]
    sans_exemple = dict(suggerer(construire_modele(_corpus()), "Une boulangerie ferme dans le quartier"))
    assert appris > sans_exemple.get("sans-indice", 0) + 0.2
    # Sans indice du livre de codes, un seul mot connu ne suffit pas : il ne dit rien d'un thème.
    assert _slugs(modele, "Boulangerie !") == []


def test_sur_l_exemple_un_texte_qui_ne_dit_rien_ne_suggere_rien(runner, session, app):

    importer_exemple(session, "exemple")
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
    assert second is not premier and [s for s, _ in suggerer(second, "une arnaque")][0] == "arnaques"
    theme = creer_theme(demarche, "langue", "Langue", ordre=2)
    creer_contribution(creer_temps(demarche), "Le français administratif", themes=[theme])
    troisieme = modele_de_la_demarche(session, "cache")
    assert troisieme is not second and troisieme.n_etiquetees == 1
    assert modele_de_la_demarche(session, "inconnue") is None


def test_changer_la_description_d_un_theme_change_les_suggestions(session, creer_demarche, creer_theme):
    """La description sert aux suggestions : la modifier reconstruit le modèle de la démarche."""
    demarche = creer_demarche("descriptions")
    jardins = creer_theme(demarche, "jardins", "Lieux", description="Les transports en commun du quartier.")
    creer_theme(demarche, "ecoles", "Moments", ordre=1, description="La cantine et les devoirs des enfants.")
    texte = "On plante des tomates et des salades avec les voisines."
    avant = modele_de_la_demarche(session, "descriptions")
    assert [s for s, _ in suggerer(avant, texte)][:1] != ["jardins"]
    jardins.description = "Cultiver un potager ensemble : légumes, fleurs, jardins partagés."
    session.add(jardins)
    session.commit()
    apres = modele_de_la_demarche(session, "descriptions")
    assert apres is not avant and [s for s, _ in suggerer(apres, texte)][0] == "jardins"


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


# Livre de codes sans indices : seuls les libellés et les descriptions (et l'étiquetage) comptent.
SANS_INDICES = pd.DataFrame(
    [
        {
            "slug": "jardins",
            "label": "Jardins partagés",
            "description": "Cultiver un potager ensemble, les fleurs et la terre du quartier.",
            "mots_cles": [],
        },
        {
            "slug": "transports",
            "label": "Se déplacer",
            "description": "Bus, tramway, horaires et trajets pour aller travailler.",
            "mots_cles": [],
        },
        {
            "slug": "sante",
            "label": "Santé",
            "description": "Médecins, hôpital, rendez-vous et soins.",
            "mots_cles": [],
        },
        {
            "slug": "voisins",
            "label": "Vie du quartier",
            "description": "Ce qui se passe entre habitants.",
            "mots_cles": [],
        },
    ]
)


def _corpus_sans_indices(textes=(), liens=()):
    return replace(_corpus(textes, liens), themes=SANS_INDICES)


def test_sans_indices_une_parole_proche_de_la_description_recoit_son_theme():
    modele = construire_modele(_corpus_sans_indices())
    # Aucun mot en commun avec le libellé ni la description : seul le sens des mots relie les deux.
    assert _slugs(modele, "J'aimerais planter des tomates et des salades avec mes voisines")[0] == "jardins"
    assert _slugs(modele, "Le métro est toujours en retard le matin")[0] == "transports"
    assert _slugs(modele, "Impossible d'avoir un docteur avant trois mois")[0] == "sante"


def test_quelques_exemples_etiquetes_suffisent_a_faire_apprendre_un_theme():
    exemples = [
        "On a organisé une fête avec barbecue dans la cour",
        "Le vide-grenier de la rue était super",
        "Un concert dans le square, tout le monde était là",
    ]
    liens = [{"contribution_id": i, "theme": "voisins"} for i in (1, 2, 3)]
    texte = "La brocante du dimanche"
    assert _slugs(construire_modele(_corpus_sans_indices()), texte)[0] != "voisins"
    appris = construire_modele(_corpus_sans_indices(exemples, liens))
    assert _slugs(appris, texte)[0] == "voisins"


def test_sans_indices_les_phrases_creuses_ne_suggerent_rien():
    liens = [{"contribution_id": 1, "theme": "jardins"}, {"contribution_id": 2, "theme": "transports"}]
    modele = construire_modele(
        _corpus_sans_indices(["Un potager au pied de l'immeuble", "Le bus ne passe plus"], liens)
    )
    for texte in ("bonjour", "merci", "ça va", "ok", "bonne journée", "euh", "..."):
        assert suggerer(modele, texte) == [], texte


def test_sans_indices_au_plus_trois_scores_entre_0_et_1():
    modele = construire_modele(_corpus_sans_indices())
    resultat = suggerer(modele, "Le bus pour aller au jardin puis chez le médecin du quartier")
    assert 1 <= len(resultat) <= 3
    scores = [s for _, s in resultat]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert {s for s, _ in resultat} <= set(SANS_INDICES["slug"])


def test_deux_themes_seulement_les_exemples_departagent():
    themes = SANS_INDICES.iloc[:2]  # jardins, transports : la régression n'a que deux classes
    textes = [
        "Des tomates sur le balcon",
        "Le tram passe toutes les dix minutes",
        "Semer des radis au printemps",
    ]
    liens = [
        {"contribution_id": 1, "theme": "jardins"},
        {"contribution_id": 2, "theme": "transports"},
        {"contribution_id": 3, "theme": "jardins"},
    ]
    modele = construire_modele(replace(_corpus(textes, liens), themes=themes))
    assert modele.prototypes.poids.shape == (2, 300)
    jardin, transport = (
        suggerer(modele, "Arroser les salades du potager"),
        suggerer(modele, "Le bus arrive en retard"),
    )
    assert jardin[0][0] == "jardins" and transport[0][0] == "transports"
    assert all(0 < s <= 1 for _, s in jardin + transport)
