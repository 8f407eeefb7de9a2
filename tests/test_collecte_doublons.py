"""Doublons probables : les empreintes d'une parole sont posées à chaque écriture de son texte, par chaque
chemin (saisie, API, lot hors ligne, import, correction en revue, masquage, objet ORM, SQL direct), et la
revue ne compare une parole qu'aux paroles qui partagent l'une de ses empreintes."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import update
from sqlmodel import select

from collecte import doublons, revue
from collecte.confidentialite import examen
from collecte.confidentialite.journal import Acteur
from collecte.modele.models import Contribution
from collecte.modele.validation import empreintes, normaliser
from collecte.tableurs.entrees import importer_chemin

BASE = "Il faudrait un atelier pour apprendre à remplir les papiers de la CAF en ligne"
AUTRE = "Les bus du soir ne passent plus après vingt heures, on reste coincés au quartier"


@pytest.fixture
def lieu(creer_demarche, creer_temps, creer_theme):
    demarche = creer_demarche()
    creer_theme(demarche)
    return demarche, creer_temps(demarche, "PDP-1")


def _stockees(session) -> dict[int, tuple[str, str, str]]:
    session.expire_all()
    paroles = session.exec(select(Contribution).order_by(Contribution.id)).all()
    return {p.id: (p.texte, p.empreinte_debut, p.empreinte_fin) for p in paroles}


def _verifier(session, texte: str) -> None:
    """La parole de ce texte est en base avec les empreintes de ce texte, et toutes les autres aussi."""
    stockees = _stockees(session)
    assert texte in [t for t, _, _ in stockees.values()]
    for t, debut, fin in stockees.values():
        assert (debut, fin) == empreintes(t), t
        assert debut and fin


def test_empreintes_du_debut_et_de_la_fin_du_texte_normalise():
    debut, fin = empreintes(BASE)
    assert len(debut) == len(fin) == 16 and debut != fin
    assert empreintes(
        "IL FAUDRAIT un atelier... pour apprendre à remplir les papiers de la CAF en ligne !"
    ) == (
        debut,
        fin,
    )
    assert empreintes("Moi je dis : " + BASE)[1] == fin  # retouche au début : même fin
    assert empreintes(BASE + ", merci")[0] == debut  # retouche à la fin : même début
    assert empreintes("Oui, tout à fait !") == ("", "")  # trop court pour un doublon
    assert normaliser("Ça m'énerve !") == "ca m enerve"


def test_chaque_chemin_d_ecriture_pose_les_empreintes(
    app, client, connecter, session, lieu, creer_contribution, creer_compte, tmp_path
):
    demarche, temps = lieu
    connecter("admin")

    creer_contribution(temps, "Objet ORM : " + BASE)
    _verifier(session, "Objet ORM : " + BASE)

    texte = "Formulaire de saisie : " + BASE
    client.post(f"/collecte/temps/{temps.id}/parole", data={"client_uuid": str(uuid.uuid4()), "texte": texte})
    _verifier(session, texte)

    texte = "API : " + BASE
    parole = {"client_uuid": str(uuid.uuid4()), "temps": temps.id, "texte": texte, "profil": "habitant"}
    assert client.post("/api/contributions", json=parole).status_code == 201
    _verifier(session, texte)

    lot = [
        {"client_uuid": str(uuid.uuid4()), "temps": temps.id, "texte": f"Lot hors ligne n° {i} : {AUTRE}"}
        for i in range(3)
    ]
    assert client.post("/api/contributions/lot", json={"contributions": lot}).status_code == 200
    _verifier(session, lot[2]["texte"])

    dossier = tmp_path / "import"
    dossier.mkdir()
    (dossier / "contributions.csv").write_text(f"temps;texte\nPDP-1;Import d'un classeur : {AUTRE}\n")
    rapport = importer_chemin(session, dossier, demarche.slug)
    assert rapport.comptes["contributions"]["creees"] == 1
    _verifier(session, "Import d'un classeur : " + AUTRE)

    ident = next(i for i, (t, _, _) in _stockees(session).items() if t.startswith("API"))
    texte = "Corrigée en revue : " + AUTRE
    reponse = client.post(f"/collecte/revue/{ident}", data={"texte": texte, "profil": "habitant"})
    assert reponse.status_code == 302
    _verifier(session, texte)

    session.exec(update(Contribution).where(Contribution.id == ident).values(texte="SQL direct : " + BASE))
    session.commit()
    _verifier(session, "SQL direct : " + BASE)


def test_masquer_une_donnee_personnelle_refait_les_empreintes(
    session, lieu, creer_contribution, creer_compte
):
    _, temps = lieu
    texte = "Appelez le 06 12 34 56 78 pour qu'on vous aide avec les papiers de la CAF en ligne"
    parole = creer_contribution(temps, texte)
    examen.examiner(session, [parole.id])
    (reperage,) = examen.reperages_de(session, [parole.id])[parole.id]
    session.expire_all()
    version = session.get(Contribution, parole.id).modifiee_le
    masquee = examen.masquer(session, reperage.id, version, Acteur.compte(creer_compte("admin")))
    assert "06 12" not in masquee.texte
    stockee = _stockees(session)[parole.id]
    assert stockee[1:] == empreintes(masquee.texte) and stockee[1] != empreintes(texte)[0]


def test_la_revue_signale_les_presque_doublons_par_leurs_empreintes(session, lieu, creer_contribution):
    demarche, temps = lieu
    original = creer_contribution(temps, BASE)
    debut_retouche = creer_contribution(temps, "Moi je pense qu'" + BASE[3:].lower())
    fin_retouche = creer_contribution(temps, BASE + " svp")
    sans_rapport = creer_contribution(temps, AUTRE)
    lignes, total = revue.page(session, revue.Filtres(demarche_id=demarche.id))
    marques = {ligne.contribution.id: ligne.doublon_de for ligne in lignes}
    assert total == 4
    assert marques[sans_rapport.id] is None
    assert marques[fin_retouche.id][0] == original.id
    assert marques[fin_retouche.id][1] >= doublons.SEUIL_DOUBLON
    assert marques[debut_retouche.id][0] == original.id
    assert marques[original.id][0] == fin_retouche.id  # le plus ressemblant

    paires = {
        (a.contribution.id, b.contribution.id) for a, b, _ in revue.doublons_probables(session, demarche.id)
    }
    assert paires == {(fin_retouche.id, original.id), (debut_retouche.id, original.id)}


def test_la_page_de_revue_ne_relit_pas_toute_la_demarche(session, lieu, creer_contribution, monkeypatch):
    """Le nombre de textes normalisés pour afficher une page ne dépend pas du nombre de paroles."""
    demarche, temps = lieu
    appels = []
    vrai = revue.normaliser
    monkeypatch.setattr(revue, "normaliser", lambda texte: appels.append(texte) or vrai(texte))

    def normalises_pour_une_page() -> int:
        appels.clear()
        revue.page(session, revue.Filtres(demarche_id=demarche.id))
        return len(appels)

    for i in range(60):
        creer_contribution(temps, f"Parole numéro {i} : {i * 7919} personnes en parlent au marché")
    petite = normalises_pour_une_page()
    for i in range(60, 260):
        creer_contribution(temps, f"Parole numéro {i} : {i * 7919} personnes en parlent au marché")
    assert normalises_pour_une_page() == petite
    assert revue.page(session, revue.Filtres(demarche_id=demarche.id))[1] == 260
