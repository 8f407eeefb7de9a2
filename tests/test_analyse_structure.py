"""Page « Structure des paroles » du tableau de bord : classes de discours, AFC et graphe de similitudes
sur une démarche inventée à structure connue (un univers lexical par territoire)."""

import random
import re
import xml.etree.ElementTree as ET

import pytest

from tests.test_analyse_reinert import LEMMES_ATTENDUS, UNIVERS

PAROLES_PAR_TERRITOIRE = 24
TERRITOIRES = {"transports": "Bourges", "ecrans": "Tours", "demarches": "Vierzon"}
# Une parole « ne pas citer » très typique de l'univers des transports : classée, jamais montrée.
SECRETE = (
    "Bus, tramway, train régional, vélo, voiture, gare, ligne directe, piste cyclable, horaires, ticket, "
    "stationnement et correspondance ratée."
)


@pytest.fixture
def trois_univers(creer_demarche, creer_territoire, creer_theme, creer_temps, creer_contribution):
    demarche = creer_demarche("trois-univers", titre="Trois univers")
    hasard = random.Random(3)
    themes = {u: creer_theme(demarche, u, f"Thème {u}", ordre=i) for i, u in enumerate(UNIVERS)}
    territoires = {}
    for univers, ville in TERRITOIRES.items():
        territoire = territoires[ville] = creer_territoire(demarche, ville, "Centre")
        temps = creer_temps(demarche, f"PDP-{ville}", territoire=territoire)
        for _ in range(PAROLES_PAR_TERRITOIRE):
            texte = " ".join(hasard.sample(UNIVERS[univers], 2))
            creer_contribution(temps, texte, themes=[themes[univers]], profil="habitant")
        if univers == "transports":
            creer_contribution(temps, SECRETE, themes=[themes[univers]], ne_pas_citer=True)
    return territoires


def _page(client, adresse):
    reponse = client.get(adresse)
    assert reponse.status_code == 200, reponse.data[:500]
    return reponse.get_data(as_text=True)


def _classes(page: str) -> dict[int, str]:
    """Numéro de classe → texte de sa carte (balises retirées)."""
    cartes = re.findall(r'<article class="carte classe-discours".*?</article>', page, re.S)
    return {
        int(re.search(r"Classe (\d+)", carte).group(1)): re.sub(r"<[^>]+>", " ", carte) for carte in cartes
    }


def test_trois_classes_retrouvent_les_trois_univers(client, connecter, trois_univers):
    connecter("lecteur")
    page = _page(client, "/analyse/structure?demarche=trois-univers&classes=3")
    classes = _classes(page)
    assert sorted(classes) == [1, 2, 3]
    univers_des_classes = []
    for texte in classes.values():
        mots = texte.split("Segments typiques")[0]
        trouves = [u for u, lemmes in LEMMES_ATTENDUS.items() if sum(f" {l} " in mots for l in lemmes) >= 2]
        assert len(trouves) == 1, texte
        univers_des_classes.append(trouves[0])
        # le territoire de l'univers est sur-représenté dans sa classe
        assert f"Territoire : {TERRITOIRES[trouves[0]]}" in texte
    assert sorted(univers_des_classes) == sorted(UNIVERS)
    # répartition : chaque territoire a tous ses segments dans une seule classe
    repartition = page[
        page.index("<caption>Par territoire</caption>") : page.index(
            "</table>", page.index("<caption>Par territoire")
        )
    ]
    for ville in TERRITOIRES.values():
        ligne = re.search(rf"<th scope=\"row\">{ville} – Centre</th>(.*?)</tr>", repartition, re.S).group(1)
        parts = re.findall(r'<td class="nombre">([^<]*)</td>', ligne)[:-1]
        assert sorted(parts) == ["0\u202f%", "0\u202f%", "100\u202f%"], (ville, parts)


def test_une_parole_ne_pas_citer_est_classee_mais_jamais_montree(client, connecter, trois_univers):
    connecter("lecteur")
    page = _page(client, "/analyse/structure?demarche=trois-univers&classes=3")
    assert "correspondance ratée" not in page
    # elle compte : 3 × 24 paroles + elle
    total = sum(int(re.search(r"(\d+) parole", t.split("·")[2]).group(1)) for t in _classes(page).values())
    assert total == 3 * PAROLES_PAR_TERRITOIRE + 1


def test_afc_et_similitudes_en_images(client, connecter, trois_univers):
    connecter("lecteur")
    page = _page(client, "/analyse/structure?demarche=trois-univers&variable=territoire")
    assert "Analyse des correspondances : mots × territoire" in page
    assert "/analyse/graphique/afc/territoire.svg" in page and "/analyse/graphique/similitudes.svg" in page
    assert "Axe 1" in page and "Axe 2" in page  # trois territoires : deux axes
    reponse = client.get("/analyse/graphique/afc/territoire.svg?demarche=trois-univers")
    assert reponse.status_code == 200 and reponse.mimetype == "image/svg+xml"
    textes = "".join(ET.fromstring(reponse.data).itertext())
    assert all(f"{ville} – Centre" in textes for ville in TERRITOIRES.values())
    reponse = client.get("/analyse/graphique/similitudes.png?demarche=trois-univers&largeur=etroite")
    assert reponse.status_code == 200 and reponse.data[:4] == b"\x89PNG"
    svg = client.get("/analyse/graphique/similitudes.svg?demarche=trois-univers").data
    assert "bus" in "".join(ET.fromstring(svg).itertext())
    # le tableau des liens les plus forts : des paires de mots d'un même univers
    liens = page[page.index("liens les plus forts") :]
    premiere = re.findall(r"lemme=[^\"]*\">([^<]+)</a>", liens)[:2]
    assert any(set(premiere) <= lemmes for lemmes in LEMMES_ATTENDUS.values()), premiere


def test_reglages_hors_choix_dits_en_francais(client, connecter, trois_univers):
    connecter("lecteur")
    page = _page(client, "/analyse/structure?demarche=trois-univers&classes=50&variable=age")
    assert "Nombre de classes « 50 » impossible : entre 2 et 10" in page
    assert "Variable « age » inconnue" in page
    assert "Analyse des correspondances : mots × dispositif" in page
    page = _page(client, "/analyse/structure?demarche=trois-univers&classes=trois")
    assert "Nombre de classes « trois » impossible" in page
    assert client.get("/analyse/graphique/afc/age.svg?demarche=trois-univers").status_code == 404


def test_corpus_trop_petit(client, connecter, creer_demarche, creer_temps, creer_contribution):
    demarche = creer_demarche("minuscule", titre="Minuscule")
    creer_contribution(creer_temps(demarche, "PDP-1"), "Le bus passe rarement.")
    connecter("lecteur")
    page = _page(client, "/analyse/structure?demarche=minuscule")
    assert "Corpus trop petit pour 6 classes" in page
    assert "Pas assez de données pour une analyse des correspondances" in page
    assert "/analyse/graphique/afc/" not in page
    reponse = client.get("/analyse/graphique/afc/dispositif.svg?demarche=minuscule")
    assert reponse.status_code == 200
    assert "Pas assez de données" in "".join(ET.fromstring(reponse.data).itertext())
    # trois mots pleins suffisent à un graphe de similitudes (deux liens)
    assert "<caption>Les 2 liens les plus forts</caption>" in page


def test_sans_mot_plein_le_graphe_dit_pourquoi(
    client, connecter, creer_demarche, creer_temps, creer_contribution
):
    demarche = creer_demarche("creux", titre="Creux")
    creer_contribution(creer_temps(demarche, "PDP-1"), "Oui, et alors ?")
    connecter("lecteur")
    page = _page(client, "/analyse/structure?demarche=creux")
    assert "Trop peu de mots pleins (1 lemme(s) après retrait des mots vides)" in page
    reponse = client.get("/analyse/graphique/similitudes.svg?demarche=creux&largeur=etroite")
    assert "Trop peu de mots" in "".join(ET.fromstring(reponse.data).itertext())


def test_les_filtres_s_appliquent(client, connecter, trois_univers):
    connecter("lecteur")
    territoire = trois_univers["Tours"]
    page = _page(client, f"/analyse/structure?demarche=trois-univers&classes=2&territoire={territoire.id}")
    classes = _classes(page)
    assert len(classes) == 2
    assert all("Bourges" not in t and "Vierzon" not in t for t in classes.values())


def test_il_faut_un_compte(client, trois_univers):
    for adresse in ("/analyse/structure?demarche=trois-univers", "/analyse/graphique/similitudes.svg"):
        reponse = client.get(adresse)
        assert reponse.status_code == 302 and "/comptes/connexion" in reponse.headers["Location"]


def test_la_page_et_ses_images_font_une_fois_l_afc_et_le_graphe(
    client, connecter, trois_univers, monkeypatch
):
    """L'AFC et le graphe de similitudes sont calculés une fois pour la page et ses images (par version des
    données et par filtres), pas une fois par adresse."""
    from analyse import discours

    appels = []
    for nom in ("afc_du_corpus", "graphe_du_corpus"):
        vraie = getattr(discours, nom)
        monkeypatch.setattr(discours, nom, lambda *a, _f=vraie, _n=nom, **k: appels.append(_n) or _f(*a, **k))
    connecter("lecteur")
    _page(client, "/analyse/structure?demarche=trois-univers&variable=territoire&classes=3")
    _page(client, "/analyse/structure?demarche=trois-univers&variable=territoire&classes=4")
    for image in ("afc/territoire.svg", "afc/territoire.png", "similitudes.svg"):
        assert client.get(f"/analyse/graphique/{image}?demarche=trois-univers").status_code == 200
    assert sorted(appels) == ["afc_du_corpus", "graphe_du_corpus"]
    # un autre filtre : un autre calcul
    tours = trois_univers["Tours"].id
    client.get(f"/analyse/graphique/afc/territoire.svg?demarche=trois-univers&territoire={tours}")
    assert appels.count("afc_du_corpus") == 2
