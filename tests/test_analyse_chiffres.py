"""Chiffres clés (analyse.chiffres) sur un petit corpus littéral, valeurs calculées à la main."""

import re
from datetime import date
from pathlib import Path

import pandas as pd

from analyse.chiffres import CHIFFRES, Chiffre, chiffre, chiffres_cles
from analyse.donnees import Corpus, Filtres, _filtrer

CLES = tuple(c.cle for c in CHIFFRES)


def corpus_litteral(
    temps, contributions, structures=(), territoires=(), questionnaires=(), liens=(), themes=()
):
    """Corpus construit sans base, à partir de listes de dicts."""
    colonnes_c = [
        "id",
        "texte",
        "question",
        "nature",
        "profil",
        "tranche_age",
        "genre",
        "a_retenir",
        "ne_pas_citer",
        "cree_le",
        "temps_id",
        "temps_ref",
        "dispositif",
        "date",
        "territoire_id",
        "ville",
        "quartier",
        "territoire",
        "structure_id",
        "structure",
    ]
    return Corpus(
        demarche={"id": 1, "slug": "d", "titre": "Démarche", "mots_vides": ""},
        contributions=pd.DataFrame(list(contributions), columns=colonnes_c),
        liens_themes=pd.DataFrame(list(liens), columns=["contribution_id", "theme"]),
        themes=pd.DataFrame(list(themes), columns=["slug", "label", "mots_cles"]),
        temps=pd.DataFrame(
            list(temps),
            columns=[
                "id",
                "ref",
                "dispositif",
                "date",
                "territoire_id",
                "ville",
                "quartier",
                "territoire",
                "structure_id",
                "structure",
                "personnes_rencontrees",
                "dont_professionnels",
            ],
        ),
        structures=pd.DataFrame(list(structures), columns=["id", "nom", "territoire_id"]),
        territoires=pd.DataFrame(list(territoires), columns=["id", "ville", "quartier", "territoire"]),
        questionnaires_soumis=pd.DataFrame(
            list(questionnaires), columns=["id", "structure_id", "questionnaire"]
        ),
    )


TOURS = (1, "Tours", "Europe", "Tours – Europe")
VIERZON = (2, "Vierzon", "Clos du Roy", "Vierzon – Clos du Roy")


def _temps(ident, dispositif, territoire, structure_id, personnes, pros):
    t_id, ville, quartier, libelle = territoire if territoire else (None, None, None, "")
    return {
        "id": ident,
        "ref": f"T{ident}",
        "dispositif": dispositif,
        "date": date(2023, 3, ident),
        "territoire_id": t_id,
        "ville": ville,
        "quartier": quartier,
        "territoire": libelle,
        "structure_id": structure_id,
        "structure": None,
        "personnes_rencontrees": personnes,
        "dont_professionnels": pros,
    }


def _contribution(ident, temps, **champs):
    return {
        "id": ident,
        "texte": champs.pop("texte", "Une parole."),
        "temps_id": temps["id"],
        "dispositif": temps["dispositif"],
        "territoire_id": temps["territoire_id"],
        "ville": temps["ville"],
        "quartier": temps["quartier"],
        "territoire": temps["territoire"],
        "profil": "habitant",
        "a_retenir": False,
        "ne_pas_citer": False,
        "date": temps["date"],
        **champs,
    }


def exemple():
    temps = [
        _temps(1, "porteur_de_parole", TOURS, None, 26, 2),
        _temps(2, "atelier_echange", TOURS, 10, 12, 8),
        _temps(3, "atelier_echange", VIERZON, 20, 9, 9),
        _temps(4, "atelier_video", VIERZON, 20, 6, 1),
        _temps(5, "ordi_panneau", None, None, 35, 0),
    ]
    contributions = [
        _contribution(1, temps[0]),
        _contribution(2, temps[0], ne_pas_citer=True),
        _contribution(3, temps[1]),
        _contribution(4, temps[2]),
        _contribution(5, temps[4]),
    ]
    structures = [
        {"id": 10, "nom": "Centre social", "territoire_id": 1},
        {"id": 20, "nom": "Mission locale", "territoire_id": 2},
        {"id": 30, "nom": "Médiathèque", "territoire_id": 1},
    ]
    territoires = [dict(zip(["id", "ville", "quartier", "territoire"], t)) for t in (TOURS, VIERZON)]
    questionnaires = [
        {"id": 1, "structure_id": 30, "questionnaire": "pro"},
        {"id": 2, "structure_id": 20, "questionnaire": "pro"},
    ]
    return corpus_litteral(temps, contributions, structures, territoires, questionnaires)


def test_chaque_chiffre_cle_calcule_a_la_main():
    chiffres = chiffres_cles(exemple())
    attendu = {
        "personnes_rencontrees": 88,
        "dont_professionnels": 20,
        "villes": 2,
        "quartiers": 2,
        "structures_partenaires": 3,
        "ateliers_echange": 2,
        "porteurs_de_parole": 1,
        "videos": 1,
        "questionnaires": 2,
        "paroles": 5,
    }
    assert {k: chiffres[k] for k in CLES} == attendu
    assert all(isinstance(chiffres[k], int) for k in CLES)


def test_chiffres_par_territoire():
    lignes = {l["territoire"]: l for l in chiffres_cles(exemple())["par_territoire"]}
    assert list(lignes) == ["Tours – Europe", "Vierzon – Clos du Roy", "Non précisé"]
    tours = lignes["Tours – Europe"]
    assert (tours["personnes_rencontrees"], tours["dont_professionnels"], tours["paroles"]) == (38, 10, 3)
    assert (tours["structures_partenaires"], tours["questionnaires"], tours["ateliers_echange"]) == (2, 1, 1)
    vierzon = lignes["Vierzon – Clos du Roy"]
    assert (vierzon["structures_partenaires"], vierzon["videos"], vierzon["questionnaires"]) == (1, 1, 1)
    assert lignes["Non précisé"]["personnes_rencontrees"] == 35


def test_filtre_territoire_ne_garde_que_ses_questionnaires():
    corpus = _filtrer(exemple(), Filtres(territoire_id=2))
    chiffres = chiffres_cles(corpus)
    assert (chiffres["personnes_rencontrees"], chiffres["questionnaires"], chiffres["paroles"]) == (15, 1, 1)
    assert [l["territoire"] for l in chiffres["par_territoire"]] == ["Vierzon – Clos du Roy"]


def test_corpus_vide_donne_des_zeros():
    chiffres = chiffres_cles(corpus_litteral([], []))
    assert all(chiffres[k] == 0 for k in CLES)
    assert chiffres["par_territoire"] == []


def test_chaque_chiffre_a_libelle_singulier_et_definition():
    assert len(set(CLES)) == len(CLES)
    for c in CHIFFRES:
        assert c.libelle and c.singulier and c.definition, c.cle
        assert c.singulier != c.libelle
        assert (c.libelle_pour(1), c.libelle_pour(0), c.libelle_pour(2)) == (
            c.singulier,
            c.libelle,
            c.libelle,
        )
    assert len({c.libelle for c in CHIFFRES}) == len(CHIFFRES)
    assert chiffre("personnes_rencontrees").libelle == "personnes rencontrées"
    assert chiffre("paroles").singulier == "parole recueillie"
    # Le détail par territoire porte exactement les chiffres marqués `par_territoire`.
    ligne = chiffres_cles(exemple())["par_territoire"][0]
    assert set(ligne) - {"territoire", "territoire_id"} == {c.cle for c in CHIFFRES if c.par_territoire}


def test_le_readme_liste_exactement_les_chiffres_du_registre():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Chiffres clés") :]
    section = section[: section.index("\n#", 1)]
    vus = []
    for ligne in re.findall(r"^\| (`.+?) \| (.+?) \|", section, flags=re.MULTILINE):
        cles = re.findall(r"`([a-z_]+)`", ligne[0])
        assert ligne[1] == " / ".join(chiffre(cle).libelle for cle in cles), ligne
        vus += cles
    assert sorted(vus) == sorted(CLES)


def test_un_chiffre_de_plus_est_une_seule_entree_du_registre(monkeypatch):
    temps = Chiffre(
        "temps",
        "temps de collecte",
        "temps de collecte",
        "temps de collecte enregistrés",
        lambda e: len(e.temps),
    )
    monkeypatch.setattr("analyse.chiffres.CHIFFRES", (*CHIFFRES, temps))
    chiffres = chiffres_cles(exemple())
    assert chiffres["temps"] == 5 and list(chiffres)[-2:] == ["temps", "par_territoire"]
    lignes = {l["territoire"]: l["temps"] for l in chiffres["par_territoire"]}
    assert lignes == {"Tours – Europe": 2, "Vierzon – Clos du Roy": 2, "Non précisé": 1}
