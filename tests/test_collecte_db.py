"""Schéma : la migration initiale décrit exactement le modèle ; une base existante est migrée sans perte."""
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

from collecte.db import _config_alembic, creer_engine, init_db, revision_courante
from collecte.models import Demarche


def test_les_migrations_produisent_le_modele(tmp_path):
    engine = creer_engine(f"sqlite:///{tmp_path / 'migree.sqlite'}")
    with engine.begin() as connexion:
        command.upgrade(_config_alembic(engine, connexion), "head")
    with engine.connect() as connexion:
        differences = compare_metadata(MigrationContext.configure(connexion), SQLModel.metadata)
    assert differences == []
    engine.dispose()


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


def test_sqlite_en_wal_avec_cles_etrangeres(app):
    engine = app.extensions["parole_engine"]
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connexion:
        assert connexion.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connexion.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
