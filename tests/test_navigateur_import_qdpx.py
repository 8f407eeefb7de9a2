"""Importer un projet REFI-QDA (.qdpx) depuis le formulaire d'import, dans un vrai Chromium, à la taille
d'une tablette et d'un téléphone : choisir le fichier, envoyer, lire le rapport en français, puis relire
la base."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from collecte.modele.models import Contribution, Demarche
from tests.conftest import TABLETTE, TELEPHONE
from tests.test_import_qdpx import projet_qualcoder

pytestmark = pytest.mark.navigateur


@pytest.mark.parametrize(
    "taille", [pytest.param(TABLETTE, id="tablette"), pytest.param(TELEPHONE, id="telephone")]
)
def test_importer_un_projet_qdpx(serveur_live, nouvelle_page, connecter_page, session, tmp_path, taille):
    fichier = tmp_path / "Enquête QualCoder.qdpx"
    fichier.write_bytes(projet_qualcoder())
    page = nouvelle_page(viewport=taille, has_touch=True)
    connecter_page(page, serveur_live, "animateur")
    page.goto(f"{serveur_live}/collecte/import/")
    page.get_by_label("projet REFI-QDA .qdpx").set_input_files(fichier)
    page.get_by_label("ou identifiant d'une nouvelle démarche").fill("enquete-qualcoder")
    with page.expect_navigation():
        page.get_by_role("button", name="Importer").click()

    rapport = page.locator(".message.succes")
    texte = rapport.inner_text()
    assert "Démarche « enquete-qualcoder » importée." in texte
    assert "thèmes : 3 créés" in texte and "contributions : 4 créées" in texte
    ignores = "Sources PDF, images, audio ou vidéo sans texte non importées (1) : Compte rendu.pdf."
    assert f"Attention : {ignores}" in texte
    assert "Variables sans champ correspondant dans Parole, ignorées : Enquêteur, Durée." in texte
    # Le rapport se lit sans défilement horizontal, même sur un téléphone.
    assert rapport.bounding_box()["width"] <= taille["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= taille["width"]

    demarche = session.exec(select(Demarche).where(Demarche.slug == "enquete-qualcoder")).one()
    assert demarche.titre == "enquete-qualcoder"
    assert session.exec(select(func.count()).select_from(Contribution)).one() == 4
