"""Examen des paroles par le détecteur de données personnelles, masquage et écart dans la revue.

Le vrai détecteur (`collecte.confidentialite.detection`) tourne dans chaque test : les positions attendues
sont celles des passages cherchés dans le texte, jamais des nombres écrits à la main.
"""

import http.cookiejar
import json
import threading
import time
import urllib.request
import uuid

import pytest
from sqlalchemy import inspect, update
from sqlmodel import select

from collecte import revue
from collecte.confidentialite import detection, examen
from collecte.confidentialite.journal import Acteur
from collecte.modele.models import Contribution, Demarche, Journal, Reperage
from collecte.modele.validation import ErreurValidation
from collecte.tableurs.import_classeur import importer
from collecte.tableurs.lecture import lire_fichiers_csv
from tests.conftest import MOT_DE_PASSE

TELEPHONE = "06 12 34 56 78"
COURRIEL = "karima.benali@exemple.fr"
PAROLE = f"Appelez Karima au {TELEPHONE} ou écrivez à {COURRIEL}, elle connaît le quartier."
PERIMEE = "La parole a changé depuis l'affichage de la page : rien n'a été masqué. Rechargez-la."


@pytest.fixture
def temps(creer_demarche, creer_temps):
    return creer_temps(creer_demarche(), "PDP-1")


@pytest.fixture
def acteur(creer_compte):
    return Acteur.compte(creer_compte("animateur", "camille"))


def _reperages(session, contribution_id):
    session.expire_all()
    requete = select(Reperage).where(Reperage.contribution_id == contribution_id).order_by(Reperage.debut)
    return list(session.exec(requete))


def _parole(session, ident) -> Contribution:
    session.expire_all()
    return session.get(Contribution, ident)


def _par_sorte(session, contribution_id):
    return {r.sorte: r for r in _reperages(session, contribution_id)}


def _ids_par_sorte(session, contribution_id):
    return {r.sorte: r.id for r in _reperages(session, contribution_id)}


def _journal(session, action=None):
    session.expire_all()
    requete = select(Journal).order_by(Journal.id)
    if action:
        requete = requete.where(Journal.action == action)
    return list(session.exec(requete))


def _sans_la_parole(ligne: Journal, *morceaux: str) -> None:
    for champ in (ligne.objet, ligne.details, ligne.acteur):
        for morceau in morceaux:
            assert morceau.casefold() not in champ.casefold(), (champ, morceau)


# --- Examen ------------------------------------------------------------------------------------------


def test_l_examen_garde_positions_et_sortes_jamais_le_texte(session, temps, creer_contribution):
    parole = creer_contribution(temps, PAROLE)
    sans_rien = creer_contribution(temps, "Le wifi de la médiathèque ne marche jamais.")
    assert _parole(session, parole.id).examinee_par == ""

    assert examen.examiner_en_attente(session) == 2
    assert examen.examiner_en_attente(session) == 0  # rien de neuf : rien à refaire

    reperages = _reperages(session, parole.id)
    assert {r.sorte: PAROLE[r.debut : r.fin] for r in reperages} == {
        "prenom": "Karima",
        "telephone": TELEPHONE,
        "courriel": COURRIEL,
    }
    assert {r.statut for r in reperages} == {"a_examiner"}
    assert _reperages(session, sans_rien.id) == []
    assert (
        _parole(session, parole.id).examinee_par
        == detection.VERSION
        == _parole(session, sans_rien.id).examinee_par
    )
    # La table ne garde que position et sorte : aucune colonne ne peut contenir le passage repéré.
    colonnes = {c["name"] for c in inspect(session.get_bind()).get_columns("reperage")}
    assert colonnes == {"id", "contribution_id", "debut", "fin", "sorte", "statut", "cree_le"}
    assert examen.reperages_a_masquer(session, [parole.id, sans_rien.id]) == {
        parole.id: detection.reperer(PAROLE)
    }
    assert examen.compter_a_examiner(session, temps.demarche_id) == 1
    assert examen.compter_en_attente(session, temps.demarche_id) == 0


def test_examen_par_demarche_et_par_lots(session, creer_demarche, creer_temps, creer_contribution):
    ici, ailleurs = creer_temps(creer_demarche("ici")), creer_temps(creer_demarche("ailleurs"))
    ids = [creer_contribution(ici, f"Parole {n} : rappelez le 06 12 34 56 {n:02d}.").id for n in range(7)]
    autre = creer_contribution(ailleurs, PAROLE)
    assert examen.examiner_en_attente(session, ici.demarche_id, taille_lot=3) == 7
    assert all(_parole(session, i).examinee_par == detection.VERSION for i in ids)
    assert _parole(session, autre.id).examinee_par == ""
    assert examen.compter_en_attente(session, ailleurs.demarche_id) == 1
    assert examen.compter_a_examiner(session, ici.demarche_id) == 7
    examen.examiner(session, [autre.id, autre.id])
    assert examen.compter_en_attente(session) == 0


def test_un_reexamen_garde_les_reperages_ecartes(session, temps, creer_contribution, acteur):
    parole = creer_contribution(temps, PAROLE)
    examen.examiner(session, [parole.id])
    prenom = _par_sorte(session, parole.id)["prenom"]
    examen.ecarter(session, prenom.id, _parole(session, parole.id).modifiee_le, acteur)

    # Nouvelle version du détecteur : tout est réexaminé, la décision de l'équipe survit (texte inchangé).
    session.exec(update(Contribution).values(examinee_par="version-d-avant"))
    session.commit()
    assert examen.examiner_en_attente(session) == 1
    apres = _par_sorte(session, parole.id)
    assert apres["prenom"].id == prenom.id and apres["prenom"].statut == "ecarte"
    assert apres["telephone"].statut == apres["courriel"].statut == "a_examiner"
    assert len(_reperages(session, parole.id)) == 3

    # Texte corrigé dans la revue : les positions ne valent plus rien, l'écart part avec elles.
    nouveau = "Karima, c'est ma voisine : 07 81 22 45 90."
    revue.modifier_parole(session, _parole(session, parole.id), {"texte": nouveau}, None)
    apres = _reperages(session, parole.id)
    assert [(r.sorte, nouveau[r.debut : r.fin], r.statut) for r in apres] == [
        ("prenom", "Karima", "a_examiner"),
        ("telephone", "07 81 22 45 90", "a_examiner"),
    ]
    assert _parole(session, parole.id).examinee_par == detection.VERSION


def test_seuls_les_themes_changes_les_reperages_restent(session, temps, creer_contribution, creer_theme):
    creer_theme(session.get(Demarche, temps.demarche_id))
    parole = creer_contribution(temps, PAROLE)
    examen.examiner(session, [parole.id])
    avant = [r.id for r in _reperages(session, parole.id)]
    revue.modifier_parole(
        session, _parole(session, parole.id), {"texte": PAROLE, "themes": ["parentalite"]}, None
    )
    assert [r.id for r in _reperages(session, parole.id)] == avant


def test_deux_examens_simultanes_ne_doublent_rien(session, temps, creer_contribution, monkeypatch):
    """Un second examen passe pendant que le premier détecte : le premier ne réserve plus rien."""
    parole = creer_contribution(temps, PAROLE)
    vrai = detection.reperer_lot

    def pendant_la_detection(textes):
        resultats = list(vrai(textes))
        monkeypatch.setattr(detection, "reperer_lot", vrai)
        examen.examiner(session, [parole.id])  # l'autre examen, complet
        return iter(resultats)

    monkeypatch.setattr(detection, "reperer_lot", pendant_la_detection)
    assert examen.examiner_en_attente(session) == 0
    assert len(_reperages(session, parole.id)) == 3


# --- Masquer, écarter --------------------------------------------------------------------------------


def test_masquer_remplace_exactement_le_passage_et_decale_les_autres(
    session, temps, creer_contribution, acteur
):
    parole = creer_contribution(temps, PAROLE)
    examen.examiner(session, [parole.id])
    sortes, cree_le = _par_sorte(session, parole.id), parole.modifiee_le

    masquee = examen.masquer(session, sortes["telephone"].id, _parole(session, parole.id).modifiee_le, acteur)
    attendu = PAROLE.replace(TELEPHONE, "[téléphone]")
    assert masquee.texte == attendu == _parole(session, parole.id).texte
    assert masquee.modifiee_par_id == acteur.utilisateur_id and masquee.modifiee_le > cree_le
    apres = _par_sorte(session, parole.id)
    assert set(apres) == {"prenom", "courriel"}
    assert attendu[apres["courriel"].debut : apres["courriel"].fin] == COURRIEL  # décalé
    assert attendu[apres["prenom"].debut : apres["prenom"].fin] == "Karima"  # avant : inchangé

    (ligne,) = _journal(session, "masquage")
    assert (ligne.objet, ligne.details, ligne.acteur) == (
        f"parole {parole.id}",
        "sorte : téléphone",
        "camille",
    )
    _sans_la_parole(ligne, TELEPHONE, "06", "Karima", COURRIEL, "quartier")

    examen.masquer(session, apres["courriel"].id, _parole(session, parole.id).modifiee_le, acteur)
    examen.masquer(session, apres["prenom"].id, _parole(session, parole.id).modifiee_le, acteur)
    assert _parole(session, parole.id).texte == detection.masquer(PAROLE, detection.reperer(PAROLE))
    assert _reperages(session, parole.id) == []
    for ligne in _journal(session):
        _sans_la_parole(ligne, TELEPHONE, "Karima", COURRIEL)


def test_version_perimee_refusee_sans_rien_changer(session, temps, creer_contribution, acteur):
    parole = creer_contribution(temps, PAROLE)
    examen.examiner(session, [parole.id])
    affichee = _parole(session, parole.id).modifiee_le
    sortes = _ids_par_sorte(session, parole.id)
    examen.masquer(session, sortes["courriel"], affichee, acteur)  # un autre onglet masque d'abord
    texte = _parole(session, parole.id).texte

    with pytest.raises(ErreurValidation, match="rien n'a été masqué. Rechargez-la.") as erreur:
        examen.masquer(session, sortes["telephone"], affichee, acteur)
    assert erreur.value.message == PERIMEE
    assert _parole(session, parole.id).texte == texte
    assert {r.sorte for r in _reperages(session, parole.id)} == {"prenom", "telephone"}
    assert len(_journal(session, "masquage")) == 1
    with pytest.raises(ErreurValidation, match="rien n'a été écarté"):
        examen.ecarter(session, sortes["telephone"], affichee, acteur)
    with pytest.raises(ErreurValidation, match="Rechargez-la"):  # repérage déjà masqué
        examen.masquer(session, sortes["courriel"], _parole(session, parole.id).modifiee_le, acteur)
    with pytest.raises(ErreurValidation, match="Rechargez-la"):
        examen.masquer(session, sortes["telephone"], None, acteur)
    assert _parole(session, parole.id).texte == texte


def test_texte_corrige_pendant_l_affichage_rien_n_est_masque(session, temps, creer_contribution, acteur):
    parole = creer_contribution(temps, PAROLE)
    examen.examiner(session, [parole.id])
    affichee = _parole(session, parole.id).modifiee_le
    telephone_id = _par_sorte(session, parole.id)["telephone"].id  # lu avant : la correction le supprime
    corrige = f"Karima, au {TELEPHONE}."
    revue.modifier_parole(session, _parole(session, parole.id), {"texte": corrige}, None)
    with pytest.raises(ErreurValidation, match="rien n'a été masqué"):
        examen.masquer(session, telephone_id, affichee, acteur)
    assert _parole(session, parole.id).texte == corrige
    assert _journal(session, "masquage") == []


def test_ecarter(session, temps, creer_contribution, acteur):
    parole = creer_contribution(temps, PAROLE)
    examen.examiner(session, [parole.id])
    prenom = _par_sorte(session, parole.id)["prenom"]
    version = _parole(session, parole.id).modifiee_le
    examen.ecarter(session, prenom.id, version, acteur)
    assert _par_sorte(session, parole.id)["prenom"].statut == "ecarte"
    assert _parole(session, parole.id).texte == PAROLE
    assert prenom.debut not in {
        r.debut for rs in examen.reperages_a_masquer(session, [parole.id]).values() for r in rs
    }
    (ligne,) = _journal(session, "reperage_ecarte")
    assert (ligne.objet, ligne.details) == (f"parole {parole.id}", "sorte : prénom")
    _sans_la_parole(ligne, "Karima")
    with pytest.raises(ErreurValidation, match="rien n'a été écarté"):
        examen.ecarter(session, prenom.id, version, acteur)  # déjà écarté
    # Un repérage écarté n'est plus proposé au masquage ; les autres se masquent toujours.
    with pytest.raises(ErreurValidation):
        examen.masquer(session, prenom.id, version, acteur)
    examen.masquer(session, _par_sorte(session, parole.id)["telephone"].id, version, acteur)
    assert (
        "Karima" in _parole(session, parole.id).texte and TELEPHONE not in _parole(session, parole.id).texte
    )


def test_chevauchements(session, temps, creer_contribution, acteur):
    """Positions écrites à la main (un détecteur futur pourrait en produire) : rien ne glisse de travers."""
    texte = "abcdefghijklmnop"
    parole = creer_contribution(temps, texte, examinee_par=detection.VERSION)
    lignes = {
        "cible": (2, 5, "telephone", "a_examiner"),
        "droite": (4, 8, "nom", "ecarte"),  # chevauche la fin du passage masqué
        "gauche": (1, 3, "prenom", "a_examiner"),  # chevauche son début
        "dedans": (3, 4, "courriel", "a_examiner"),  # entièrement couvert
        "autour": (0, 10, "adresse", "a_examiner"),  # le contient
        "apres": (12, 14, "plaque", "a_examiner"),
    }
    ids = {}
    for nom, (debut, fin, sorte, statut) in lignes.items():
        reperage = Reperage(contribution_id=parole.id, debut=debut, fin=fin, sorte=sorte, statut=statut)
        session.add(reperage)
        session.commit()
        ids[nom] = reperage.id
    examen.masquer(session, ids["cible"], _parole(session, parole.id).modifiee_le, acteur)
    nouveau = _parole(session, parole.id).texte
    assert nouveau == "ab[téléphone]fghijklmnop"
    places = {r.id: nouveau[r.debut : r.fin] for r in _reperages(session, parole.id)}
    assert places == {
        ids["droite"]: "fgh",
        ids["gauche"]: "b",
        ids["autour"]: "ab[téléphone]fghij",
        ids["apres"]: "mn",
    }


def test_masquer_tout_et_ecarter_tout(session, temps, creer_contribution, acteur):
    textes = [PAROLE, f"Mon fils, c'est le {TELEPHONE}.", "Rien de personnel ici.", f"Écrivez à {COURRIEL}."]
    ids = [creer_contribution(temps, t).id for t in textes]
    examen.examiner(session, ids[:2])  # les deux autres attendent encore le détecteur
    assert examen.masquer_tout(session, ids[:3], acteur) == 4
    for ident, texte in zip(ids[:3], textes[:3], strict=True):
        assert _parole(session, ident).texte == detection.masquer(texte, detection.reperer(texte))
        assert _reperages(session, ident) == []
    (ligne,) = _journal(session, "masquage")
    assert ligne.objet == f"paroles {ids[0]}, {ids[1]}"
    assert ligne.details == "2 paroles ; adresse électronique × 1, prénom × 1, téléphone × 2"
    _sans_la_parole(ligne, TELEPHONE, "Karima", COURRIEL, "fils")

    assert examen.ecarter_tout(session, ids[2:], acteur) == 1  # la dernière est examinée d'abord
    assert [r.statut for r in _reperages(session, ids[3])] == ["ecarte"]
    assert _parole(session, ids[3]).texte == textes[3]
    (ligne,) = _journal(session, "reperage_ecarte")
    assert (ligne.objet, ligne.details) == (f"paroles {ids[3]}", "1 parole ; adresse électronique × 1")
    assert examen.masquer_tout(session, ids, acteur) == 0  # plus rien à masquer : pas de ligne de journal
    assert len(_journal(session, "masquage")) == 1
    with pytest.raises(ErreurValidation, match="Cochez au moins une parole"):
        revue.action_donnees(session, [], "masquer_donnees", acteur)


# --- Chemins d'entrée : saisie, API, import ------------------------------------------------------------


def _examinee(session, texte):
    session.expire_all()
    parole = session.exec(select(Contribution).where(Contribution.texte == texte)).one()
    return parole.examinee_par == detection.VERSION, [
        (r.sorte, r.statut) for r in _reperages(session, parole.id)
    ]


def test_saisie_post_its_et_api_examinees_une_fois_la_reponse_fermee(client, connecter, session, temps):
    connecter("animateur")
    envois = {
        f"mon numéro : {TELEPHONE}": lambda t: client.post(
            f"/collecte/temps/{temps.id}/parole", data={"client_uuid": str(uuid.uuid4()), "texte": t}
        ),
        f"rappelez-moi au {TELEPHONE}": lambda t: client.post(
            f"/collecte/temps/{temps.id}/postits", data={"client_uuid": str(uuid.uuid4()), "texte": t}
        ),
        f"écrit sur la tablette : {TELEPHONE}": lambda t: client.post(
            "/api/contributions", json={"client_uuid": str(uuid.uuid4()), "temps": temps.id, "texte": t}
        ),
    }
    for texte, envoyer in envois.items():
        reponse = envoyer(texte)
        assert reponse.status_code in (200, 201), reponse.get_data(as_text=True)
        assert _examinee(session, texte) == (False, [])  # la réponse est partie, l'examen pas encore
        reponse.close()
        assert _examinee(session, texte) == (True, [("telephone", "a_examiner")]), texte

    lot = [
        {"client_uuid": str(uuid.uuid4()), "temps": temps.id, "texte": f"envoi n° {n} : {TELEPHONE}"}
        for n in range(3)
    ]
    lot.append({"client_uuid": "illisible", "temps": temps.id, "texte": "refusée"})
    reponse = client.post("/api/contributions/lot", json={"contributions": lot})
    assert [r["statut"] for r in reponse.get_json()["resultats"]] == ["creee"] * 3 + ["refusee"]
    reponse.close()
    for element in lot[:3]:
        assert _examinee(session, element["texte"]) == (True, [("telephone", "a_examiner")])


def test_un_echec_du_detecteur_apres_la_reponse_est_journalise(
    client, connecter, session, temps, monkeypatch, caplog
):
    connecter("animateur")

    def en_panne(textes):
        raise RuntimeError("détecteur en panne")

    monkeypatch.setattr(detection, "reperer_lot", en_panne)
    reponse = client.post(
        "/api/contributions", json={"client_uuid": str(uuid.uuid4()), "temps": temps.id, "texte": PAROLE}
    )
    assert reponse.status_code == 201
    reponse.close()  # ne lève rien
    assert "Examen des données personnelles après l'envoi" in caplog.text
    assert _examinee(session, PAROLE) == (False, [])  # reste « à examiner »


def test_la_reponse_part_avant_l_examen(serveur_live, session, temps, creer_compte, monkeypatch):
    """Vrai serveur HTTP : le détecteur est retenu jusqu'à ce que la réponse soit reçue. Si l'examen
    faisait partie de la requête, la réponse n'arriverait jamais (délai dépassé)."""
    vrai, feu_vert, commence = detection.reperer_lot, threading.Event(), threading.Event()

    def retenu(textes):
        commence.set()
        assert feu_vert.wait(30)
        return vrai(textes)

    monkeypatch.setattr(detection, "reperer_lot", retenu)
    compte = creer_compte("animateur")
    ouvreur = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    ouvreur.open(
        serveur_live + "/comptes/connexion",
        f"identifiant={compte.identifiant}&mot_de_passe={MOT_DE_PASSE}".encode(),
    ).close()
    corps = json.dumps({"client_uuid": str(uuid.uuid4()), "temps": temps.id, "texte": PAROLE}).encode()
    requete = urllib.request.Request(
        serveur_live + "/api/contributions", corps, {"Content-Type": "application/json"}
    )
    with ouvreur.open(requete, timeout=10) as reponse:
        assert reponse.status == 201 and json.loads(reponse.read())["texte"] == PAROLE
    assert commence.wait(10)  # l'examen a commencé après la réponse…
    assert _examinee(session, PAROLE) == (False, [])  # …et n'est pas fini
    feu_vert.set()
    for _ in range(300):
        if _examinee(session, PAROLE)[0]:
            break
        time.sleep(0.05)
    assert _examinee(session, PAROLE) == (
        True,
        [("prenom", "a_examiner"), ("telephone", "a_examiner"), ("courriel", "a_examiner")],
    )


def _csv(lignes) -> bytes:
    return "\r\n".join(";".join(ligne) for ligne in lignes).encode()


def test_l_import_laisse_a_examiner_et_parole_examiner_examine(session, runner):
    fichiers = {
        "temps.csv": _csv([["ref", "dispositif", "date"], ["PDP-1", "porteur_de_parole", "05/03/2024"]]),
        "contributions.csv": _csv(
            [
                ["temps", "texte"],
                ["PDP-1", PAROLE],
                ["PDP-1", "Le forfait est trop cher."],
                ["PDP-1", "Plus d'ordis."],
            ]
        ),
    }
    importer(session, lire_fichiers_csv(fichiers), "essai")
    paroles = session.exec(select(Contribution)).all()
    assert len(paroles) == 3 and {p.examinee_par for p in paroles} == {""}
    assert session.exec(select(Reperage)).all() == []

    inconnue = runner.invoke(args=["examiner", "--demarche", "inconnue"])
    assert inconnue.exit_code != 0 and "Démarche « inconnue » introuvable" in inconnue.output
    resultat = runner.invoke(args=["examiner", "--demarche", "essai"])
    assert resultat.exit_code == 0, resultat.output
    assert f"3 paroles examinées (détecteur {detection.VERSION})." in resultat.output
    assert "1 parole avec des données personnelles à examiner dans la revue" in resultat.output
    session.expire_all()
    assert {p.examinee_par for p in session.exec(select(Contribution)).all()} == {detection.VERSION}
    assert len(session.exec(select(Reperage)).all()) == 3
    encore = runner.invoke(args=["examiner"])
    assert "0 paroles examinées" in encore.output
