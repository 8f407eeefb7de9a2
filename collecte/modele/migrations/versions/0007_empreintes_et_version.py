"""Empreintes des paroles (doublons probables par index) et version des données d'une démarche (cache)

Révision : 0007
Précédente : 0006
Créée le : 2026-11-30

Des colonnes ajoutées (jamais modifiées) : aucune table n'est recréée, même sous SQLite. Les paroles déjà
recueillies reçoivent ici leurs empreintes, calculées comme `collecte.modele.validation.empreintes` le fait
aujourd'hui (calcul figé dans ce fichier, par lots) ; chaque démarche reçoit un premier jeton
`version_donnees`, que sa prochaine écriture remplacera.
"""

import hashlib
import re
import secrets
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LONGUEUR = 20
LOT = 5_000


def _normaliser(texte: str) -> str:
    sans_accents = unicodedata.normalize("NFKD", texte.casefold())
    sans_accents = "".join(c for c in sans_accents if not unicodedata.combining(c))
    return re.sub(r"\W+", " ", sans_accents).strip()


def _hacher(morceau: str) -> str:
    return hashlib.blake2b(morceau.encode(), digest_size=8).hexdigest()


def _empreintes(texte: str | None) -> tuple[str, str]:
    propre = _normaliser(texte or "")
    if len(propre) < LONGUEUR:
        return "", ""
    return _hacher(propre[:LONGUEUR]), _hacher(propre[-LONGUEUR:])


def _remplir(connexion) -> None:
    contribution = sa.table(
        "contribution",
        sa.column("id", sa.Integer),
        sa.column("texte", sa.Text),
        sa.column("empreinte_debut", sa.String),
        sa.column("empreinte_fin", sa.String),
    )
    ecrire = (
        sa.update(contribution)
        .where(contribution.c.id == sa.bindparam("b_id"))
        .values(empreinte_debut=sa.bindparam("b_debut"), empreinte_fin=sa.bindparam("b_fin"))
    )
    dernier = 0
    while True:
        lot = connexion.execute(
            sa.select(contribution.c.id, contribution.c.texte)
            .where(contribution.c.id > dernier)
            .order_by(contribution.c.id)
            .limit(LOT)
        ).all()
        if not lot:
            return
        valeurs = []
        for ident, texte in lot:
            debut, fin = _empreintes(texte)
            if debut:
                valeurs.append({"b_id": ident, "b_debut": debut, "b_fin": fin})
        if valeurs:
            connexion.execute(ecrire, valeurs)
        dernier = lot[-1][0]


def _premieres_versions(connexion) -> None:
    demarche = sa.table("demarche", sa.column("id", sa.Integer), sa.column("version_donnees", sa.String))
    for (ident,) in connexion.execute(sa.select(demarche.c.id).order_by(demarche.c.id)).all():
        connexion.execute(
            sa.update(demarche).where(demarche.c.id == ident).values(version_donnees=secrets.token_hex(8))
        )


def upgrade() -> None:
    with op.batch_alter_table("demarche", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version_donnees", sa.String(length=32), server_default="", nullable=False)
        )
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        for nom in ("empreinte_debut", "empreinte_fin"):
            batch_op.add_column(sa.Column(nom, sa.String(length=16), server_default="", nullable=False))
    _remplir(op.get_bind())
    _premieres_versions(op.get_bind())
    for nom in ("empreinte_debut", "empreinte_fin"):
        op.create_index(f"ix_contribution_{nom}", "contribution", [nom, "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_contribution_empreinte_fin", table_name="contribution")
    op.drop_index("ix_contribution_empreinte_debut", table_name="contribution")
    with op.batch_alter_table("contribution", schema=None) as batch_op:
        batch_op.drop_column("empreinte_fin")
        batch_op.drop_column("empreinte_debut")
    with op.batch_alter_table("demarche", schema=None) as batch_op:
        batch_op.drop_column("version_donnees")
