"""Saisie hors ligne : alias de thèmes fusionnés, thèmes d'un temps, paroles annulées

Révision : 0003
Précédente : 0002
Créée le : 2026-11-30
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import collecte.modele.models

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contributionannulee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_uuid", sa.Uuid(), nullable=False),
        sa.Column("annulee_le", collecte.modele.models.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributionannulee")),
    )
    with op.batch_alter_table("contributionannulee", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contributionannulee_client_uuid"), ["client_uuid"], unique=True)

    op.create_table(
        "aliastheme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demarche_id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["demarche_id"],
            ["demarche.id"],
            name=op.f("fk_aliastheme_demarche_id_demarche"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_aliastheme_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aliastheme")),
        sa.UniqueConstraint("demarche_id", "slug", name="uq_aliastheme_slug"),
    )
    with op.batch_alter_table("aliastheme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aliastheme_demarche_id"), ["demarche_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_aliastheme_theme_id"), ["theme_id"], unique=False)

    op.create_table(
        "tempstheme",
        sa.Column("temps_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["temps_id"],
            ["tempsdecollecte.id"],
            name=op.f("fk_tempstheme_temps_id_tempsdecollecte"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"], ["theme.id"], name=op.f("fk_tempstheme_theme_id_theme"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("temps_id", "theme_id", name=op.f("pk_tempstheme")),
    )
    with op.batch_alter_table("tempstheme", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tempstheme_theme_id"), ["theme_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tempstheme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tempstheme_theme_id"))

    op.drop_table("tempstheme")
    with op.batch_alter_table("aliastheme", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aliastheme_theme_id"))
        batch_op.drop_index(batch_op.f("ix_aliastheme_demarche_id"))

    op.drop_table("aliastheme")
    with op.batch_alter_table("contributionannulee", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contributionannulee_client_uuid"))

    op.drop_table("contributionannulee")
