"""Chaque formulaire du back office rempli dans un vrai Chromium, à la taille d'une tablette et d'un
téléphone : clics, saisie au clavier, validation du navigateur active (aucun `novalidate`). Après chaque
envoi, le test relit la base : ce qu'un navigateur envoie est bien ce qui est enregistré."""

from __future__ import annotations

import csv
import re

import pytest
import yaml
from PIL import Image
from sqlmodel import select

from collecte.modele.models import (
    AliasTheme,
    Contribution,
    ContributionTheme,
    Demarche,
    Invitation,
    Photo,
    Structure,
    TempsDeCollecte,
    TempsTheme,
    Territoire,
    TexteRestitution,
    Theme,
    Utilisateur,
)
from questionnaires import charger_tous
from tests.conftest import EXEMPLES, TABLETTE, TELEPHONE

pytestmark = pytest.mark.navigateur

TAILLES = [pytest.param(TABLETTE, id="tablette"), pytest.param(TELEPHONE, id="telephone")]


@pytest.fixture(params=TAILLES)
def ouvrir(request, serveur_live, nouvelle_page, connecter_page):
    """ouvrir(role) → une page connectée à la taille du paramètre (tablette puis téléphone)."""

    def _ouvrir(role: str = "animateur"):
        page = nouvelle_page(viewport=request.param, has_touch=True)
        connecter_page(page, serveur_live, role)
        page.base = serveur_live
        return page

    return _ouvrir


def envoyer(page, bouton) -> None:
    """Clique le bouton d'envoi et attend la page que le serveur renvoie."""
    with page.expect_navigation():
        bouton.click()


def message(page) -> str:
    return page.locator(".messages").inner_text()


def relire(session, modele, *conditions):
    """Les lignes de `modele` telles que la base les tient maintenant, par clé primaire."""
    session.expire_all()
    cle = modele.__table__.primary_key.columns
    return session.exec(select(modele).where(*conditions).order_by(*cle)).all()


def bloque_par_le_navigateur(champ) -> str:
    """Le message de validation du navigateur sur `champ` (vide si le champ est valide)."""
    return champ.evaluate("c => c.validationMessage")


def accepter_les_confirmations(page) -> list[str]:
    """Accepte chaque boîte de confirmation ; renvoie la liste (remplie au fil) de leurs messages."""
    messages = []

    def accepter(boite):
        messages.append(boite.message)
        boite.accept()

    page.on("dialog", accepter)
    return messages


# --- Démarche, territoire, structure -------------------------------------------------------------


def test_demarche_territoire_et_structure(ouvrir, session):
    page = ouvrir()
    page.goto(f"{page.base}/demarches/")
    page.get_by_role("link", name="Nouvelle démarche").click()
    page.get_by_role("textbox", name="Titre", exact=True).press_sequentially("Écoute du Clos du Roy")
    page.get_by_label("Identifiant court (facultatif)").fill("clos-du-roy")
    page.get_by_label("Commanditaire").fill("Ville de Vierzon (fictive)")
    page.get_by_label("Début").fill("2025-03-01")
    page.get_by_label("Fin", exact=True).fill("2025-06-30")
    page.get_by_label("Description").fill("Trois mois d'écoute sur la place du marché.")
    envoyer(page, page.get_by_role("button", name="Enregistrer"))
    assert "Démarche « Écoute du Clos du Roy » créée." in message(page)
    (demarche,) = relire(session, Demarche, Demarche.slug == "clos-du-roy")
    assert (demarche.titre, demarche.commanditaire) == ("Écoute du Clos du Roy", "Ville de Vierzon (fictive)")
    assert (demarche.date_debut.isoformat(), demarche.date_fin.isoformat()) == ("2025-03-01", "2025-06-30")

    page.get_by_role("link", name="Modifier", exact=True).first.click()
    page.get_by_role("textbox", name="Titre", exact=True).fill("Écoute du Clos du Roy 2025")
    page.get_by_label("Démarche clôturée").check()
    envoyer(page, page.get_by_role("button", name="Enregistrer"))
    assert "Démarche mise à jour." in message(page)
    (demarche,) = relire(session, Demarche, Demarche.slug == "clos-du-roy")
    assert (demarche.titre, demarche.cloturee) == ("Écoute du Clos du Roy 2025", True)

    page.get_by_label("Ville").fill("Vierzon")
    page.get_by_label("Quartier").fill("Clos du Roy")
    page.get_by_label("Code QPV").fill("QN01801M")
    envoyer(page, page.get_by_role("button", name="Ajouter le territoire"))
    assert "Territoire enregistré." in message(page)
    (territoire,) = relire(session, Territoire, Territoire.demarche_id == demarche.id)
    assert (territoire.ville, territoire.quartier, territoire.code_qpv) == (
        "Vierzon",
        "Clos du Roy",
        "QN01801M",
    )

    page.get_by_role("link", name="Ajouter une structure").click()
    page.get_by_role("textbox", name="Nom", exact=True).press_sequentially("Centre social du Tunnel")
    page.get_by_label("Territoire").select_option(label="Vierzon – Clos du Roy")
    page.get_by_label("Typologie").select_option("proposante")
    page.get_by_label("Offre numérique (accompagnement proposé)").fill("Permanence le mardi.")
    envoyer(page, page.get_by_role("button", name="Enregistrer"))
    assert "Structure enregistrée." in message(page)
    (structure,) = relire(session, Structure, Structure.demarche_id == demarche.id)
    assert (structure.nom, structure.territoire_id, structure.typologie, structure.offre_numerique) == (
        "Centre social du Tunnel",
        territoire.id,
        "proposante",
        "Permanence le mardi.",
    )

    page.get_by_role("link", name="Centre social du Tunnel").click()
    page.get_by_label("Horaires").fill("Mardi 14 h – 17 h")
    page.get_by_label("Territoire").select_option("")
    envoyer(page, page.get_by_role("button", name="Enregistrer"))
    (structure,) = relire(session, Structure, Structure.demarche_id == demarche.id)
    assert (structure.horaires, structure.territoire_id) == ("Mardi 14 h – 17 h", None)


# --- Temps de collecte ---------------------------------------------------------------------------


@pytest.fixture
def demarche_equipee(creer_demarche, creer_territoire, creer_structure, creer_theme):
    demarche = creer_demarche()
    territoire = creer_territoire(demarche)
    structure = creer_structure(demarche, territoire=territoire)
    themes = [
        creer_theme(demarche, slug="acces-droits", label="Accès aux droits", ordre=1),
        creer_theme(demarche, slug="isolement", label="Isolement", ordre=2),
    ]
    return demarche, territoire, structure, themes


def test_temps_de_collecte_avec_jeu_de_questions(ouvrir, session, app, demarche_equipee, tmp_path):
    demarche, territoire, structure, themes = demarche_equipee
    jeu = next(
        d
        for d in charger_tous(app.config["QUESTIONNAIRES_DIR"])
        if d.usage == "seance" and d.dispositif == "porteur_de_parole"
    )
    question_du_jeu = jeu.questions[0].intitule
    page = ouvrir()
    page.goto(f"{page.base}/collecte/temps/?demarche={demarche.slug}")
    page.get_by_role("link", name="Nouveau temps").click()
    page.get_by_label("Dispositif").select_option("porteur_de_parole")
    page.get_by_label(re.compile(r"^Date\b")).fill("2025-04-12")
    page.get_by_label("Territoire").select_option(str(territoire.id))
    page.get_by_label("Structure partenaire").select_option(label=structure.nom)
    page.get_by_label("Lieu", exact=True).press_sequentially("Place du marché")
    page.get_by_label("Questions affichées (une par ligne)").fill("Le numérique vous aide-t-il ?")
    page.get_by_label(question_du_jeu, exact=True).check()
    page.get_by_label("Isolement").check()
    page.get_by_label("Personnes rencontrées").press_sequentially("12")
    page.get_by_label("dont professionnel·les").press_sequentially("3")
    envoyer(page, page.get_by_role("button", name="Enregistrer"))
    assert "créé." in message(page)
    (temps,) = relire(session, TempsDeCollecte, TempsDeCollecte.demarche_id == demarche.id)
    assert (temps.date.isoformat(), temps.territoire_id, temps.structure_id, temps.lieu) == (
        "2025-04-12",
        territoire.id,
        structure.id,
        "Place du marché",
    )
    assert temps.questions == ["Le numérique vous aide-t-il ?", question_du_jeu]
    assert (temps.personnes_rencontrees, temps.dont_professionnels) == (12, 3)
    assert [t.theme_id for t in relire(session, TempsTheme, TempsTheme.temps_id == temps.id)] == [
        themes[1].id
    ]

    photo = tmp_path / "tableau.png"
    Image.new("RGB", (40, 30), "teal").save(photo)
    page.get_by_label("Photos du tableau, des post-its ou des croquis").set_input_files(photo)
    page.get_by_label("Légende (facultative)").fill("Le tableau de fin de séance")
    envoyer(page, page.get_by_role("button", name="Ajouter les photos"))
    assert "Photo « tableau.png » ajoutée." in message(page)
    assert [p.legende for p in relire(session, Photo, Photo.temps_id == temps.id)] == [
        "Le tableau de fin de séance"
    ]

    page.get_by_role("link", name="Modifier", exact=True).click()
    personnes = page.get_by_label("Personnes rencontrées")
    personnes.fill("")
    personnes.press_sequentially("-2")
    page.get_by_role("button", name="Enregistrer").click()
    assert bloque_par_le_navigateur(personnes)  # min="0" lu par le navigateur
    personnes.fill("")
    personnes.press_sequentially("15")
    page.get_by_label("Isolement").uncheck()
    page.get_by_label("Accès aux droits").check()
    envoyer(page, page.get_by_role("button", name="Enregistrer"))
    assert "Temps de collecte mis à jour." in message(page)
    (temps,) = relire(session, TempsDeCollecte, TempsDeCollecte.id == temps.id)
    assert temps.personnes_rencontrees == 15
    assert temps.questions == ["Le numérique vous aide-t-il ?", question_du_jeu]
    assert [t.theme_id for t in relire(session, TempsTheme, TempsTheme.temps_id == temps.id)] == [
        themes[0].id
    ]


# --- Livre de codes ------------------------------------------------------------------------------


def ligne_du_theme(page, label: str):
    return page.locator("tbody tr").filter(has=page.locator("strong", has_text=label))


def test_themes_creer_modifier_reordonner_fusionner_supprimer(
    ouvrir, session, demarche_equipee, creer_temps, creer_contribution
):
    demarche, _territoire, _structure, (acces, isolement) = demarche_equipee
    parole = creer_contribution(creer_temps(demarche), themes=[isolement])
    page = ouvrir()
    page.goto(f"{page.base}/collecte/themes/?demarche={demarche.slug}")
    page.get_by_role("link", name="Nouveau thème").click()
    page.get_by_role("textbox", name="Libellé").press_sequentially("Manque de moyens")
    slug = page.get_by_role("textbox", name="Identifiant (slug)")
    slug.press_sequentially("Manque moyens")
    page.get_by_role("button", name="Enregistrer").click()
    assert bloque_par_le_navigateur(slug)  # le motif du serveur, appliqué par le navigateur
    assert "/collecte/themes/nouveau" in page.url
    slug.fill("")
    slug.press_sequentially("manque-moyens")
    assert bloque_par_le_navigateur(slug) == ""
    page.get_by_label("Couleur (#rrggbb)").press_sequentially("#AA3300")
    page.get_by_label("Mots-clés indicatifs (un par ligne)").fill("budget\npersonnel")
    envoyer(page, page.get_by_role("button", name="Enregistrer"))
    assert "Thème enregistré." in message(page)
    (nouveau,) = relire(session, Theme, Theme.slug == "manque-moyens")
    assert (nouveau.label, nouveau.couleur, nouveau.mots_cles) == (
        "Manque de moyens",
        "#aa3300",
        ["budget", "personnel"],
    )

    ligne_du_theme(page, "Manque de moyens").get_by_role("link", name="Modifier").click()
    page.get_by_role("textbox", name="Libellé").fill("Manque de moyens humains")
    page.get_by_label("Thème parent").select_option(label="Accès aux droits")
    envoyer(page, page.get_by_role("button", name="Enregistrer"))  # un thème existant s'enregistre tel quel
    (nouveau,) = relire(session, Theme, Theme.id == nouveau.id)
    assert (nouveau.label, nouveau.slug, nouveau.parent_id) == (
        "Manque de moyens humains",
        "manque-moyens",
        acces.id,
    )

    envoyer(page, page.get_by_role("button", name="Monter « Manque de moyens humains »"))
    ordre = [
        t.slug
        for t in sorted(
            relire(session, Theme, Theme.demarche_id == demarche.id), key=lambda t: (t.ordre, t.id)
        )
    ]
    assert ordre == ["acces-droits", "manque-moyens", "isolement"]

    ligne = ligne_du_theme(page, "Isolement")
    ligne.get_by_label("Fusionner « Isolement » dans").select_option(label="Accès aux droits")
    envoyer(page, ligne.get_by_role("button", name="Fusionner"))
    assert "« Isolement » fusionné dans « Accès aux droits » : 1 parole(s) reportée(s)." in message(page)
    assert relire(session, Theme, Theme.slug == "isolement") == []
    assert [a.theme_id for a in relire(session, AliasTheme, AliasTheme.slug == "isolement")] == [acces.id]
    etiquettes = relire(session, ContributionTheme, ContributionTheme.contribution_id == parole.id)
    assert [e.theme_id for e in etiquettes] == [acces.id]

    confirmations = accepter_les_confirmations(page)
    envoyer(page, ligne_du_theme(page, "Manque de moyens humains").get_by_role("button", name="Supprimer"))
    assert confirmations == ["Supprimer ce thème ? 0 parole(s) perdront cette étiquette."]
    assert "Thème « Manque de moyens humains » supprimé" in message(page)
    assert [t.slug for t in relire(session, Theme, Theme.demarche_id == demarche.id)] == ["acces-droits"]


# --- Comptes -------------------------------------------------------------------------------------


def test_comptes_creer_modifier_supprimer(ouvrir, session):
    page = ouvrir("admin")
    page.goto(f"{page.base}/comptes/")
    page.get_by_label("Identifiant").press_sequentially("camille")
    page.get_by_label("Nom affiché").fill("Camille Martin")
    page.get_by_label("Rôle", exact=True).select_option(label="Lecteur·rice")
    page.get_by_label("Mot de passe (10 caractères au moins)").press_sequentially("un-bon-mot-de-passe")
    envoyer(page, page.get_by_role("button", name="Créer le compte"))
    assert "Compte « camille » créé." in message(page)
    (camille,) = relire(session, Utilisateur, Utilisateur.identifiant == "camille")
    assert (camille.nom, camille.role, camille.actif) == ("Camille Martin", "lecteur", True)

    page.get_by_label("Rôle de camille").select_option("animateur")
    page.get_by_label("Compte camille actif").uncheck()
    ligne = page.locator("tbody tr").filter(has_text="camille")
    envoyer(page, ligne.get_by_role("button", name="Enregistrer"))
    assert "Compte « camille » mis à jour." in message(page)
    (camille,) = relire(session, Utilisateur, Utilisateur.identifiant == "camille")
    assert (camille.role, camille.actif) == ("animateur", False)

    page.get_by_role("link", name="Supprimer le compte camille").click()
    envoyer(page, page.get_by_role("button", name="Supprimer le compte"))
    assert "Compte « camille » supprimé" in message(page)
    assert relire(session, Utilisateur, Utilisateur.identifiant == "camille") == []


# --- Import : livre de codes puis classeur de l'exemple ------------------------------------------


def colonne_csv(nom: str, colonne: str) -> list[str]:
    with (EXEMPLES / "numerique-citoyennete" / nom).open(encoding="utf-8-sig", newline="") as fichier:
        return [ligne[colonne] for ligne in csv.DictReader(fichier, delimiter=";")]


def lignes_csv(nom: str) -> int:
    with (EXEMPLES / "numerique-citoyennete" / nom).open(encoding="utf-8-sig", newline="") as fichier:
        return sum(1 for _ in csv.DictReader(fichier, delimiter=";"))


def test_importer_le_livre_de_codes_puis_le_classeur_exemple(ouvrir, session, creer_demarche):
    demarche = creer_demarche(slug="numerique-citoyennete", titre="Numérique et citoyenneté")
    page = ouvrir()
    page.goto(f"{page.base}/collecte/themes/?demarche={demarche.slug}")
    page.get_by_label("Livre de codes (.yaml, .csv ou .qdc)").set_input_files(EXEMPLES / "themes.yaml")
    envoyer(page, page.get_by_role("button", name="Importer"))
    assert "Livre de codes importé" in message(page)
    attendus = [t["slug"] for t in yaml.safe_load((EXEMPLES / "themes.yaml").read_text("utf-8"))["themes"]]
    themes = relire(session, Theme, Theme.demarche_id == demarche.id)
    assert sorted(t.slug for t in themes) == sorted(attendus)

    page.goto(f"{page.base}/collecte/import/")
    page.get_by_label("Classeur .xlsx, fichiers .csv").set_input_files(
        sorted((EXEMPLES / "numerique-citoyennete").glob("*.csv"))
    )
    page.get_by_label("Démarche existante").select_option(demarche.slug)
    envoyer(page, page.get_by_role("button", name="Importer"))
    assert "Démarche « numerique-citoyennete » importée." in page.locator(".message.succes").inner_text()
    temps = relire(session, TempsDeCollecte, TempsDeCollecte.demarche_id == demarche.id)
    # les réponses papier (feuille reponses) ont chacune leur temps « questionnaire-n »
    assert sorted(t.ref for t in temps if not t.ref.startswith("questionnaire-")) == sorted(
        colonne_csv("temps.csv", "ref")
    )
    ids = [t.id for t in temps]
    paroles = relire(session, Contribution, Contribution.temps_id.in_(ids), Contribution.reponse_id.is_(None))
    assert len(paroles) == lignes_csv("contributions.csv")
    assert len(relire(session, Structure, Structure.demarche_id == demarche.id)) == lignes_csv(
        "structures.csv"
    )


# --- Revue : modifier une parole, action groupée -------------------------------------------------


def test_revue_modifier_une_parole_et_action_groupee(
    ouvrir, session, demarche_equipee, creer_temps, creer_contribution
):
    demarche, _territoire, _structure, (acces, isolement) = demarche_equipee
    temps = creer_temps(demarche)
    premiere = creer_contribution(temps, texte="Je fais tout sur le téléphone.", themes=[acces])
    seconde = creer_contribution(temps, texte="Personne pour m'aider à la mairie.")
    page = ouvrir()
    # Le premier affichage de la revue examine les paroles : le modèle spaCy se charge alors (une fois par
    # processus), ce qui dépasse le délai habituel sur une machine chargée.
    page.goto(f"{page.base}/collecte/revue/?demarche={demarche.slug}", timeout=60_000)
    page.locator(f"#parole-{premiere.id}").get_by_role("link", name="Modifier").click()
    page.get_by_label("Texte (tel que dit)").fill("Je fais tout sur le téléphone, même la CAF.")
    page.get_by_label("★ À retenir pour le livret").check()
    page.locator("#puces-themes").get_by_text("Isolement").click()
    envoyer(page, page.get_by_role("button", name="Enregistrer"))
    assert "Parole mise à jour." in message(page)
    (premiere,) = relire(session, Contribution, Contribution.id == premiere.id)
    assert (premiere.texte, premiere.a_retenir) == ("Je fais tout sur le téléphone, même la CAF.", True)
    etiquettes = relire(session, ContributionTheme, ContributionTheme.contribution_id == premiere.id)
    assert sorted(e.theme_id for e in etiquettes) == sorted([acces.id, isolement.id])

    page.get_by_label(f"Sélectionner la parole n° {premiere.id}").check()
    page.get_by_label(f"Sélectionner la parole n° {seconde.id}").check()
    page.get_by_label("Pour les paroles cochées").select_option("ajouter_theme")
    page.get_by_label("Thème", exact=True).last.select_option(label="Isolement")
    envoyer(page, page.get_by_role("button", name="Appliquer"))
    assert "parole(s) modifiée(s)." in message(page)
    etiquettes = relire(session, ContributionTheme, ContributionTheme.contribution_id == seconde.id)
    assert [e.theme_id for e in etiquettes] == [isolement.id]


# --- Restitution : textes du livret --------------------------------------------------------------


def test_textes_de_la_restitution(ouvrir, session, creer_demarche):
    demarche = creer_demarche()
    page = ouvrir()
    page.goto(f"{page.base}/restitution/{demarche.slug}")
    page.get_by_role("link", name="Modifier « Couverture »").click()
    page.get_by_label("Titre de couverture").fill("Ce que disent les quartiers")
    page.get_by_label("Sous-titre").fill("")
    page.get_by_label("Sous-titre").press_sequentially("Printemps 2025")
    envoyer(page, page.get_by_role("button", name="Enregistrer"))
    page.get_by_role("link", name="Ajouter un axe de préconisations").click()
    page.get_by_label("Nom de l'axe").fill("Coordonner les lieux d'aide")
    page.get_by_label("Préconisations (une par ligne)").fill("Un annuaire partagé\nUne permanence commune")
    envoyer(page, page.get_by_role("button", name="Enregistrer"))
    textes = {
        t.cle: t for t in relire(session, TexteRestitution, TexteRestitution.demarche_id == demarche.id)
    }
    assert (textes["couverture"].titre, textes["couverture"].contenu) == (
        "Ce que disent les quartiers",
        "Printemps 2025",
    )
    (axe,) = [t for cle, t in textes.items() if cle != "couverture"]
    assert (axe.titre, axe.contenu) == (
        "Coordonner les lieux d'aide",
        "Un annuaire partagé\nUne permanence commune",
    )


# --- Questionnaires : invitations ----------------------------------------------------------------


def test_inviter_puis_revoquer(ouvrir, session, app, demarche_equipee, creer_structure):
    demarche, _territoire, structure, _themes = demarche_equipee
    autre = creer_structure(demarche, nom="Médiathèque Romain-Rolland")
    aux_structures = [d for d in charger_tous(app.config["QUESTIONNAIRES_DIR"]) if d.usage == "structures"]
    page = ouvrir()
    page.goto(f"{page.base}/questionnaires/{demarche.slug}")
    page.get_by_label("Questionnaire", exact=True).select_option(aux_structures[0].nom)
    page.get_by_label(autre.nom).uncheck()
    page.get_by_label("Expire le (facultatif)").fill("2031-05-31")
    envoyer(page, page.get_by_role("button", name="Créer les liens"))
    assert "1 lien(s) créé(s)" in message(page)
    (invitation,) = relire(session, Invitation, Invitation.demarche_id == demarche.id)
    assert (invitation.structure_id, invitation.questionnaire) == (structure.id, aux_structures[0].nom)
    assert invitation.expire_le.date().isoformat() in {"2031-05-31", "2031-06-01"}  # 23 h 59, heure de Paris
    assert invitation.jeton in page.get_by_label(f"Lien de {structure.nom}").input_value()

    confirmations = accepter_les_confirmations(page)
    envoyer(page, page.get_by_role("button", name="Révoquer"))
    assert confirmations == ["Révoquer ce lien ? La structure ne pourra plus l'ouvrir."]  # une fois, pas deux
    assert "révoqué" in message(page)
    (invitation,) = relire(session, Invitation, Invitation.id == invitation.id)
    assert invitation.revoquee_le is not None
