"""Valeurs par défaut côté base pour chaque colonne qui en a une côté Python

Révision : 0005
Précédente : 0004
Créée le : 2026-11-30

Une base créée par `create_all` les reçoit du modèle ; une base migrée depuis 0001 les reçoit ici.
Les valeurs sont figées dans ce fichier (jamais lues dans le modèle, qui continuera d'évoluer).
"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Écritures communes à SQLite et PostgreSQL. Une chaîne Python est écrite entre apostrophes par SQLAlchemy.
VIDE = ""
FAUX = sa.false()
VRAI = sa.true()
ZERO = sa.text("0")
LISTE_VIDE = sa.text("'[]'")
OBJET_VIDE = sa.text("'{}'")
MAINTENANT = sa.text("CURRENT_TIMESTAMP")

# utilisateur.version_session a reçu la sienne en 0004 ; aliastheme, tempstheme, contributiontheme n'en ont
# pas.
VALEURS_PAR_DEFAUT = {
    "demarche": {
        "commanditaire": VIDE,
        "partenaires": VIDE,
        "description": VIDE,
        "cloturee": FAUX,
        "mots_vides": VIDE,
        "cree_le": MAINTENANT,
    },
    "territoire": {"quartier": VIDE, "code_qpv": VIDE},
    "structure": {
        "typologie": "autre",
        "lieu": VIDE,
        "public": VIDE,
        "equipement": VIDE,
        "offre_numerique": VIDE,
        "besoins": VIDE,
        "horaires": VIDE,
        "prescripteurs": VIDE,
        "notes": VIDE,
    },
    "tempsdecollecte": {
        "lieu": VIDE,
        "evenement": VIDE,
        "animateurs": VIDE,
        "questions": LISTE_VIDE,
        "personnes_rencontrees": ZERO,
        "dont_professionnels": ZERO,
        "notes": VIDE,
        "cree_le": MAINTENANT,
    },
    "photo": {"legende": VIDE, "cree_le": MAINTENANT},
    "theme": {
        "description": VIDE,
        "mots_cles": LISTE_VIDE,
        "couleur": VIDE,
        "ordre": ZERO,
        "introduction": VIDE,
    },
    "utilisateur": {"nom": VIDE, "role": "lecteur", "actif": VRAI, "cree_le": MAINTENANT},
    "invitation": {"cree_le": MAINTENANT},
    "versionquestionnaire": {"definition": OBJET_VIDE, "cree_le": MAINTENANT},
    "reponsequestionnaire": {
        "version": sa.text("1"),
        "role_repondant": VIDE,
        "nom_structure": VIDE,
        "statut": "brouillon",
        "source": "web",
        "valeurs": OBJET_VIDE,
        "cree_le": MAINTENANT,
        "modifiee_le": MAINTENANT,
    },
    "contribution": {
        "nature": "parole",
        "question": VIDE,
        "profil": "inconnu",
        "tranche_age": "inconnu",
        "genre": VIDE,
        "a_retenir": FAUX,
        "ne_pas_citer": FAUX,
        "masquee": FAUX,
        "question_ref": VIDE,
        "cree_le": MAINTENANT,
        "modifiee_le": MAINTENANT,
    },
    "contributionannulee": {"annulee_le": MAINTENANT},
    "texterestitution": {"titre": VIDE, "contenu": VIDE, "ordre": ZERO, "modifie_le": MAINTENANT},
}


@contextmanager
def _sans_cles_etrangeres_sous_sqlite():
    """Sous SQLite, batch_alter_table recrée la table (copie, DROP, renommage). Clés étrangères actives,
    ce DROP efface en cascade les lignes qui la référencent : toutes les paroles partiraient avec la table
    demarche.

    `PRAGMA foreign_keys` est sans effet dans une transaction : on valide d'abord ce que les migrations
    précédentes ont écrit (elles restent acquises si celle-ci échoue ; la rejouer est sans danger), puis on
    vérifie les références avant de rétablir le réglage de la connexion."""
    connexion = op.get_bind()
    if connexion.dialect.name != "sqlite":
        yield
        return
    brute = connexion.connection.dbapi_connection
    actives = brute.execute("PRAGMA foreign_keys").fetchone()[0]
    brute.commit()
    brute.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        orphelines = brute.execute("PRAGMA foreign_key_check").fetchall()
        if orphelines:
            raise RuntimeError(f"Références cassées par la migration 0005 : {orphelines[:5]}")
        brute.commit()
    except BaseException:
        brute.rollback()
        raise
    finally:
        brute.execute(f"PRAGMA foreign_keys={'ON' if actives else 'OFF'}")


def _poser(valeurs: dict) -> None:
    """`valeurs` : {table: {colonne: valeur}} ; None retire la valeur par défaut."""
    with _sans_cles_etrangeres_sous_sqlite():
        for table, colonnes in valeurs.items():
            with op.batch_alter_table(table, schema=None) as batch_op:
                for colonne, valeur in colonnes.items():
                    batch_op.alter_column(colonne, server_default=valeur)


def upgrade() -> None:
    _poser(VALEURS_PAR_DEFAUT)


def downgrade() -> None:
    _poser({table: dict.fromkeys(colonnes) for table, colonnes in VALEURS_PAR_DEFAUT.items()})
