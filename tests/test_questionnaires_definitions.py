"""Définitions de questionnaires : fichiers livrés, types de questions, refus nommant fichier et champ."""

import pytest

import questionnaires
from questionnaires import ErreurDefinition, lire_definition

QUESTIONS_DU_LIVRET = [
    "Quel accompagnement proposez-vous en matière de numérique ?",
    "Quelles sont les limites de votre cadre d'intervention ?",
    "À quoi cela permet-il de répondre pour les usagers de la structure ? (Quel est le profil de ceux-ci ?)",
    (
        "Au quotidien, quelles sont les principales demandes des usagers ? Les besoins spécifiques "
        "formulés par ces derniers ?"
    ),
    (
        "En matière de numérique, avez-vous repéré des besoins qui ne sont pas forcément exprimés et/ou "
        "pour lesquels vous n'avez pas de réponse à apporter ?"
    ),
    (
        "À l'échelle de votre structure et des usagers qui la fréquentent, l'accès au numérique est-il "
        "subi ? Savez-vous s'il est une source de plaisir ? de convivialité ? De découverte ? De "
        "créativité ?"
    ),
    (
        "Par rapport à votre public, le « tout numérique » est-il, ou non, une difficulté dans leur vie "
        "sociale et citoyenne ou au contraire un moyen de l'exercer pleinement ?"
    ),
    "Quel rapport voyez-vous entre numérique et exercice de sa citoyenneté ?",
    (
        "Si vous aviez un souhait ou une suggestion à formuler pour renforcer l'inclusion numérique de "
        "votre public et votre travail de médiation numérique, ce serait :"
    ),
]

TOUS_LES_TYPES = """
nom = "essai"
version = 2
usage = "structures"
titre = "Essai de tous les types"

[[questions]]
ref = "court"
intitule = "Nom de l'atelier ?"
type = "texte_court"
obligatoire = true

[[questions]]
ref = "long"
intitule = "Racontez."
type = "texte_long"
longueur_max = 50

[[questions]]
ref = "public"
intitule = "Votre public ?"
type = "choix_unique"
choix = ["Jeunes", "Seniors", "Tout public"]

[[questions]]
ref = "outils"
intitule = "Outils utilisés ?"
type = "choix_multiple"
choix = ["Ordinateur", "Smartphone", "Tablette"]

[[questions]]
ref = "aise"
intitule = "Aisance de l'équipe ?"
type = "echelle"
min = 1
max = 4
libelle_min = "pas du tout"
libelle_max = "très à l'aise"

[[questions]]
ref = "conseiller"
intitule = "Avez-vous un conseiller numérique ?"
type = "oui_non"
"""


def test_les_definitions_livrees_se_chargent():
    definitions = {d.nom: d for d in questionnaires.charger_tous()}
    assert set(definitions) == {"professionnel", "porteur-de-parole", "ordi-panneau"}
    assert definitions["professionnel"].usage == "structures"
    assert definitions["porteur-de-parole"].dispositif == "porteur_de_parole"
    assert definitions["ordi-panneau"].dispositif == "ordi_panneau"
    assert all(d.version >= 1 and d.questions for d in definitions.values())


def test_le_questionnaire_professionnel_reprend_les_neuf_questions_mot_pour_mot():
    professionnel = next(d for d in questionnaires.charger_tous() if d.nom == "professionnel")
    assert [q.intitule for q in professionnel.questions] == QUESTIONS_DU_LIVRET
    assert [q.numero for q in professionnel.questions] == list(range(1, 10))
    assert all(q.type == "texte_long" for q in professionnel.questions)


def test_les_questions_du_porteur_de_parole_sont_celles_du_livret():
    porteur = next(d for d in questionnaires.charger_tous() if d.nom == "porteur-de-parole")
    intitules = [q.intitule for q in porteur.questions]
    assert "Est-ce que le numérique ça simplifie la vie ?" in intitules
    assert "C'est quoi pour vous la citoyenneté numérique ?" in intitules
    assert len(intitules) == 8


def test_chaque_type_de_question_est_lu():
    definition = lire_definition(TOUS_LES_TYPES, "essai.toml")
    types = {q.ref: q.type for q in definition.questions}
    assert types == {
        "court": "texte_court",
        "long": "texte_long",
        "public": "choix_unique",
        "outils": "choix_multiple",
        "aise": "echelle",
        "conseiller": "oui_non",
    }
    assert definition.question("long").longueur_max == 50
    assert definition.question("court").longueur_max == 300
    assert definition.question("outils").choix == ("Ordinateur", "Smartphone", "Tablette")
    assert definition.question("aise").echelons == [1, 2, 3, 4]
    assert definition.question("court").obligatoire and not definition.question("long").obligatoire


def test_un_instantane_se_relit_a_l_identique():
    definition = lire_definition(TOUS_LES_TYPES, "essai.toml")
    relue = questionnaires.depuis_dict(definition.en_dict())
    assert relue.questions == definition.questions
    assert relue.empreinte == definition.empreinte


@pytest.mark.parametrize(
    "remplacement, attendu",
    [
        (('type = "oui_non"', 'type = "curseur"'), "question n° 6 : le champ « type » vaut « curseur »"),
        (("version = 2", 'version = "deux"'), "le champ « version » doit être un nombre entier"),
        (("version = 2\n", ""), "le champ « version » est obligatoire"),
        (('titre = "Essai de tous les types"', ""), "le champ « titre » est obligatoire"),
        (
            ('choix = ["Jeunes", "Seniors", "Tout public"]', 'choix = ["Jeunes"]'),
            "question n° 3 : le champ « choix »",
        ),
        (('ref = "outils"', 'ref = "public"'), "le champ « ref » est répété (public)"),
        (('ref = "aise"', 'ref = "aisé"'), "question n° 5 : le champ « ref »"),
        (("max = 4", "max = 1"), "question n° 5 : l'échelle"),
        (("obligatoire = true", 'obligatoire = "oui"'), "question n° 1 : le champ « obligatoire »"),
        (('usage = "structures"', 'usage = "tous"'), "le champ « usage » vaut « tous »"),
        (
            ('intitule = "Racontez."', 'intitule = "Racontez."\ncouleur = "rouge"'),
            "question n° 2 : champ(s) inconnu(s) couleur",
        ),
        (('nom = "essai"', 'nom = "Essai !"'), "le champ « nom »"),
    ],
)
def test_une_definition_mal_formee_est_refusee_en_nommant_fichier_et_champ(remplacement, attendu):
    avant, apres = remplacement
    with pytest.raises(ErreurDefinition) as erreur:
        lire_definition(TOUS_LES_TYPES.replace(avant, apres, 1), "essai.toml")
    assert str(erreur.value).startswith("essai.toml")
    assert attendu in str(erreur.value)


def test_toml_illisible_ou_mauvais_encodage():
    with pytest.raises(ErreurDefinition, match="essai.toml : TOML illisible"):
        lire_definition('nom = "essai\nversion = 1', "essai.toml")
    with pytest.raises(ErreurDefinition, match="essai.toml : le fichier doit être enregistré en UTF-8"):
        lire_definition(TOUS_LES_TYPES.replace("Essai", "Essai é").encode("cp1252"), "essai.toml")
    with pytest.raises(ErreurDefinition, match="essai.toml : le champ « questions »"):
        lire_definition('nom = "essai"\nversion = 1\nusage = "seance"\ntitre = "Vide"', "essai.toml")


def test_un_dossier_avec_deux_fichiers_du_meme_nom_est_refuse(tmp_path):
    (tmp_path / "a.toml").write_text(TOUS_LES_TYPES, encoding="utf-8")
    (tmp_path / "b.toml").write_text(TOUS_LES_TYPES, encoding="utf-8")
    with pytest.raises(
        ErreurDefinition, match="b.toml : le champ « nom » « essai » est déjà pris par a.toml"
    ):
        questionnaires.charger_tous(tmp_path)
