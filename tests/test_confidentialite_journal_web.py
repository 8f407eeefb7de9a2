"""Journal des actions sensibles, côté web : ce que notent la connexion, la déconnexion et la gestion des
comptes (jamais un mot de passe), et la page des admins (filtres, pages de 100 lignes, CSV)."""

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from collecte.confidentialite import journal
from collecte.modele.models import Journal
from tests.conftest import MOT_DE_PASSE

NOUVEAU = "cheval-agrafe-pile-neuve"


def _lignes(session) -> list[Journal]:
    session.expire_all()
    return list(session.exec(select(Journal).order_by(Journal.id)))


def _tout(session) -> str:
    return " ".join(f"{l.acteur} {l.action} {l.objet} {l.details}" for l in _lignes(session))


def test_connexions_et_deconnexion_notees_sans_mot_de_passe(client, creer_compte, session):
    camille = creer_compte("animateur", "camille")
    client.post("/comptes/connexion", data={"identifiant": "camille", "mot_de_passe": "mauvais-secret-42"})
    client.post("/comptes/connexion", data={"identifiant": "mot-de-passe-tape-ici", "mot_de_passe": "x"})
    client.post("/comptes/connexion", data={"identifiant": "camille", "mot_de_passe": MOT_DE_PASSE})
    client.post("/comptes/deconnexion")
    assert [(l.action, l.acteur, l.utilisateur_id, l.details) for l in _lignes(session)] == [
        ("connexion_refusee", "camille", camille.id, "mot de passe incorrect"),
        ("connexion_refusee", "identifiant inconnu", None, ""),
        ("connexion", "camille", camille.id, ""),
        ("deconnexion", "camille", camille.id, ""),
    ]
    tout = _tout(session)
    assert (
        "mauvais-secret-42" not in tout and MOT_DE_PASSE not in tout and "mot-de-passe-tape-ici" not in tout
    )


def test_compte_desactive_refuse_avec_son_motif(client, creer_compte, session):
    lecteur = creer_compte("lecteur", "dominique")
    lecteur.actif = False
    session.add(lecteur)
    session.commit()
    client.post("/comptes/connexion", data={"identifiant": "dominique", "mot_de_passe": MOT_DE_PASSE})
    (ligne,) = _lignes(session)
    assert (ligne.action, ligne.acteur, ligne.details) == (
        "connexion_refusee",
        "dominique",
        "compte désactivé",
    )


def test_creation_et_modification_de_compte_notees(client, connecter, session):
    moi = connecter("admin")
    client.post("/comptes/", data={"identifiant": "sacha", "mot_de_passe": MOT_DE_PASSE, "role": "lecteur"})
    sacha = session.exec(select(Journal).where(Journal.action == "compte_cree")).one()
    numero = sacha.objet.split()[2]
    client.post(f"/comptes/{numero}", data={"role": "animateur", "mot_de_passe": NOUVEAU})  # et désactivé
    client.post(f"/comptes/{numero}", data={"role": "animateur"})  # rien ne change : rien n'est noté
    lignes = [l for l in _lignes(session) if l.action.startswith("compte_")]
    assert [(l.action, l.acteur, l.objet, l.details) for l in lignes] == [
        ("compte_cree", moi.identifiant, f"compte n° {numero} (sacha)", "rôle : Lecteur·rice"),
        (
            "compte_modifie",
            moi.identifiant,
            f"compte n° {numero} (sacha)",
            "rôle : Lecteur·rice → Animateur·rice ; désactivé ; nouveau mot de passe",
        ),
    ]
    assert NOUVEAU not in _tout(session) and MOT_DE_PASSE not in _tout(session)


@pytest.mark.parametrize("role", ["lecteur", "animateur"])
def test_le_journal_est_reserve_aux_admins(client, connecter, role):
    connecter(role)
    assert client.get("/comptes/journal").status_code == 403
    assert client.get("/comptes/journal.csv").status_code == 403
    assert "Journal des actions sensibles" not in client.get("/").get_data(as_text=True)


def test_sans_compte_le_journal_renvoie_a_la_connexion(client):
    reponse = client.get("/comptes/journal")
    assert reponse.status_code == 302 and "/comptes/connexion" in reponse.headers["Location"]


def _remplir(session, n: int, action: str = "export", acteur=journal.ACTEUR_TERMINAL, **champs) -> None:
    for i in range(n):
        journal.noter(
            session, action, acteur, champs.get("objet", f"démarche n{i}"), champs.get("details", "")
        )
    session.commit()


def test_page_du_journal_filtres_et_pages(client, connecter, session):
    moi = connecter("admin")
    _remplir(session, 130)
    _remplir(session, 2, "purge", objet="démarche ancienne")
    ancienne = session.exec(select(Journal).where(Journal.action == "purge")).first()
    ancienne.quand = datetime(2024, 1, 10, 12, tzinfo=UTC)
    session.add(ancienne)
    session.commit()

    page = client.get("/comptes/").get_data(as_text=True)
    assert 'href="/comptes/journal"' in page
    page = client.get("/comptes/journal").get_data(as_text=True)
    assert "<strong>133</strong> lignes · page 1 sur 2" in page  # et la connexion de l'admin
    assert page.count("<tr>") == 101  # l'en-tête et 100 lignes
    assert page.index("Purge à la fin") < page.index("Export</td>")  # la plus récente d'abord
    suite = client.get("/comptes/journal", query_string={"page": 2}).get_data(as_text=True)
    assert suite.count("<tr>") == 34 and "← Plus récentes" in suite
    assert suite.index("Connexion</td>") < suite.index("10/01/2024 13:00:00")  # la plus ancienne en dernier

    purges = client.get("/comptes/journal", query_string={"action": "purge"}).get_data(as_text=True)
    assert "<strong>2</strong> lignes" in purges and "démarche ancienne" in purges
    depuis = client.get("/comptes/journal", query_string={"action": "purge", "depuis": "2024-06-01"})
    assert "<strong>1</strong> ligne" in depuis.get_data(as_text=True)
    mes_lignes = client.get("/comptes/journal", query_string={"acteur": moi.identifiant}).get_data(
        as_text=True
    )
    assert "<strong>1</strong> ligne" in mes_lignes
    assert f'<option value="{moi.identifiant}" selected>' in mes_lignes
    illisible = client.get("/comptes/journal", query_string={"depuis": "hier"}).get_data(as_text=True)
    assert "Date « hier » illisible" in illisible and "<strong>133</strong> lignes" in illisible


def test_journal_en_csv(client, connecter, session):
    moi = connecter("admin")
    _remplir(session, 1200, details="format : csv")
    _remplir(session, 1, "purge", objet='=HYPERLINK("http://piege")')
    reponse = client.get("/comptes/journal.csv")
    assert reponse.status_code == 200 and reponse.is_streamed
    assert reponse.headers["Content-Disposition"].startswith('attachment; filename="journal-')
    contenu = reponse.get_data()
    reponse.close()  # comme un serveur WSGI : la fin de la réponse ferme la session de la requête
    assert contenu.startswith("\ufeff".encode())
    lignes = list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0] == journal.COLONNES_CSV
    # En-tête, connexion, 1 200 exports, la purge, et cet export lui-même (noté avant la première ligne),
    # du plus ancien au plus récent.
    assert len(lignes) == 1 + 1 + 1200 + 1 + 1
    assert lignes[1][1:3] == [moi.identifiant, "connexion"]
    piege = '\'=HYPERLINK("http://piege")'  # désamorcé pour le tableur
    assert lignes[-2][2:5] == ["purge", "Purge à la fin de la durée de conservation", piege]
    assert lignes[-1][1:5] == [moi.identifiant, "export", "Export", "journal"]

    filtre = client.get("/comptes/journal.csv", query_string={"action": "purge"})
    assert len(filtre.get_data().decode("utf-8-sig").strip().splitlines()) == 2
    filtre.close()
    exports = session.exec(select(Journal).where(Journal.objet == "journal")).all()
    assert [(l.action, l.acteur, l.details) for l in exports] == [
        ("export", moi.identifiant, "tout"),
        ("export", moi.identifiant, "action : purge"),
    ]
