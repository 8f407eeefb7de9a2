"""Chemins rapides de l'import : la validation préparée une fois par import et la normalisation par table
donnent exactement ce que donnent les validateurs de référence et le calcul des empreintes figé dans la
migration 0007 (les empreintes déjà en base restent comparables aux nouvelles)."""

from __future__ import annotations

import csv
import gc
import importlib.util
import io
import random
import uuid
from pathlib import Path

import pytest
from sqlmodel import select

from collecte.modele import champs as registre_des_champs
from collecte.modele import validation
from collecte.modele.champs import (
    CHOIX,
    Champ,
    registre,
    validateur,
    validation_des_lignes,
    valider_champ,
    valider_contribution,
)
from collecte.modele.models import Contribution, ContributionTheme, TempsDeCollecte, Theme
from collecte.modele.validation import (
    ErreurValidation,
    empreintes,
    normaliser,
    valider_date,
    valider_slugs_themes,
    valider_texte,
)
from collecte.tableurs import import_classeur
from collecte.tableurs.contexte import message_erreur
from collecte.tableurs.entrees import importer_chemin, importer_envoi
from collecte.tableurs.import_classeur import ErreurImport, importer, noms_feuilles
from collecte.tableurs.lecture import lire_fichiers_csv
from collecte.tableurs.paroles import ESPACE_PAROLES, uuid_parole

MIGRATION_0007 = (
    Path(registre_des_champs.__file__).parent / "migrations" / "versions" / "0007_empreintes_et_version.py"
)
# Les deux dernières clés ne sont pas des slugs : aucune valeur ne doit les atteindre sans être nettoyée.
THEMES = {"parentalite": 1, "moyens": 2, "ancien-slug": 1, " espace ": 3, "a;b": 4}
TEXTE_LONG = "Une phrase qui revient. " * 900  # au-delà des 20 000 caractères d'une parole

# Valeurs telles qu'un tableur les donne : propres, à nettoyer, vides, fausses, d'un autre type.
VALEURS = [
    None,
    "",
    "   ",
    "habitant",
    " habitant ",
    "HABITANT",
    "maire",
    "60_plus",
    "inconnu",
    "oui",
    "Oui ",
    "x",
    "NON",
    "peut-être",
    "1",
    1,
    0,
    1.0,
    True,
    False,
    "parentalite",
    "parentalite;moyens",
    "parentalite ; moyens",
    "moyens;moyens;parentalite",
    "ancien-slug",
    "parentalite;",
    ";",
    "inconnu;parentalite",
    " espace ",
    "a;b",
    ["parentalite", "moyens"],
    "Bonjour à tous",
    "  Bonjour\r\nà tous  ",
    "Texte avec \x07 une sonnerie",
    "Texte qui s'inverse \u202e ici",
    "a" * 2_001,
    TEXTE_LONG,
]


def _migration_0007():
    spec = importlib.util.spec_from_file_location("migration_0007", MIGRATION_0007)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _resultat(valider, valeur):
    """Ce qu'un validateur fait d'une valeur : ("valeur", résultat, type) ou ("refus", message, champ)."""
    try:
        resultat = valider(valeur)
    except ErreurValidation as erreur:
        return ("refus", erreur.message, erreur.champ)
    return ("valeur", resultat, type(resultat))


def test_normaliser_donne_le_calcul_de_la_migration_pour_chaque_caractere_unicode():
    reference = _migration_0007()._normaliser
    differents = [
        hex(code)
        for code in range(0x110000)
        if not 0xD800 <= code <= 0xDFFF and normaliser(chr(code)) != reference(chr(code))
    ]
    assert differents == []
    assert len(validation._NORMALISES) <= validation.CARACTERES_GARDES  # tout Unicode n'est pas gardé


def test_normaliser_et_empreintes_donnent_le_calcul_de_la_migration_sur_des_textes_melanges():
    migration = _migration_0007()
    hasard = random.Random(20261130)
    morceaux = [
        *"aàâéèêëïîôùûüÿçœæ AÀÉÇŒ'’-!?.,;:…«»\n\t_0123456789½²ﬁßİΣςσ",
        "\u0301",
        "\u0327",
        "🙏",
        "👍🏽",
    ]
    morceaux += ["ǅ", "ﷺ", "㎏", "ᾈ", "한", "Ⅻ", "\u00a0", "\u2009", "e\u0301", "ǈ", "ŉ"]
    for _ in range(3_000):
        texte = "".join(hasard.choice(morceaux) for _ in range(hasard.randint(0, 90)))
        assert normaliser(texte) == migration._normaliser(texte), repr(texte)
        assert empreintes(texte) == migration._empreintes(texte), repr(texte)
    assert normaliser("Ça m'énerve !") == migration._normaliser("Ça m'énerve !")


@pytest.mark.parametrize("champ", registre(), ids=lambda c: c.nom)
def test_le_validateur_prepare_d_un_champ_rend_la_meme_valeur_et_le_meme_message(champ):
    prepare = validateur(champ, THEMES)
    for valeur in VALEURS:
        attendu = _resultat(lambda v: valider_champ(champ, v, THEMES), valeur)
        assert _resultat(prepare, valeur) == attendu, (champ.nom, valeur)


def test_un_validateur_prepare_ne_garde_pas_la_liste_rendue_d_une_ligne_a_l_autre():
    themes = validateur(next(c for c in registre() if c.nom == "themes"), THEMES)
    premiere = themes("")
    premiere.append(99)
    assert themes("") == [] and themes(None) == []


def _reference(ligne: dict) -> dict:
    """La validation d'une ligne telle qu'elle se faisait champ par champ."""
    valeurs = vars(valider_contribution(ligne, THEMES)).copy()
    autres = {c.nom: valider_champ(c, ligne.get(c.nom)) for c in registre() if c.importe and not c.saisie}
    return {**valeurs, **autres}


@pytest.mark.parametrize(
    "ligne",
    [
        {"texte": "Bonjour", "profil": "habitant", "themes": "parentalite;moyens", "a_retenir": "oui"},
        {"texte": "  Bonjour\r\n ", "profil": " jeune", "themes": " moyens ", "masquee": "Oui"},
        {"texte": "Bonjour", "nature": "postit", "genre": "", "ne_pas_citer": "x", "question": "  "},
        # Plusieurs erreurs : la première dans l'ordre du registre l'emporte, comme avant.
        {"texte": "", "profil": "maire", "a_retenir": "peut-être"},
        {"texte": "Bonjour", "profil": "maire", "a_retenir": "peut-être"},
        {"texte": "Bonjour", "tranche_age": "40-50", "themes": "inconnu"},
        {"texte": "Bonjour", "themes": "inconnu", "masquee": "peut-être"},
        {"texte": "Bonjour", "masquee": "peut-être"},
        {"texte": TEXTE_LONG},
    ],
)
def test_la_validation_preparee_d_une_ligne_rend_la_meme_ligne_ou_la_meme_premiere_erreur(ligne):
    assert _resultat(validation_des_lignes(THEMES), ligne) == _resultat(_reference, ligne)


def test_la_validation_preparee_suit_le_registre():
    """Un champ ajouté au registre est validé sans rien déclarer ailleurs."""
    langue = Champ("langue", "Langue", CHOIX, {"fr": "français", "br": "breton"}, defaut="fr")
    champs = (*registre(), langue)
    valider = validation_des_lignes(THEMES, champs)
    assert valider({"texte": "Demat", "langue": "br"})["langue"] == "br"
    assert valider({"texte": "Bonjour"})["langue"] == "fr"
    with pytest.raises(ErreurValidation) as erreur:
        valider({"texte": "Hello", "langue": "en"})
    with pytest.raises(ErreurValidation) as attendue:
        valider_champ(langue, "en")
    assert (erreur.value.message, erreur.value.champ) == (attendue.value.message, "langue")


def test_uuid_parole_est_l_uuid5_de_la_demarche_du_temps_du_texte_et_du_rang():
    for texte, rang in (("Bonjour à tous 🙏", 1), ("Bonjour à tous 🙏", 2), ("", 1)):
        nom = f"essai\x1fPDP-1\x1f{texte}\x1f{rang}"
        assert uuid_parole("essai", "PDP-1", texte, rang) == uuid.uuid5(ESPACE_PAROLES, nom)


# --- De bout en bout : un classeur importé --------------------------------------------------------

COLONNES_TEMPS = ["ref", "dispositif", "date", "ville", "lieu"]
COLONNES = ["temps", "texte", "question", "profil", "tranche_age", "themes", "a_retenir", "masquee"]
TEMPS_BON = ["PDP-1", "porteur_de_parole", "05/03/2024", "Vierzon", "Marché"]


def _csv(lignes) -> bytes:
    sortie = io.StringIO()
    csv.writer(sortie, delimiter=";", lineterminator="\r\n").writerows(lignes)
    return sortie.getvalue().encode("utf-8")


def _importer(session, temps, contributions):
    return importer(session, lire_fichiers_csv(_fichiers(temps, contributions), noms_feuilles()), "essai")


# Cellules propres (le chemin rapide) et cellules à nettoyer (le validateur de référence).
ATELIER = "Il faudrait un atelier pour les papiers de la CAF"
PAROLES = [
    ["PDP-1", ATELIER, "", "habitant", "60_plus", "moyens", "oui", ""],
    [" PDP-1 ", " Bus du soir\r\nsupprimé ", "  ", " jeune ", "", "parentalite ; moyens", "Oui ", "x"],
    ["PDP-1", "Ça m'énerve… vraiment ! 🙏 " * 3, "Une question ?", "", "18_25", "moyens;moyens", "NON", ""],
    ["PDP-1", ATELIER, "", "habitant", "60_plus", "moyens", "oui", ""],  # doublon exact : rang 2
]


def test_chaque_parole_importee_est_celle_que_donnent_les_validateurs_de_reference(session):
    rapport = _importer(session, [TEMPS_BON], PAROLES)
    assert rapport.comptes["contributions"]["creees"] == len(PAROLES)
    temps = session.exec(select(TempsDeCollecte).where(TempsDeCollecte.ref == "PDP-1")).one()
    themes = _slugs(session)
    paroles = session.exec(select(Contribution).order_by(Contribution.id)).all()
    rangs: dict[str, int] = {}
    for brute, parole in zip(PAROLES, paroles, strict=True):
        cellules = dict(zip(COLONNES, brute, strict=True))
        for c in registre():
            if c.importe and c.nom in cellules and c.nom != "themes":
                assert getattr(parole, c.nom) == valider_champ(c, cellules[c.nom]), (c.nom, cellules[c.nom])
        texte = valider_texte(cellules["texte"])
        assert parole.texte == texte and parole.temps_id == temps.id
        assert (parole.empreinte_debut, parole.empreinte_fin) == empreintes(texte)
        rangs[texte] = rangs.get(texte, 0) + 1
        ref = valider_texte(cellules["temps"], "temps", 80)
        assert parole.client_uuid == uuid_parole("essai", ref, texte, rangs[texte])
        liens = session.exec(
            select(ContributionTheme.theme_id)
            .where(ContributionTheme.contribution_id == parole.id)
            .order_by(ContributionTheme.theme_id)
        ).all()
        assert liens == sorted(valider_slugs_themes(cellules["themes"], themes))


def _slugs(session) -> dict[str, int]:
    return {t.slug: t.id for t in session.exec(select(Theme)).all()}


def _refus(valider, valeur) -> ErreurValidation:
    with pytest.raises(ErreurValidation) as erreur:
        valider(valeur)
    return erreur.value


def test_une_mauvaise_ligne_donne_le_message_du_validateur_de_reference(session):
    champ = {c.nom: c for c in registre()}
    mauvaises = [
        (["PDP-1", "   ", "", "habitant", "", "", "", ""], lambda: _refus(valider_texte, "   ")),
        (["PDP-1", TEXTE_LONG, "", "", "", "", "", ""], lambda: _refus(valider_texte, TEXTE_LONG)),
        (
            ["PDP-1", "Une sonnerie \x07 ici", "", "", "", "", "", ""],
            lambda: _refus(valider_texte, "Une sonnerie \x07 ici"),
        ),
        (
            ["PDP-1", "Bonjour", "", "maire", "", "", "", ""],
            lambda: _refus(lambda v: valider_champ(champ["profil"], v), "maire"),
        ),
        (
            ["PDP-1", "Bonjour", "", "", "40-50", "", "", ""],
            lambda: _refus(lambda v: valider_champ(champ["tranche_age"], v), "40-50"),
        ),
        (
            ["PDP-1", "Bonjour", "", "", "", "", "peut-être", ""],
            lambda: _refus(lambda v: valider_champ(champ["a_retenir"], v), "peut-être"),
        ),
        (
            ["PDP-1", "Bonjour", "", "", "", "moyens;inconnu", "", ""],
            lambda: _refus(lambda v: valider_slugs_themes(v, {"moyens": 1}), "moyens;inconnu"),
        ),
        (
            ["PDP-1", "Bonjour", "", "", "", "", "", "bof"],
            lambda: _refus(lambda v: valider_champ(champ["masquee"], v), "bof"),
        ),
    ]
    temps_illisible = ["PDP-2", "porteur_de_parole", "31/02/2024", "Vierzon", "Marché"]
    with pytest.raises(ErreurImport) as refus:
        _importer(
            session,
            [TEMPS_BON, temps_illisible],
            [ligne for ligne, _ in mauvaises] + [["PDP-2", "Bonjour", "", "", "", "", "", ""]],
        )
    attendus = [message_erreur("temps", 3, _refus(lambda v: valider_date(v), "31/02/2024"))]
    attendus += [message_erreur("contributions", n, erreur()) for n, (_, erreur) in enumerate(mauvaises, 2)]
    assert refus.value.erreurs == attendus  # la parole du temps refusé ne répète pas l'erreur
    assert session.exec(select(Contribution)).all() == []


def _fichiers(temps, contributions) -> dict[str, bytes]:
    return {
        "themes.csv": _csv([["slug", "label"], ["parentalite", "Parentalité"], ["moyens", "Moyens"]]),
        "temps.csv": _csv([COLONNES_TEMPS, *temps]),
        "contributions.csv": _csv([COLONNES, *contributions]),
    }


def test_seule_la_ligne_de_commande_espace_le_ramasse_miettes(session, tmp_path, monkeypatch):
    """Le réglage du ramasse-miettes vaut pour tout le processus : `parole import` l'espace pendant
    l'import et le rétablit après, même sur un refus ; un import envoyé au serveur n'y touche pas (les
    autres requêtes servies en même temps garderaient sinon le réglage de l'import)."""
    pendant = []
    ecrire = import_classeur._importer

    def observer(*args, **kwargs):
        pendant.append(gc.get_threshold()[0])
        return ecrire(*args, **kwargs)

    monkeypatch.setattr(import_classeur, "_importer", observer)
    avant = gc.get_threshold()
    for nom, contenu in _fichiers([TEMPS_BON], PAROLES[:1]).items():
        (tmp_path / nom).write_bytes(contenu)
    importer_chemin(session, tmp_path, "essai")
    assert pendant == [max(avant[0], import_classeur.SEUIL_RAMASSE_MIETTES)] and gc.get_threshold() == avant
    (tmp_path / "contributions.csv").write_bytes(
        _csv([COLONNES, ["PDP-1", "Bonjour", "", "maire", "", "", "", ""]])
    )
    with pytest.raises(ErreurImport):
        importer_chemin(session, tmp_path, "essai")
    assert gc.get_threshold() == avant
    importer_envoi(session, _fichiers([TEMPS_BON], PAROLES[1:2]), "essai")
    assert pendant[2] == avant[0] and gc.get_threshold() == avant


def test_une_reference_de_temps_mal_ecrite_en_base_n_est_pas_prise_telle_quelle(
    session, creer_demarche, creer_temps
):
    """Une référence écrite en base avant la validation des temps (espaces de bord) : la cellule qui la
    recopie est nettoyée comme avant, et ne la trouve donc pas."""
    creer_temps(creer_demarche("essai"), ref=" PDP-3 ")
    with pytest.raises(ErreurImport) as refus:
        _importer(session, [TEMPS_BON], [[" PDP-3 ", "Bonjour", "", "", "", "", "", ""]])
    assert refus.value.erreurs == [
        "Feuille contributions, ligne 2, colonne temps : "
        f"Temps « {valider_texte(' PDP-3 ', 'temps', 80)} » absent de la feuille temps et de la démarche."
    ]
