"""`parole create-user` : le mot de passe vient de `--mot-de-passe`, ou d'une ligne de l'entrée standard
(script, tube) ; le compte créé se connecte ; un mot de passe absent ou trop faible ne crée rien."""

from sqlmodel import select

from collecte.modele.models import Utilisateur

MOT = "cheval-agrafe-pile-9"


def _connexion(client, identifiant, mot_de_passe):
    return client.post("/comptes/connexion", data={"identifiant": identifiant, "mot_de_passe": mot_de_passe})


def _comptes(session) -> list[str]:
    session.expire_all()
    return [u.identifiant for u in session.exec(select(Utilisateur).order_by(Utilisateur.identifiant))]


def test_mot_de_passe_sur_une_ligne_de_l_entree_standard(runner, client, session):
    sortie = runner.invoke(args=["create-user", "camille", "--role", "admin"], input=f"{MOT}\n")
    assert sortie.exit_code == 0, sortie.output
    assert "Compte « camille » (Administrateur·rice) créé." in sortie.output
    assert "Retapez" not in sortie.output and MOT not in sortie.output
    assert _comptes(session) == ["camille"]
    assert _connexion(client, "camille", MOT).status_code == 302


def test_mot_de_passe_en_option(runner, client, session):
    sortie = runner.invoke(args=["create-user", "dominique", "--mot-de-passe", MOT])
    assert sortie.exit_code == 0, sortie.output
    assert _connexion(client, "dominique", MOT).status_code == 302


def test_entree_vide_ou_mot_de_passe_faible_ne_cree_rien(runner, session):
    vide = runner.invoke(args=["create-user", "alex"], input="")
    assert vide.exit_code == 1
    assert "Aucun mot de passe reçu sur l'entrée standard" in vide.output
    faible = runner.invoke(args=["create-user", "alex"], input="          \n")
    assert faible.exit_code == 1 and "Erreur" in faible.output
    assert _comptes(session) == []


def test_mot_de_passe_mal_encode_refuse_en_francais(runner, session):
    sortie = runner.invoke(
        args=["create-user", "alex"], input="mot-de-passe-\xe9t\xe9-long\n".encode("latin-1")
    )
    assert sortie.exit_code == 1 and "n'est pas en UTF-8" in sortie.output
    assert "Traceback" not in sortie.output and _comptes(session) == []
    accents = runner.invoke(args=["create-user", "alex"], input="mot-de-passe-été-long\n".encode())
    assert accents.exit_code == 0, accents.output
