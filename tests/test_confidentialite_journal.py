"""Journal des actions sensibles : ce qui est noté, ce qui ne l'est pas, la pseudonymisation."""

import pytest
from sqlmodel import select

from collecte.confidentialite import journal
from collecte.modele.db import unite_de_travail
from collecte.modele.models import Journal


def test_une_action_notee_dans_une_ecriture_annulee_disparait_avec_elle(session, creer_compte):
    compte = creer_compte("admin")
    with pytest.raises(RuntimeError), unite_de_travail(session):
        journal.noter(session, "masquage", journal.Acteur.compte(compte), "parole 12", "sorte : téléphone")
        raise RuntimeError("échec au milieu de l'écriture")
    assert session.exec(select(Journal)).all() == []
    journal.journaliser(session, "export", journal.Acteur.compte(compte), "démarche essai", "format : csv")
    (ligne,) = session.exec(select(Journal)).all()
    assert (ligne.acteur, ligne.action, ligne.objet, ligne.utilisateur_id) == (
        compte.identifiant,
        "export",
        "démarche essai",
        compte.id,
    )


def test_action_inconnue_refusee(session):
    with pytest.raises(KeyError):
        journal.noter(session, "lecture_en_douce", journal.ACTEUR_TERMINAL)


def test_pseudonymiser_un_compte_supprime(session, creer_compte):
    camille, autre = creer_compte("admin"), creer_compte("animateur")
    for compte in (camille, camille, autre):
        journal.journaliser(session, "connexion", journal.Acteur.compte(compte))
    with unite_de_travail(session):
        assert journal.pseudonymiser(session, camille.id) == 2
    acteurs = sorted(ligne.acteur for ligne in session.exec(select(Journal)))
    assert acteurs == sorted([f"compte supprimé n° {camille.id}"] * 2 + [autre.identifiant])
    assert camille.identifiant not in {ligne.acteur for ligne in session.exec(select(Journal))}


def test_lire_filtrer_et_exporter(session, creer_compte):
    compte = creer_compte("admin")
    for action in ("connexion", "export", "export_brut", "connexion"):
        journal.journaliser(session, action, journal.Acteur.compte(compte), "démarche d")
    lignes, total = journal.lire(session, journal.FiltreJournal(action="connexion"))
    assert total == 2 and {ligne.action for ligne in lignes} == {"connexion"}
    premiere_page, total = journal.lire(session, journal.FiltreJournal(), page=1, par_page=3)
    assert total == 4 and len(premiere_page) == 3 and premiere_page[0].action == "connexion"  # le plus récent
    csv = list(journal.lignes_csv(session, journal.FiltreJournal(action="export_brut")))
    assert len(csv) == 1 and csv[0][2:4] == ["export_brut", journal.ACTIONS["export_brut"]]
