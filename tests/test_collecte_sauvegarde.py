"""Sauvegarde et restauration (`parole sauvegarde`, `parole restaurer`) : aller-retour, refus, droits,
cohérence.

Les tests qui prennent la fixture `app` tournent sur la base de la suite : SQLite, ou PostgreSQL (pg_dump,
pg_restore, psql) quand PAROLE_TEST_DATABASE_URL est défini. Ceux qui prennent `app_sqlite` tournent
toujours sur SQLite.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import threading
import uuid
import zipfile
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlmodel import Session, SQLModel

from app import create_app
from collecte.modele.db import _config_alembic, creer_engine, init_db, revision_courante
from collecte.modele.models import Contribution, Demarche, Photo, TempsDeCollecte

OCTETS_PHOTO = bytes(range(256)) * 40  # le contenu compte, pas le format : il doit revenir à l'octet près


def _mode(chemin) -> int:
    return stat.S_IMODE(os.stat(chemin).st_mode)


def _moteur(app):
    return app.extensions["parole_engine"]


def _instantane(app) -> tuple[dict, dict]:
    """Toutes les lignes de toutes les tables, et les octets de chaque photo."""
    with _moteur(app).connect() as connexion:
        tables = {
            table.name: sorted((tuple(ligne) for ligne in connexion.execute(select(table))), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }
    dossier = Path(app.config["PHOTOS_DIR"])
    photos = {f.name: f.read_bytes() for f in dossier.iterdir()} if dossier.is_dir() else {}
    return tables, photos


def _vider(app) -> None:
    with _moteur(app).begin() as connexion:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connexion.execute(table.delete())
    shutil.rmtree(app.config["PHOTOS_DIR"], ignore_errors=True)


@pytest.fixture
def peupler(session, app, creer_compte, creer_demarche, creer_theme, creer_temps, creer_contribution):
    """Une démarche avec thèmes, un temps, des paroles étiquetées, un compte et une photo (fichier
    compris)."""

    def fabrique(slug="sauvegardee"):
        compte = creer_compte("admin")
        demarche = creer_demarche(slug, titre="Parole d'habitant·es")
        parentalite = creer_theme(demarche, "parentalite", "La parentalité numérique")
        demarches_en_ligne = creer_theme(demarche, "demarches", "Les démarches en ligne", ordre=1)
        temps = creer_temps(demarche, ref=f"PDP-{slug}", questions=["Et vous, le numérique ?"])
        creer_contribution(
            temps,
            "Mon fils m'aide pour la CAF.",
            themes=[parentalite, demarches_en_ligne],
            saisie_par=compte.id,
        )
        creer_contribution(
            temps, "Je n'ai pas d'ordinateur, seulement un téléphone.", themes=[demarches_en_ligne]
        )
        creer_contribution(temps, "À ne pas imprimer.", ne_pas_citer=True)
        dossier = Path(app.config["PHOTOS_DIR"])
        dossier.mkdir(parents=True, exist_ok=True)
        fichier = "tableau.jpg" if slug == "sauvegardee" else f"tableau-{slug}.jpg"
        (dossier / fichier).write_bytes(OCTETS_PHOTO)
        session.add(
            Photo(
                temps_id=temps.id,
                fichier=fichier,
                type_mime="image/jpeg",
                taille=len(OCTETS_PHOTO),
                legende="Le tableau du marché",
            )
        )
        session.commit()
        return demarche

    return fabrique


@pytest.fixture
def app_sqlite(tmp_path):
    """Une application sur un fichier SQLite, même quand la suite tourne sur PostgreSQL."""
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "cle-de-test-" + uuid.uuid4().hex,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'base' / 'parole.sqlite'}",
            "PHOTOS_DIR": str(tmp_path / "photos-sqlite"),
        }
    )
    yield application
    _moteur(application).dispose()


def test_aller_retour_base_themes_comptes_et_photos(app, runner, session, peupler, tmp_path):
    peupler()
    avant = _instantane(app)
    assert len(avant[0]["contribution"]) == 3 and len(avant[0]["contributiontheme"]) == 3
    archive = tmp_path / "sauvegarde.zip"

    sauvee = runner.invoke(args=["sauvegarde", str(archive)])
    assert sauvee.exit_code == 0, sauvee.output
    assert "1 démarche, 1 temps de collecte, 3 paroles, 1 photo" in sauvee.output
    with zipfile.ZipFile(archive) as zf:
        manifeste = json.loads(zf.read("manifeste.json"))
        base = zf.read("base.sqlite" if manifeste["base"] == "sqlite" else "base.pgdump")
        assert zf.read("photos/tableau.jpg") == OCTETS_PHOTO
    assert manifeste["base"] == _moteur(app).dialect.name
    assert base.startswith(
        b"SQLite format 3\x00" if manifeste["base"] == "sqlite" else b"PGDMP"
    )  # format custom
    assert manifeste["revision"] == revision_courante(_moteur(app))
    assert manifeste["comptes"] == {"demarches": 1, "temps": 1, "contributions": 3, "photos": 1}
    assert manifeste["parole"] and manifeste["date"].startswith("20")

    session.close()
    _vider(app)
    assert _instantane(app) == ({nom: [] for nom in avant[0]}, {})
    restauree = runner.invoke(args=["restaurer", str(archive)])
    assert restauree.exit_code == 0, restauree.output
    assert "Restauration terminée : 1 démarche, 1 temps de collecte, 3 paroles, 1 photo." in restauree.output
    assert _instantane(app) == avant

    # La base restaurée reste vivante : une nouvelle parole reçoit un identifiant neuf (séquences restaurées).
    with Session(_moteur(app)) as nouvelle:
        temps = nouvelle.exec(select(TempsDeCollecte)).scalar_one()
        ajoutee = Contribution(temps_id=temps.id, texte="Après la restauration")
        nouvelle.add(ajoutee)
        nouvelle.commit()
        assert ajoutee.id > max(ligne[0] for ligne in avant[0]["contribution"])


def test_restauration_refusee_sur_une_base_occupee_sauf_avec_force(app, runner, session, peupler, tmp_path):
    peupler()
    archive = tmp_path / "sauvegarde.zip"
    assert runner.invoke(args=["sauvegarde", str(archive)]).exit_code == 0
    sauvegarde = _instantane(app)
    peupler("ajoutee-apres")
    occupee = _instantane(app)

    session.close()
    refus = runner.invoke(args=["restaurer", str(archive)])
    assert refus.exit_code == 1
    derniere = refus.output.strip().splitlines()[-1]
    assert derniere == (
        "Erreur : La base n'est pas vide (2 démarches, 2 temps de collecte, 6 paroles, 2 photos) : "
        "la restauration remplacerait tout, comptes et photos compris. Relancez avec --force pour "
        "la remplacer."
    )
    assert "Traceback" not in refus.output
    assert _instantane(app) == occupee

    forcee = runner.invoke(args=["restaurer", "--force", str(archive)])
    assert forcee.exit_code == 0, forcee.output
    assert _instantane(app) == sauvegarde


def _reecrire(archive: Path, remplacer: dict[str, bytes | None]) -> bytes:
    """Copie de l'archive dont certains membres sont remplacés (None : retiré), somme CRC juste."""
    sortie = io.BytesIO()
    with zipfile.ZipFile(archive) as source, zipfile.ZipFile(sortie, "w") as copie:
        for info in source.infolist():
            contenu = remplacer.pop(info.filename, source.read(info.filename))
            if contenu is not None:
                copie.writestr(info.filename, contenu)
        for nom, contenu in remplacer.items():
            copie.writestr(nom, contenu)
    return sortie.getvalue()


def _manifeste(archive: Path) -> dict:
    with zipfile.ZipFile(archive) as zf:
        return json.loads(zf.read("manifeste.json"))


def _manifeste_modifie(archive: Path, **changements) -> bytes:
    manifeste = _manifeste(archive) | changements
    return _reecrire(archive, {"manifeste.json": json.dumps(manifeste).encode()})


def _evasion(archive: Path) -> bytes:
    """Un fichier qui sortirait du dossier des photos, déclaré au manifeste avec sa bonne empreinte."""
    manifeste, nom = _manifeste(archive), "photos/../../evade.txt"
    manifeste["fichiers"][nom] = hashlib.sha256(b"dehors").hexdigest()
    return _reecrire(archive, {"manifeste.json": json.dumps(manifeste).encode(), nom: b"dehors"})


def _autre_type_de_base(archive: Path) -> bytes:
    """La même archive, déclarée venir de l'autre type de base (membre renommé en conséquence)."""
    manifeste = _manifeste(archive)
    autre = {"sqlite": ("postgresql", "base.pgdump"), "postgresql": ("sqlite", "base.sqlite")}
    ancien_nom = "base.sqlite" if manifeste["base"] == "sqlite" else "base.pgdump"
    manifeste["base"], nouveau_nom = autre[manifeste["base"]]
    manifeste["fichiers"][nouveau_nom] = manifeste["fichiers"].pop(ancien_nom)
    with zipfile.ZipFile(archive) as zf:
        contenu = zf.read(ancien_nom)
    return _reecrire(
        archive, {"manifeste.json": json.dumps(manifeste).encode(), ancien_nom: None, nouveau_nom: contenu}
    )


def _octet_modifie_dans_la_base(archive: Path) -> bytes:
    contenu = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = next(i for i in zf.infolist() if i.filename.startswith("base."))
    debut = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    contenu[debut + info.compress_size // 2] ^= 0xFF
    return bytes(contenu)


ABIMEES = {
    "tronquee": lambda a: a.read_bytes()[: a.stat().st_size // 2],
    "pas_une_archive": lambda a: b"Ceci est un texte, pas une sauvegarde.\n",
    "zip_sans_manifeste": lambda a: _reecrire(a, {"manifeste.json": None}),
    "manifeste_illisible": lambda a: _reecrire(a, {"manifeste.json": b"{pas du json"}),
    "autre_format": lambda a: _manifeste_modifie(a, format="autre-chose"),
    "octet_modifie": _octet_modifie_dans_la_base,
    "photo_remplacee": lambda a: _reecrire(a, {"photos/tableau.jpg": b"autre image"}),
    "photo_retiree": lambda a: _reecrire(a, {"photos/tableau.jpg": None}),
    "fichier_en_plus": lambda a: _reecrire(a, {"photos/../../evade.txt": b"hors du dossier"}),
    "schema_futur": lambda a: _manifeste_modifie(a, revision="9999_futur"),
    "evasion_du_dossier": _evasion,
    "autre_type_de_base": _autre_type_de_base,
}
MESSAGES = {
    "tronquee": "n'est pas une sauvegarde Parole lisible",
    "pas_une_archive": "n'est pas une sauvegarde Parole lisible",
    "zip_sans_manifeste": "manifeste.json absent",
    "manifeste_illisible": "manifeste.json illisible",
    "autre_format": "manifeste d'un autre format",
    "octet_modifie": "Archive abîmée : « base.",
    "photo_remplacee": "Archive abîmée : « photos/tableau.jpg »",
    "photo_retiree": "ses fichiers ne sont pas ceux de son manifeste",
    "fichier_en_plus": "ses fichiers ne sont pas ceux de son manifeste",
    "evasion_du_dossier": "manifeste incomplet ou non conforme",
    "schema_futur": "révision « 9999_futur »",
    "autre_type_de_base": "la restauration ne passe pas d'un type de base à l'autre",
}


@pytest.mark.parametrize("abimee", sorted(ABIMEES))
def test_archive_abimee_ou_etrangere_refusee_sans_rien_changer(
    app, runner, session, peupler, tmp_path, abimee
):
    peupler()
    archive = tmp_path / "sauvegarde.zip"
    assert runner.invoke(args=["sauvegarde", str(archive)]).exit_code == 0
    _vider(app)
    peupler("en-place")  # --force ci-dessous : seule la vérification de l'archive protège cette base
    en_place = _instantane(app)
    mauvaise = tmp_path / "mauvaise.zip"
    mauvaise.write_bytes(ABIMEES[abimee](archive))

    session.close()
    resultat = runner.invoke(args=["restaurer", "--force", str(mauvaise)])
    assert resultat.exit_code == 1
    erreurs = [ligne for ligne in resultat.output.splitlines() if ligne.startswith("Erreur : ")]
    assert len(erreurs) == 1 and resultat.output.strip().endswith(erreurs[0]), resultat.output
    assert MESSAGES[abimee] in erreurs[0] and "Traceback" not in resultat.output
    assert _instantane(app) == en_place
    assert not (tmp_path.parent / "evade.txt").exists() and not (tmp_path / "evade.txt").exists()
    assert (
        sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    )  # aucun reste de travail


def test_archive_et_base_sqlite_lisibles_du_seul_proprietaire(app_sqlite, tmp_path):
    ancien = os.umask(0)  # même avec un umask permissif
    try:
        application = create_app(
            {**app_sqlite.config, "DATABASE_URL": f"sqlite:///{tmp_path / 'neuve.sqlite'}"}
        )
        init_db(_moteur(application))
        with Session(_moteur(application)) as session:
            session.add(Demarche(slug="droits", titre="Droits"))
            session.commit()
            assert _mode(tmp_path / "neuve.sqlite") == 0o600
            assert _mode(tmp_path / "neuve.sqlite-wal") == 0o600  # SQLite reprend les droits de la base
        archive = tmp_path / "sauvegarde.zip"
        resultat = application.test_cli_runner().invoke(args=["sauvegarde", str(archive)])
        _moteur(application).dispose()
    finally:
        os.umask(ancien)
    assert resultat.exit_code == 0, resultat.output
    assert _mode(archive) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # fichier temporaire renommé


def test_sauvegarde_pendant_des_ecritures_est_coherente(app_sqlite, tmp_path):
    moteur = _moteur(app_sqlite)
    init_db(moteur)
    with Session(moteur) as session:
        demarche = Demarche(slug="concurrence", titre="Concurrence")
        session.add(demarche)
        session.flush()
        temps = TempsDeCollecte(
            demarche_id=demarche.id, ref="T-1", dispositif="porteur_de_parole", date=date(2024, 3, 5)
        )
        session.add(temps)
        session.flush()
        # Une base de quelques Mo : la copie dure le temps de plusieurs écritures.
        session.add_all(
            Contribution(temps_id=temps.id, texte=f"remplissage {i} " + "x" * 1500) for i in range(2000)
        )
        session.commit()
        temps_id = temps.id

    validees, arret, erreurs = [0], threading.Event(), []

    def ecrire():
        autre = creer_engine(app_sqlite.config["DATABASE_URL"])  # une autre connexion, comme l'application
        try:
            with Session(autre) as ecriture:
                while not arret.is_set():
                    ecriture.add(Contribution(temps_id=temps_id, texte=f"ecriture-{validees[0]:05d}"))
                    ecriture.commit()
                    validees[0] += 1
        except Exception as erreur:  # noqa: BLE001 (remontée dans le test, pas perdue dans le fil)
            erreurs.append(erreur)
        finally:
            autre.dispose()

    fil = threading.Thread(target=ecrire)
    fil.start()
    try:
        while validees[0] < 50 and fil.is_alive():
            arret.wait(0.01)
        avant = validees[0]
        archive = tmp_path / "pendant.zip"
        resultat = app_sqlite.test_cli_runner().invoke(args=["sauvegarde", str(archive)])
        apres = validees[0]
        while validees[0] < apres + 50 and fil.is_alive():
            arret.wait(0.01)
    finally:
        arret.set()
        fil.join(timeout=30)
    assert not erreurs and resultat.exit_code == 0, (erreurs, resultat.output)
    assert validees[0] > apres >= avant >= 50

    restauree = app_sqlite.test_cli_runner().invoke(args=["restaurer", "--force", str(archive)])
    assert restauree.exit_code == 0, restauree.output
    with closing(sqlite3.connect(_moteur(app_sqlite).url.database)) as connexion:
        assert connexion.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        ecrites = [
            t
            for (t,) in connexion.execute(
                "SELECT texte FROM contribution WHERE texte LIKE 'ecriture-%' ORDER BY id"
            )
        ]
        total = connexion.execute("SELECT count(*) FROM contribution").fetchone()[0]
    # Un préfixe exact des écritures : tout ce qui était validé avant, rien de déchiré, rien dans le désordre.
    assert avant <= len(ecrites) <= apres
    assert ecrites == [f"ecriture-{i:05d}" for i in range(len(ecrites))]
    assert _manifeste(archive)["comptes"]["contributions"] == total == 2000 + len(ecrites)


def test_restaurer_une_sauvegarde_d_un_ancien_schema_la_met_a_jour(app_sqlite, tmp_path):
    ancienne = tmp_path / "ancienne.sqlite"
    moteur = creer_engine(f"sqlite:///{ancienne}")
    with moteur.begin() as connexion:
        command.upgrade(_config_alembic(moteur, connexion), "0002")
        connexion.execute(
            text(
                "INSERT INTO demarche (slug, titre, commanditaire, partenaires, description, cloturee, "
                "mots_vides, cree_le) VALUES ('d', 'D', '', '', '', 0, '', '2024-03-05 10:00:00')"
            )
        )
    moteur.dispose()
    application = create_app({**app_sqlite.config, "DATABASE_URL": f"sqlite:///{ancienne}"})
    archive = tmp_path / "ancienne.zip"
    assert application.test_cli_runner().invoke(args=["sauvegarde", str(archive)]).exit_code == 0
    _moteur(application).dispose()
    assert _manifeste(archive)["revision"] == "0002"

    init_db(_moteur(app_sqlite))  # base à jour et vide : pas besoin de --force
    resultat = app_sqlite.test_cli_runner().invoke(args=["restaurer", str(archive)])
    assert resultat.exit_code == 0, resultat.output
    moteur = _moteur(app_sqlite)
    assert (
        revision_courante(moteur) == ScriptDirectory.from_config(_config_alembic(moteur)).get_current_head()
    )
    with Session(moteur) as session:
        assert [d.titre for d in session.exec(select(Demarche)).scalars()] == ["D"]
    with moteur.connect() as connexion:
        assert connexion.execute(text("SELECT count(*) FROM contributionannulee")).scalar_one() == 0


def test_sans_pg_dump_un_message_clair(app_sqlite, tmp_path, monkeypatch):
    application = create_app(
        {**app_sqlite.config, "DATABASE_URL": "postgresql://parole@127.0.0.1:1/inexistante"}
    )
    monkeypatch.setenv("PATH", str(tmp_path / "vide"))
    sortie = tmp_path / "sorties"
    sortie.mkdir()
    resultat = application.test_cli_runner().invoke(args=["sauvegarde", str(sortie / "s.zip")])
    assert resultat.exit_code == 1
    assert resultat.output.strip().splitlines()[-1] == (
        "Erreur : Commande « pg_dump » introuvable : installez les outils clients PostgreSQL "
        "(paquet postgresql-client, même version majeure que le serveur)."
    )
    assert list(sortie.iterdir()) == []
