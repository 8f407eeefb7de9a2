"""Instantanés des définitions de questionnaires

Révision : 0002
Précédente : 0001
Créée le : 2026-11-22
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import collecte.modele.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "versionquestionnaire",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nom", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("empreinte", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("cree_le", collecte.modele.models.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versionquestionnaire")),
        sa.UniqueConstraint("nom", "version", name="uq_versionquestionnaire_nom_version"),
    )


def downgrade() -> None:
    op.drop_table("versionquestionnaire")
