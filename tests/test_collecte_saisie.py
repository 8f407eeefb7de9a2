"""Enregistrement idempotent des paroles et annulation (logique, sans HTTP)."""

import uuid

import pytest
from sqlmodel import select

from collecte.modele.champs import valider_contribution
from collecte.modele.models import Contribution
from collecte.modele.validation import ErreurValidation
from collecte.terrain.saisie import (
    ConflitContribution,
    annuler_derniere,
    enregistrer_contribution,
    theme_ids_de,
)


def test_rejouer_le_meme_uuid_renvoie_la_parole_stockee(session, creer_demarche, creer_temps, creer_theme):
    demarche = creer_demarche()
    temps = creer_temps(demarche)
    theme = creer_theme(demarche)
    donnees = valider_contribution(
        {"texte": "Mon fils m'aide pour la CAF.", "themes": "parentalite"}, {"parentalite": theme.id}
    )
    ident = uuid.uuid4()
    premiere, cree = enregistrer_contribution(session, temps, donnees, ident)
    seconde, recree = enregistrer_contribution(session, temps, donnees, ident)
    assert (cree, recree) == (True, False)
    assert seconde.id == premiere.id
    assert theme_ids_de(session, premiere.id) == [theme.id]
    assert len(session.exec(select(Contribution)).all()) == 1


def test_meme_uuid_autre_contenu_leve_un_conflit(session, creer_demarche, creer_temps):
    temps = creer_temps(creer_demarche())
    ident = uuid.uuid4()
    enregistrer_contribution(session, temps, valider_contribution({"texte": "Premier texte"}, {}), ident)
    with pytest.raises(ConflitContribution):
        enregistrer_contribution(session, temps, valider_contribution({"texte": "Autre texte"}, {}), ident)
    assert [c.texte for c in session.exec(select(Contribution))] == ["Premier texte"]


def test_annuler_derniere_ne_touche_que_la_derniere_de_la_personne(
    session, creer_demarche, creer_temps, creer_compte
):
    temps = creer_temps(creer_demarche())
    moi, autre = creer_compte(), creer_compte()
    enregistrer_contribution(session, temps, valider_contribution({"texte": "un"}, {}), utilisateur_id=moi.id)
    enregistrer_contribution(
        session, temps, valider_contribution({"texte": "deux"}, {}), utilisateur_id=moi.id
    )
    enregistrer_contribution(
        session, temps, valider_contribution({"texte": "trois"}, {}), utilisateur_id=autre.id
    )
    annulee = annuler_derniere(session, temps.id, moi.id)
    assert annulee.texte == "deux"
    assert sorted(c.texte for c in session.exec(select(Contribution))) == ["trois", "un"]


@pytest.mark.parametrize(
    ("donnees", "message"),
    [
        ({"texte": "   \n  "}, "vide"),
        ({"texte": "x" * 20_001}, "limite"),
        ({"texte": "ok", "profil": "maire"}, "profil"),
        ({"texte": "ok", "themes": "inexistant"}, "inconnu"),
        ({"texte": "ok", "a_retenir": "peut-être"}, "oui ou non"),
        ({"texte": "nul\x00"}, "invisibles"),
    ],
)
def test_saisie_invalide_message_clair(donnees, message):
    with pytest.raises(ErreurValidation) as erreur:
        valider_contribution(donnees, {})
    assert message in erreur.value.message


def test_le_texte_garde_le_balisage_tel_que_saisi():
    texte = "<script>alert('x')</script> & « guillemets » […]"
    assert valider_contribution({"texte": texte}, {}).texte == texte
