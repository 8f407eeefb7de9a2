"""Résultats d'analyse en cache par démarche : jamais périmés après une écriture (quel qu'en soit le chemin,
même faite par un autre processus), jamais recalculés entre deux affichages sans écriture."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from analyse import cache, donnees, graphiques, tableau
from collecte import comptes, revue
from collecte.confidentialite import examen
from collecte.modele.models import Contribution, Demarche, Theme
from restitution import apercu


@pytest.fixture(autouse=True)
def caches_vides():
    cache.CORPUS.vider()
    cache.RESULTATS.vider()
    yield
    cache.CORPUS.vider()
    cache.RESULTATS.vider()


@pytest.fixture
def lieu(creer_demarche, creer_temps, creer_theme, creer_contribution):
    demarche = creer_demarche("cache-essai")
    theme = creer_theme(demarche)
    temps = creer_temps(demarche, "PDP-1")
    for texte in ("On ne trouve plus de guichet ouvert le samedi", "La fibre arrive enfin dans la rue"):
        creer_contribution(temps, texte, themes=[theme])
    return demarche, temps, theme


def _compter_les_appels(monkeypatch, module, nom: str) -> list:
    appels, vraie = [], getattr(module, nom)

    def comptee(*args, **kwargs):
        appels.append(nom)
        return vraie(*args, **kwargs)

    monkeypatch.setattr(module, nom, comptee)
    return appels


def _version(app, slug: str) -> str:
    with Session(app.extensions["parole_engine"]) as autre:  # comme un autre processus
        return autre.exec(select(Demarche.version_donnees).where(Demarche.slug == slug)).one()


def test_le_tableau_de_bord_montre_la_donnee_ecrite_depuis_son_dernier_affichage(
    app, client, connecter, session, lieu, creer_contribution
):
    demarche, temps, _ = lieu
    connecter("admin")
    adresse = f"/analyse/?demarche={demarche.slug}"
    assert "Paroles recueillies (2)" in client.get(adresse).get_data(as_text=True)

    with Session(app.extensions["parole_engine"]) as autre:  # écrite ailleurs (tablette, autre processus)
        autre.add(Contribution(temps_id=temps.id, texte="Une troisième parole, arrivée d'une tablette"))
        autre.commit()
        nouvelle = autre.exec(select(Contribution.id).order_by(Contribution.id.desc())).first()
    assert "Paroles recueillies (3)" in client.get(adresse).get_data(as_text=True)

    compte = session.exec(select(comptes.Utilisateur.id)).first()
    revue.action_groupee(session, [nouvelle], "masquer", None, compte)  # masquée : plus comptée
    assert "Paroles recueillies (2)" in client.get(adresse).get_data(as_text=True)

    session.exec(update(Contribution).values(masquee=True))  # SQL direct, sans objet
    session.commit()
    assert "Paroles recueillies (0)" in client.get(adresse).get_data(as_text=True)


def test_deux_affichages_sans_ecriture_ne_recalculent_rien(app, client, connecter, lieu, monkeypatch):
    demarche, temps, _ = lieu
    connecter("lecteur")
    chargements = _compter_les_appels(monkeypatch, donnees, "charger_corpus")
    pages = _compter_les_appels(monkeypatch, tableau, "page_tableau")
    dessins = _compter_les_appels(monkeypatch, graphiques, "barres")
    adresse, image = (
        f"/analyse/?demarche={demarche.slug}",
        f"/analyse/graphique/comptage/profil.svg?demarche={demarche.slug}",
    )
    for _ in range(2):
        assert client.get(adresse).status_code == 200
        reponse = client.get(image)
        assert reponse.status_code == 200 and reponse.mimetype == "image/svg+xml"
    assert (len(chargements), len(pages), len(dessins)) == (1, 1, 1)

    with Session(app.extensions["parole_engine"]) as autre:
        autre.add(Contribution(temps_id=temps.id, texte="Écrite entre deux affichages", profil="jeune"))
        autre.commit()
    client.get(adresse), client.get(image)
    assert (len(chargements), len(pages), len(dessins)) == (2, 2, 2)
    assert len(cache.CORPUS) == 1  # le corpus d'avant l'écriture est rendu


def test_l_apercu_du_livret_est_garde_jusqu_a_la_prochaine_ecriture(
    app, client, connecter, session, lieu, monkeypatch
):
    demarche, _, theme = lieu
    examen.examiner_en_attente(session)  # sinon le premier aperçu les examine : une écriture
    connecter("lecteur")
    preparations = _compter_les_appels(monkeypatch, apercu, "preparer")
    adresse = f"/restitution/{demarche.slug}/apercu"
    assert client.get(adresse).status_code == 200
    assert client.get(adresse).status_code == 200
    assert len(preparations) == 1

    theme = session.get(Theme, theme.id)
    theme.introduction = "Un chapeau écrit après le premier aperçu."
    session.add(theme)
    session.commit()
    assert "Un chapeau écrit après le premier aperçu." in client.get(adresse).get_data(as_text=True)
    assert len(preparations) == 2


def test_la_version_change_a_chaque_ecriture_de_la_demarche_et_seulement_alors(
    app, session, lieu, creer_demarche, creer_temps, creer_theme, creer_contribution, creer_compte
):
    demarche, temps, theme = lieu
    voisine = creer_demarche("voisine")
    temps_voisin = creer_temps(voisine, "PDP-V")
    vues = [_version(app, demarche.slug)]

    def change() -> bool:
        vues.append(_version(app, demarche.slug))
        return vues[-1] != vues[-2]

    assert vues[0]  # la démarche a reçu un jeton à sa création
    creer_compte("admin")  # un compte n'est pas une donnée de la démarche
    assert not change()
    voisine_avant = _version(app, voisine.slug)
    creer_contribution(temps_voisin, "Une parole de l'autre démarche")
    assert not change() and _version(app, voisine.slug) != voisine_avant
    # Étiquetée, puis modifiée par l'ORM (lien de thème, mise à jour par identifiant) : toujours l'autre.
    theme_voisin = creer_theme(voisine, "voisin")
    voisine_avant = _version(app, voisine.slug)
    parole_voisine = creer_contribution(temps_voisin, "Une autre parole, étiquetée", themes=[theme_voisin])
    assert not change() and _version(app, voisine.slug) != voisine_avant
    voisine_avant = _version(app, voisine.slug)
    parole_voisine = session.get(Contribution, parole_voisine.id)
    parole_voisine.a_retenir = True
    session.add(parole_voisine)
    session.commit()
    assert not change() and _version(app, voisine.slug) != voisine_avant

    creer_contribution(temps, "Une parole de plus")
    assert change()
    session.exec(update(Contribution).where(Contribution.temps_id == temps.id).values(a_retenir=True))
    session.commit()
    assert change()
    theme = session.get(Theme, theme.id)
    theme.label = "Un nouveau libellé"
    session.add(theme)
    session.commit()
    assert change()
    session.rollback()
    assert not change()


def test_la_reserve_garde_un_nombre_borne_de_resultats():
    reserve, calculs = cache.Reserve(2), []

    def calcul(valeur):
        return lambda: calculs.append(valeur) or valeur

    for cle in ("a", "b", "a", "c", "a", "b"):
        assert reserve.obtenir(cle, calcul(cle)) == cle
    assert calculs == ["a", "b", "c", "b"]  # « b » est sorti quand « c » est entré
    assert len(reserve) == 2
