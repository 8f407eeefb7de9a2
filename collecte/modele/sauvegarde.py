"""Sauvegarde et restauration d'une instance : la base de données et les photos, dans une archive .zip.

L'archive contient `manifeste.json` (version de Parole, révision Alembic, date, type de base, nombre de
démarches, temps, paroles et photos, empreinte SHA-256 de chaque fichier), la copie de la base
(`base.sqlite`, prise par l'API de sauvegarde en ligne de SQLite, ou `base.pgdump`, format custom de
pg_dump) et le dossier `photos/`. Elle contient les mots des habitant·es : elle est écrite en 0600,
d'un coup (fichier temporaire puis renommage). Rien n'est remplacé avant que toute l'archive ait été lue
et vérifiée.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from collecte.modele.db import DOSSIER_MIGRATIONS, creer_engine, init_db
from collecte.modele.models import Contribution, Demarche, Photo, TempsDeCollecte, heure_locale

FORMAT = "parole-sauvegarde"
VERSION_FORMAT = 1
MANIFESTE = "manifeste.json"
FICHIERS_BASE = {"sqlite": "base.sqlite", "postgresql": "base.pgdump"}
NOMS_BASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
COMPTES = {"demarches": Demarche, "temps": TempsDeCollecte, "contributions": Contribution, "photos": Photo}
ARCHIVE_ABIMEE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError)

# Vide le schéma public dans la transaction même de la restauration (psql --single-transaction) : une
# erreur annule tout. Supprimer les tables, et non le schéma, ne demande que d'en être propriétaire.
VIDER_SCHEMA = """SET client_min_messages = warning; SET lock_timeout = '30s';
DO $$DECLARE objet record; BEGIN
  FOR objet IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'S') LOOP
    EXECUTE format('DROP %s IF EXISTS public.%I CASCADE',
                   CASE objet.relkind WHEN 'r' THEN 'TABLE' WHEN 'v' THEN 'VIEW' ELSE 'SEQUENCE' END,
                   objet.relname);
  END LOOP;
END $$;"""


class ErreurSauvegarde(Exception):
    """Une sauvegarde ou une restauration impossible ; `message` tient en une ligne, en français."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _silence(_message: str) -> None:
    pass


def type_de_base(engine: Engine) -> str:
    if engine.dialect.name not in FICHIERS_BASE:
        raise ErreurSauvegarde(
            f"Base {engine.dialect.name} : seules SQLite et PostgreSQL sont prises en charge."
        )
    return engine.dialect.name


def compter(connexion: Connection) -> dict[str, int]:
    return {
        cle: connexion.execute(select(func.count()).select_from(modele.__table__)).scalar_one()
        for cle, modele in COMPTES.items()
    }


def decrire(comptes: dict[str, int]) -> str:
    """« 1 démarche, 2 temps de collecte, 12 paroles, 0 photo »."""

    def nombre(n: int, singulier: str, pluriel: str) -> str:
        return f"{n} {singulier if n <= 1 else pluriel}"

    return ", ".join(
        [
            nombre(comptes["demarches"], "démarche", "démarches"),
            nombre(comptes["temps"], "temps de collecte", "temps de collecte"),
            nombre(comptes["contributions"], "parole", "paroles"),
            nombre(comptes["photos"], "photo", "photos"),
        ]
    )


def _etat(connexion: Connection) -> tuple[str | None, dict[str, int]]:
    return MigrationContext.configure(connexion).get_current_revision(), compter(connexion)


# --- Sauvegarde ------------------------------------------------------------------------------------


def sauvegarder(
    engine: Engine, dossier_photos: str | Path, cible: str | Path, signaler: Callable[[str], None] = _silence
) -> dict:
    """Écrit l'archive `cible` (base puis photos) et renvoie son manifeste."""
    base, cible = type_de_base(engine), Path(cible)
    if cible.is_dir() or not cible.parent.is_dir():
        raise ErreurSauvegarde(
            f"{cible} : donnez le chemin d'un fichier dans un dossier existant "
            "(par exemple /chemin/parole-AAAA-MM-JJ.zip)."
        )
    # La copie de travail reste à côté de l'archive (même disque, mêmes protections), pas dans /tmp.
    with tempfile.TemporaryDirectory(prefix=".parole-sauvegarde-", dir=cible.parent) as travail:
        copie = Path(travail) / FICHIERS_BASE[base]
        signaler(f"Copie de la base {NOMS_BASES[base]}…")
        copier = _copier_sqlite if base == "sqlite" else _copier_postgres
        revision, comptes = copier(engine, copie)
        # Les photos après la base : un fichier est écrit avant que sa ligne soit validée, donc toute
        # photo de la copie a déjà son fichier.
        photos = _lister_photos(Path(dossier_photos))
        signaler(f"Photos : {len(photos)} fichier{'s' if len(photos) > 1 else ''}…")
        manifeste = {
            "format": FORMAT,
            "version_format": VERSION_FORMAT,
            "parole": _version_parole(),
            "revision": revision,
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "base": base,
            "comptes": comptes,
        }
        membres = [
            (FICHIERS_BASE[base], copie, zipfile.ZIP_DEFLATED if base == "sqlite" else zipfile.ZIP_STORED)
        ]
        membres += [
            (f"photos/{nom}", chemin, zipfile.ZIP_STORED) for nom, chemin in photos
        ]  # déjà compressées
        _ecrire_archive(cible, manifeste, membres)
    return manifeste


def _version_parole() -> str:
    try:
        return metadata.version("parole")
    except metadata.PackageNotFoundError:
        return "inconnue"


def _copier_sqlite(engine: Engine, copie: Path) -> tuple[str | None, dict[str, int]]:
    brute = engine.raw_connection()
    try:
        with closing(sqlite3.connect(copie)) as destination:
            # Une seule étape (pages=-1) : un instantané cohérent, même si l'application écrit en même temps.
            brute.driver_connection.backup(destination)
            destination.execute("PRAGMA journal_mode=DELETE")  # un seul fichier, sans -wal
    finally:
        brute.close()
    moteur = create_engine(f"sqlite:///{copie}", poolclass=NullPool)
    try:
        with moteur.connect() as connexion:
            return _etat(connexion)
    finally:
        moteur.dispose()


def _copier_postgres(engine: Engine, copie: Path) -> tuple[str | None, dict[str, int]]:
    pg_dump = _outil("pg_dump")
    with engine.connect() as connexion:
        connexion = connexion.execution_options(isolation_level="REPEATABLE READ")
        with connexion.begin():
            # pg_dump lit le même instantané que les nombres du manifeste.
            instantane = connexion.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            etat = _etat(connexion)
            adresse = _adresse_pour_outils(engine, copie.parent)
            _lancer(
                [
                    pg_dump,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={instantane}",
                    f"--file={copie}",
                    f"--dbname={adresse}",
                ]
            )
    return etat


def _lister_photos(dossier: Path) -> list[tuple[str, Path]]:
    if not dossier.is_dir():
        return []
    return [
        (chemin.relative_to(dossier).as_posix(), chemin)
        for chemin in sorted(dossier.rglob("*"))
        if chemin.is_file()
    ]


def _ecrire_archive(cible: Path, manifeste: dict, membres: list[tuple[str, Path, int]]) -> None:
    # mkstemp crée le fichier en 0600 ; il ne prend son nom qu'une fois complet.
    descripteur, provisoire = tempfile.mkstemp(prefix=f".{cible.name}.", suffix=".tmp", dir=cible.parent)
    try:
        with os.fdopen(descripteur, "w+b") as fichier:
            with zipfile.ZipFile(fichier, "w") as archive:
                empreintes = {
                    nom: _ajouter(archive, nom, chemin, compression) for nom, chemin, compression in membres
                }
                manifeste["fichiers"] = empreintes
                archive.writestr(
                    MANIFESTE,
                    json.dumps(manifeste, ensure_ascii=False, indent=2),
                    compress_type=zipfile.ZIP_DEFLATED,
                )
            fichier.flush()
            os.fsync(fichier.fileno())
        os.replace(provisoire, cible)
    except BaseException:
        Path(provisoire).unlink(missing_ok=True)
        raise


def _ajouter(archive: zipfile.ZipFile, nom: str, chemin: Path, compression: int) -> str:
    info = zipfile.ZipInfo.from_file(chemin, nom, strict_timestamps=False)
    info.compress_type = compression
    empreinte = hashlib.sha256()
    with open(chemin, "rb") as source, archive.open(info, "w") as destination:
        for bloc in iter(lambda: source.read(1 << 20), b""):
            empreinte.update(bloc)
            destination.write(bloc)
    return empreinte.hexdigest()


# --- Outils PostgreSQL -----------------------------------------------------------------------------


def _outil(nom: str) -> str:
    chemin = shutil.which(nom)
    if chemin is None:
        raise ErreurSauvegarde(
            f"Commande « {nom} » introuvable : installez les outils clients PostgreSQL "
            "(paquet postgresql-client, même version majeure que le serveur)."
        )
    return chemin


def _adresse_pour_outils(engine: Engine, dossier: Path) -> str:
    """Adresse libpq de la base ; le mot de passe passe par un fichier 0600, jamais par la ligne de
    commande."""
    url = engine.url.set(drivername="postgresql")
    if url.password:
        fichier = dossier / "pgpass"
        echappe = str(url.password).replace("\\", "\\\\").replace(":", "\\:")
        with os.fdopen(
            os.open(fichier, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8"
        ) as sortie:
            sortie.write(f"*:*:*:*:{echappe}\n")
        url = url.set(password=None).update_query_dict({"passfile": str(fichier)})
    return url.render_as_string(hide_password=False)


def _lancer(commande: list[str]) -> None:
    # Chaque outil écrit dans un fichier (--file) : la sortie standard ne porte que du bruit.
    resultat = subprocess.run(
        commande, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace", check=False
    )
    if resultat.returncode != 0:
        raise ErreurSauvegarde(f"{Path(commande[0]).name} a échoué : {_premiere_erreur(resultat.stderr)}")


def _premiere_erreur(sortie: str) -> str:
    lignes = [ligne.strip() for ligne in sortie.splitlines() if ligne.strip()]
    erreurs = [ligne for ligne in lignes if "error" in ligne.lower() or "erreur" in ligne.lower()]
    return (erreurs or lignes or ["(aucun message)"])[0]


# --- Restauration ----------------------------------------------------------------------------------


def restaurer(
    engine: Engine,
    dossier_photos: str | Path,
    archive: str | Path,
    forcer: bool = False,
    signaler: Callable[[str], None] = _silence,
) -> dict:
    """Remplace la base et les photos par celles de l'archive, puis migre le schéma ; renvoie le manifeste."""
    base, archive, dossier_photos = type_de_base(engine), Path(archive), Path(dossier_photos)
    try:
        zf = zipfile.ZipFile(archive)
    except ARCHIVE_ABIMEE:
        raise ErreurSauvegarde(
            f"{archive.name} n'est pas une sauvegarde Parole lisible (archive tronquée, "
            "abîmée ou d'un autre format) : rien n'a été modifié."
        ) from None
    with zf:
        manifeste = _lire_manifeste(zf)
        _verifier_compatibilite(manifeste, base)
        signaler(
            f"Sauvegarde du {_date_lisible(manifeste['date'])} (Parole {manifeste['parole']}, "
            f"{NOMS_BASES[base]}, révision {manifeste['revision']}) : {decrire(manifeste['comptes'])}."
        )
        if not forcer:
            _refuser_si_occupee(engine)
        dossier_photos.parent.mkdir(parents=True, exist_ok=True)
        travail = Path(tempfile.mkdtemp(prefix=".parole-restauration-", dir=dossier_photos.parent))
        try:
            _extraire(zf, manifeste, travail)
            _remplacer_base(engine, base, travail / FICHIERS_BASE[base], travail, signaler)
            _remplacer_photos(travail / "photos", dossier_photos)
        finally:
            shutil.rmtree(travail, ignore_errors=True)
    return manifeste


def _date_lisible(texte: str) -> str:
    try:
        return heure_locale(datetime.fromisoformat(texte)).strftime("%d/%m/%Y à %H:%M")
    except (ValueError, TypeError):
        return texte


def _lire_manifeste(zf: zipfile.ZipFile) -> dict:
    etranger = "Ce n'est pas une sauvegarde Parole ({}) : rien n'a été modifié."
    try:
        manifeste = json.loads(zf.read(MANIFESTE))
    except KeyError:
        raise ErreurSauvegarde(etranger.format("manifeste.json absent")) from None
    except (ValueError, *ARCHIVE_ABIMEE):
        raise ErreurSauvegarde(etranger.format("manifeste.json illisible")) from None
    if not isinstance(manifeste, dict) or manifeste.get("format") != FORMAT:
        raise ErreurSauvegarde(etranger.format("manifeste d'un autre format"))
    if manifeste.get("version_format") != VERSION_FORMAT:
        raise ErreurSauvegarde(
            f"Format de sauvegarde {manifeste.get('version_format')!r} inconnu : "
            "mettez Parole à jour pour la restaurer."
        )
    if not _manifeste_complet(manifeste):
        raise ErreurSauvegarde(etranger.format("manifeste incomplet ou non conforme"))
    return manifeste


def _manifeste_complet(manifeste: dict) -> bool:
    fichiers, comptes = manifeste.get("fichiers"), manifeste.get("comptes")
    return (
        manifeste.get("base") in FICHIERS_BASE
        and isinstance(manifeste.get("revision"), str)
        and isinstance(comptes, dict)
        and all(isinstance(comptes.get(cle), int) for cle in COMPTES)
        and isinstance(fichiers, dict)
        and FICHIERS_BASE[manifeste["base"]] in fichiers
        and all(isinstance(e, str) and len(e) == 64 for e in fichiers.values())
        and all(_chemin_permis(nom, manifeste["base"]) for nom in fichiers)
        and all(isinstance(manifeste.get(cle), str) for cle in ("date", "parole"))
    )


def _chemin_permis(nom: str, base: str) -> bool:
    parties = PurePosixPath(nom).parts
    if nom == FICHIERS_BASE[base]:
        return True
    return (
        len(parties) >= 2
        and parties[0] == "photos"
        and "\\" not in nom
        and "\x00" not in nom
        and all(partie not in ("", ".", "..") for partie in parties[1:])
    )


def _verifier_compatibilite(manifeste: dict, base: str) -> None:
    if manifeste["base"] != base:
        raise ErreurSauvegarde(
            f"Sauvegarde d'une base {NOMS_BASES[manifeste['base']]}, base configurée "
            f"{NOMS_BASES[base]} : la restauration ne passe pas d'un type de base à l'autre."
        )
    config = Config()
    config.set_main_option("script_location", str(DOSSIER_MIGRATIONS))
    connues = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    if manifeste["revision"] not in connues:
        raise ErreurSauvegarde(
            f"Sauvegarde d'un schéma inconnu de cette version de Parole (révision "
            f"« {manifeste['revision']} ») : mettez Parole à jour avant de restaurer."
        )


def _refuser_si_occupee(engine: Engine) -> None:
    with engine.connect() as connexion:
        if not inspect(connexion).has_table("demarche"):
            return
        comptes = compter(connexion)
    if comptes["demarches"] or comptes["contributions"]:
        raise ErreurSauvegarde(
            f"La base n'est pas vide ({decrire(comptes)}) : la restauration remplacerait "
            "tout, comptes et photos compris. Relancez avec --force pour la remplacer."
        )


def _extraire(zf: zipfile.ZipFile, manifeste: dict, travail: Path) -> None:
    attendus = manifeste["fichiers"]
    presents = {info.filename for info in zf.infolist() if not info.is_dir()} - {MANIFESTE}
    if presents != set(attendus):
        raise ErreurSauvegarde(
            "Archive incomplète ou modifiée : ses fichiers ne sont pas ceux de son manifeste. "
            "Rien n'a été modifié."
        )
    (travail / "photos").mkdir()
    for nom, attendue in attendus.items():
        destination = travail.joinpath(*PurePosixPath(nom).parts)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            empreinte = _copier_membre(zf, nom, destination)
        except ARCHIVE_ABIMEE:
            empreinte = None
        if empreinte != attendue:
            raise ErreurSauvegarde(
                f"Archive abîmée : « {nom} » est illisible ou ne correspond pas à son "
                "empreinte. Rien n'a été modifié."
            )


def _copier_membre(zf: zipfile.ZipFile, nom: str, destination: Path) -> str:
    empreinte = hashlib.sha256()
    with zf.open(nom) as source, open(destination, "wb") as sortie:
        for bloc in iter(lambda: source.read(1 << 20), b""):
            empreinte.update(bloc)
            sortie.write(bloc)
    return empreinte.hexdigest()


def _remplacer_base(engine: Engine, base: str, copie: Path, travail: Path, signaler) -> None:
    if base == "sqlite":
        signaler("Vérification et mise à jour du schéma de la copie…")
        _preparer_sqlite(copie)
        signaler("Remplacement de la base SQLite…")
        _remplacer_sqlite(engine, copie)
    else:
        signaler("Remplacement de la base PostgreSQL (pg_restore, une seule transaction)…")
        _remplacer_postgres(engine, copie, travail)
        signaler("Mise à jour du schéma…")
        _migrer(engine, "La base a été restaurée mais son schéma n'a pas pu être mis à jour")


def _migrer(engine: Engine, contexte: str) -> None:
    try:
        init_db(engine)
    except (CommandError, SQLAlchemyError) as erreur:
        raise ErreurSauvegarde(f"{contexte} : {_premiere_erreur(str(erreur))}") from None


def _preparer_sqlite(copie: Path) -> None:
    try:
        with closing(sqlite3.connect(copie)) as connexion:
            verdict = connexion.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError:
        verdict = None
    if verdict != [("ok",)]:
        raise ErreurSauvegarde(
            "La base de l'archive est abîmée (contrôle d'intégrité SQLite) : rien n'a été modifié."
        )
    moteur = creer_engine(f"sqlite:///{copie}")
    try:  # migrée avant de remplacer quoi que ce soit : un échec laisse la base en place intacte
        _migrer(moteur, "Mise à jour du schéma de la sauvegarde impossible, rien n'a été modifié")
    finally:
        moteur.dispose()


def _remplacer_sqlite(engine: Engine, copie: Path) -> None:
    # L'API de sauvegarde, dans l'autre sens, remplace le contenu en une transaction et respecte les verrous
    # des autres connexions ; remplacer le fichier sous une base en WAL pourrait l'abîmer.
    engine.dispose()
    brute = engine.raw_connection()
    try:
        with closing(sqlite3.connect(copie)) as source:
            source.backup(brute.driver_connection)
    finally:
        brute.close()
        engine.dispose()


def _remplacer_postgres(engine: Engine, copie: Path, travail: Path) -> None:
    pg_restore, psql = _outil("pg_restore"), _outil("psql")
    script = travail / "restauration.sql"
    _lancer([pg_restore, "--schema=public", "--no-owner", "--no-privileges", f"--file={script}", str(copie)])
    engine.dispose()
    try:
        _lancer(
            [
                psql,
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                f"--command={VIDER_SCHEMA}",
                f"--file={script}",
                f"--dbname={_adresse_pour_outils(engine, travail)}",
            ]
        )
    except ErreurSauvegarde as erreur:
        cause = (
            "une autre connexion utilise la base (arrêtez l'application, puis recommencez)"
            if "lock timeout" in erreur.message
            else erreur.message
        )
        raise ErreurSauvegarde(f"Restauration annulée, base inchangée : {cause}") from None


def _remplacer_photos(nouvelles: Path, dossier: Path) -> None:
    ancien = dossier.with_name(f".{dossier.name}-remplacees-{uuid.uuid4().hex[:8]}")
    if dossier.exists():
        dossier.rename(ancien)
    nouvelles.rename(dossier)
    shutil.rmtree(ancien, ignore_errors=True)
