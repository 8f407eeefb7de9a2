"""Section facultative « Ce qui structure les paroles » du livret : relue par pdftotext et pdfimages sur la
démarche d'exemple ; mots et passages attendus calculés par `analyse.discours`, jamais recopiés."""

from __future__ import annotations

import subprocess
from html import unescape
from pathlib import Path

import pytest
from reportlab.platypus import Image, KeepTogether

from analyse.discours import CLASSES_CHOIX, afc_du_corpus, classes_de_discours, contributions_afc
from analyse.donnees import charger_corpus
from collecte.modele.models import Contribution
from collecte.modele.validation import ErreurValidation
from restitution.contenu import preparer
from restitution.livret import construire_livret
from restitution.livret_structure import TITRE, VARIABLE_AFC, OptionsStructure, section
from restitution.mise_en_page import gabarit
from tests.conftest import SLUG_EXEMPLE, exiger_outil, importer_exemple
from tests.donnees_livret import infos, texte_pdf

SLUG = SLUG_EXEMPLE
METHODE = "Ce qui structure les paroles. Les paroles sont découpées en segments d'environ 40 mots"


@pytest.fixture
def exemple(session):
    importer_exemple(session)
    return charger_corpus(session, SLUG)


def _plat(texte: str) -> str:
    return " ".join(texte.split())


def _section(texte: str) -> str:
    """Le texte de la section, du titre du chapitre (après le sommaire) à la synthèse."""
    debut = texte.index(TITRE, texte.index(TITRE) + len(TITRE))
    return texte[debut : texte.index("Synthèse", debut)]


def images(pdf: bytes, tmp_path: Path, premiere: int, derniere: int) -> list[dict]:
    """Images (sans les masques) des pages `premiere` à `derniere` : taille et résolution (pdfimages)."""
    chemin = tmp_path / "images.pdf"
    chemin.write_bytes(pdf)
    sortie = subprocess.run(
        [exiger_outil("pdfimages"), "-list", "-f", str(premiere), "-l", str(derniere), str(chemin)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    colonnes = [ligne.split() for ligne in sortie]
    return [
        {"page": int(c[0]), "largeur": int(c[3]), "hauteur": int(c[4]), "ppi": int(c[12])}
        for c in colonnes
        if c[2] == "image"
    ]


def _pages_de_la_section(pdf: bytes, tmp_path: Path) -> tuple[int, int]:
    pages = int(infos(pdf, tmp_path)["Pages"])
    textes = {p: texte_pdf(pdf, tmp_path, mode="raw", page=p) for p in range(3, pages + 1)}
    debut = next(p for p, t in textes.items() if f"{TITRE} Un logiciel a relu" in t)
    fin = next(p for p, t in textes.items() if p > debut and "Synthèse" in t)
    return debut, fin - 1


def test_section_de_l_exemple_et_ne_pas_citer(session, exemple, tmp_path):
    attendu = classes_de_discours(exemple)
    assert len(attendu["classes"]) >= 2 and not attendu["message"]
    etapes = []
    pdf = construire_livret(session, SLUG, structure=True, progression=etapes.append)
    texte = texte_pdf(pdf, tmp_path, mode="raw")
    assert TITRE in etapes and etapes.index(TITRE) < etapes.index("Synthèse et préconisations")
    section_ = _section(texte)
    for classe in attendu["classes"]:
        part = f"{classe['part'] * 100:.0f} %"
        assert f"Classe {classe['classe']} : {part} des passages" in section_
        mots = ", ".join(l["lemme"] for l in classe["lemmes"][:4])
        assert f"Mots caractéristiques : {mots}" in section_, classe["classe"]
        for modalite in classe["modalites"][:2]:
            assert f"« {modalite['modalite']} »" in section_
    typique = attendu["classes"][0]["segments_caracteristiques"][0]
    assert f"« {_plat(typique)} »" in section_
    # Le plan de l'AFC : l'axe 1 dit ce qui s'oppose, d'après les contributions.
    axe1 = contributions_afc(afc_du_corpus(exemple, VARIABLE_AFC)[0])[0]
    assert f"{axe1['part'] * 100:.0f} % des différences de vocabulaire entre dispositifs" in section_
    assert f"« {axe1['modalites'][0]['libelle']} »" in section_.split("Il oppose")[1]
    assert METHODE in texte and "p < 0,05" in texte
    # Graphe de similitudes et plan de l'AFC : deux images fines dans les pages de la section.
    debut, fin = _pages_de_la_section(pdf, tmp_path)
    dessins = images(pdf, tmp_path, debut, fin)
    assert len(dessins) == 2 and all(d["ppi"] >= 150 for d in dessins), dessins

    # La parole du passage le plus typique de la classe 1 passe « ne pas citer » : plus aucun passage d'elle.
    contributions = exemple.contributions
    ident = int(
        contributions[contributions["texte"].map(_plat).str.contains(_plat(typique), regex=False)]["id"].iloc[
            0
        ]
    )
    parole = session.get(Contribution, ident)
    parole.ne_pas_citer = True
    session.add(parole)
    session.commit()
    apres = texte_pdf(construire_livret(session, SLUG, structure=True), tmp_path, mode="raw")
    assert "Classe 1 :" in _section(apres) and _plat(typique) not in apres
    caches = charger_corpus(session, SLUG).contributions
    caches = caches[caches["ne_pas_citer"]]
    assert len(caches) >= 4 and not any(_plat(t)[:60] in apres for t in caches["texte"])

    sans = texte_pdf(construire_livret(session, SLUG), tmp_path, mode="raw")
    assert TITRE not in sans and "Classe 1 :" not in sans and METHODE not in sans


def test_images_dans_le_cadre_en_a4_et_a5(session, exemple):
    contenu = preparer(session, SLUG, structure=OptionsStructure())
    for format_ in ("A4", "A5"):
        g = gabarit(format_)
        recit = section(contenu, g)
        dessins = [f for bloc in recit if isinstance(bloc, KeepTogether) for f in bloc._content]
        dessins = [f for f in dessins if isinstance(f, Image)]
        assert len(dessins) == 2
        for dessin in dessins:
            assert dessin.drawWidth <= g.largeur + 0.01 and dessin.drawHeight <= g.hauteur * 0.7, format_


def test_a5_et_imposition_avec_la_section(session, exemple, tmp_path):
    a5 = construire_livret(session, SLUG, "A5", structure=True)
    pages = int(infos(a5, tmp_path)["Pages"])
    impose = construire_livret(session, SLUG, "A5", imposition=True, structure=True)
    infos_impose = infos(impose, tmp_path)
    assert int(infos_impose["Pages"]) == -(-pages // 4) * 2
    assert infos_impose["Page size"].startswith("841.89 x 595.27")
    texte = texte_pdf(impose, tmp_path, mode="raw")
    assert TITRE in texte and "Classe 1 :" in texte and "Ce qui distingue les dispositifs" in texte
    debut, fin = _pages_de_la_section(a5, tmp_path)
    dessins = images(a5, tmp_path, debut, fin)
    assert len(dessins) == 2 and all(d["ppi"] >= 150 for d in dessins), dessins


def test_corpus_trop_petit_dit_pourquoi(session, campagne, tmp_path):
    message = classes_de_discours(charger_corpus(session, "livret-test"))["message"]
    assert message
    texte = texte_pdf(construire_livret(session, "livret-test", structure=True), tmp_path, mode="raw")
    assert _plat(message) in _section(texte) and "Classe 1 :" not in texte


def test_options_refusees(session, campagne):
    for classes in (1, 50, "beaucoup"):
        with pytest.raises(ErreurValidation, match=f"Nombre de classes « {classes} » : un nombre entier"):
            construire_livret(session, "livret-test", structure=True, classes=classes)
    with pytest.raises(ErreurValidation, match="Variable « couleur » inconnue"):
        construire_livret(session, "livret-test", structure=True, variable="couleur")


def test_commande_livret_structure(runner, session, exemple, tmp_path):
    sortie = tmp_path / "livret.pdf"
    resultat = runner.invoke(
        args=["livret", "-o", str(sortie), "--structure", "--classes", "3", "--afc", "profil"]
    )
    assert resultat.exit_code == 0, resultat.output
    assert f"… {TITRE}" in resultat.output and "PDF écrit" in resultat.output
    texte = texte_pdf(sortie.read_bytes(), tmp_path, mode="raw")
    n = len(classes_de_discours(exemple, 3)["classes"])
    assert f"Classe {n} :" in texte and f"Classe {n + 1} :" not in texte
    assert "Ce qui distingue les profils" in texte
    aide = _plat(runner.invoke(args=["livret", "--help"]).output)
    assert "--structure" in aide and f"de {CLASSES_CHOIX.start} à {CLASSES_CHOIX.stop - 1}" in aide
    for options, message in (
        (["--structure", "--classes", "1"], "Nombre de classes « 1 » : un nombre entier de 2 à 10."),
        (["--structure", "--classes", "50"], "Nombre de classes « 50 » : un nombre entier de 2 à 10."),
        (["--structure", "--afc", "couleur"], "Variable « couleur » inconnue pour l'AFC"),
        (["--classes", "4"], "--classes et --afc ne servent qu'avec --structure."),
    ):
        refus = runner.invoke(args=["livret", "-o", str(tmp_path / "refus.pdf"), *options])
        assert refus.exit_code != 0 and message in refus.output, refus.output
        assert not (tmp_path / "refus.pdf").exists()


def test_page_restitution_et_telechargement(client, connecter, campagne, tmp_path):
    connecter("lecteur")
    page = unescape(client.get("/restitution/livret-test").get_data(as_text=True))
    assert f"Ajouter « {TITRE} »" in page and 'name="structure" value="1"' in page
    reponse = client.get("/restitution/livret-test/livret.pdf?format=A5&structure=1&classes=3&afc=theme")
    assert reponse.status_code == 200
    assert reponse.headers["Content-Disposition"].endswith("livret-livret-test-A5-structure.pdf")
    assert TITRE in texte_pdf(reponse.data, tmp_path, mode="raw")
    refus = client.get("/restitution/livret-test/livret.pdf?structure=1&classes=50", follow_redirects=True)
    assert "Nombre de classes « 50 » : un nombre entier de 2 à 10." in unescape(refus.get_data(as_text=True))
    sans = client.get("/restitution/livret-test/livret.pdf?classes=50")  # sans la case : ignoré
    assert sans.status_code == 200 and TITRE not in texte_pdf(sans.data, tmp_path, mode="raw")
