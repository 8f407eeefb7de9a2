"""Suivi des questionnaires par l'équipe (qui a répondu, qui non), exports des réponses et des liens,
et feuille `reponses` de l'import (questionnaires papier)."""

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from collecte.modele.models import Contribution, ReponseQuestionnaire, TempsDeCollecte
from collecte.tableurs.entrees import importer_envoi
from collecte.tableurs.import_classeur import ErreurImport
from questionnaires import invitations
from tests.conftest import importer_exemple


@pytest.fixture
def campagne(session, creer_demarche, creer_territoire, creer_structure):
    demarche = creer_demarche()
    territoire = creer_territoire(demarche, "Tours", "Europe-Chateaubriand")
    gem = creer_structure(demarche, "GEM 37", territoire)
    mediatheque = creer_structure(demarche, "Médiathèque Europe", territoire, typologie="proposante")
    pij = creer_structure(demarche, "Point Information Jeunesse", territoire, typologie="confrontee")
    return demarche, gem, mediatheque, pij


def _repondre(client, session, demarche, structure, textes: dict, envoyer=True):
    creees, _ = invitations.creer_invitations(
        session, demarche, invitations.definition("professionnel"), [structure.id]
    )
    jeton = creees[0].jeton
    donnees = {f"q-{ref}": texte for ref, texte in textes.items()}
    client.post(
        f"/q/{jeton}",
        data={
            **donnees,
            "role_repondant": "Animatrice",
            "revision": "brouillon",
            "action": "envoyer" if envoyer else "brouillon",
        },
    )
    return jeton


def test_page_de_suivi_qui_a_repondu_qui_non(client, connecter, session, campagne):
    demarche, gem, mediatheque, pij = campagne
    _repondre(client, session, demarche, gem, {"q1": "Un atelier le jeudi."})
    _repondre(client, session, demarche, mediatheque, {"q1": "Accès libre."}, envoyer=False)
    connecter("lecteur")
    page = client.get(f"/questionnaires/{demarche.slug}").get_data(as_text=True)
    assert "<strong>3</strong> structure(s)" in page and "<strong>2</strong> invitée(s)" in page
    assert "<strong>1</strong> ont répondu" in page and "<strong>2</strong> sans réponse" in page
    lignes = {
        nom: page.split(nom, 1)[1].split("</tr>", 1)[0]
        for nom in ("GEM 37", "Médiathèque Europe", "Point Information Jeunesse")
    }
    assert "A répondu" in lignes["GEM 37"] and "Lire la réponse" in lignes["GEM 37"]
    assert "Brouillon en cours" in lignes["Médiathèque Europe"]
    assert "Pas invitée" in lignes["Point Information Jeunesse"]


def test_export_des_reponses_une_ligne_par_reponse_une_colonne_par_question(
    client, connecter, session, campagne
):
    demarche, gem, mediatheque, _ = campagne
    _repondre(client, session, demarche, gem, {"q1": "=SOMME(A1)", "q9": "Plus de « temps humain »."})
    _repondre(client, session, demarche, mediatheque, {"q2": "Pas de médiateur ; peu de temps."})
    connecter("lecteur")
    brut = client.get(f"/questionnaires/{demarche.slug}/reponses/professionnel.csv")
    assert brut.headers["Content-Type"] == "text/csv; charset=utf-8"
    texte = brut.data.decode("utf-8-sig")
    lignes = list(csv.reader(io.StringIO(texte), delimiter=";"))
    entete = lignes[0]
    assert entete[:3] == ["structure", "territoire", "questionnaire"]
    assert "q1 – Quel accompagnement proposez-vous en matière de numérique ?" in entete
    assert len([c for c in entete if " – " in c]) == 9
    par_structure = {ligne[0]: dict(zip(entete, ligne)) for ligne in lignes[1:]}
    assert set(par_structure) == {"GEM 37", "Médiathèque Europe"}
    gem_ligne = par_structure["GEM 37"]
    assert gem_ligne["q1 – Quel accompagnement proposez-vous en matière de numérique ?"] == "'=SOMME(A1)"
    assert (
        gem_ligne["territoire"] == "Tours – Europe-Chateaubriand"
        and gem_ligne["role_repondant"] == "Animatrice"
    )
    assert any(v == "Pas de médiateur ; peu de temps." for v in par_structure["Médiathèque Europe"].values())
    classeur = load_workbook(
        io.BytesIO(client.get(f"/questionnaires/{demarche.slug}/reponses/professionnel.xlsx").data)
    )
    feuille = classeur["reponses"]
    valeurs = [[c.value for c in ligne] for ligne in feuille.iter_rows()]
    assert valeurs[0] == entete and len(valeurs) == 3
    cellule = next(c for ligne in feuille.iter_rows() for c in ligne if c.value == "=SOMME(A1)")
    assert cellule.data_type == "s"  # gardé comme texte, jamais exécuté comme formule
    classeur.close()


def test_l_export_des_reponses_masque_les_donnees_personnelles_non_examinees(
    client, connecter, session, campagne
):
    demarche, gem, _, _ = campagne
    telephone, courriel = "06 12 34 56 78", "camille.durand@exemple.fr"
    _repondre(client, session, demarche, gem, {"q1": f"Appelez le {telephone} ou écrivez à {courriel}."})
    connecter("lecteur")
    for format_ in ("csv", "xlsx"):
        contenu = client.get(f"/questionnaires/{demarche.slug}/reponses/professionnel.{format_}").data
        if format_ == "xlsx":
            classeur = load_workbook(io.BytesIO(contenu))
            texte = " ".join(str(c.value) for ligne in classeur["reponses"].iter_rows() for c in ligne)
            classeur.close()
        else:
            texte = contenu.decode("utf-8-sig")
        assert "Appelez le [téléphone] ou écrivez à [courriel]." in texte, format_
        assert telephone not in texte and courriel not in texte, format_


def test_export_des_liens_pour_les_animateurs(client, connecter, session, campagne):
    demarche, gem, _, pij = campagne
    creees, _ = invitations.creer_invitations(
        session, demarche, invitations.definition("professionnel"), [gem.id, pij.id]
    )
    invitations.revoquer(session, creees[1])
    connecter("animateur")
    texte = client.get(f"/questionnaires/{demarche.slug}/liens.csv").data.decode("utf-8-sig")
    lignes = list(csv.reader(io.StringIO(texte), delimiter=";"))
    assert lignes[0] == ["structure", "questionnaire", "lien", "statut", "expire_le"]
    assert [(l[0], l[2]) for l in lignes[1:]] == [("GEM 37", f"http://localhost/q/{creees[0].jeton}")]


def _feuilles_reponses(lignes) -> dict[str, bytes]:
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";")
    ecrivain.writerow(["structure", "questionnaire", "numero", "reponse", "date", "role_repondant"])
    ecrivain.writerows(lignes)
    return {"reponses.csv": tampon.getvalue().encode("utf-8")}


def test_feuille_reponses_questionnaires_papier(session, campagne):
    demarche, gem, _, _ = campagne
    fichiers = _feuilles_reponses(
        [
            ["GEM 37", "professionnel", "1", "Des ateliers entre pairs.", "12/04/2023", "Animatrice"],
            ["GEM 37", "professionnel", "9", "Un lieu calme, sans écran imposé.", "12/04/2023", "Animatrice"],
        ]
    )
    rapport = importer_envoi(session, fichiers, demarche.slug)
    assert "réponses : 1 créée" in rapport.lignes()
    reponse = session.exec(select(ReponseQuestionnaire)).one()
    assert (
        reponse.source == "papier"
        and reponse.statut == "soumise"
        and reponse.soumise_le.date().isoformat() == "2023-04-12"
    )
    contributions = session.exec(select(Contribution).order_by(Contribution.question_ref)).all()
    assert [(c.question_ref, c.texte, c.profil) for c in contributions] == [
        ("q1", "Des ateliers entre pairs.", "professionnel"),
        ("q9", "Un lieu calme, sans écran imposé.", "professionnel"),
    ]
    assert session.get(TempsDeCollecte, contributions[0].temps_id).structure_id == gem.id
    # Réimporter ne duplique rien.
    rapport = importer_envoi(session, fichiers, demarche.slug)
    assert "réponses : 1 inchangée" in rapport.lignes()
    assert len(session.exec(select(Contribution)).all()) == 2


def test_feuille_reponses_erreurs_ligne_par_ligne_et_rien_d_ecrit(session, campagne):
    demarche, _, _, _ = campagne
    fichiers = _feuilles_reponses(
        [
            ["GEM 37", "professionnel", "1", "Bonne ligne.", "", ""],
            ["Structure fantôme", "professionnel", "2", "Texte", "", ""],
            ["GEM 37", "inconnu", "2", "Texte", "", ""],
            ["GEM 37", "professionnel", "12", "Texte", "", ""],
            ["GEM 37", "professionnel", "1", "Doublon de la question 1.", "", ""],
            ["GEM 37", "professionnel", "3", "", "", ""],
        ]
    )
    with pytest.raises(ErreurImport) as erreur:
        importer_envoi(session, fichiers, demarche.slug)
    messages = erreur.value.erreurs
    assert (
        "Feuille reponses, ligne 3, colonne structure : structure « Structure fantôme » inconnue"
        in messages[0]
    )
    assert (
        "ligne 4, colonne questionnaire : questionnaire « inconnu » inconnu "
        "(questionnaires possibles : professionnel)"
    ) in messages[1]
    assert (
        "ligne 5, colonne numero : le questionnaire « professionnel » a 9 questions (numéro 12 reçu)"
        in messages[2]
    )
    assert "ligne 6, colonne numero : la question 1 a déjà une réponse pour cette structure" in messages[3]
    assert "ligne 7, colonne reponse : réponse vide" in messages[4]
    assert session.exec(select(ReponseQuestionnaire)).all() == []


def test_la_demarche_d_exemple_a_ses_questionnaires_papier(session):
    rapport = importer_exemple(session)
    assert "réponses : 4 créées" in rapport.lignes()
    reponses = session.exec(select(Contribution).where(Contribution.reponse_id.is_not(None))).all()
    assert len(reponses) == 16 and all(c.profil == "professionnel" for c in reponses)
