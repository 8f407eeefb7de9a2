"""Projet REFI-QDA (.qdpx) relu comme un logiciel d'analyse le lit : variables de cas et de source
jamais sous le même GUID ni le même nom, utilisateurs (noms affichés seulement) et dates, couleur sur
chaque code, ensembles par dispositif ; le tout valide contre Project.xsd (xmllint)."""

import io
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from collecte import revue
from collecte.comptes import creer_utilisateur
from collecte.themes.formats import PALETTE
from restitution import exports
from tests.conftest import MOT_DE_PASSE, exiger_outil

SCHEMAS = Path(__file__).resolve().parent / "schemas"
NS = {"q": "urn:QDA-XML:project:1.0"}


@pytest.fixture
def projet(
    session,
    creer_demarche,
    creer_territoire,
    creer_structure,
    creer_theme,
    creer_temps,
    creer_contribution,
):
    demarche = creer_demarche(slug="vierzon-2024", titre="Numérique à Vierzon")
    clos = creer_territoire(demarche, "Vierzon", "Clos du Roy")
    gare = creer_territoire(demarche, "Vierzon", "Gare")
    tunnel = creer_structure(demarche, "Centre social du Tunnel", clos, typologie="a_mission")
    parentalite = creer_theme(demarche, "parentalite", "Parentalité", 0, couleur="#123abc")
    arnaques = creer_theme(demarche, "arnaques", "Peur des arnaques", 1)
    pdp = creer_temps(demarche, "PDP-1", territoire=clos, structure=tunnel)
    panneau = creer_temps(demarche, "OP-1", "ordi_panneau", territoire=gare)
    camille = creer_utilisateur(session, "camille.d", MOT_DE_PASSE, "animateur", nom="Camille D.")
    sami = creer_utilisateur(session, "sami-r", MOT_DE_PASSE, "animateur")  # sans nom : l'identifiant
    saisie = creer_contribution(
        pdp, "Ma fille m’aide pour la CAF.", themes=[parentalite], saisie_par_id=camille.id
    )
    importee = creer_contribution(pdp, "Les arnaques au téléphone, j'ai peur.", themes=[arnaques])
    postit = creer_contribution(panneau, "Plus de bornes !", nature="postit", saisie_par_id=camille.id)
    revue.action_groupee(session, [postit.id], "ajouter_theme", arnaques.id, sami.id)  # étiquetée par Sami
    return demarche, {"saisie": saisie, "importee": importee, "postit": postit}


def _projet(session, slug):
    tampon = io.BytesIO()
    resultat = exports.exporter(session, slug, "qdpx", tampon)
    qde = zipfile.ZipFile(io.BytesIO(tampon.getvalue())).read("project.qde")
    return qde, ET.fromstring(qde), resultat


def _refs(elements) -> dict[str, set[str]]:
    """GUID de variable → valeurs, sur les VariableValue de ces éléments."""
    trouvees: dict[str, set[str]] = {}
    for element in elements:
        for valeur in element.findall("q:VariableValue", NS):
            cible = valeur.find("q:VariableRef", NS).get("targetGUID")
            trouvees.setdefault(cible, set()).add(valeur[1].text)  # VariableRef, puis la valeur
    return trouvees


def test_valide_contre_le_schema(session, projet):
    xmllint = exiger_outil("xmllint")
    demarche, _ = projet
    qde, _, resultat = _projet(session, demarche.slug)
    valide = subprocess.run(
        [xmllint, "--noout", "--schema", str(SCHEMAS / "Project.xsd"), "-"], input=qde, capture_output=True
    )
    assert valide.returncode == 0, valide.stderr.decode()
    assert resultat.paroles == 3
    # L'ordre des enfants du projet est celui du schéma.
    enfants = [e.tag.split("}")[1] for e in ET.fromstring(qde)]
    assert enfants == ["Users", "CodeBook", "Variables", "Cases", "Sources", "Sets"]


def test_variables_de_cas_et_de_source_jamais_partagees(session, projet):
    demarche, _ = projet
    _, racine, _ = _projet(session, demarche.slug)
    noms = {v.get("guid"): v.get("name") for v in racine.findall("q:Variables/q:Variable", NS)}
    cas = _refs(racine.findall("q:Cases/q:Case", NS))
    sources = _refs(racine.findall("q:Sources/q:TextSource", NS))
    assert cas and sources
    assert not set(cas) & set(sources)  # aucun GUID commun
    assert not {noms[g] for g in cas} & {noms[g] for g in sources}  # aucun nom commun
    assert set(cas) | set(sources) <= set(noms)  # chaque valeur renvoie à une variable déclarée
    par_nom_source = {noms[g]: valeurs for g, valeurs in sources.items()}
    par_nom_cas = {noms[g]: valeurs for g, valeurs in cas.items()}
    # Chaque source garde ses valeurs : filtrer les sources par quartier les retrouve.
    assert par_nom_source["quartier"] == {"Clos du Roy", "Gare"}
    assert par_nom_source["structure"] == {"Centre social du Tunnel"}
    # Les cas portent ce qui appartient au temps : territoire, structure et sa typologie, dispositif.
    assert par_nom_cas["quartier (temps de collecte)"] == {"Clos du Roy", "Gare"}
    assert par_nom_cas["typologie de la structure (temps de collecte)"] == {"a_mission"}
    assert par_nom_cas["dispositif (temps de collecte)"] == {"porteur_de_parole", "ordi_panneau"}


def test_utilisateurs_et_dates(session, projet):
    demarche, paroles = projet
    _, racine, _ = _projet(session, demarche.slug)
    utilisateurs = {u.get("guid"): u.get("name") for u in racine.findall("q:Users/q:User", NS)}
    assert sorted(utilisateurs.values()) == ["Camille D.", "Parole", "sami-r"]
    assert all(set(u.attrib) == {"guid", "name"} for u in racine.findall("q:Users/q:User", NS))
    par_nom = {nom: guid for guid, nom in utilisateurs.items()}
    assert racine.get("creatingUserGUID") == racine.get("modifyingUserGUID") == par_nom["Parole"]
    assert racine.get("creationDateTime") and racine.get("modifiedDateTime")
    sources = {s.get("name").split(" · ")[1]: s for s in racine.findall("q:Sources/q:TextSource", NS)}
    for source in sources.values():
        for attribut in ("creationDateTime", "modifiedDateTime"):
            assert source.get(attribut, "").endswith("Z") and "T" in source.get(attribut), attribut
        assert source.get("creatingUser") in utilisateurs and source.get("modifyingUser") in utilisateurs
        for element in source.iter("{urn:QDA-XML:project:1.0}Coding"):
            assert element.get("creatingUser") in utilisateurs and element.get("creationDateTime")
    codeur = {cle: sources[str(p.id)].get("modifyingUser") for cle, p in paroles.items()}
    assert codeur == {
        "saisie": par_nom["Camille D."],
        "importee": par_nom["Parole"],
        "postit": par_nom["sami-r"],
    }
    codage = sources[str(paroles["postit"].id)].find("q:PlainTextSelection/q:Coding", NS)
    assert codage.get("creatingUser") == par_nom["sami-r"]


def test_couleur_sur_chaque_code(session, projet):
    demarche, _ = projet
    _, racine, _ = _projet(session, demarche.slug)
    couleurs = {c.get("name"): c.get("color") for c in racine.iter("{urn:QDA-XML:project:1.0}Code")}
    assert couleurs["Parentalité"] == "#123abc"  # celle du thème
    assert couleurs["Peur des arnaques"] in PALETTE  # sinon la palette, stable
    assert (
        _projet(session, demarche.slug)[1].find(".//q:Code[@name='Peur des arnaques']", NS).get("color")
        == couleurs["Peur des arnaques"]
    )


def test_un_ensemble_par_dispositif(session, projet):
    demarche, _ = projet
    _, racine, _ = _projet(session, demarche.slug)
    dispositif = {s.get("guid"): _refs([s]) for s in racine.findall("q:Sources/q:TextSource", NS)}
    noms = {v.get("name"): v.get("guid") for v in racine.findall("q:Variables/q:Variable", NS)}
    ensembles = {
        e.get("name"): {m.get("targetGUID") for m in e.findall("q:MemberSource", NS)}
        for e in racine.findall("q:Sets/q:Set", NS)
    }
    assert list(ensembles) == ["Porteur de parole", "Ordi-panneau"]
    attendus = {
        nom: {g for g, refs in dispositif.items() if refs[noms["dispositif"]] == {code}}
        for nom, code in (("Porteur de parole", "porteur_de_parole"), ("Ordi-panneau", "ordi_panneau"))
    }
    assert ensembles == attendus and len(ensembles["Porteur de parole"]) == 2


def test_demarche_sans_parole_reste_valide(session, creer_demarche, creer_theme):
    xmllint = exiger_outil("xmllint")
    demarche = creer_demarche(slug="vide")
    creer_theme(demarche)
    qde, racine, resultat = _projet(session, demarche.slug)
    assert resultat.paroles == 0
    assert [e.tag.split("}")[1] for e in racine] == ["Users", "CodeBook", "Variables"]
    valide = subprocess.run(
        [xmllint, "--noout", "--schema", str(SCHEMAS / "Project.xsd"), "-"], input=qde, capture_output=True
    )
    assert valide.returncode == 0, valide.stderr.decode()
