"""Import de classeurs : formats, encodages, tout ou rien, idempotence, démarche d'exemple, CLI."""
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from collecte.import_tableur import ErreurImport, importer
from collecte.imports import importer_chemin, importer_envoi
from collecte.lecture_tableur import lire_fichiers_csv
from collecte.models import DISPOSITIFS, Contribution, ContributionTheme, Structure, TempsDeCollecte, Territoire, Theme
from collecte.saisie import theme_ids_de

EXEMPLES = Path(__file__).resolve().parent.parent / "exemples"

TEMPS = [["ref", "dispositif", "date", "ville", "quartier", "lieu", "structure", "personnes_rencontrees",
          "dont_professionnels", "questions"],
         ["PDP-1", "porteur_de_parole", "05/03/2024", "Vierzon", "Clos du Roy", "Marché", "Le Tunnel", "20", "2",
          "Le numérique, c'est compliqué ?|C'est quoi être citoyen ?"]]
STRUCTURES = [["nom", "ville", "quartier", "typologie"], ["Le Tunnel", "Vierzon", "Clos du Roy", "a_mission"]]
THEMES = [["slug", "label"], ["parentalite", "Parentalité"], ["moyens", "Manque de moyens"]]
CONTRIBUTIONS = [["temps", "texte", "question", "profil", "tranche_age", "themes", "a_retenir", "ne_pas_citer"],
                 ["PDP-1", "Mon fils m'aide […] « c'est facile » qu'il dit", "C'est quoi être citoyen ?", "habitant",
                  "60_plus", "parentalite", "oui", "non"],
                 ["PDP-1", "<b>Trop cher</b> & le forfait", "", "jeune", "18_25", "parentalite;moyens", "", "oui"]]


def _csv(lignes, encodage="utf-8", sep=";") -> bytes:
    import csv
    import io

    sortie = io.StringIO()
    csv.writer(sortie, delimiter=sep, lineterminator="\r\n").writerows(lignes)
    return sortie.getvalue().encode(encodage)


def _fichiers(encodage="utf-8", sep=";", contributions=(), temps=(), structures=()):
    feuilles = {"structures.csv": STRUCTURES + list(structures), "temps.csv": TEMPS + list(temps),
                "themes.csv": THEMES, "contributions.csv": CONTRIBUTIONS + list(contributions)}
    return {nom: _csv(lignes, encodage, sep) for nom, lignes in feuilles.items()}


def _compter(session, modele):
    return session.exec(select(func.count()).select_from(modele)).one()


@pytest.mark.parametrize("encodage", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [";", ","])
def test_dossier_csv_tous_encodages(session, encodage, sep):
    fichiers = _fichiers(encodage, sep)
    rapport = importer(session, lire_fichiers_csv(fichiers), "essai")
    assert rapport.comptes["contributions"]["creees"] == 2
    temps = session.exec(select(TempsDeCollecte)).one()
    assert temps.personnes_rencontrees == 20
    structure = session.exec(select(Structure)).one()
    assert temps.structure_id == structure.id and structure.typologie == "a_mission"
    territoire = session.get(Territoire, temps.territoire_id)
    assert (territoire.ville, territoire.quartier) == ("Vierzon", "Clos du Roy")
    premiere, seconde = session.exec(select(Contribution).order_by(Contribution.id)).all()
    assert premiere.texte == "Mon fils m'aide […] « c'est facile » qu'il dit"
    assert premiere.a_retenir and premiere.tranche_age == "60_plus" and premiere.question == "C'est quoi être citoyen ?"
    assert seconde.texte == "<b>Trop cher</b> & le forfait" and seconde.ne_pas_citer
    assert len(theme_ids_de(session, seconde.id)) == 2


def test_classeur_xlsx_et_colonnes_libres(session, tmp_path):
    classeur = Workbook()
    feuille = classeur.active
    feuille.title = "Temps"
    feuille.append(["Réf", "Dispositif", "Date", "Ville", "Personnes rencontrées", "Remarque perso"])
    feuille.append(["OP-1", "ordi_panneau", __import__("datetime").datetime(2024, 4, 2), "Tours", 12, "à ignorer"])
    contributions = classeur.create_sheet("contributions")
    contributions.append(["Temps", "Texte", "Profil"])
    contributions.append(["OP-1", "Des ordis le soir", "inconnu"])
    contributions.append([None, None, None])
    chemin = tmp_path / "campagne.xlsx"
    classeur.save(chemin)
    rapport = importer_chemin(session, chemin, "tours")
    assert rapport.comptes["contributions"]["creees"] == 1
    assert any("remarque_perso" in a for a in rapport.avertissements)
    temps = session.exec(select(TempsDeCollecte)).one()
    assert (temps.ref, temps.date.isoformat(), temps.personnes_rencontrees) == ("OP-1", "2024-04-02", 12)


@pytest.mark.parametrize(("feuille", "ligne_fautive", "attendu"), [
    ("contributions", ["PDP-1", "ok", "", "maire"], "Feuille contributions, ligne 5, colonne profil"),
    ("contributions", ["PDP-1", "ok", "", "habitant", "", "inconnu-theme"], "Feuille contributions, ligne 5, colonne themes"),
    ("contributions", ["PDP-9", "ok", "", "habitant"], "Feuille contributions, ligne 5, colonne temps"),
    ("contributions", ["PDP-1", "   ", "", "habitant"], "Feuille contributions, ligne 5, colonne texte"),
    ("contributions", ["PDP-1", "x" * 20_001], "la limite est de 20"),
    ("contributions", ["PDP-1", "ok", "", "habitant", "", "", "peut-être"], "colonne a_retenir"),
    ("temps", ["PDP-2", "porteur_de_parole", "31/02/2024"], "Feuille temps, ligne 3, colonne date"),
    ("temps", ["PDP-1", "ordi_panneau", "01/03/2024"], "apparaît deux fois"),
    ("temps", ["PDP-3", "fete", "01/03/2024"], "colonne dispositif"),
])
def test_une_ligne_invalide_et_rien_n_est_ecrit(session, feuille, ligne_fautive, attendu):
    importer(session, lire_fichiers_csv(_fichiers()), "essai")
    avant = (_compter(session, Contribution), _compter(session, TempsDeCollecte), _compter(session, ContributionTheme))
    nouvelle = [["PDP-1", "Une parole en plus, valide"]]
    fichiers = _fichiers(structures=[["Nouvelle structure", "Tours", "", "proposante"]],
                         **{feuille: [ligne_fautive]}) if feuille == "temps" else \
        _fichiers(structures=[["Nouvelle structure", "Tours", "", "proposante"]], contributions=nouvelle + [ligne_fautive])
    if feuille == "temps":
        fichiers["contributions.csv"] = _csv(CONTRIBUTIONS + nouvelle)
    with pytest.raises(ErreurImport) as erreur:
        importer(session, lire_fichiers_csv(fichiers), "essai")
    assert any(attendu in e for e in erreur.value.erreurs), erreur.value.erreurs
    assert (_compter(session, Contribution), _compter(session, TempsDeCollecte), _compter(session, ContributionTheme)) == avant
    assert _compter(session, Structure) == 1


def test_plusieurs_erreurs_rapportees_ensemble(session):
    fichiers = _fichiers(contributions=[["PDP-1", "a", "", "maire"], ["PDP-1", "b", "", "habitant", "vieux"]])
    with pytest.raises(ErreurImport) as erreur:
        importer(session, lire_fichiers_csv(fichiers), "essai")
    assert len(erreur.value.erreurs) == 2


def test_reimport_idempotent(session):
    importer(session, lire_fichiers_csv(_fichiers()), "essai")
    rapport = importer(session, lire_fichiers_csv(_fichiers()), "essai")
    assert rapport.comptes["contributions"] == {"creees": 0, "deja_presentes": 2}
    assert rapport.comptes["temps"]["mises_a_jour"] == 1
    assert _compter(session, Contribution) == 2 and _compter(session, Theme) == 2


def test_deux_paroles_identiques_dans_un_meme_temps_sont_gardees(session):
    double = [["PDP-1", "Oui", "", "habitant"], ["PDP-1", "Oui", "", "habitant"]]
    importer(session, lire_fichiers_csv(_fichiers(contributions=double)), "essai")
    assert _compter(session, Contribution) == 4
    importer(session, lire_fichiers_csv(_fichiers(contributions=double)), "essai")
    assert _compter(session, Contribution) == 4


@pytest.mark.parametrize(("fichiers", "message"), [
    ({"notes.txt": b"bonjour"}, "Envoyez un classeur"),
    ({"campagne.xlsx": b"pas un zip"}, "classeur .xlsx lisible"),
    ({"contributions.csv": b""}, "vide"),
    ({"contributions.csv": b"\x81\x8d\x8f\x90\x9d"}, "encodage illisible"),
    ({"autre.csv": b"a;b\n1;2\n"}, "Aucune feuille reconnue"),
    ({"contributions.csv": b"texte\nbonjour\n"}, "colonne temps : colonne obligatoire absente"),
])
def test_fichiers_refuses(session, fichiers, message):
    with pytest.raises(ErreurImport) as erreur:
        importer_envoi(session, fichiers, "essai")
    assert any(message in e for e in erreur.value.erreurs), erreur.value.erreurs


def test_la_demarche_d_exemple_s_importe_entierement(session):
    rapport = importer_chemin(session, EXEMPLES / "numerique-citoyennete", "numerique-citoyennete", EXEMPLES / "themes.yaml")
    assert rapport.comptes["contributions"]["creees"] >= 150
    assert rapport.comptes["structures"]["creees"] >= 10
    dispositifs = set(session.exec(select(TempsDeCollecte.dispositif)).all())
    assert dispositifs == set(DISPOSITIFS)
    utilises = set(session.exec(select(Theme.slug).join(ContributionTheme, ContributionTheme.theme_id == Theme.id)).all())
    assert utilises == set(session.exec(select(Theme.slug)).all()) and len(utilises) == 20
    assert session.exec(select(func.count()).where(Contribution.ne_pas_citer)).one() >= 3


def test_cli_import_et_demo(runner, session, tmp_path):
    dossier = tmp_path / "campagne"
    dossier.mkdir()
    for nom, contenu in _fichiers().items():
        (dossier / nom).write_bytes(contenu)
    resultat = runner.invoke(args=["import", str(dossier), "--demarche", "essai"])
    assert resultat.exit_code == 0, resultat.output
    assert "contributions : 2 créées" in resultat.output
    (dossier / "contributions.csv").write_bytes(_fichiers(contributions=[["PDP-1", "ok", "", "maire"]])["contributions.csv"])
    refus = runner.invoke(args=["import", str(dossier), "--demarche", "essai"])
    assert refus.exit_code == 1
    assert "Feuille contributions, ligne 4, colonne profil" in refus.output

    demo = runner.invoke(args=["demo", "--sans-serveur"])
    assert demo.exit_code == 0, demo.output
    assert "Identifiant    : demo" in demo.output
    mot_de_passe = demo.output.split("Mot de passe   : ")[1].split()[0]
    assert len(mot_de_passe) >= 10
    n = _compter(session, Contribution)
    assert n >= 152
    encore = runner.invoke(args=["demo", "--sans-serveur"])
    assert "déjà présente" in encore.output
    assert _compter(session, Contribution) == n


def test_import_par_le_web(client, connecter, session):
    connecter("animateur")
    envoi = {"fichiers": [(__import__("io").BytesIO(contenu), nom) for nom, contenu in _fichiers().items()],
             "nouvelle": "web"}
    reponse = client.post("/collecte/import/", data=envoi, content_type="multipart/form-data")
    page = reponse.get_data(as_text=True)
    assert reponse.status_code == 200 and "Démarche « web » importée." in page and "contributions : 2 créées" in page
    mauvais = {"fichiers": [(__import__("io").BytesIO(_fichiers(contributions=[["PDP-1", "ok", "", "maire"]])["contributions.csv"]),
                             "contributions.csv")], "demarche": "web"}
    refus = client.post("/collecte/import/", data=mauvais, content_type="multipart/form-data")
    assert refus.status_code == 400
    assert "Feuille contributions, ligne 4, colonne profil" in refus.get_data(as_text=True)
    assert _compter(session, Contribution) == 2


def test_import_web_interdit_aux_lecteurs(client, connecter):
    connecter("lecteur")
    assert client.get("/collecte/import/").status_code == 403


def test_parole_demo_sert_vraiment_l_application(tmp_path):
    """La commande du README, lancée comme un·e nouvel·le venu·e : elle sert une page de connexion."""
    import os
    import shutil
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    executable = shutil.which("parole", path=os.path.dirname(sys.executable)) or shutil.which("parole")
    environnement = {**os.environ, "PAROLE_INSTANCE": str(tmp_path / "instance")}
    environnement.pop("PAROLE_TEST_DATABASE_URL", None)
    environnement.pop("DATABASE_URL", None)
    processus = subprocess.Popen([executable, "demo", "--port", str(port)], env=environnement,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/comptes/connexion", timeout=2) as reponse:
                    page = reponse.read().decode()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("le serveur de démo n'a pas répondu")
        assert "Se connecter" in page
    finally:
        processus.terminate()
        sortie, _ = processus.communicate(timeout=10)
    assert "Identifiant    : demo" in sortie
