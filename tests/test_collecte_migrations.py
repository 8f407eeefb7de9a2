"""Une base de terrain restée à la première révision, remplie de la démarche d'exemple, passe à la dernière
sans rien perdre.

Sous SQLite toujours ; sous PostgreSQL aussi quand PAROLE_TEST_DATABASE_URL est défini, dans un schéma à
part (le reste de la suite se sert de `public`, peut-être au même moment).
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, Table, create_engine, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

import questionnaires.import_papier  # noqa: F401  (enregistre la feuille reponses de l'exemple)
from analyse.donnees import charger_corpus
from collecte.modele.db import _config_alembic, creer_engine, init_db, revision_courante
from collecte.modele.models import Contribution, Demarche, Utilisateur
from collecte.modele.validation import empreintes
from tests.conftest import SLUG_EXEMPLE, importer_exemple
from tests.test_collecte_db import differences_avec_le_modele

SLUG = SLUG_EXEMPLE
URL_POSTGRES = os.environ.get("PAROLE_TEST_DATABASE_URL")
SCHEMA_ESSAI = "migration_essai"
# Valeur neutre pour une colonne de 0001 que le modèle n'a plus, si la base en exige une.
REMPLISSAGE = {str: "", int: 0, bool: False}


@contextmanager
def _moteur_postgres_dedie():
    """Moteur PostgreSQL enfermé dans SCHEMA_ESSAI : les tables et la table alembic_version y sont créées."""
    url = make_url(URL_POSTGRES).set(drivername="postgresql+psycopg")
    engine = create_engine(url, connect_args={"options": f"-csearch_path={SCHEMA_ESSAI}"})
    _vider_schema(engine, recreer=True)
    try:
        yield engine
    finally:
        _vider_schema(engine, recreer=False)
        engine.dispose()


def _vider_schema(engine, recreer: bool) -> None:
    with engine.begin() as connexion:
        connexion.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA_ESSAI} CASCADE"))
        if recreer:
            connexion.execute(text(f"CREATE SCHEMA {SCHEMA_ESSAI}"))


@pytest.fixture(params=["sqlite"] + (["postgresql"] if URL_POSTGRES else []))
def base_terrain(request, tmp_path):
    """Une base vide, qui deviendra une base de terrain à la révision 0001."""
    if request.param == "postgresql":
        with _moteur_postgres_dedie() as engine:
            yield engine
        return
    engine = creer_engine(f"sqlite:///{tmp_path / 'terrain.sqlite'}")
    yield engine
    engine.dispose()


@pytest.fixture
def base_exemple(tmp_path):
    """La démarche d'exemple importée par le code d'aujourd'hui, plus un compte auteur de paroles."""
    engine = creer_engine(f"sqlite:///{tmp_path / 'exemple.sqlite'}")
    init_db(engine)
    with Session(engine) as session:
        importer_exemple(session)
        _ajouter_un_auteur(session)
    yield engine
    engine.dispose()


def _ajouter_un_auteur(session: Session) -> None:
    """0004 ajoute une colonne NOT NULL à la table de ce compte ; 0005 la recrée sous SQLite, et les paroles
    qui le citent doivent le garder (la clé étrangère met l'auteur à NULL si la ligne disparaît)."""
    compte = Utilisateur(identifiant="animatrice", mot_de_passe_hash="-", role="animateur")
    session.add(compte)
    session.flush()
    for parole in session.scalars(select(Contribution).order_by(Contribution.id).limit(10)):
        parole.saisie_par_id = parole.modifiee_par_id = compte.id
    session.commit()


@pytest.fixture
def schema_0001(base_exemple, base_terrain) -> MetaData:
    """La base de terrain, passée à 0001 et remplie de l'exemple, puis migrée par `init_db` ;
    renvoie le schéma tel qu'il était en 0001."""
    with base_terrain.begin() as connexion:
        command.upgrade(_config_alembic(base_terrain, connexion), "0001")
    schema = MetaData()
    schema.reflect(base_terrain)
    schema.remove(schema.tables["alembic_version"])
    _copier(base_exemple, base_terrain, schema)
    assert revision_courante(base_terrain) == "0001"
    assert init_db(base_terrain) == "migree"
    return schema


def _copier(source, cible, schema: MetaData) -> None:
    """Recopie les lignes de `source`, réduites aux colonnes de `schema`, dans l'ordre des dépendances."""
    with source.connect() as lecture, cible.begin() as ecriture:
        for table in schema.sorted_tables:
            lignes = _lignes(lecture, table)
            if lignes:
                remplissage = _remplissage(table)
                ecriture.execute(
                    insert(_table_typee(table)), [dict(ligne._mapping) | remplissage for ligne in lignes]
                )


def _lignes(connexion, table_0001: Table) -> list:
    """Lignes entières de la table, pour les colonnes qu'elle partage avec le modèle, dans l'ordre de la
    clé."""
    modele = SQLModel.metadata.tables[table_0001.name]
    colonnes = [modele.c[c.name] for c in table_0001.columns if c.name in modele.c]
    return connexion.execute(select(*colonnes).order_by(*modele.primary_key.columns)).all()


def _remplissage(table_0001: Table) -> dict:
    modele = SQLModel.metadata.tables[table_0001.name]
    return {
        c.name: REMPLISSAGE[c.type.python_type]
        for c in table_0001.columns
        if c.name not in modele.c and not c.nullable and c.server_default is None
    }


def _table_typee(table_0001: Table) -> Table:
    """La table de 0001 avec les types du modèle (dates UTC, JSON, UUID) là où la colonne existe encore,
    et sans les valeurs par défaut Python du modèle (elles viseraient des colonnes qui n'existaient pas en
    0001)."""
    modele = SQLModel.metadata.tables[table_0001.name]
    colonnes = [
        Column(c.name, modele.c[c.name].type if c.name in modele.c else c.type) for c in table_0001.columns
    ]
    return Table(table_0001.name, MetaData(), *colonnes)


def _contenu(engine, schema: MetaData) -> dict[str, list]:
    with engine.connect() as connexion:
        return {table.name: _lignes(connexion, table) for table in schema.sorted_tables}


def _paroles_lues_par_l_analyse(engine) -> tuple[int, int]:
    with Session(engine) as session:
        corpus = charger_corpus(session, SLUG)
    return len(corpus.contributions), len(corpus.liens_themes)


def test_une_base_en_0001_passe_a_la_derniere_revision_sans_rien_perdre(
    base_exemple, base_terrain, schema_0001
):
    avant = _contenu(base_exemple, schema_0001)
    apres = _contenu(base_terrain, schema_0001)
    assert len(avant["contribution"]) >= 150 and len(avant["reponsequestionnaire"]) >= 1
    assert sum(1 for parole in avant["contribution"] if parole.saisie_par_id) == 10
    assert {table: len(lignes) for table, lignes in apres.items()} == {
        t: len(lignes) for t, lignes in avant.items()
    }
    for table, lignes in avant.items():
        assert apres[table] == lignes, f"table {table}"


def test_la_base_migree_suit_le_modele_et_se_lit(base_exemple, base_terrain, schema_0001):
    dernieres = ScriptDirectory.from_config(_config_alembic(base_terrain)).get_heads()
    assert [revision_courante(base_terrain)] == dernieres
    with base_terrain.connect() as connexion:
        assert differences_avec_le_modele(connexion) == []
    with Session(base_terrain) as session:
        assert [compte.version_session for compte in session.scalars(select(Utilisateur))] == [0]
    lues = _paroles_lues_par_l_analyse(base_terrain)
    assert lues == _paroles_lues_par_l_analyse(base_exemple) and lues[0] >= 150


def test_la_base_migree_remplit_elle_meme_les_valeurs_par_defaut(base_terrain, schema_0001):
    """Une insertion SQL qui ne nomme que les colonnes obligatoires reçoit les valeurs de la migration
    0005."""
    with base_terrain.begin() as connexion:
        # Identifiant explicite : sous PostgreSQL, les id recopiés n'ont pas fait avancer la séquence.
        ident = connexion.execute(select(func.max(Demarche.id))).scalar() + 1
        connexion.execute(
            text("INSERT INTO demarche (id, slug, titre) VALUES (:id, 'brute', 'Écrite en SQL')"),
            {"id": ident},
        )
    with Session(base_terrain) as session:
        demarche = session.get(Demarche, ident)
        assert (demarche.commanditaire, demarche.description, demarche.mots_vides) == ("", "", "")
        assert demarche.cloturee is False
        assert demarche.cree_le.tzinfo is not None  # CURRENT_TIMESTAMP relu en date-heure UTC


def test_la_migration_0007_donne_leurs_empreintes_aux_paroles_deja_recueillies(base_terrain, schema_0001):
    with Session(base_terrain) as session:
        paroles = session.scalars(select(Contribution).order_by(Contribution.id)).all()
        versions = session.scalars(select(Demarche.version_donnees)).all()
    assert len(paroles) >= 150
    assert [(p.empreinte_debut, p.empreinte_fin) for p in paroles] == [empreintes(p.texte) for p in paroles]
    assert sum(1 for p in paroles if p.empreinte_debut) >= 100  # les textes courts n'en ont pas
    assert len(versions) == 1 and len(versions[0]) == 16  # un premier jeton : les caches servent déjà
