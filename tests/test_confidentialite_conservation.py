"""Durée de conservation et purge : échéance, simulation puis purge réelle (comptes avant et après), archive
(livret relu par pdftotext, chiffres en JSON), fichiers de photo effacés, autre démarche intacte, journal."""

import errno
import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import SQLModel, func, select, text

from collecte.confidentialite import conservation, examen, journal
from collecte.modele.models import (
    Contribution,
    Demarche,
    Journal,
    Photo,
    Reperage,
    ReponseQuestionnaire,
    TempsDeCollecte,
    TempsTheme,
)
from collecte.modele.validation import ErreurValidation
from questionnaires import invitations
from tests.donnees_livret import RETENUE, creer_campagne, texte_pdf

JOUR = "2025-08-01"  # la campagne finit le 31/07/2023 et se conserve 24 mois : échéance le 31/07/2025
REPONSES_PRO = {f"q-q{n}": f"Réponse {n} de la structure" for n in range(1, 10)}


def compter_tables(session) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: session.exec(select(func.count()).select_from(text(f'"{table.name}"'))).one()
        for table in SQLModel.metadata.sorted_tables
    }


def _photo(session, app, temps, nom: str) -> Path:
    chemin = Path(app.config["PHOTOS_DIR"]) / nom
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_bytes(b"\xff\xd8photo\xff\xd9")
    session.add(Photo(temps_id=temps.id, fichier=nom, type_mime="image/jpeg", taille=9))
    session.commit()
    return chemin


def _repondre(client, session, demarche, structure):
    (invitation,), _ = invitations.creer_invitations(
        session, demarche, invitations.definition("professionnel"), [structure.id]
    )
    reponse = client.post(f"/q/{invitation.jeton}", data={**REPONSES_PRO, "action": "envoyer"})
    assert reponse.status_code == 303


@pytest.fixture
def deux_demarches(
    app,
    client,
    session,
    creer_demarche,
    creer_territoire,
    creer_structure,
    creer_theme,
    creer_temps,
    creer_contribution,
):
    """La démarche du livret (échue au 01/08/2025), plus une réponse en ligne, une photo, un repérage et
    des thèmes de séance ; et une autre démarche, échue elle aussi, qui a de tout."""
    fabriques = (creer_demarche, creer_territoire, creer_structure, creer_theme, creer_temps)
    campagne = creer_campagne(session, *fabriques, creer_contribution)
    demarche = campagne.demarche
    pdp = session.exec(select(TempsDeCollecte).where(TempsDeCollecte.ref == "PDP-1")).one()
    photo = _photo(session, app, pdp, "purgee.jpg")
    session.add(TempsTheme(temps_id=pdp.id, theme_id=campagne.themes["parentalite"].id))
    session.commit()
    _repondre(client, session, demarche, creer_structure(demarche, "Maison de quartier"))

    autre = creer_demarche("autre", titre="Autre démarche", date_fin=date(2023, 1, 31))
    structure = creer_structure(autre, "Centre social de l'autre")
    temps = creer_temps(autre, "AUTRE-1", territoire=creer_territoire(autre))
    creer_contribution(temps, "Une parole de l'autre démarche", [creer_theme(autre)])
    photo_autre = _photo(session, app, temps, "gardee.jpg")
    _repondre(client, session, autre, structure)
    # Paroles examinées d'avance (le livret de l'archive ne change donc rien), puis un repérage de plus.
    examen.examiner_en_attente(session, None)
    parole = session.exec(select(Contribution).where(Contribution.texte == RETENUE)).one()
    session.add(Reperage(contribution_id=parole.id, debut=0, fin=3, sorte="prenom"))
    session.commit()
    return demarche, autre, photo, photo_autre


def test_echeance_date_de_fin_plus_duree_de_conservation(creer_demarche):
    assert conservation.echeance(creer_demarche("a", date_fin=date(2023, 7, 31))) == date(2025, 7, 31)
    fin_aout = creer_demarche("b", date_fin=date(2025, 8, 31), conservation_mois=6)
    assert conservation.echeance(fin_aout) == date(2026, 2, 28)  # pas de 31 février
    sans_fin = creer_demarche("c")
    assert conservation.echeance(sans_fin) is None
    assert not conservation.est_echue(sans_fin, date(2100, 1, 1))
    with pytest.raises(ErreurValidation, match="pas de date de fin : elle ne peut pas être purgée"):
        conservation.verifier_echeance(sans_fin, date(2100, 1, 1))


def test_a_purger_seulement_les_demarches_echues(session, creer_demarche, creer_temps, creer_contribution):
    echue = creer_demarche("echue", date_fin=date(2023, 7, 31))
    creer_demarche("en-cours", date_fin=date(2025, 1, 31))
    creer_demarche("sans-fin")
    assert [d.slug for d in conservation.a_purger(session, date(2025, 7, 30))] == []
    assert [d.slug for d in conservation.a_purger(session, date(2025, 7, 31))] == ["echue"]
    assert [d.slug for d in conservation.a_purger(session, date(2027, 2, 1))] == ["echue", "en-cours"]

    conservation.purger(session, echue, journal.ACTEUR_TERMINAL, aujourd_hui=date(2025, 8, 1))
    assert conservation.a_purger(session, date(2025, 8, 1)) == []  # déjà purgée, plus rien à effacer
    creer_contribution(creer_temps(session.get(Demarche, echue.id)), "Importée après la purge")
    assert [d.slug for d in conservation.a_purger(session, date(2025, 8, 1))] == ["echue"]


def test_purge_refusee_avant_l_echeance(session, runner, creer_demarche, creer_temps, creer_contribution):
    demarche = creer_demarche("jeune", date_fin=date(2025, 1, 31))
    creer_contribution(creer_temps(demarche))
    with pytest.raises(ErreurValidation, match="se conserve jusqu'au 31/01/2027"):
        conservation.purger(session, demarche, journal.ACTEUR_TERMINAL, aujourd_hui=date(2027, 1, 30))
    resultat = runner.invoke(args=["purge", "--demarche", "jeune", "--aujourdhui", "2027-01-30"])
    assert resultat.exit_code == 1
    assert "Rien n'est supprimé : La démarche « jeune » se conserve jusqu'au 31/01/2027" in resultat.output
    assert session.exec(select(func.count()).select_from(Contribution)).one() == 1
    assert session.exec(select(Journal)).all() == []


def test_simulation_puis_purge_reelle(app, runner, session, tmp_path, deux_demarches):
    demarche, autre, photo, photo_autre = deux_demarches
    autre_avant = (conservation.bilan_purge(session, autre), conservation.bilan_garde(session, autre))
    garde_avant = conservation.bilan_garde(session, demarche)
    attendu = {
        "themes_des_paroles": 13,
        "reperages": 1,
        "paroles": 19,  # 10 paroles de la rue, 9 réponses libres
        "photos": 1,
        "themes_de_seance": 1,
        "reponses": 2,  # celle de la campagne (sans lien) et celle envoyée en ligne
        "temps": 4,  # 3 temps de collecte et celui de la réponse en ligne
        "invitations": 1,
        "fichiers_photo": 1,
    }
    assert conservation.bilan_purge(session, demarche, app.config["PHOTOS_DIR"]) == attendu
    tables_avant = compter_tables(session)

    simulation = runner.invoke(args=["purge", "--simulation", "--aujourdhui", JOUR])
    assert simulation.exit_code == 0, simulation.output
    sortie = simulation.output
    assert "Simulation au 01/08/2025 : rien n'est supprimé, rien n'est archivé." in sortie
    entete = (
        "Démarche « livret-test » (Paroles du Clos & des Tilleuls) — fin le 31/07/2023, conservée 24 mois"
    )
    assert entete in sortie
    assert "      19  paroles" in sortie and "       1  fichiers de photo" in sortie
    gardes = (
        "Gardés : la démarche ; thèmes du livre de codes : 3 ; territoires : 2 ; structures partenaires : 4"
    )
    assert gardes in sortie
    assert "Démarche « autre »" in sortie  # échue elle aussi
    assert compter_tables(session) == tables_avant
    assert photo.is_file() and not (Path(app.instance_path) / "archives").exists()

    reelle = runner.invoke(args=["purge", "--demarche", "livret-test", "--aujourdhui", JOUR])
    assert reelle.exit_code == 0, reelle.output
    assert "      19 → 0       paroles" in reelle.output
    assert "Purge terminée : 1 démarche(s) purgée(s) sur 1." in reelle.output
    assert conservation.bilan_purge(session, demarche, app.config["PHOTOS_DIR"]) == dict.fromkeys(attendu, 0)
    assert conservation.bilan_garde(session, demarche) == garde_avant
    assert not photo.exists() and photo_autre.is_file()
    # L'autre démarche, échue elle aussi, n'a pas été touchée.
    assert (conservation.bilan_purge(session, autre), conservation.bilan_garde(session, autre)) == autre_avant
    assert session.get(Demarche, autre.id).purgee_le is None
    assert session.exec(select(func.count()).select_from(ReponseQuestionnaire)).one() == 1

    relue = session.get(Demarche, demarche.id)
    assert relue.purgee_le is not None and relue.titre == "Paroles du Clos & des Tilleuls"
    (ligne,) = session.exec(select(Journal).where(Journal.action == "purge")).all()
    assert (ligne.acteur, ligne.objet) == ("ligne de commande", "démarche livret-test")
    assert "paroles : 19" in ligne.details and "fichiers" not in ligne.details
    assert RETENUE not in ligne.details

    archives = Path(app.instance_path) / "archives" / "livret-test"
    livret = archives / "livret-2025-08-01.pdf"
    assert sorted(p.name for p in archives.iterdir()) == ["chiffres-2025-08-01.json", livret.name]
    lu = texte_pdf(livret.read_bytes(), tmp_path)
    assert "Paroles du Clos & des Tilleuls" in lu and "fils m'a fait mon compte Ameli" in lu
    assert "Mon fils m'a fait" not in lu  # le repérage à examiner est masqué dans le livret archivé
    chiffres = json.loads((archives / "chiffres-2025-08-01.json").read_text(encoding="utf-8"))
    assert chiffres["demarche"]["slug"] == "livret-test"
    valeurs = {c["cle"]: c["valeur"] for c in chiffres["chiffres"]}
    assert valeurs["personnes_rencontrees"] == 43
    paroles = {c["modalite"]: c["contributions"] for c in chiffres["comptages"]["dispositif"]}
    assert paroles["questionnaire"] == 9
    assert RETENUE not in json.dumps(chiffres, ensure_ascii=False)

    # Relancée : plus rien à purger pour celle-ci ; une nouvelle archive n'écrase jamais l'ancienne.
    encore = runner.invoke(args=["purge", "--demarche", "livret-test", "--aujourdhui", JOUR])
    assert encore.exit_code == 0 and "       0 → 0       paroles" in encore.output
    assert (archives / "livret-2025-08-01-2.pdf").is_file() and livret.is_file()


def _livret_en_echec(*_args, **_options):
    raise ErreurValidation("Livret impossible à composer.")


def _disque_en_lecture_seule(*_args, **_options):
    raise OSError(errno.EROFS, "Système de fichiers en lecture seule")


@pytest.mark.parametrize(
    "fonction, panne, message",
    [
        ("construire_livret", _livret_en_echec, "Livret impossible à composer."),
        ("_ecrire", _disque_en_lecture_seule, "archive impossible dans "),
    ],
)
def test_archive_impossible_rien_n_est_efface(
    app, runner, session, monkeypatch, deux_demarches, fonction, panne, message
):
    demarche, _autre, photo, _ = deux_demarches
    monkeypatch.setattr(f"restitution.purge.{fonction}", panne)
    avant = compter_tables(session)
    resultat = runner.invoke(args=["purge", "--aujourdhui", JOUR])
    assert resultat.exit_code == 1
    assert f"Rien n'est supprimé : {message}" in resultat.output
    assert "Purge terminée : 0 démarche(s) purgée(s) sur 2." in resultat.output
    # Le livret a pu être composé (et noté au journal, ses repérages enregistrés) : rien d'autre ne bouge.
    apres = compter_tables(session)
    assert {t: n for t, n in apres.items() if t not in ("journal", "reperage")} == {
        t: n for t, n in avant.items() if t not in ("journal", "reperage")
    }
    assert photo.is_file()
    assert session.exec(select(Journal).where(Journal.action == "purge")).all() == []
    assert session.get(Demarche, demarche.id).purgee_le is None


def test_disque_plein_pendant_l_archive_rien_n_est_efface(
    app, runner, session, monkeypatch, tmp_path, deux_demarches
):
    """Le disque se remplit au milieu du fichier des chiffres (le livret, lui, est écrit) : pas de fichier à
    moitié écrit, un message en français, et la démarche n'est pas purgée."""
    demarche, _autre, photo, _ = deux_demarches
    ecrire = Path.write_bytes

    def plein(chemin, contenu):
        if chemin.name.endswith(".json.partiel"):
            ecrire(chemin, contenu[: len(contenu) // 2])
            raise OSError(errno.ENOSPC, "Plus de place sur le périphérique")
        return ecrire(chemin, contenu)

    monkeypatch.setattr(Path, "write_bytes", plein)
    avant = compter_tables(session)
    resultat = runner.invoke(args=["purge", "--aujourdhui", JOUR])
    assert resultat.exit_code == 1
    assert "Rien n'est supprimé : archive impossible dans " in resultat.output
    assert "Plus de place sur le périphérique" in resultat.output
    archives = Path(app.instance_path) / "archives"
    restes = sorted(p.name for p in archives.rglob("*"))
    assert not [nom for nom in restes if "partiel" in nom or nom.endswith(".json")], restes
    apres = compter_tables(session)
    assert {t: n for t, n in apres.items() if t not in ("journal", "reperage")} == {
        t: n for t, n in avant.items() if t not in ("journal", "reperage")
    }
    assert photo.is_file() and session.get(Demarche, demarche.id).purgee_le is None


def test_aucune_demarche_a_purger(runner, creer_demarche):
    creer_demarche("sans-fin")
    resultat = runner.invoke(args=["purge", "--aujourdhui", "2030-01-01"])
    assert resultat.exit_code == 0
    assert "Aucune démarche à purger au 01/01/2030." in resultat.output
    assert "Sans date de fin, donc jamais purgées : sans-fin" in resultat.output
    illisible = runner.invoke(args=["purge", "--aujourdhui", "2030-13-01"])
    assert illisible.exit_code == 2 and "Date « 2030-13-01 » illisible" in illisible.output
