"""Chaque formulaire du back office, rendu par le serveur puis relu par un vrai analyseur HTML
(html.parser) : ses attributs se lisent comme prévu (ni guillemets littéraux, ni nombres illisibles,
motifs `pattern` identiques à ceux du serveur) et une valeur saisie par quelqu'un reste échappée."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask import render_template_string

from collecte.themes import gestion as gestion_themes

CHAMPS = {"input", "textarea", "select", "button", "form", "option", "label", "fieldset"}
ENTIERS = {"maxlength", "minlength", "rows", "cols", "size"}
INPUTMODES = {"none", "text", "decimal", "numeric", "tel", "search", "email", "url"}
NOM_ATTRIBUT = re.compile(r"^[a-z][a-z0-9_:-]*$")
LIBELLE_PIEGE = "Dit \"non\" & <b>oui</b> 'ici'"


class _Lecteur(HTMLParser):
    """Les éléments de formulaire d'une page : [(balise, {attribut: valeur})]."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.balises: list[str] = []
        self.ids: list[tuple[str, str]] = []  # (id, balise) de chaque élément qui en porte un

    def handle_starttag(self, balise, attributs):
        self.balises.append(balise)
        ident = dict(attributs).get("id")
        if ident:
            self.ids.append((ident, balise))
        if balise in CHAMPS:
            self.elements.append((balise, dict(attributs)))


def lire(html: str) -> _Lecteur:
    lecteur = _Lecteur()
    lecteur.feed(html)
    lecteur.close()
    return lecteur


def champ_nomme(lecteur: _Lecteur, nom: str) -> dict:
    trouves = [
        a for balise, a in lecteur.elements if balise in {"input", "textarea"} and a.get("name") == nom
    ]
    assert len(trouves) == 1, f"champ « {nom} » : {len(trouves)} trouvé(s)"
    return trouves[0]


def verifier_attributs(lecteur: _Lecteur, page: str) -> None:
    """Règles valables pour tout formulaire : ce qu'un navigateur relirait comme prévu."""
    assert lecteur.elements, f"{page} : aucun formulaire"
    for balise, attributs in lecteur.elements:
        for nom, valeur in attributs.items():
            ou = f"{page} <{balise} {nom}={valeur!r}>"
            assert NOM_ATTRIBUT.match(nom), ou
            if valeur is None:
                continue
            assert not valeur.startswith(('"', "'")), f"{ou} : guillemets littéraux"
            if nom in ENTIERS:
                assert valeur.isdigit(), f"{ou} : pas un entier"
            if nom in {"min", "max", "step"} and attributs.get("type") == "number":
                float(valeur)
            if nom == "inputmode":
                assert valeur in INPUTMODES, ou
            if nom == "pattern":
                re.compile(valeur)
    ids = [ident for ident, _ in lecteur.ids]
    assert sorted({i for i in ids if ids.count(i) > 1}) == [], f"{page} : identifiants en double"
    balise_de = dict(lecteur.ids)
    for balise, attributs in lecteur.elements:
        if balise == "label" and attributs.get("for"):
            cible = balise_de.get(attributs["for"])
            assert cible in {"input", "select", "textarea"}, (
                f"{page} : <label for={attributs['for']!r}> → {cible}"
            )


@pytest.fixture
def demarche_complete(
    session, creer_demarche, creer_territoire, creer_structure, creer_theme, creer_temps, creer_contribution
):
    demarche = creer_demarche()
    territoire = creer_territoire(demarche)
    structure = creer_structure(demarche, territoire=territoire)
    theme = creer_theme(demarche, label=LIBELLE_PIEGE, couleur="#1f5f8b")
    temps = creer_temps(demarche, territoire=territoire, structure=structure, lieu=LIBELLE_PIEGE)
    contribution = creer_contribution(temps, themes=[theme])
    return {
        "demarche": demarche,
        "structure": structure,
        "theme": theme,
        "temps": temps,
        "parole": contribution,
    }


def pages_a_formulaire(d) -> list[str]:
    slug = d["demarche"].slug
    return [
        "/demarches/nouvelle",
        f"/demarches/{slug}",
        f"/demarches/{slug}/modifier",
        f"/demarches/{slug}/structures/nouvelle",
        f"/demarches/{slug}/structures/{d['structure'].id}",
        f"/collecte/temps/nouveau/{slug}",
        f"/collecte/temps/{d['temps'].id}",
        f"/collecte/temps/{d['temps'].id}/modifier",
        f"/collecte/themes/?demarche={slug}",
        f"/collecte/themes/nouveau?demarche={slug}",
        f"/collecte/themes/{d['theme'].id}",
        "/collecte/import/",
        "/comptes/",
        "/comptes/journal",
        f"/questionnaires/{slug}",
        f"/collecte/revue/?demarche={slug}",
        f"/collecte/revue/{d['parole'].id}",
        f"/restitution/{slug}/textes/synthese",
    ]


def test_chaque_formulaire_a_des_attributs_lisibles(client, connecter, demarche_complete):
    connecter("admin")
    for page in pages_a_formulaire(demarche_complete):
        reponse = client.get(page)
        assert reponse.status_code == 200, page
        verifier_attributs(lire(reponse.get_data(as_text=True)), page)


def test_formulaire_de_theme_motifs_du_serveur(client, connecter, demarche_complete):
    connecter("animateur")
    lecteur = lire(client.get(f"/collecte/themes/{demarche_complete['theme'].id}").get_data(as_text=True))
    slug, couleur = champ_nomme(lecteur, "slug"), champ_nomme(lecteur, "couleur")
    assert slug["pattern"] == gestion_themes.MOTIF_SLUG.pattern
    assert slug["maxlength"] == "80"
    assert "required" in slug
    assert re.fullmatch(slug["pattern"], "manque-moyens")
    assert not re.fullmatch(slug["pattern"], "Manque moyens")
    assert couleur["pattern"] == gestion_themes.MOTIF_COULEUR.pattern
    assert couleur["placeholder"] == "#1f5f8b"
    assert couleur["value"] == "#1f5f8b"
    assert champ_nomme(lecteur, "label") == {
        "id": "label",
        "name": "label",
        "type": "text",
        "value": LIBELLE_PIEGE,
        "required": None,
        "maxlength": "300",
    }
    assert "b" not in lecteur.balises  # le libellé saisi n'est pas devenu du HTML


def test_formulaire_de_temps_nombres(client, connecter, demarche_complete):
    connecter("animateur")
    lecteur = lire(
        client.get(f"/collecte/temps/{demarche_complete['temps'].id}/modifier").get_data(as_text=True)
    )
    for nom in ("personnes_rencontrees", "dont_professionnels"):
        attributs = champ_nomme(lecteur, nom)
        assert (attributs["type"], attributs["min"], attributs["inputmode"]) == ("number", "0", "numeric")
    assert champ_nomme(lecteur, "lieu")["value"] == LIBELLE_PIEGE
    assert "b" not in lecteur.balises


@pytest.mark.parametrize(
    ("page", "nom"),
    [("/demarches/{slug}/modifier", "titre"), ("/demarches/{slug}/structures/nouvelle", "nom")],
)
def test_longueurs_maximales(client, connecter, demarche_complete, page, nom):
    connecter("animateur")
    html = client.get(page.format(slug=demarche_complete["demarche"].slug)).get_data(as_text=True)
    assert champ_nomme(lire(html), nom)["maxlength"] == "300"


def test_macro_echappe_chaque_valeur_d_attribut(app):
    with app.test_request_context():
        html = render_template_string(
            '{% from "_macros.html" import champ %}{{ champ("x", "X", {"x": v}, attrs=a) }}',
            v='"><script>',
            a={"placeholder": 'a" onfocus="alert(1)', "maxlength": 5},
        )
    lecteur = lire(html)
    attributs = champ_nomme(lecteur, "x")
    assert attributs["value"] == '"><script>'
    assert attributs["placeholder"] == 'a" onfocus="alert(1)'
    assert attributs["maxlength"] == "5"
    assert "onfocus" not in attributs
    assert "script" not in lecteur.balises
