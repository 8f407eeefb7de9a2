"""Données personnelles : réglages RGPD d'une démarche, repérages dans les paroles, journal des actions

Révision : 0006
Précédente : 0005
Créée le : 2026-11-30

Des colonnes ajoutées (jamais modifiées) : aucune table n'est recréée, même sous SQLite. Les paroles déjà
recueillies reçoivent `examinee_par = ''` : le prochain passage du détecteur les examine.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

HORODATAGE = sa.DateTime(timezone=True)
MAINTENANT = sa.text("CURRENT_TIMESTAMP")


def upgrade() -> None:
    with op.batch_alter_table("demarche", schema=None) as batch_op:
        for nom, longueur in (
            ("responsable_traitement", 300),
            ("delegue_protection", 300),
            ("contact_droits", 300),
            ("base_legale", 40),
        ):
            batch_op.add_column(sa.Column(nom, sa.String(length=longueur), server_default="", nullable=False))
        for nom in ("finalite", "destinataires"):
            batch_op.add_column(sa.Column(nom, sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("conservation_mois", sa.Integer(), server_default="24", nullable=False))
        batch_op.add_column(sa.Column("purgee_le", HORODATAGE, nullable=True))
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("examinee_par", sa.String(length=60), server_default="", nullable=False)
        )
    op.create_table(
        "reperage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("debut", sa.Integer(), nullable=False),
        sa.Column("fin", sa.Integer(), nullable=False),
        sa.Column("sorte", sa.String(length=20), nullable=False),
        sa.Column("statut", sa.String(length=20), server_default="a_examiner", nullable=False),
        sa.Column("cree_le", HORODATAGE, server_default=MAINTENANT, nullable=False),
        sa.ForeignKeyConstraint(
            ["contribution_id"],
            ["contribution.id"],
            name="fk_reperage_contribution_id_contribution",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reperage"),
    )
    op.create_index("ix_reperage_contribution_id", "reperage", ["contribution_id"], unique=False)
    op.create_table(
        "journal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quand", HORODATAGE, server_default=MAINTENANT, nullable=False),
        sa.Column("utilisateur_id", sa.Integer(), nullable=True),
        sa.Column("acteur", sa.String(length=100), server_default="", nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("objet", sa.String(length=300), server_default="", nullable=False),
        sa.Column("details", sa.String(length=1000), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["utilisateur_id"],
            ["utilisateur.id"],
            name="fk_journal_utilisateur_id_utilisateur",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_journal"),
    )
    op.create_index("ix_journal_action", "journal", ["action"], unique=False)
    op.create_index("ix_journal_utilisateur_id", "journal", ["utilisateur_id"], unique=False)


def downgrade() -> None:
    op.drop_table("journal")
    op.drop_table("reperage")
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_column("examinee_par")
    with op.batch_alter_table("demarche", schema=None) as batch_op:
        for nom in (
            "purgee_le",
            "conservation_mois",
            "destinataires",
            "finalite",
            "base_legale",
            "contact_droits",
            "delegue_protection",
            "responsable_traitement",
        ):
            batch_op.drop_column(nom)
