"""Livret de restitution : le PDF relu par pdftotext, pdffonts et pdfinfo."""

from __future__ import annotations

import pytest

from analyse.chiffres import CHIFFRES, Chiffre, registre
from analyse.donnees import charger_corpus
from collecte.modele.validation import ErreurValidation
from collecte.tableurs.entrees import importer_chemin
from restitution.livret import construire_livret
from restitution.livret_sections import COLONNES_PAR_TERRITOIRE
from restitution.selection import citations_du_theme
from restitution.textes import cle_nouvel_axe, definir_introduction, enregistrer_texte, lire_textes
from tests.conftest import EXEMPLES
from tests.donnees_livret import (
    AUTRES,
    BALISAGE,
    MASQUEE,
    NE_PAS_CITER,
    PRO,
    RETENUE,
    infos,
    polices,
    texte_pdf,
)


@pytest.fixture
def livret_a4(session, campagne, tmp_path):
    pdf = construire_livret(session, "livret-test")
    return pdf, texte_pdf(pdf, tmp_path, mode="raw"), texte_pdf(pdf, tmp_path)


def test_chiffres_cles_avec_leur_libelle(livret_a4):
    _, texte, _ = livret_a4
    # 3 temps : 26 + 12 + 5 personnes ; 10 paroles non masquées (dont une « ne pas citer ») ; 1 questionnaire
    for attendu in (
        "43 personnes rencontrées",
        "2 villes",
        "2 quartiers prioritaires",
        "2 structures partenaires",
        "5 professionnels associés",
        "1 atelier d'échange",
        "1 porteur de parole",
        "1 vidéo",
        "1 questionnaire",
        "9 paroles recueillies",
    ):
        assert attendu in texte, attendu


def test_chaque_chiffre_cle_au_singulier_quand_il_vaut_un(session, campagne, tmp_path, monkeypatch):
    monkeypatch.setattr(
        "restitution.contenu.chiffres_cles",
        lambda corpus: {**{c.cle: 1 for c in registre()}, "par_territoire": []},
    )
    texte = texte_pdf(construire_livret(session, "livret-test"), tmp_path, mode="raw")
    tuiles = texte[texte.rindex("Les chiffres clés") : texte.rindex("La démarche")]
    for c in registre():
        assert f"1 {c.singulier}" in tuiles and f"1 {c.libelle}" not in tuiles, c.cle


def test_chaque_chiffre_cle_defini_dans_la_note_de_methode(livret_a4):
    _, _, texte = livret_a4
    note = texte[texte.rindex("Note de méthode") :]
    for c in registre():
        assert f"{c.libelle} : {c.definition} ;" in note, c.cle
    par_territoire = {c.cle for c in registre() if c.par_territoire}
    assert {cle for cle, _, _ in COLONNES_PAR_TERRITOIRE} <= par_territoire


def test_un_chiffre_de_plus_arrive_dans_le_livret(session, campagne, tmp_path, monkeypatch):
    temps = Chiffre(
        "temps",
        "moments de terrain",
        "moment de terrain",
        definition="temps de collecte enregistrés, tous dispositifs",
        calculer=lambda e: len(e.temps),
    )
    monkeypatch.setattr("analyse.chiffres.CHIFFRES", (*CHIFFRES, temps))
    pdf = construire_livret(session, "livret-test")
    assert "3 moments de terrain" in texte_pdf(pdf, tmp_path, mode="raw")
    note = texte_pdf(pdf, tmp_path)
    note = note[note.rindex("Note de méthode") :]
    assert "moments de terrain : temps de collecte enregistrés, tous dispositifs ;" in note


def test_titres_des_chapitres_dans_l_ordre_du_livre_de_codes(livret_a4):
    _, texte, _ = livret_a4
    titres = [
        "Sommaire",
        "Les chiffres clés",
        "La démarche",
        "Les dispositifs",
        "Les territoires et les structures",
        "Panorama des structures",
        "La parentalité numérique",
        "Peur des arnaques et du piratage",
        "Un thème sans parole",
        "Synthèse",
        "Angles morts",
        "Préconisations",
        "Annexes",
        "Note de méthode",
    ]
    positions = [texte.rfind(t) for t in titres]  # rfind : après le sommaire
    assert all(p >= 0 for p in positions), dict(zip(titres, positions))
    assert positions[1:] == sorted(positions[1:])


def test_citations_a_la_lettre_avec_leur_source(livret_a4):
    _, _, texte = livret_a4
    assert f"« {RETENUE} » — Vierzon" in texte
    assert f"« {PRO} » — Médiathèque Europe (Tours)" in texte
    assert "[…]" in texte and "Œuvre d'É. ’" in texte


def test_balisage_dans_une_parole_imprime_tel_quel(livret_a4):
    _, _, texte = livret_a4
    assert f"« {BALISAGE} »" in texte


def test_ne_pas_citer_et_masquee_jamais_imprimees(livret_a4):
    _, brut, texte = livret_a4
    for secret in ("SECRETNEPASCITER", "SECRETMASQUEE", "sa dette", "retirée par"):
        assert secret not in texte and secret not in brut
    assert "1 parole(s) « à ne pas citer »" in brut and "1 parole(s) masquées" in brut


def test_encadres_et_theme_sans_parole(livret_a4):
    _, brut, _ = livret_a4
    assert "Paroles d'habitants :" in brut and "Paroles de structures :" in brut
    assert "Aucune parole recueillie sur ce thème pour l'instant." in brut
    assert "Aucune parole d'habitant·e citable sur ce thème." in brut
    assert "Les parents se sentent dépassés par leurs enfants." in brut


def test_structures_par_typologie_et_questionnaire_en_annexe(livret_a4):
    _, brut, _ = livret_a4
    a_mission, proposantes, confrontees = (
        brut.index(f"Structures « {t} »") for t in ("à mission", "proposantes", "confrontées")
    )
    assert a_mission < brut.index("Centre social du Tunnel (Vierzon)") < proposantes < confrontees
    assert "Atelier « mails » le mardi & le jeudi" in brut
    assert "Questionnaire aux professionnel·les des structures partenaires" in brut
    assert "Quel accompagnement proposez-vous en matière de numérique ?" in brut
    assert "Est-ce que le numérique ça simplifie la vie ?" in brut


def test_couverture(livret_a4):
    _, brut, _ = livret_a4
    debut = brut[: brut.index("Sommaire")]
    assert "Paroles du Clos & des Tilleuls" in debut and "De février 2023 à juillet 2023" in debut
    assert "Vierzon – Clos du Roy" in debut and "Ligue de l'enseignement" in debut


def test_polices_incorporees_et_format_a4(livret_a4, tmp_path):
    pdf, _, _ = livret_a4
    trouvees = polices(pdf, tmp_path)
    assert trouvees and all(emb == "yes" for _, emb in trouvees), trouvees
    assert "DejaVuSerif" in " ".join(n for n, _ in trouvees)
    assert "(A4)" in infos(pdf, tmp_path)["Page size"]


def test_textes_de_l_equipe_imprimes(session, campagne, tmp_path):
    ident = campagne.demarche.id
    enregistrer_texte(
        session, ident, "synthese", "Ce que nous retenons", "Trois formes d'accompagnement.\n\nUrgence."
    )
    enregistrer_texte(
        session, ident, "axe-02", "Mobiliser collectivement", "Des ateliers ludiques\nDes affiches"
    )
    enregistrer_texte(
        session, ident, cle_nouvel_axe(lire_textes(session, ident)), "Coordonner", "Un annuaire partagé"
    )
    enregistrer_texte(session, ident, "couverture", "", "Livret d'essai")
    definir_introduction(session, ident, "arnaques", "Chapeau <écrit> par l'équipe.")
    texte = texte_pdf(construire_livret(session, "livret-test"), tmp_path, mode="raw")
    assert "Ce que nous retenons" in texte and "Trois formes d'accompagnement." in texte
    axes = texte[texte.rindex("Préconisations") :]  # après le sommaire
    assert (
        axes.index("Coordonner") < axes.index("Un annuaire partagé") < axes.index("Mobiliser collectivement")
    )
    assert "Des ateliers ludiques" in texte and "Livret d'essai" in texte
    assert "Chapeau <écrit> par l'équipe." in texte
    assert "Paroles du Clos & des Tilleuls" in texte  # titre vide : celui de la démarche


@pytest.mark.parametrize(
    "cle, titre, contenu, message",
    [
        ("inconnu", "", "x", "Texte « inconnu » inconnu"),
        ("axe-99", "T", "x", "inconnu"),
        ("synthese", "", "x" * 20_001, "la limite est de 20"),
        ("synthese", "T\x07", "", "caractères invisibles"),
        ("axe-01", "", "Une ligne", "Donnez un titre"),
    ],
)
def test_textes_refuses_en_francais(session, campagne, cle, titre, contenu, message):
    with pytest.raises(ErreurValidation) as erreur:
        enregistrer_texte(session, campagne.demarche.id, cle, titre, contenu)
    assert message in erreur.value.message


def test_texte_vide_revient_au_defaut(session, campagne):
    ident = campagne.demarche.id
    enregistrer_texte(session, ident, "demarche", "Notre démarche", "Texte écrit")
    assert lire_textes(session, ident)["demarche"].contenu == "Texte écrit"
    assert enregistrer_texte(session, ident, "demarche", "", "") is None
    textes = lire_textes(session, ident)
    assert (
        textes["demarche"].contenu == "Six mois d'écoute dans deux quartiers."
        and not textes["demarche"].ecrit
    )
    with pytest.raises(ErreurValidation, match="introuvable"):
        definir_introduction(session, ident, "pas-un-theme", "x")


def test_a_retenir_d_abord_et_nombre_borne(session, campagne):
    corpus = charger_corpus(session, "livret-test")
    choisies = citations_du_theme(corpus, "parentalite", n=2)
    assert [c.texte for c in choisies["habitants"]][0] == RETENUE and len(choisies["habitants"]) == 2
    assert [c.texte for c in choisies["structures"]] == [PRO]
    assert choisies["habitants"][1].texte in AUTRES
    tous = [c.texte for liste in citations_du_theme(corpus, "arnaques", n=10).values() for c in liste]
    assert NE_PAS_CITER not in tous and MASQUEE not in tous and BALISAGE in tous


def test_a5_et_imposition(session, campagne, tmp_path):
    a5 = construire_livret(session, "livret-test", "A5")
    infos_a5 = infos(a5, tmp_path)
    assert infos_a5["Page size"].startswith("419.528 x 595.276")  # A5 en points
    pages = int(infos_a5["Pages"])
    impose = construire_livret(session, "livret-test", "A5", imposition=True)
    infos_impose = infos(impose, tmp_path)
    assert int(infos_impose["Pages"]) == -(-pages // 4) * 2
    assert infos_impose["Page size"].startswith("841.89 x 595.27")
    assert all(emb == "yes" for _, emb in polices(impose, tmp_path))
    assert f"« {RETENUE} »" in texte_pdf(impose, tmp_path)


def test_options_refusees(session, campagne):
    with pytest.raises(ErreurValidation, match="qu'en A5"):
        construire_livret(session, "livret-test", "A4", imposition=True)
    with pytest.raises(ErreurValidation, match="A4 ou A5"):
        construire_livret(session, "livret-test", "Letter")
    with pytest.raises(ErreurValidation, match="introuvable"):
        construire_livret(session, "inconnue")


def test_demarche_vide(session, creer_demarche, tmp_path):
    creer_demarche("vide", titre="Démarche sans rien")
    texte = texte_pdf(construire_livret(session, "vide"), tmp_path, mode="raw")
    assert "Démarche sans rien" in texte and "0 paroles recueillies" in texte
    assert "Aucun thème dans le livre de codes" in texte and "Aucun temps de collecte" in texte
    assert "Texte à écrire par l'équipe" in texte and "Préconisations à écrire par l'équipe" in texte


def test_progression_par_section(session, campagne):
    etapes = []
    construire_livret(session, "livret-test", progression=etapes.append)
    assert (
        "Chiffres clés" in etapes
        and "Chapitre « La parentalité numérique »" in etapes
        and etapes[-1] == "Mise en page"
    )


def test_commande_livret(runner, campagne, tmp_path):
    sortie = tmp_path / "livret.pdf"
    resultat = runner.invoke(args=["livret", "-o", str(sortie), "--format", "A5", "--imposition"])
    assert resultat.exit_code == 0, resultat.output
    assert "… Chapitre « La parentalité numérique »" in resultat.output and "PDF écrit" in resultat.output
    assert sortie.read_bytes().startswith(b"%PDF")
    assert "--format [A4|A5]" in runner.invoke(args=["livret", "--help"]).output  # comme dans le README
    refus = runner.invoke(args=["livret", "-o", str(tmp_path / "x.pdf"), "--imposition"])
    assert refus.exit_code != 0 and "qu'en A5" in refus.output and not (tmp_path / "x.pdf").exists()
    inconnue = runner.invoke(args=["livret", "-o", str(tmp_path / "y.pdf"), "--demarche", "nulle-part"])
    assert inconnue.exit_code != 0 and "Démarche « nulle-part » introuvable" in inconnue.output


def test_livret_de_la_demarche_d_exemple(session, tmp_path):
    importer_chemin(
        session, EXEMPLES / "numerique-citoyennete", "numerique-citoyennete", EXEMPLES / "themes.yaml"
    )
    corpus = charger_corpus(session, "numerique-citoyennete")
    texte = texte_pdf(construire_livret(session, "numerique-citoyennete"), tmp_path, mode="raw")
    for label in corpus.themes["label"]:
        assert texte.count(label) >= 2, label  # sommaire et chapitre
    caches = corpus.contributions[corpus.contributions["ne_pas_citer"]]["texte"]
    assert len(caches) >= 3 and not any(" ".join(t.split()) in texte for t in caches)


def test_seules_les_paroles_choisies_sont_mises_en_page(
    session, creer_demarche, creer_territoire, creer_theme, creer_temps, creer_contribution, tmp_path
):
    demarche = creer_demarche("nombreuses")
    theme = creer_theme(demarche, "demarches", "Les démarches en ligne")
    temps = creer_temps(demarche, "PDP-1", territoire=creer_territoire(demarche))
    sujets = [
        "la CAF",
        "les impôts",
        "la retraite",
        "Pôle emploi",
        "la préfecture",
        "l'école",
        "la banque",
        "Ameli",
    ]
    gestes = [
        "remplir le dossier",
        "trouver le bon formulaire",
        "scanner les papiers",
        "retrouver mon mot de passe",
        "prendre rendez-vous",
    ]
    for i in range(40):
        texte = (
            f"Parole numéro {i} : pour {sujets[i % 8]}, {gestes[i % 5]} me prend des heures, {i % 7} fois."
        )
        creer_contribution(temps, texte, [theme], profil="habitant", a_retenir=i in (7, 33))
    texte = texte_pdf(construire_livret(session, "nombreuses"), tmp_path)
    assert "40 paroles recueillies" in texte_pdf(
        construire_livret(session, "nombreuses"), tmp_path, mode="raw"
    )
    assert texte.count("Parole numéro") == 4
    assert texte.index("Parole numéro 7 ") < texte.index("Parole numéro 33 ")  # « à retenir » d'abord


def test_grande_demarche_chiffres_exacts_et_lexique_sur_echantillon(session, campagne, tmp_path):
    """Au-delà du plafond (ici 3 paroles au lieu de 50 000), les chiffres restent ceux de toutes les
    paroles, les paroles « à retenir » sont imprimées, « ne pas citer » jamais, et la note le dit."""
    from restitution.contenu import ids_echantillon, preparer

    complet, reduit = preparer(session, "livret-test"), preparer(session, "livret-test", plafond=3)
    assert reduit.echantillon is not None and complet.echantillon is None
    assert reduit.chiffres == complet.chiffres
    for critere in ("territoire", "profil"):
        assert reduit.croisements[critere].effectifs.equals(complet.croisements[critere].effectifs)
    assert "texte" not in reduit.corpus.contributions and len(reduit.lexical.contributions) < 9
    assert ids_echantillon(reduit.corpus, 3) == ids_echantillon(reduit.corpus, 3)  # reproductible

    pdf = construire_livret(session, "livret-test", plafond=3)
    brut, texte = texte_pdf(pdf, tmp_path, mode="raw"), texte_pdf(pdf, tmp_path)
    for attendu in ("43 personnes rencontrées", "9 paroles recueillies", "2 structures partenaires"):
        assert attendu in brut, attendu
    assert f"« {RETENUE} » — Vierzon" in texte and f"« {BALISAGE} »" in texte
    assert f"« {PRO} » — Médiathèque Europe (Tours)" in texte
    assert "SECRETNEPASCITER" not in brut and "SECRETMASQUEE" not in brut
    assert "Cette démarche compte 9 paroles. Tous les chiffres portent sur l'ensemble" in brut
    assert "Échantillon." not in texte_pdf(construire_livret(session, "livret-test"), tmp_path, mode="raw")


def test_annexe_imprime_le_questionnaire_tel_qu_il_a_ete_pose(session, campagne, tmp_path):
    """Le fichier a changé depuis les réponses (nouvelle version) : l'annexe imprime l'instantané de
    la version répondue ; une version dont ni instantané ni fichier ne restent est signalée."""
    from collecte.modele.models import ReponseQuestionnaire, VersionQuestionnaire, maintenant
    from questionnaires import invitations

    actuel = invitations.definition("professionnel").en_dict()
    ancien = {
        **actuel,
        "version": 7,
        "questions": [
            {**actuel["questions"][0], "intitule": "Ancienne question : que proposiez-vous en 2022 ?"}
        ],
    }
    session.add(VersionQuestionnaire(nom="professionnel", version=7, empreinte="ancienne", definition=ancien))
    for version in (7, 9):
        session.add(
            ReponseQuestionnaire(
                demarche_id=campagne.demarche.id,
                questionnaire="professionnel",
                version=version,
                statut="soumise",
                soumise_le=maintenant(),
            )
        )
    session.commit()
    brut = texte_pdf(construire_livret(session, "livret-test"), tmp_path, mode="raw")
    annexes = brut[brut.rindex("Annexes") :]
    assert "Ancienne question : que proposiez-vous en 2022 ?" in annexes and "Version 7." in annexes
    assert (
        "Quel accompagnement proposez-vous en matière de numérique ?" in annexes and "Version 1." in annexes
    )
    assert "Questionnaire « professionnel (version 9) » : sa définition n'est plus disponible." in annexes
