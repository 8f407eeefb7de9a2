"""Échappement : un titre saisi par l'équipe s'imprime tel quel dans le livret et les affiches, jamais
interprété comme du balisage reportlab (lien, image du serveur, erreur de composition).

Les titres hostiles sont dans `donnees/restitution/titres_hostiles.txt`, un par ligne ; `{png_serveur}`
y désigne une vraie image posée sur le serveur par le test, qu'un `<img>` interprété incorporerait.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from restitution import affiches, livret_chapitres
from restitution.affiches import construire_affiches
from restitution.livret import construire_livret
from restitution.textes import enregistrer_texte
from tests.conftest import exiger_outil
from tests.donnees_livret import creer_campagne, texte_pdf

HOSTILES = (
    (Path(__file__).parent / "donnees" / "restitution" / "titres_hostiles.txt")
    .read_text(encoding="utf-8")
    .splitlines()
)
THEMES_AVEC_NUAGE = 2  # « parentalite » et « arnaques » ont des paroles ; « vide » n'en a pas


@pytest.fixture
def hostile(request, tmp_path) -> str:
    png = tmp_path / "serveur.png"
    Image.new("RGB", (7, 3), "red").save(png)
    return request.param.replace("{png_serveur}", str(png))


@pytest.fixture
def campagne(
    session,
    creer_demarche,
    creer_territoire,
    creer_structure,
    creer_theme,
    creer_temps,
    creer_contribution,
    hostile,
):
    """La démarche des tests du livret, le titre hostile en libellé du thème « arnaques »."""
    campagne = creer_campagne(
        session,
        creer_demarche,
        creer_territoire,
        creer_structure,
        creer_theme,
        creer_temps,
        creer_contribution,
    )
    campagne.themes["arnaques"].label = f"Thème {hostile}"
    session.commit()
    return campagne


def compact(texte: str) -> str:
    """Sans aucun blanc : un titre long peut être coupé n'importe où en fin de ligne."""
    return "".join(texte.split())


def liens(pdf: bytes) -> list[str]:
    """Adresses (/URI) de toutes les annotations de lien du PDF."""
    adresses = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                adresses.append(str(action["/URI"]))
    return adresses


def images(pdf: bytes, tmp_path: Path) -> list[tuple[int, int]]:
    """(largeur, hauteur) en pixels de chaque image posée dans le PDF (pdfimages -list)."""
    chemin = tmp_path / "images.pdf"
    chemin.write_bytes(pdf)
    lignes = subprocess.run(
        [exiger_outil("pdfimages"), "-list", str(chemin)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [(int(l.split()[3]), int(l.split()[4])) for l in lignes if l.strip()]


def signets(pdf: bytes) -> list[str]:
    def titres(entrees):
        for entree in entrees:
            yield from titres(entree) if isinstance(entree, list) else [entree.title]

    return list(titres(PdfReader(io.BytesIO(pdf)).outline))


@pytest.mark.parametrize("hostile", HOSTILES, indirect=True)
def test_titres_du_livret_imprimes_tels_quels(session, campagne, hostile, tmp_path):
    ident = campagne.demarche.id
    enregistrer_texte(session, ident, "couverture", f"Couverture {hostile}", "")
    enregistrer_texte(session, ident, "synthese", f"Synthèse {hostile}", "Ce que nous retenons.")
    enregistrer_texte(session, ident, "axe-01", f"Axe {hostile}", "Une préconisation")
    pdf = construire_livret(session, "livret-test")  # un « < » isolé faisait échouer la composition

    couverture, sommaire = (compact(texte_pdf(pdf, tmp_path, mode="raw", page=n)) for n in (1, 2))
    tout = compact(texte_pdf(pdf, tmp_path, mode="raw"))
    assert compact(f"Couverture {hostile}") in couverture
    for titre in (f"Thème {hostile}", f"Synthèse {hostile}", f"Axe {hostile}"):
        assert compact(titre) in sommaire, titre
        assert tout.count(compact(titre)) >= 2, titre  # le sommaire, puis le titre dans le corps
        assert titre in signets(pdf)
    assert not [a for a in liens(pdf) if "evil.example" in a]
    assert images(pdf, tmp_path) == [livret_chapitres.NUAGE] * THEMES_AVEC_NUAGE


@pytest.mark.parametrize("hostile", HOSTILES, indirect=True)
def test_titre_d_affiche_imprime_tel_quel(session, campagne, hostile, tmp_path):
    pdf = construire_affiches(session, "livret-test")
    assert compact(texte_pdf(pdf, tmp_path, page=2)).startswith(compact(f"Thème {hostile}"))
    assert not [a for a in liens(pdf) if "evil.example" in a]
    assert images(pdf, tmp_path) == [affiches.NUAGE] * THEMES_AVEC_NUAGE
