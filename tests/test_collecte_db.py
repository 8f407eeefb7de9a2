"""Schéma : la migration initiale décrit exactement le modèle ; une base existante est migrée sans perte."""
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

from collecte.modele.db import _config_alembic, creer_engine, init_db, revision_courante
from collecte.modele.models import Demarche


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


def test_migrer_une_base_peuplee_vers_la_saisie_hors_ligne(tmp_path):
    """Une base de terrain à la révision 0002, avec des paroles, passe à la dernière sans rien perdre."""
    from sqlalchemy import inspect, text

    engine = creer_engine(f"sqlite:///{tmp_path / 'terrain.sqlite'}")
    with engine.begin() as connexion:
        command.upgrade(_config_alembic(engine, connexion), "0002")
        connexion.execute(text("INSERT INTO demarche (slug, titre, commanditaire, partenaires, description, cloturee, "
                               "mots_vides, cree_le) VALUES ('d', 'D', '', '', '', 0, '', '2024-03-05 10:00:00')"))
        connexion.execute(text("INSERT INTO tempsdecollecte (demarche_id, ref, dispositif, date, lieu, evenement, animateurs, "
                               "questions, personnes_rencontrees, dont_professionnels, notes, cree_le) VALUES "
                               "(1, 'PDP-1', 'porteur_de_parole', '2024-03-05', '', '', '', '[]', 3, 0, '', '2024-03-05 10:00:00')"))
        connexion.execute(text("INSERT INTO contribution (client_uuid, temps_id, nature, texte, question, profil, tranche_age, "
                               "genre, a_retenir, ne_pas_citer, masquee, question_ref, cree_le, modifiee_le) VALUES "
                               "('0d1f3c9e5a8b4f619a0e2f7c1b5d9e11', 1, 'parole', 'Recueillie avant la mise à jour', '', "
                               "'habitant', 'inconnu', '', 0, 0, 0, '', '2024-03-05 10:00:00', '2024-03-05 10:00:00')"))
    assert init_db(engine) == "migree"
    with engine.connect() as connexion:
        assert {"aliastheme", "tempstheme", "contributionannulee"} <= set(inspect(connexion).get_table_names())
    with Session(engine) as session:
        from collecte.modele.models import Contribution
        assert [c.texte for c in session.exec(select(Contribution))] == ["Recueillie avant la mise à jour"]
    engine.dispose()
