"""Comptes : la règle « un·e admin ne retire pas ses propres droits » tient dans la logique, pas dans la
vue."""

import pytest
from sqlmodel import Session

from collecte import comptes
from collecte.modele.models import Utilisateur
from collecte.modele.validation import ErreurValidation

NOUVEAU_MOT_DE_PASSE = "cheval-agrafe-pile-neuve"


def _relu(app, utilisateur_id: int) -> Utilisateur:
    """Le compte tel que la base le garde (une autre session que celle du test)."""
    with Session(app.extensions["parole_engine"]) as autre:
        return autre.get(Utilisateur, utilisateur_id)


@pytest.mark.parametrize("role, actif", [("animateur", True), ("lecteur", True), ("admin", False)])
def test_un_admin_ne_retire_pas_ses_propres_droits(app, session, creer_compte, role, actif):
    admin = creer_compte("admin")
    avant = _relu(app, admin.id)
    with pytest.raises(ErreurValidation, match="vos propres droits d'administration") as erreur:
        comptes.modifier_utilisateur(session, admin, role, actif, NOUVEAU_MOT_DE_PASSE, par_id=admin.id)
    assert erreur.value.champ == "role"
    apres = _relu(app, admin.id)  # rien n'a changé, pas même le mot de passe demandé en même temps
    assert (apres.role, apres.actif, apres.version_session, apres.mot_de_passe_hash) == (
        "admin",
        True,
        avant.version_session,
        avant.mot_de_passe_hash,
    )


def test_un_admin_change_son_mot_de_passe_et_les_droits_des_autres(app, session, creer_compte):
    admin, autre = creer_compte("admin"), creer_compte("admin")
    comptes.modifier_utilisateur(session, admin, "admin", True, NOUVEAU_MOT_DE_PASSE, par_id=admin.id)
    assert comptes.verifier_identifiants(session, admin.identifiant, NOUVEAU_MOT_DE_PASSE) is not None
    comptes.modifier_utilisateur(session, autre, "lecteur", False, par_id=admin.id)
    relu = _relu(app, autre.id)
    assert (relu.role, relu.actif) == ("lecteur", False)


def test_sans_auteur_la_ligne_de_commande_peut_tout_regler(app, session, creer_compte):
    admin = creer_compte("admin")
    comptes.modifier_utilisateur(session, admin, "animateur", True)
    assert _relu(app, admin.id).role == "animateur"


def test_role_inconnu_rien_n_est_ecrit(app, session, creer_compte):
    lecteur = creer_compte("lecteur")
    avant = _relu(app, lecteur.id)
    with pytest.raises(ErreurValidation, match="Rôle « chef » inconnu"):
        comptes.modifier_utilisateur(session, lecteur, "chef", False, NOUVEAU_MOT_DE_PASSE)
    apres = _relu(app, lecteur.id)
    assert (apres.role, apres.actif, apres.mot_de_passe_hash) == ("lecteur", True, avant.mot_de_passe_hash)


def test_identifiant_pris_rien_n_est_ecrit(app, session, creer_compte):
    creer_compte("lecteur", "camille")
    with pytest.raises(ErreurValidation, match="« camille » est déjà pris"):
        comptes.creer_utilisateur(session, "camille", NOUVEAU_MOT_DE_PASSE, "admin")
    assert [u.role for u in comptes.lister_utilisateurs(session)] == ["lecteur"]


def test_par_le_web_la_regle_vient_de_la_logique(app, client, connecter, session):
    moi = connecter("admin")
    reponse = client.post(f"/comptes/{moi.id}", data={"role": "lecteur", "actif": "1"}, follow_redirects=True)
    assert reponse.status_code == 200
    assert "Vous ne pouvez pas retirer vos propres droits d&#39;administration." in reponse.get_data(
        as_text=True
    )
    assert _relu(app, moi.id).role == "admin"
    desactive = client.post(f"/comptes/{moi.id}", data={"role": "admin"}, follow_redirects=True)
    assert "vos propres droits" in desactive.get_data(as_text=True)
    assert _relu(app, moi.id).actif


@pytest.mark.parametrize(
    "identifiant", ["<b>camille</b>", "camille durand", "camille\tdurand", "cam'ille", "é\x00"]
)
def test_identifiant_hors_regle_refuse_en_francais(app, session, identifiant):
    with pytest.raises(ErreurValidation, match="que des lettres, des chiffres et les signes"):
        comptes.creer_utilisateur(session, identifiant, NOUVEAU_MOT_DE_PASSE, "lecteur")
    assert comptes.lister_utilisateurs(session) == []


def test_identifiants_ordinaires_acceptes(app, session):
    for identifiant in ("camille.durand", "Zoé_B", "sami-r", "anim+terrain@mairie.fr", "léa2"):
        assert comptes.creer_utilisateur(
            session, identifiant, NOUVEAU_MOT_DE_PASSE, "lecteur"
        ).identifiant == (identifiant)


def test_un_refus_garde_ce_qui_a_ete_tape(client, connecter):
    connecter("admin")
    reponse = client.post(
        "/comptes/",
        data={"identifiant": "<b>sacha</b>", "nom": "Sacha du centre social", "role": "lecteur",
              "mot_de_passe": NOUVEAU_MOT_DE_PASSE},
    )  # fmt: skip
    page = reponse.get_data(as_text=True)
    assert reponse.status_code == 200 and "ni espace, ni balise" in page
    assert 'value="&lt;b&gt;sacha&lt;/b&gt;"' in page and 'value="Sacha du centre social"' in page
    assert '<option value="lecteur" selected>' in page
    assert NOUVEAU_MOT_DE_PASSE not in page
