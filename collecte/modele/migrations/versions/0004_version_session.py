"""Sessions qui finissent : version de session par compte

Révision : 0004
Précédente : 0003
Créée le : 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("utilisateur", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version_session", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("utilisateur", schema=None) as batch_op:
        batch_op.drop_column("version_session")
