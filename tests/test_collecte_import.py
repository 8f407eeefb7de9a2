"""Import de classeurs : formats, encodages, tout ou rien, idempotence, démarche d'exemple, CLI."""

import uuid

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from collecte.modele.models import (
    DISPOSITIFS,
    Contribution,
    ContributionTheme,
    Structure,
    TempsDeCollecte,
    Territoire,
    Theme,
)
from collecte.tableurs.entrees import importer_chemin, importer_envoi
from collecte.tableurs.import_classeur import ErreurImport, importer, noms_feuilles
from collecte.tableurs.lecture import lire_fichiers_csv
from collecte.terrain.saisie import theme_ids_de
from tests.conftest import EXEMPLES, importer_exemple

TEMPS = [
    [
        "ref",
        "dispositif",
        "date",
        "ville",
        "quartier",
        "lieu",
        "structure",
        "personnes_rencontrees",
        "dont_professionnels",
        "questions",
    ],
    [
        "PDP-1",
        "porteur_de_parole",
        "05/03/2024",
        "Vierzon",
        "Clos du Roy",
        "Marché",
        "Le Tunnel",
        "20",
        "2",
        "Le numérique, c'est compliqué ?|C'est quoi être citoyen ?",
    ],
]
STRUCTURES = [["nom", "ville", "quartier", "typologie"], ["Le Tunnel", "Vierzon", "Clos du Roy", "a_mission"]]
THEMES = [["slug", "label"], ["parentalite", "Parentalité"], ["moyens", "Manque de moyens"]]
CONTRIBUTIONS = [
    ["temps", "texte", "question", "profil", "tranche_age", "themes", "a_retenir", "ne_pas_citer"],
    [
        "PDP-1",
        "Mon fils m'aide […] « c'est facile » qu'il dit",
        "C'est quoi être citoyen ?",
        "habitant",
        "60_plus",
        "parentalite",
        "oui",
        "non",
    ],
    ["PDP-1", "<b>Trop cher</b> & le forfait", "", "jeune", "18_25", "parentalite;moyens", "", "oui"],
]


def _csv(lignes, encodage="utf-8", sep=";") -> bytes:
    import csv
    import io

    sortie = io.StringIO()
    csv.writer(sortie, delimiter=sep, lineterminator="\r\n").writerows(lignes)
    return sortie.getvalue().encode(encodage)


def _fichiers(encodage="utf-8", sep=";", contributions=(), temps=(), structures=()):
    feuilles = {
        "structures.csv": STRUCTURES + list(structures),
        "temps.csv": TEMPS + list(temps),
        "themes.csv": THEMES,
        "contributions.csv": CONTRIBUTIONS + list(contributions),
    }
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
    assert (
        premiere.a_retenir
        and premiere.tranche_age == "60_plus"
        and premiere.question == "C'est quoi être citoyen ?"
    )
    assert seconde.texte == "<b>Trop cher</b> & le forfait" and seconde.ne_pas_citer
    assert len(theme_ids_de(session, seconde.id)) == 2


def test_classeur_xlsx_et_colonnes_libres(session, tmp_path):
    classeur = Workbook()
    feuille = classeur.active
    feuille.title = "Temps"
    feuille.append(["Réf", "Dispositif", "Date", "Ville", "Personnes rencontrées", "Remarque perso"])
    feuille.append(
        ["OP-1", "ordi_panneau", __import__("datetime").datetime(2024, 4, 2), "Tours", 12, "à ignorer"]
    )
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


@pytest.mark.parametrize(
    ("feuille", "ligne_fautive", "attendu"),
    [
        ("contributions", ["PDP-1", "ok", "", "maire"], "Feuille contributions, ligne 5, colonne profil"),
        (
            "contributions",
            ["PDP-1", "ok", "", "habitant", "", "inconnu-theme"],
            "Feuille contributions, ligne 5, colonne themes",
        ),
        ("contributions", ["PDP-9", "ok", "", "habitant"], "Feuille contributions, ligne 5, colonne temps"),
        ("contributions", ["PDP-1", "   ", "", "habitant"], "Feuille contributions, ligne 5, colonne texte"),
        ("contributions", ["PDP-1", "x" * 20_001], "la limite est de 20"),
        ("contributions", ["PDP-1", "ok", "", "habitant", "", "", "peut-être"], "colonne a_retenir"),
        ("temps", ["PDP-2", "porteur_de_parole", "31/02/2024"], "Feuille temps, ligne 3, colonne date"),
        ("temps", ["PDP-1", "ordi_panneau", "01/03/2024"], "apparaît deux fois"),
        ("temps", ["PDP-3", "fete", "01/03/2024"], "colonne dispositif"),
        (
            "temps",
            ["PDP-4", "autre", "01/03/2024", "", "", "", "", "12,5"],
            "Feuille temps, ligne 3, colonne personnes_rencontrees : « 12,5 » n'est pas un nombre entier",
        ),
        (
            "temps",
            ["PDP-5", "autre", "01/03/2024", "", "", "", "", "3", "4"],
            "ligne 3, colonne dont_professionnels",
        ),
    ],
)
def test_une_ligne_invalide_et_rien_n_est_ecrit(session, feuille, ligne_fautive, attendu):
    importer(session, lire_fichiers_csv(_fichiers()), "essai")
    avant = (
        _compter(session, Contribution),
        _compter(session, TempsDeCollecte),
        _compter(session, ContributionTheme),
    )
    nouvelle = [["PDP-1", "Une parole en plus, valide"]]
    fichiers = (
        _fichiers(
            structures=[["Nouvelle structure", "Tours", "", "proposante"]], **{feuille: [ligne_fautive]}
        )
        if feuille == "temps"
        else _fichiers(
            structures=[["Nouvelle structure", "Tours", "", "proposante"]],
            contributions=nouvelle + [ligne_fautive],
        )
    )
    if feuille == "temps":
        fichiers["contributions.csv"] = _csv(CONTRIBUTIONS + nouvelle)
    with pytest.raises(ErreurImport) as erreur:
        importer(session, lire_fichiers_csv(fichiers), "essai")
    assert any(attendu in e for e in erreur.value.erreurs), erreur.value.erreurs
    assert (
        _compter(session, Contribution),
        _compter(session, TempsDeCollecte),
        _compter(session, ContributionTheme),
    ) == avant
    assert _compter(session, Structure) == 1


def test_plusieurs_erreurs_rapportees_ensemble(session):
    fichiers = _fichiers(contributions=[["PDP-1", "a", "", "maire"], ["PDP-1", "b", "", "habitant", "vieux"]])
    with pytest.raises(ErreurImport) as erreur:
        importer(session, lire_fichiers_csv(fichiers), "essai")
    assert len(erreur.value.erreurs) == 2


def test_reimport_idempotent(session):
    premier = importer(session, lire_fichiers_csv(_fichiers()), "essai")
    assert "temps : 1 créé" in premier.lignes() and "territoires : 1 créé" in premier.lignes()
    rapport = importer(session, lire_fichiers_csv(_fichiers()), "essai")
    assert rapport.comptes["contributions"] == {"deja_presentes": 2}
    assert rapport.comptes["temps"] == {"inchangees": 1} and rapport.comptes["structures"] == {
        "inchangees": 1
    }
    assert "contributions : 2 déjà présentes" in rapport.lignes()
    assert _compter(session, Contribution) == 2 and _compter(session, Theme) == 2
    assert _compter(session, Territoire) == 1 and _compter(session, TempsDeCollecte) == 1


def test_reimport_met_a_jour_temps_et_structures(session):
    importer(session, lire_fichiers_csv(_fichiers()), "essai")
    fichiers = _fichiers()
    fichiers["temps.csv"] = _csv([TEMPS[0], TEMPS[1][:7] + ["35", "2", "Le numérique, c'est compliqué ?"]])
    fichiers["structures.csv"] = _csv([STRUCTURES[0], ["Le Tunnel", "Vierzon", "Clos du Roy", "proposante"]])
    rapport = importer(session, lire_fichiers_csv(fichiers), "essai")
    assert rapport.comptes["temps"] == {"mises_a_jour": 1} and rapport.comptes["structures"] == {
        "mises_a_jour": 1
    }
    temps = session.exec(select(TempsDeCollecte)).one()
    session.refresh(temps)
    assert (temps.personnes_rencontrees, temps.questions) == (35, ["Le numérique, c'est compliqué ?"])
    assert session.exec(select(Structure.typologie)).one() == "proposante"


def test_deux_paroles_identiques_dans_un_meme_temps_sont_gardees(session):
    double = [["PDP-1", "Oui", "", "habitant"], ["PDP-1", "Oui", "", "habitant"]]
    importer(session, lire_fichiers_csv(_fichiers(contributions=double)), "essai")
    assert _compter(session, Contribution) == 4
    importer(session, lire_fichiers_csv(_fichiers(contributions=double)), "essai")
    assert _compter(session, Contribution) == 4


@pytest.mark.parametrize(
    ("fichiers", "message"),
    [
        ({"notes.txt": b"bonjour"}, "Envoyez un classeur"),
        ({"campagne.xlsx": b"pas un zip"}, "classeur .xlsx lisible"),
        ({"contributions.csv": b""}, "vide"),
        ({"contributions.csv": b"\x81\x8d\x8f\x90\x9d"}, "encodage illisible"),
        ({"autre.csv": b"a;b\n1;2\n"}, "Aucune feuille reconnue"),
        ({"contributions.csv": b"texte\nbonjour\n"}, "colonne temps : colonne obligatoire absente"),
    ],
)
def test_fichiers_refuses(session, fichiers, message):
    with pytest.raises(ErreurImport) as erreur:
        importer_envoi(session, fichiers, "essai")
    assert any(message in e for e in erreur.value.erreurs), erreur.value.erreurs


def test_la_demarche_d_exemple_s_importe_entierement(session):
    rapport = importer_exemple(session)
    assert rapport.comptes["contributions"]["creees"] >= 150
    assert rapport.comptes["structures"]["creees"] >= 10
    dispositifs = set(session.exec(select(TempsDeCollecte.dispositif)).all())
    assert dispositifs == set(DISPOSITIFS)
    utilises = set(
        session.exec(select(Theme.slug).join(ContributionTheme, ContributionTheme.theme_id == Theme.id)).all()
    )
    assert utilises == set(session.exec(select(Theme.slug)).all()) and len(utilises) == 20
    assert session.exec(select(func.count()).where(Contribution.ne_pas_citer)).one() >= 3
    paroles = session.exec(select(Contribution)).all()
    retenues = [c for c in paroles if c.a_retenir]
    assert 0.10 <= len(retenues) / len(paroles) <= 0.20 and not any(c.ne_pas_citer for c in retenues)
    assert sum("[…]" in c.texte for c in paroles) >= 5 and sum("«" in c.texte for c in paroles) >= 5
    assert {c.profil for c in paroles} == {"habitant", "professionnel", "benevole", "jeune", "inconnu"}
    assert {c.nature for c in paroles} >= {"parole", "postit", "slogan"}
    temps = session.exec(select(TempsDeCollecte)).all()
    assert all(t.questions for t in temps) and sum(t.dispositif == "porteur_de_parole" for t in temps) == 6


def test_cli_import_et_demo(runner, session, tmp_path):
    dossier = tmp_path / "campagne"
    dossier.mkdir()
    for nom, contenu in _fichiers().items():
        (dossier / nom).write_bytes(contenu)
    resultat = runner.invoke(args=["import", str(dossier), "--demarche", "essai"])
    assert resultat.exit_code == 0, resultat.output
    assert "contributions : 2 créées" in resultat.output
    (dossier / "contributions.csv").write_bytes(
        _fichiers(contributions=[["PDP-1", "ok", "", "maire"]])["contributions.csv"]
    )
    refus = runner.invoke(args=["import", str(dossier), "--demarche", "essai"])
    assert refus.exit_code == 1
    assert "Feuille contributions, ligne 4, colonne profil" in refus.output

    demo = runner.invoke(args=["demo", "--sans-serveur"])
    assert demo.exit_code == 0, demo.output
    assert "Identifiant    : demo" in demo.output
    assert "Adresse" not in demo.output and "aucun serveur lancé" in demo.output
    mot_de_passe = demo.output.split("Mot de passe   : ")[1].split()[0]
    assert len(mot_de_passe) >= 10
    n = _compter(session, Contribution)
    assert n >= 152
    encore = runner.invoke(args=["demo", "--sans-serveur"])
    assert "déjà présente" in encore.output
    assert _compter(session, Contribution) == n


def test_import_par_le_web(client, connecter, session):
    connecter("animateur")
    envoi = {
        "fichiers": [(__import__("io").BytesIO(contenu), nom) for nom, contenu in _fichiers().items()],
        "nouvelle": "web",
    }
    reponse = client.post("/collecte/import/", data=envoi, content_type="multipart/form-data")
    page = reponse.get_data(as_text=True)
    assert (
        reponse.status_code == 200
        and "Démarche « web » importée." in page
        and "contributions : 2 créées" in page
    )
    mauvais = {
        "fichiers": [
            (
                __import__("io").BytesIO(
                    _fichiers(contributions=[["PDP-1", "ok", "", "maire"]])["contributions.csv"]
                ),
                "contributions.csv",
            )
        ],
        "demarche": "web",
    }
    refus = client.post("/collecte/import/", data=mauvais, content_type="multipart/form-data")
    assert refus.status_code == 400
    assert "Feuille contributions, ligne 4, colonne profil" in refus.get_data(as_text=True)
    assert _compter(session, Contribution) == 2


def test_import_web_interdit_aux_lecteurs(client, connecter):
    connecter("lecteur")
    assert client.get("/collecte/import/").status_code == 403


def test_numero_de_ligne_du_tableur_malgre_une_cellule_sur_plusieurs_lignes(session):
    fichiers = _fichiers(
        contributions=[
            ["PDP-1", "Première ligne\nDeuxième ligne\nTroisième", "", "habitant"],
            ["PDP-1", "ok", "", "maire"],
        ]
    )
    with pytest.raises(ErreurImport) as erreur:
        importer(session, lire_fichiers_csv(fichiers), "essai")
    assert erreur.value.erreurs == [
        "Feuille contributions, ligne 5, colonne profil : Valeur « maire » inconnue pour profil "
        "(valeurs possibles : habitant, professionnel, benevole, jeune, inconnu)."
    ]


def test_erreur_dans_un_lot_tardif_annule_les_lots_deja_ecrits(session, monkeypatch):
    from collecte.tableurs import paroles as import_paroles

    monkeypatch.setattr(import_paroles, "TAILLE_LOT", 2)
    importer(session, lire_fichiers_csv(_fichiers()), "essai")
    avant = (_compter(session, Contribution), _compter(session, ContributionTheme))
    valides = [["PDP-1", f"Parole n° {i}", "", "habitant", "", "moyens"] for i in range(7)]
    fichiers = _fichiers(contributions=valides + [["PDP-1", "", "", "habitant"]])
    with pytest.raises(ErreurImport) as erreur:
        importer(session, lire_fichiers_csv(fichiers), "essai")
    assert erreur.value.erreurs[0].startswith("Feuille contributions, ligne 11, colonne texte")
    assert (_compter(session, Contribution), _compter(session, ContributionTheme)) == avant
    rapport = importer(session, lire_fichiers_csv(_fichiers(contributions=valides)), "essai")
    assert rapport.comptes["contributions"] == {"creees": 7, "deja_presentes": 2}
    assert _compter(session, ContributionTheme) == avant[1] + 7


def test_une_erreur_de_temps_ne_se_repete_pas_sur_ses_paroles(session):
    fichiers = _fichiers(
        temps=[["PDP-2", "porteur_de_parole", "hier"]],
        contributions=[["PDP-2", "une", "", "habitant"], ["PDP-2", "deux", "", "habitant"]],
    )
    with pytest.raises(ErreurImport) as erreur:
        importer(session, lire_fichiers_csv(fichiers), "essai")
    assert len(erreur.value.erreurs) == 1
    assert erreur.value.erreurs[0].startswith(
        "Feuille temps, ligne 3, colonne date : Date « hier » illisible"
    )


def test_structure_en_double_et_structure_inconnue(session):
    fichiers = _fichiers(
        structures=[["Le Tunnel", "Tours", "", "autre"]],
        temps=[["PDP-2", "autre", "01/03/2024", "", "", "", "Structure fantôme"]],
    )
    with pytest.raises(ErreurImport) as erreur:
        importer(session, lire_fichiers_csv(fichiers), "essai")
    assert erreur.value.erreurs == [
        (
            "Feuille structures, ligne 3, colonne nom : La structure « Le Tunnel » apparaît deux fois dans "
            "la feuille."
        ),
        "Feuille temps, ligne 3, colonne structure : Structure « Structure fantôme » absente de la feuille "
        "structures et de la démarche.",
    ]
    assert _compter(session, Structure) == 0 and _compter(session, Territoire) == 0


def test_colonne_id_identifiant_client(session, creer_demarche, creer_temps):
    autre = creer_temps(creer_demarche(slug="autre"), "X-1", "autre")
    pris = uuid.uuid4()
    session.add(Contribution(temps_id=autre.id, texte="ailleurs", client_uuid=pris))
    session.commit()
    ident = uuid.uuid4()
    entete = CONTRIBUTIONS[0] + ["id"]
    fichiers = _fichiers()
    fichiers["contributions.csv"] = _csv(
        [entete, ["PDP-1", "Avec identifiant", "", "", "", "", "", "", str(ident)]]
    )
    importer(session, lire_fichiers_csv(fichiers), "essai")
    assert (
        session.exec(select(Contribution.texte).where(Contribution.client_uuid == ident)).one()
        == "Avec identifiant"
    )
    for lignes, attendu in [
        (
            [
                ["PDP-1", "a", "", "", "", "", "", "", str(ident)],
                ["PDP-1", "b", "", "", "", "", "", "", str(ident)],
            ],
            "ligne 3, colonne id : L'identifiant",
        ),
        (
            [["PDP-1", "c", "", "", "", "", "", "", "pas-un-uuid"]],
            "ligne 2, colonne id : Identifiant client (UUID)",
        ),
        (
            [["PDP-1", "d", "", "", "", "", "", "", str(pris)]],
            "ligne 2, colonne id : L'identifiant " + str(pris),
        ),
    ]:
        fichiers["contributions.csv"] = _csv([entete] + lignes)
        with pytest.raises(ErreurImport) as erreur:
            importer(session, lire_fichiers_csv(fichiers), "essai")
        assert any(attendu in e for e in erreur.value.erreurs), erreur.value.erreurs
    assert _compter(session, Contribution) == 2


def test_erreur_dans_la_feuille_themes(session):
    fichiers = _fichiers()
    fichiers["themes.csv"] = _csv([["slug", "label"], ["moyens", "Manque de moyens"], ["parentalite", " "]])
    with pytest.raises(ErreurImport) as erreur:
        importer(session, lire_fichiers_csv(fichiers), "essai")
    assert erreur.value.erreurs[0].startswith("Feuille themes, ligne 3, colonne label : ")
    assert _compter(session, Theme) == 0


def test_valeurs_hors_colonnes_et_feuilles_inconnues_signalees(session, tmp_path):
    fichiers = _fichiers()
    fichiers["territoires.csv"] = b"ville;quartier\nTours;Europe;en trop\n"
    fichiers["brouillon.csv"] = b"\xff\xfe pas lu"
    rapport = importer(session, lire_fichiers_csv(fichiers, noms_feuilles()), "essai")
    assert (
        "Feuille territoires : valeurs sans nom de colonne ignorées (ligne(s) 2)." in rapport.avertissements
    )
    assert any("brouillon.csv" in a for a in rapport.avertissements)
    classeur = Workbook()
    classeur.active.title = "Feuil1"
    classeur.active.append(["a", "b"])
    chemin = tmp_path / "vide.xlsx"
    classeur.save(chemin)
    with pytest.raises(ErreurImport) as erreur:
        importer_chemin(session, chemin, "essai")
    assert erreur.value.erreurs[0].startswith("Aucune feuille reconnue (trouvé : Feuil1)")


def test_classeur_xlsx_complet_avec_nombres_dates_et_booleens(session, tmp_path):
    from datetime import date, datetime

    classeur = Workbook()
    classeur.remove(classeur.active)
    for nom, lignes in {
        "Démarche": [["Slug", "Titre", "Date début"], ["xl", "Classeur", date(2024, 1, 15)]],
        "Thèmes": THEMES,
        "Territoires": [["Ville", "Quartier", "Code QPV"], ["Tours", "Europe", "QN03701M"]],
        "Temps": [
            [
                "Réf",
                "Dispositif",
                "Date",
                "Ville",
                "Quartier",
                "Personnes rencontrées",
                "Dont professionnels",
                "Questions",
            ],
            [
                "A1",
                "atelier_echange",
                datetime(2024, 5, 2),
                "Tours",
                "Europe",
                12.0,
                3,
                "Première question ?\nDeuxième question ?",
            ],
        ],
        "Contributions": [
            ["Temps", "Texte", "Thèmes", "À retenir", "Ne pas citer"],
            ["A1", 2024, "moyens ; parentalite", True, False],
            [None, None, None, None, None],
            ["A1", "<script>alert(1)</script>", "", "x", "oui"],
        ],
    }.items():
        feuille = classeur.create_sheet(nom)
        for ligne in lignes:
            feuille.append(ligne)
    chemin = tmp_path / "complet.xlsx"
    classeur.save(chemin)
    rapport = importer_chemin(session, chemin)
    assert rapport.demarche == "xl" and rapport.comptes["contributions"] == {"creees": 2}
    assert session.exec(select(Territoire.code_qpv)).one() == "QN03701M"
    temps = session.exec(select(TempsDeCollecte)).one()
    assert temps.questions == ["Première question ?", "Deuxième question ?"]
    assert (temps.personnes_rencontrees, temps.dont_professionnels) == (12, 3)
    nombre, script = session.exec(select(Contribution).order_by(Contribution.id)).all()
    assert (nombre.texte, nombre.a_retenir, nombre.ne_pas_citer) == ("2024", True, False)
    assert (script.texte, script.a_retenir, script.ne_pas_citer) == ("<script>alert(1)</script>", True, True)
    assert len(theme_ids_de(session, nombre.id)) == 2


def test_un_module_peut_ajouter_une_feuille(session, monkeypatch):
    from collecte.tableurs import import_classeur as import_tableur

    monkeypatch.setattr(import_tableur, "GESTIONNAIRES", dict(import_tableur.GESTIONNAIRES))
    vues = []

    def traiter(ctx, feuille):
        for numero, ligne in ctx.lignes(feuille):
            if ligne["reponse"] == "?":
                ctx.erreur(
                    "reponses", numero, import_tableur.ErreurValidation("réponse illisible.", "reponse")
                )
            vues.append((ctx.structures[ligne["structure"]], ligne["reponse"]))

    import_tableur.enregistrer_gestionnaire(
        import_tableur.Gestionnaire(
            "reponses", frozenset({"structure", "reponse"}), frozenset({"reponse"}), traiter
        ),
        avant="contributions",
    )
    assert list(import_tableur.GESTIONNAIRES)[-2:] == ["reponses", "contributions"]
    fichiers = {
        **_fichiers(),
        "reponses.csv": _csv([["structure", "reponse"], ["Le Tunnel", "Des ordinateurs"]]),
    }
    importer(session, lire_fichiers_csv(fichiers, import_tableur.noms_feuilles()), "essai")
    assert vues == [(session.exec(select(Structure.id)).one(), "Des ordinateurs")]
    fichiers["reponses.csv"] = _csv([["structure", "reponse"], ["Le Tunnel", "?"]])
    with pytest.raises(ErreurImport) as erreur:
        importer(session, lire_fichiers_csv(fichiers), "essai")
    assert erreur.value.erreurs == ["Feuille reponses, ligne 2, colonne reponse : réponse illisible."]


def test_zip_de_csv_et_fichier_xls_refuse(session):
    import io
    import zipfile

    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive:
        for nom, contenu in _fichiers("cp1252", ",").items():
            archive.writestr(f"campagne/{nom}", contenu)
    rapport = importer_envoi(session, {"campagne.zip": tampon.getvalue()}, "zip")
    assert rapport.comptes["contributions"] == {"creees": 2}
    with pytest.raises(ErreurImport) as erreur:
        importer_envoi(session, {"campagne.xls": b"\xd0\xcf\x11\xe0"}, "zip")
    assert "réenregistrez-les" in erreur.value.erreurs[0]


def test_demo_le_mot_de_passe_affiche_ouvre_une_session(runner, client):
    premiere = runner.invoke(args=["demo", "--sans-serveur", "--port", "5077"])
    assert premiere.exit_code == 0, premiere.output
    assert "127.0.0.1" not in premiere.output  # aucune adresse annoncée : rien n'est servi
    seconde = runner.invoke(args=["demo", "--sans-serveur"])
    ancien = premiere.output.split("Mot de passe   : ")[1].split()[0]
    nouveau = seconde.output.split("Mot de passe   : ")[1].split()[0]
    assert ancien != nouveau
    refus = client.post("/comptes/connexion", data={"identifiant": "demo", "mot_de_passe": ancien})
    assert refus.status_code != 302
    entree = client.post("/comptes/connexion", data={"identifiant": "demo", "mot_de_passe": nouveau})
    assert entree.status_code == 302
    assert "Importer un classeur" in client.get("/collecte/import/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("fichiers", "message"),
    [
        ([], "Aucun fichier reçu"),
        ([(b"", "contributions.csv")], "Aucun fichier reçu (ou fichier vide)."),
        ([(b"PK\x03\x04", "classeur.ods")], "les fichiers .xls, .ods ou .txt ne sont pas lus"),
        ([(b"\x81\x8d\x8f", "temps.csv")], "temps.csv : encodage illisible"),
        ([(b"a;b\n", "Feuil1.csv")], "Aucune feuille reconnue (trouvé : Feuil1.csv)"),
    ],
)
def test_import_web_messages_d_erreur(client, connecter, session, fichiers, message):
    import io

    connecter("animateur")
    envoi = {"fichiers": [(io.BytesIO(contenu), nom) for contenu, nom in fichiers], "nouvelle": "web"}
    reponse = client.post("/collecte/import/", data=envoi, content_type="multipart/form-data")
    page = reponse.get_data(as_text=True)
    assert reponse.status_code == 400
    assert "Import refusé : rien n'a été écrit." in page and message.replace("'", "&#39;") in page
    assert _compter(session, Contribution) == 0


def test_livre_de_codes_absent_explique_et_slug_tire_de_la_feuille_demarche(runner, session):
    dossier = EXEMPLES / "numerique-citoyennete"
    sans_livre = runner.invoke(args=["import", str(dossier)])
    assert sans_livre.exit_code == 1
    # Une seule erreur, pour une seule cause, qui dit quoi faire (et non 50 lignes « thème inconnu »).
    erreurs = [l for l in sans_livre.output.splitlines() if l.startswith("  - ")]
    assert erreurs == [
        "  - La démarche « numerique-citoyennete » n'a encore aucun thème, et des thèmes sont cités "
        "(feuille temps : 15 lignes ; feuille contributions : 182 lignes). Ajoutez une feuille themes au "
        "classeur, ou donnez son livre de codes avec l'option --themes (parole import CHEMIN --themes "
        "LIVRE.yaml ; fichier .yaml, .csv ou .qdc), ou importez-le d'abord (menu Thèmes)."
    ]
    assert _compter(session, Contribution) == 0
    avec_livre = runner.invoke(args=["import", str(dossier), "--themes", str(EXEMPLES / "themes.yaml")])
    assert avec_livre.exit_code == 0, avec_livre.output
    assert avec_livre.output.splitlines()[1:3] == ["  démarche : 1 créée", "  thèmes : 20 créés"]
    assert "contributions : 182 créées" in avec_livre.output and "réponses : 4 créées" in avec_livre.output
    encore = runner.invoke(args=["import", str(dossier), "--themes", str(EXEMPLES / "themes.yaml")])
    assert "thèmes : 20 inchangés" in encore.output and "mis à jour" not in encore.output
    assert "temps : 17 inchangés" in encore.output and "contributions : 182 déjà présentes" in encore.output


def test_un_theme_vraiment_modifie_est_compte_mis_a_jour(session):
    importer(session, lire_fichiers_csv(_fichiers()), "essai")
    fichiers = _fichiers()
    fichiers["themes.csv"] = _csv([THEMES[0], THEMES[1], ["moyens", "Manque de moyens humains"]])
    rapport = importer(session, lire_fichiers_csv(fichiers), "essai")
    assert "thèmes : 1 mis à jour, 1 inchangé" in rapport.lignes()
    assert session.exec(select(Theme.label).where(Theme.slug == "moyens")).one() == "Manque de moyens humains"
