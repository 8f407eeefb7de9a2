"""Schéma : la migration initiale décrit exactement le modèle ; une base existante est migrée sans perte."""

import re

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

from collecte.modele.db import _config_alembic, creer_engine, init_db, revision_courante
from collecte.modele.models import Demarche


def _normaliser_defaut(defaut: str | None) -> str | None:
    """Une valeur par défaut telle que la base la rend, sans l'habillage propre au dialecte."""
    if defaut is None:
        return None
    defaut = re.sub(r"::[a-z ]+$", "", defaut)  # PostgreSQL : ''::character varying, '[]'::json
    defaut = re.sub(r"^\((.*)\)$", r"\1", defaut)  # SQLite : (CURRENT_TIMESTAMP)
    return re.sub(r"^'(.*)'$", r"\1", defaut)


def _defauts_differents(
    _contexte, _colonne_base, colonne_modele, defaut_base, _defaut_modele, defaut_modele
) -> bool:
    """Comparaison des valeurs par défaut côté base, sûre sous SQLite comme sous PostgreSQL.

    Celle d'Alembic signale à tort les chaînes vides sous SQLite ('' contre rien) et échoue sous PostgreSQL
    sur les colonnes JSON (elle demande au serveur `'[]'::json = '[]'`, opérateur qui n'existe pas)."""
    if colonne_modele is colonne_modele.table.autoincrement_column:
        return False  # nextval(...) de PostgreSQL : propre à la base, absent du modèle
    return _normaliser_defaut(defaut_base) != _normaliser_defaut(defaut_modele)


def differences_avec_le_modele(connexion) -> list:
    """Ce qui sépare le schéma de la base du modèle, valeurs par défaut côté base comprises."""
    contexte = MigrationContext.configure(connexion, opts={"compare_server_default": _defauts_differents})
    return compare_metadata(contexte, SQLModel.metadata)


def _migrer(engine, revision: str) -> None:
    with engine.begin() as connexion:
        command.upgrade(_config_alembic(engine, connexion), revision)


def test_les_migrations_produisent_le_modele(tmp_path):
    engine = creer_engine(f"sqlite:///{tmp_path / 'migree.sqlite'}")
    _migrer(engine, "head")
    with engine.connect() as connexion:
        differences = differences_avec_le_modele(connexion)
    engine.dispose()
    assert differences == []


def test_une_valeur_par_defaut_oubliee_est_signalee(tmp_path):
    """Avant 0005, seules les valeurs par défaut côté base manquent : la comparaison les voit toutes."""
    engine = creer_engine(f"sqlite:///{tmp_path / 'avant.sqlite'}")
    _migrer(engine, "0004")
    with engine.connect() as connexion:
        differences = differences_avec_le_modele(connexion)
    engine.dispose()
    operations = [
        o for d in differences for o in (d if isinstance(d, list) else [d])
    ]  # une liste par colonne
    # Les révisions suivantes ajoutent aussi des tables, colonnes et index : ceux-là ne sont pas en cause ici.
    assert {o[0] for o in operations} <= {"modify_default", "add_table", "add_column", "add_index"}
    signalees = {(o[2], o[3]) for o in operations if o[0] == "modify_default"}
    existantes = {(t.name, c.name) for t in SQLModel.metadata.sorted_tables for c in t.columns}
    existantes -= {(o[2], o[3].name) for o in operations if o[0] == "add_column"}
    existantes -= {(o[1].name, c.name) for o in operations if o[0] == "add_table" for c in o[1].columns}
    attendues = {
        (t.name, c.name) for t in SQLModel.metadata.sorted_tables for c in t.columns if c.server_default
    }
    assert signalees == (attendues & existantes) - {("utilisateur", "version_session")}  # posée dès 0004


def test_init_db_cree_puis_migre_sans_perdre(tmp_path):
    engine = creer_engine(f"sqlite:///{tmp_path / 'base.sqlite'}")
    assert init_db(engine) == "creee"
    assert revision_courante(engine) is not None
    with Session(engine) as session:
        session.add(Demarche(slug="garder", titre="À garder"))
        session.commit()
    assert init_db(engine) == "migree"
    with Session(engine) as session:
        assert [d.titre for d in session.exec(select(Demarche))] == ["À garder"]
    engine.dispose()


def test_sqlite_en_wal_avec_cles_etrangeres(tmp_path):
    # Le moteur que construit init_app, sans la fixture app : sous PostgreSQL, elle remettrait à zéro
    # le schéma public, dont une autre exécution de la suite peut se servir au même moment.
    engine = creer_engine(f"sqlite:///{tmp_path / 'pragmas.sqlite'}")
    with engine.connect() as connexion:
        assert connexion.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connexion.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_migrer_une_base_peuplee_vers_la_saisie_hors_ligne(tmp_path):
    """Une base de terrain à la révision 0002, avec des paroles, passe à la dernière sans rien perdre."""
    from sqlalchemy import inspect, text

    engine = creer_engine(f"sqlite:///{tmp_path / 'terrain.sqlite'}")
    with engine.begin() as connexion:
        command.upgrade(_config_alembic(engine, connexion), "0002")
        connexion.execute(
            text(
                "INSERT INTO demarche (slug, titre, commanditaire, partenaires, description, cloturee, "
                "mots_vides, cree_le) VALUES ('d', 'D', '', '', '', 0, '', '2024-03-05 10:00:00')"
            )
        )
        connexion.execute(
            text(
                "INSERT INTO tempsdecollecte (demarche_id, ref, dispositif, date, lieu, evenement, "
                "animateurs, questions, personnes_rencontrees, dont_professionnels, notes, cree_le) "
                "VALUES (1, 'PDP-1', 'porteur_de_parole', '2024-03-05', '', '', '', '[]', 3, 0, '', "
                "'2024-03-05 10:00:00')"
            )
        )
        connexion.execute(
            text(
                "INSERT INTO contribution (client_uuid, temps_id, nature, texte, question, profil, "
                "tranche_age, genre, a_retenir, ne_pas_citer, masquee, question_ref, cree_le, "
                "modifiee_le) VALUES ('0d1f3c9e5a8b4f619a0e2f7c1b5d9e11', 1, 'parole', "
                "'Recueillie avant la mise à jour', '', 'habitant', 'inconnu', '', 0, 0, 0, '', "
                "'2024-03-05 10:00:00', '2024-03-05 10:00:00')"
            )
        )
    assert init_db(engine) == "migree"
    with engine.connect() as connexion:
        assert {"aliastheme", "tempstheme", "contributionannulee"} <= set(
            inspect(connexion).get_table_names()
        )
    with Session(engine) as session:
        from collecte.modele.models import Contribution

        assert [c.texte for c in session.exec(select(Contribution))] == ["Recueillie avant la mise à jour"]
    engine.dispose()


def test_une_adresse_de_base_avec_des_caracteres_encodes_se_migre(tmp_path):
    """Un « % » dans l'adresse (mot de passe encodé « p%40ss », dossier « 100% ») ne fait pas échouer la
    configuration d'Alembic, qui lit « % » comme une interpolation."""
    (tmp_path / "100%").mkdir()
    engine = creer_engine(f"sqlite:///{tmp_path}/100%25/base.sqlite")
    assert init_db(engine) == "creee" and init_db(engine) == "migree"
    assert revision_courante(engine) is not None
    engine.dispose()
