"""Accès à la base : moteur, session par requête, unité de travail (écriture tout ou rien), création et
migrations.

SQLite (dossier d'instance) est le défaut ; `DATABASE_URL` pointe vers PostgreSQL.
Une base neuve est créée par `create_all` puis marquée à la dernière révision Alembic ;
une base existante est migrée (`upgrade head`) : rien de ce qui a été collecté n'est perdu.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from flask import Flask, current_app, g
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, create_engine

from collecte.modele import models  # noqa: F401  (enregistre les tables dans la métadonnée)
from collecte.modele.validation import ErreurValidation

DOSSIER_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def creer_engine(url: str, attente_s: float = 30) -> Engine:
    """Moteur SQLAlchemy. Sous SQLite, `attente_s` borne l'attente d'une écriture derrière une autre (un
    import tient le verrou d'écriture tout du long) : au-delà, « database is locked », que l'application
    traduit en 503 avec Retry-After."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": attente_s})
        event.listen(engine, "connect", _pragmas_sqlite)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def _pragmas_sqlite(connexion_dbapi, _enregistrement) -> None:
    curseur = connexion_dbapi.cursor()
    curseur.execute("PRAGMA foreign_keys=ON")
    curseur.execute("PRAGMA journal_mode=WAL")
    curseur.execute("PRAGMA synchronous=NORMAL")
    # 64 Mo de cache de pages (2 Mo par défaut) : les index à clés dispersées (uuid des appareils, empreintes
    # des paroles) tiennent en mémoire pendant un gros import (un million de paroles : −4,6 s, BENCHMARKS.md).
    curseur.execute("PRAGMA cache_size=-65536")
    curseur.close()


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        _creer_fichier_sqlite(make_url(url).database)
    app.extensions["parole_engine"] = creer_engine(url, app.config["SQLITE_ATTENTE_S"])
    app.teardown_appcontext(_fermer_session)


def _creer_fichier_sqlite(chemin: str | None) -> None:
    """Crée le fichier de la base lisible de son seul propriétaire (0600) : il contient les paroles.

    SQLite donne ensuite ces droits à ses fichiers -wal et -shm. Une base existante garde les siens.
    """
    if not chemin or chemin == ":memory:" or chemin.startswith("file:"):
        return
    Path(chemin).parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(chemin, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def get_engine() -> Engine:
    return current_app.extensions["parole_engine"]


def get_session() -> Session:
    """La session SQLModel de la requête (ou du contexte d'application) en cours."""
    if "parole_session" not in g:
        g.parole_session = Session(get_engine(), expire_on_commit=False)
    return g.parole_session


def _fermer_session(_exception=None) -> None:
    session = g.pop("parole_session", None)
    if session is not None:
        session.close()


_CLE_UNITE = "parole_unite_de_travail"


@contextmanager
def unite_de_travail(session: Session, doublon: ErreurValidation | None = None) -> Iterator[Session]:
    """Une écriture, tout ou rien : `commit` à la sortie du bloc ; à la moindre exception, `rollback` puis
    l'exception relancée (la base reste telle qu'avant). Seules les fonctions de logique en ouvrent une ;
    les vues ne valident ni n'annulent rien (vérifié par tests/test_architecture.py).

    `doublon` : l'erreur levée à la place d'une violation d'unicité (deux envois simultanés passés tous deux
    avant la vérification « existe déjà ») ; sans elle, l'`IntegrityError` remonte telle quelle. Une unité
    ne s'ouvre pas dans une autre : une fonction appelée au milieu d'une écriture `flush` sans valider."""
    if session.info.get(_CLE_UNITE):
        raise RuntimeError("Unité de travail imbriquée : la fonction appelée ne doit pas valider elle-même.")
    session.info[_CLE_UNITE] = True
    try:
        yield session
        session.commit()
    except IntegrityError as erreur:
        session.rollback()
        if doublon is None or not _viole_l_unicite(erreur):
            raise
        raise doublon from erreur
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop(_CLE_UNITE, None)


def _viole_l_unicite(erreur: IntegrityError) -> bool:
    # SQLite : « UNIQUE constraint failed » ; PostgreSQL : SQLSTATE 23505 (« … violates unique constraint »).
    return (
        getattr(erreur.orig, "sqlstate", None) == "23505" or "unique constraint" in str(erreur.orig).lower()
    )


def _config_alembic(engine: Engine, connexion=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(DOSSIER_MIGRATIONS))
    # ConfigParser lit « % » comme une interpolation : un mot de passe encodé (%40…) doit être doublé.
    url = engine.url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["connection"] = connexion
    return config


def init_db(engine: Engine) -> str:
    """Crée ou met à jour le schéma. Renvoie « creee » ou « migree »."""
    with engine.begin() as connexion:
        neuve = not inspect(connexion).has_table("demarche")
        if neuve:
            SQLModel.metadata.create_all(connexion)
            command.stamp(_config_alembic(engine, connexion), "head")
        else:
            command.upgrade(_config_alembic(engine, connexion), "head")
    return "creee" if neuve else "migree"


def revision_courante(engine: Engine) -> str | None:
    with engine.connect() as connexion:
        return MigrationContext.configure(connexion).get_current_revision()
