"""Kit d'affiches A3 (une par thème) et imposition du livret A5."""

from __future__ import annotations

import pytest

from collecte.modele.validation import ErreurValidation
from restitution.affiches import construire_affiches
from restitution.imposition import ordre_des_pages
from tests.donnees_livret import (
    BALISAGE,
    NE_PAS_CITER,
    PRO,
    RETENUE,
    infos,
    polices,
    texte_pdf,
)


def test_une_affiche_a3_par_theme(session, campagne, tmp_path):
    pdf = construire_affiches(session, "livret-test")
    donnees = infos(pdf, tmp_path)
    assert donnees["Page size"].startswith("841.89 x 1190.55") and int(donnees["Pages"]) == 3
    pages = [texte_pdf(pdf, tmp_path, page=n) for n in (1, 2, 3)]
    assert pages[0].startswith("La parentalité numérique") and f"« {RETENUE} » — Vierzon" in pages[0]
    assert f"« {PRO} » — Médiathèque Europe (Tours)" in pages[0]
    assert pages[1].startswith("Peur des arnaques et du piratage") and f"« {BALISAGE} »" in pages[1]
    assert "Aucune parole citable sur ce thème pour l'instant." in pages[2]
    assert not any("SECRET" in page for page in pages) and NE_PAS_CITER not in " ".join(pages)
    assert all(emb == "yes" for _, emb in polices(pdf, tmp_path))


def test_affiches_sans_theme_et_demarche_inconnue(session, creer_demarche, tmp_path):
    creer_demarche("vide")
    assert "Aucun thème dans le livre de codes" in texte_pdf(construire_affiches(session, "vide"), tmp_path)
    with pytest.raises(ErreurValidation, match="introuvable"):
        construire_affiches(session, "nulle-part")


def test_commande_affiches(runner, campagne, tmp_path):
    sortie = tmp_path / "affiches.pdf"
    resultat = runner.invoke(args=["affiches", "-o", str(sortie), "--demarche", "livret-test"])
    assert resultat.exit_code == 0, resultat.output
    assert "… Affiche « La parentalité numérique »" in resultat.output
    assert int(infos(sortie.read_bytes(), tmp_path)["Pages"]) == 3


def test_ordre_d_imposition_piqure_a_cheval():
    # 8 pages : recto 1 = 8 | 1, verso 1 = 2 | 7, recto 2 = 6 | 3, verso 2 = 4 | 5 (indices à partir de 0)
    assert ordre_des_pages(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]
    # 5 pages : complétées à 8 par des blanches (None)
    assert ordre_des_pages(5) == [(None, 0), (1, None), (None, 2), (3, 4)]
    assert len(ordre_des_pages(1)) == 2
