"""Environnement Alembic de Parole : la connexion est fournie par collecte.modele.db (jamais
d'alembic.ini)."""

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from collecte.modele import models  # noqa: F401  (enregistre les tables)

config = context.config
target_metadata = SQLModel.metadata


def _migrer(connexion) -> None:
    context.configure(
        connection=connexion,
        target_metadata=target_metadata,
        render_as_batch=connexion.dialect.name == "sqlite",  # SQLite ne sait pas faire ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connexion = config.attributes.get("connection")
if connexion is not None:
    _migrer(connexion)
else:
    # Moteur sans réserve de connexions (NullPool) : la connexion se ferme en sortant du bloc, rien ne
    # reste ouvert derrière un moteur abandonné.
    with create_engine(config.get_main_option("sqlalchemy.url"), poolclass=NullPool).begin() as nouvelle:
        _migrer(nouvelle)
