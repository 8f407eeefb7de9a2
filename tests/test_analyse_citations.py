"""Citations représentatives, nuages de mots et graphiques (sans base ni HTTP)."""

import io
import xml.etree.ElementTree as ET

import pandas as pd
from PIL import Image

from analyse import graphiques
from analyse.citations import citations_representatives
from analyse.comptages import croiser
from analyse.nuages import nuage_de_mots
from tests.test_analyse_chiffres import TOURS, VIERZON, _contribution, _temps, corpus_litteral


def _corpus():
    ta, tb = (
        _temps(1, "porteur_de_parole", TOURS, None, 1, 0),
        _temps(2, "porteur_de_parole", VIERZON, None, 1, 0),
    )
    textes = [
        (1, ta, "Mes enfants passent trop de temps sur les écrans, je ne sais plus quoi faire.", False),
        (2, ta, "Les écrans et les enfants, c'est une bataille tous les soirs à la maison.", True),
        (3, tb, "Le contrôle parental sur les écrans de mes enfants, personne ne m'a montré.", False),
        (4, tb, "Ok.", False),
        (5, tb, "La boulangerie du quartier a fermé, il faut prendre le bus pour tout.", False),
    ]
    contributions = [_contribution(i, t, texte=x, ne_pas_citer=n) for i, t, x, n in textes]
    liens = [{"contribution_id": i, "theme": "parents"} for i in (1, 2, 3, 4)]
    themes = [{"slug": "parents", "label": "Parentalité", "mots_cles": []}]
    return corpus_litteral([ta, tb], contributions, liens=liens, themes=themes)


def test_citations_jamais_ne_pas_citer_bornees_et_diverses():
    table = citations_representatives(_corpus(), "parents", n=3)
    assert 2 not in table["id"].tolist()  # « ne pas citer »
    assert table["id"].tolist()[:2] in ([1, 3], [3, 1])  # « Ok. » est trop court
    assert set(table["territoire"]) == {"Tours – Europe", "Vierzon – Clos du Roy"}
    assert "a_retenir" in table.columns and (table["score"] > 0).all()
    assert citations_representatives(_corpus(), "parents", n=3).equals(table)  # déterministe
    assert citations_representatives(_corpus(), "inconnu", n=3).empty


def test_nuage_deterministe_et_message_si_vide():
    frequences = pd.DataFrame({"lemme": ["enfant", "écran", "😀"], "frequence": [5, 3, 1]})
    premier = nuage_de_mots(frequences, titre="Parentalité")
    assert premier[:8] == b"\x89PNG\r\n\x1a\n" and premier == nuage_de_mots(frequences, titre="Parentalité")
    assert nuage_de_mots({})[:4] == b"\x89PNG" and nuage_de_mots(None)[:4] == b"\x89PNG"
    # Placé sur une grille deux fois plus petite, le nuage a quand même la taille demandée, même impaire,
    # et ses mots sont dessinés (pas seulement le fond blanc).
    image = Image.open(io.BytesIO(nuage_de_mots(frequences, largeur=721, hauteur=321)))
    assert image.size == (721, 321) and len(image.convert("RGB").getcolors(maxcolors=100_000)) > 10


def test_graphiques_portent_titre_libelles_et_effectifs():
    svg = graphiques.barres(
        ["Porteur de parole", "Atelier"], [3, 1], "Paroles par dispositif", total=4
    ).decode()
    ET.fromstring(svg)
    assert "Paroles par dispositif — 4 paroles" in svg and "3 (75\u202f%)" in svg
    assert "Nombre de paroles" in svg
    carte = graphiques.carte_croisement(
        croiser(_corpus(), "theme", "territoire"), "Thèmes × territoires"
    ).decode()
    assert "Thèmes × territoires" in carte and "(n=2)" in carte and "Parentalité" in carte
    vide = graphiques.barres([], [], "Rien").decode()
    assert "Aucune parole pour ces filtres." in vide
    assert graphiques.barres(["a"], [2], "PNG", format_="png")[:4] == b"\x89PNG"
