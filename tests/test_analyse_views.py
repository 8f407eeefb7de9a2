"""Tableau de bord d'analyse : pages, filtres, graphiques, mots vides, API de suggestions."""

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from analyse.chiffres import CHIFFRES, Chiffre


@pytest.fixture
def demarche_remplie(
    creer_demarche, creer_territoire, creer_structure, creer_theme, creer_temps, creer_contribution
):
    demarche = creer_demarche("numerique", titre="Numérique et citoyenneté")
    tours = creer_territoire(demarche, "Tours", "Europe")
    vierzon = creer_territoire(demarche, "Vierzon", "Clos du Roy")
    tunnel = creer_structure(demarche, "Centre social Le Tunnel", vierzon)
    parents = creer_theme(
        demarche, "parents", "Parentalité numérique", mots_cles=["enfant", "contrôle parental"]
    )
    arnaques = creer_theme(demarche, "arnaques", "Peur des arnaques", ordre=1, mots_cles=["arnaque"])
    creer_theme(demarche, "langue", "Barrière de la langue", ordre=2)
    t1 = creer_temps(
        demarche,
        "PDP-1",
        territoire=tours,
        personnes_rencontrees=26,
        dont_professionnels=2,
        date=date(2023, 3, 18),
    )
    t2 = creer_temps(
        demarche,
        "ATE-1",
        "atelier_echange",
        territoire=vierzon,
        structure=tunnel,
        personnes_rencontrees=12,
        dont_professionnels=5,
        date=date(2023, 5, 2),
    )
    creer_contribution(
        t1, "Mes enfants passent leur vie sur les écrans.", themes=[parents], profil="habitant"
    )
    creer_contribution(
        t1,
        "On m'a arnaqué au téléphone, une vraie arnaque.",
        themes=[arnaques],
        profil="habitant",
        ne_pas_citer=True,
    )
    creer_contribution(
        t2, "Les enfants aident leurs parents pour les papiers.", themes=[parents], profil="professionnel"
    )
    creer_contribution(t2, "Texte masqué : arnaque arnaque", themes=[arnaques], masquee=True)
    return {"demarche": demarche, "tours": tours, "vierzon": vierzon}


def _page(client, url):
    reponse = client.get(url)
    assert reponse.status_code == 200, reponse.data[:500]
    return reponse.get_data(as_text=True)


def test_tableau_de_bord_sans_parametre(client, connecter, demarche_remplie):
    connecter("lecteur")
    page = _page(client, "/analyse/")
    assert "Numérique et citoyenneté" in page and "personnes rencontrées" in page
    assert "<strong>38</strong> personnes rencontrées" in page
    assert "<strong>3</strong> paroles recueillies" in page  # masquée exclue, « ne pas citer » comptée
    assert (
        "<strong>1</strong> structure partenaire" in page
        and "<strong>1</strong> atelier d&#39;échange" in page
    )
    assert "<strong>0</strong> vidéos" in page  # singulier pour 1 seulement
    par_territoire = page[
        page.index("<caption>Chiffres clés par territoire</caption>") : page.index("</table>")
    ]
    assert ">personnes rencontrées</th>" in par_territoire and ">villes</th>" not in par_territoire
    assert "Parentalité numérique" in page and "Porteur de parole" in page
    assert "Texte masqué" not in page


@pytest.mark.parametrize(
    "filtre, paroles, personnes",
    [
        ("territoire={vierzon}", 1, 12),
        ("dispositif=porteur_de_parole", 2, 26),
        ("profil=professionnel", 1, 38),  # les temps (et leurs effectifs) ne dépendent pas du profil
        ("theme=arnaques", 1, 38),
        ("du=2023-04-01&au=2023-12-31", 1, 12),
        ("du=pas-une-date", 3, 38),
    ],
)
def test_tableau_de_bord_pour_chaque_filtre(client, connecter, demarche_remplie, filtre, paroles, personnes):
    connecter("lecteur")
    filtre = filtre.format(vierzon=demarche_remplie["vierzon"].id)
    page = _page(client, f"/analyse/?demarche=numerique&{filtre}")
    assert (
        f"<strong>{paroles}</strong> {'parole recueillie' if paroles == 1 else 'paroles recueillies'}" in page
    )
    assert f"<strong>{personnes}</strong> personnes rencontrées" in page
    if "pas-une-date" in filtre:
        assert "Date « du » illisible" in page


def test_un_chiffre_de_plus_arrive_au_tableau_de_bord(monkeypatch, client, connecter, demarche_remplie):
    temps = Chiffre(
        "temps",
        "temps de terrain",
        "temps de terrain",
        "temps de collecte enregistrés",
        lambda e: len(e.temps),
    )
    monkeypatch.setattr("analyse.chiffres.CHIFFRES", (*CHIFFRES, temps))
    connecter("lecteur")
    page = _page(client, "/analyse/")
    assert "<strong>2</strong> temps de terrain" in page
    par_territoire = page[
        page.index("<caption>Chiffres clés par territoire</caption>") : page.index("</table>")
    ]
    assert '<th scope="col" class="nombre">temps de terrain</th>' in par_territoire


def test_graphiques_svg_et_png_valides(client, connecter, demarche_remplie):
    connecter("lecteur")
    for critere in ("dispositif", "territoire", "theme", "profil", "tranche_age", "mois"):
        reponse = client.get(f"/analyse/graphique/comptage/{critere}.svg?demarche=numerique")
        assert reponse.status_code == 200 and reponse.mimetype == "image/svg+xml"
        racine = ET.fromstring(reponse.data)
        assert racine.tag.endswith("svg")
        assert "3 paroles" in reponse.get_data(as_text=True)  # titre avec l'effectif
    svg = client.get("/analyse/graphique/comptage/theme.svg?demarche=numerique").get_data(as_text=True)
    assert "Parentalité numérique" in svg and "Nombre de paroles" in svg
    for colonne in ("territoire", "profil", "dispositif"):
        reponse = client.get(f"/analyse/graphique/croisement/{colonne}.png?demarche=numerique")
        assert reponse.status_code == 200 and reponse.data[:8] == b"\x89PNG\r\n\x1a\n"
    nuage = client.get("/analyse/nuage.png?demarche=numerique&groupe=theme&valeur=parents&titre=Parents")
    assert nuage.status_code == 200 and nuage.data[:4] == b"\x89PNG"
    assert client.get("/analyse/graphique/comptage/inconnu.svg").status_code == 404


def test_lexique_et_concordance(client, connecter, demarche_remplie):
    connecter("lecteur")
    page = _page(client, "/analyse/lexique?demarche=numerique&par=profil")
    assert "enfant" in page and "Nuages de mots" in page and "Peur des arnaques" in page
    page = _page(client, "/analyse/concordance?demarche=numerique&lemme=enfant")
    assert "2 occurrence(s)" in page and "<strong>enfants</strong>" in page
    page = _page(client, "/analyse/concordance?demarche=numerique&lemme=arnaque")
    assert "(ne pas citer)" in page and "Texte masqué" not in page


def test_demarche_vide_et_base_vide(client, connecter, creer_demarche):
    connecter("lecteur")
    assert "Aucune démarche pour l'instant" in _page(client, "/analyse/")
    creer_demarche("vide", titre="Démarche vide")
    page = _page(client, "/analyse/?demarche=vide")
    assert "Aucune parole recueillie" in page and "<strong>0</strong> paroles recueillies" in page
    assert "Aucun mot plein" in _page(client, "/analyse/lexique?demarche=vide")
    assert client.get("/analyse/graphique/comptage/theme.svg?demarche=vide").status_code == 200
    assert client.get("/analyse/nuage.png?demarche=vide").data[:4] == b"\x89PNG"
    assert client.get("/analyse/?demarche=inconnue").status_code == 404


def test_connexion_exigee(client, demarche_remplie):
    assert client.get("/analyse/").status_code == 302
    assert client.post(
        "/analyse/api/suggestions", json={"texte": "x", "demarche": "numerique"}
    ).status_code in (302, 401)


def test_lecteur_lit_mais_ne_modifie_pas_les_mots_vides(client, connecter, demarche_remplie):
    connecter("lecteur")
    page = _page(client, "/analyse/mots-vides?demarche=numerique")
    assert "Seuls les animateur·rices" in page and "<textarea" not in page
    reponse = client.post("/analyse/mots-vides", data={"demarche": "numerique", "mots_vides": "enfant"})
    assert reponse.status_code == 403


def test_animateur_modifie_les_mots_vides(client, connecter, demarche_remplie):
    connecter("animateur")
    reponse = client.post(
        "/analyse/mots-vides",
        data={"demarche": "numerique", "mots_vides": "Enfant\n\nenfant\nécran"},
        follow_redirects=True,
    )
    assert "2 mot(s) vide(s)" in reponse.get_data(as_text=True)
    page = _page(client, "/analyse/lexique?demarche=numerique")
    assert ">enfant</a>" not in page and ">écran</a>" not in page


def test_api_suggestions(client, connecter, demarche_remplie):
    connecter("animateur")
    reponse = client.post(
        "/analyse/api/suggestions",
        json={"texte": "Il faudrait un contrôle parental pour mes enfants", "demarche": "numerique"},
    )
    assert reponse.status_code == 200
    suggestions = reponse.get_json()["suggestions"]
    assert suggestions[0]["theme"] == "parents" and suggestions[0]["label"] == "Parentalité numérique"
    assert len(suggestions) <= 3 and isinstance(suggestions[0]["score"], float)
    vide = client.post("/analyse/api/suggestions", json={"texte": "", "demarche": "numerique"})
    assert vide.get_json() == {"suggestions": []}
    assert client.post("/analyse/api/suggestions", json={"texte": "x", "demarche": "zzz"}).status_code == 404
    assert client.post("/analyse/api/suggestions", data="pas du json").status_code == 400
