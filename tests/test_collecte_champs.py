"""Registre des champs d'une parole : une entrée de plus suffit pour qu'un champ aille de l'import à
l'API, à l'écran de saisie et aux exports.

Le champ d'essai expose `question_ref`, une colonne qui existe déjà dans le modèle (référence de la
question d'un questionnaire) mais qu'aucun formulaire ne porte : c'est exactement la situation d'un
champ qu'on vient d'ajouter au modèle et à une migration.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
import zipfile

import pytest
from sqlmodel import select

from collecte.modele import champs as registre_des_champs
from collecte.modele.champs import TEXTE, Champ
from collecte.modele.models import Contribution
from collecte.tableurs.import_classeur import importer
from collecte.tableurs.lecture import lire_fichiers_csv
from restitution import exports

CHAMP_ESSAI = Champ(
    "question_ref",
    "Référence de la question",
    TEXTE,
    longueur_max=40,
    iramuteq="qref",
    refiqda="référence de la question",
)
IDENTIFIANT = uuid.UUID("5b0c9f1e-2d3a-4e5f-8a6b-7c8d9e0f1a2b")
TEXTE_IMPORTE = "Le bus ne passe plus le dimanche."


def _csv(lignes) -> bytes:
    sortie = io.StringIO()
    csv.writer(sortie, delimiter=";", lineterminator="\r\n").writerows(lignes)
    return sortie.getvalue().encode("utf-8")


def _importer(session):
    fichiers = {
        "temps.csv": _csv(
            [["ref", "dispositif", "date", "ville"], ["PDP-1", "porteur_de_parole", "05/03/2024", "Tours"]]
        ),
        "contributions.csv": _csv(
            [["temps", "texte", "question_ref", "id"], ["PDP-1", TEXTE_IMPORTE, "Q-bus", str(IDENTIFIANT)]]
        ),
    }
    return importer(session, lire_fichiers_csv(fichiers), "essai-champ")


def _exporter(session, format_) -> str:
    tampon = io.BytesIO()
    exports.exporter(session, "essai-champ", format_, tampon)
    return tampon.getvalue().decode("utf-8-sig")


def _contributions_csv(session) -> str:
    """La feuille contributions de l'export CSV (une archive .zip d'un CSV par feuille)."""
    tampon = io.BytesIO()
    exports.exporter(session, "essai-champ", "csv", tampon)
    return zipfile.ZipFile(tampon).read("contributions.csv").decode("utf-8-sig")


@pytest.fixture
def registre_essai(monkeypatch):
    monkeypatch.setattr(registre_des_champs, "CHAMPS", (*registre_des_champs.CHAMPS, CHAMP_ESSAI))


def test_sans_entree_au_registre_la_colonne_est_ignoree_et_le_dit(session):
    rapport = _importer(session)
    assert any("question_ref" in a and "ignorée" in a for a in rapport.avertissements)
    assert session.exec(select(Contribution)).one().question_ref == ""
    assert "question_ref" not in next(csv.reader(io.StringIO(_contributions_csv(session)), delimiter=";"))


def test_un_champ_ajoute_au_registre_va_de_l_import_a_l_api_et_aux_exports(
    registre_essai, session, client, connecter
):
    rapport = _importer(session)
    assert not any("question_ref" in a for a in rapport.avertissements)
    importee = session.exec(select(Contribution)).one()
    assert importee.question_ref == "Q-bus"

    connecter()
    # L'API rend le champ de la parole importée (rejeu du même identifiant) et accepte le champ d'une
    # nouvelle.
    rejeu = client.post(
        "/api/contributions",
        json={"client_uuid": str(IDENTIFIANT), "temps": importee.temps_id, "texte": TEXTE_IMPORTE},
    )
    assert rejeu.status_code == 200 and rejeu.get_json()["question_ref"] == "Q-bus"
    nouvelle = client.post(
        "/api/contributions",
        json={
            "client_uuid": str(uuid.uuid4()),
            "temps": importee.temps_id,
            "texte": "Plus de guichet à la gare.",
            "question_ref": "Q-gare",
        },
    )
    assert nouvelle.status_code == 201 and nouvelle.get_json()["question_ref"] == "Q-gare"
    # Sa validation vient de l'entrée : type et longueur.
    for valeur, message in ((12, "doit être du texte"), ("x" * 41, "la limite est de 40")):
        refus = client.post(
            "/api/contributions",
            json={
                "client_uuid": str(uuid.uuid4()),
                "temps": importee.temps_id,
                "texte": "Refusée.",
                "question_ref": valeur,
            },
        )
        assert refus.status_code == 400 and message in refus.get_json()["erreur"]
    stockees = {c.texte: c.question_ref for c in session.exec(select(Contribution))}
    assert stockees == {TEXTE_IMPORTE: "Q-bus", "Plus de guichet à la gare.": "Q-gare"}

    # L'écran de saisie le décrit à son script (ce que la tablette envoie, en ligne comme hors ligne).
    page = client.get(f"/collecte/temps/{importee.temps_id}/parole").get_data(as_text=True)
    description = json.loads(
        re.search(r'<script[^>]*id="champs-parole"[^>]*>(.*?)</script>', page, re.S).group(1)
    )
    assert {"nom": "question_ref", "libelle": "Référence de la question"}.items() <= description[-1].items()

    # Les exports : une colonne des tableurs, une variable étoilée d'IRaMuTeQ, une variable REFI-QDA.
    lignes = list(csv.DictReader(io.StringIO(_contributions_csv(session)), delimiter=";"))
    assert {ligne["texte"]: ligne["question_ref"] for ligne in lignes} == stockees
    assert "*qref_qbus" in _exporter(session, "iramuteq")
    tampon = io.BytesIO()
    exports.exporter(session, "essai-champ", "qdpx", tampon)
    projet = zipfile.ZipFile(tampon).read("project.qde").decode("utf-8")
    assert 'name="référence de la question"' in projet and "<TextValue>Q-gare</TextValue>" in projet
