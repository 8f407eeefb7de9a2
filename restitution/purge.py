"""`parole purge` : archiver le livret et les chiffres d'une démarche, puis la purger (RGPD).

Une démarche dont la durée de conservation est écoulée (`collecte.confidentialite.conservation`) perd ses
paroles, réponses, photos, temps et invitations ; avant, le livret en PDF et les chiffres agrégés (JSON)
sont écrits dans `instance/archives/<slug>/` — c'est ce que l'équipe garde. Une archive qui échoue arrête
tout : rien n'est effacé sans elle.

Ce module n'importe pas Flask (seuls les `cli.py` et les vues le font) : la commande reçoit l'application
de l'objet que Flask donne à chaque commande `parole` (`ScriptInfo`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import click
from sqlmodel import Session

from analyse.chiffres import chiffres_cles
from analyse.chiffres import registre as registre_chiffres
from analyse.comptages import compter_par
from analyse.donnees import charger_corpus
from collecte import demarches as logique_demarches
from collecte.confidentialite import conservation
from collecte.confidentialite.journal import ACTEUR_TERMINAL, Acteur
from collecte.modele.db import get_session
from collecte.modele.models import Demarche, maintenant
from collecte.modele.validation import ErreurValidation, valider_date
from restitution.livret import construire_livret

DOSSIER_ARCHIVES = "archives"  # dans le dossier d'instance
CRITERES_ARCHIVES = ("dispositif", "territoire", "theme", "profil", "tranche_age", "mois")


# --- Archive ---------------------------------------------------------------------------------------


def _natif(valeur):
    """Nombres de pandas ou numpy en nombres Python, pour le JSON."""
    return valeur.item() if hasattr(valeur, "item") else str(valeur)


def chiffres_agreges(session: Session, demarche: Demarche) -> dict:
    """Chiffres clés (avec leur libellé et leur définition), détail par territoire et comptes par critère :
    des nombres et les libellés de l'équipe, aucun mot des personnes rencontrées."""
    corpus = charger_corpus(session, demarche.slug, textes=False)
    valeurs = chiffres_cles(corpus)
    return {
        "demarche": {
            "slug": demarche.slug,
            "titre": demarche.titre,
            "commanditaire": demarche.commanditaire,
            "date_debut": demarche.date_debut.isoformat() if demarche.date_debut else None,
            "date_fin": demarche.date_fin.isoformat() if demarche.date_fin else None,
        },
        "archive_le": maintenant().isoformat(timespec="seconds"),
        "chiffres": [
            {
                "cle": c.cle,
                "valeur": valeurs[c.cle],
                "libelle": c.libelle_pour(valeurs[c.cle]),
                "definition": c.definition,
            }
            for c in registre_chiffres()
        ],
        "par_territoire": valeurs["par_territoire"],
        "comptages": {c: compter_par(corpus, c).to_dict(orient="records") for c in CRITERES_ARCHIVES},
    }


def _chemin_libre(dossier: Path, nom: str, extension: str) -> Path:
    """`nom.extension`, ou `nom-2.extension`… : une archive n'en écrase jamais une autre."""
    chemin, rang = dossier / f"{nom}.{extension}", 1
    while chemin.exists():
        rang += 1
        chemin = dossier / f"{nom}-{rang}.{extension}"
    return chemin


def _ecrire(chemin: Path, contenu: bytes) -> Path:
    """Écrit sous un nom provisoire puis renomme : le fichier est complet ou absent."""
    provisoire = chemin.with_name(f".{chemin.name}.partiel")
    try:
        provisoire.write_bytes(contenu)
        os.replace(provisoire, chemin)
    finally:
        provisoire.unlink(missing_ok=True)
    return chemin


def archiver(session: Session, demarche: Demarche, dossier_archives: str | Path, jour: date) -> list[Path]:
    """Écrit le livret (PDF, A4) et les chiffres agrégés (JSON) dans `dossier_archives/<slug>/` ; renvoie
    leurs chemins. Lève ErreurValidation (livret impossible, disque plein ou en lecture seule)."""
    # Lectures de l'analyse dans une session à part : `charger_corpus` laisse sa connexion en lecture par
    # lots (curseur côté serveur sous PostgreSQL), où les suppressions de la purge échoueraient.
    with Session(session.get_bind()) as lecture:
        livret = construire_livret(lecture, demarche.slug)
        agreges = chiffres_agreges(lecture, lecture.get(Demarche, demarche.id))
    chiffres = json.dumps(agreges, ensure_ascii=False, indent=2, default=_natif).encode("utf-8")
    dossier = Path(dossier_archives) / demarche.slug
    try:
        dossier.mkdir(parents=True, exist_ok=True)
        return [
            _ecrire(_chemin_libre(dossier, f"livret-{jour:%Y-%m-%d}", "pdf"), livret),
            _ecrire(_chemin_libre(dossier, f"chiffres-{jour:%Y-%m-%d}", "json"), chiffres),
        ]
    except OSError as erreur:
        raise ErreurValidation(
            f"archive impossible dans {dossier} ({erreur.strerror or erreur}).", "archives"
        ) from None


# --- Purge d'une démarche ----------------------------------------------------------------------------


@dataclass
class Resultat:
    demarche: Demarche
    avant: dict
    apres: dict = field(default_factory=dict)
    archives: list[Path] = field(default_factory=list)
    effaces: dict = field(default_factory=dict)


def archiver_puis_purger(
    session: Session,
    demarche: Demarche,
    dossiers: tuple[str | Path, str | Path],
    jour: date,
    acteur: Acteur = ACTEUR_TERMINAL,
) -> Resultat:
    """Vérifie l'échéance, archive, purge ; `dossiers` : (archives, photos). Lève ErreurValidation
    (échéance, livret, archive) : rien n'est alors effacé."""
    dossier_archives, dossier_photos = dossiers
    conservation.verifier_echeance(demarche, jour)
    archives = archiver(session, demarche, dossier_archives, jour)
    # Compté après l'archive : composer le livret examine les paroles qui ne l'étaient pas (repérages).
    resultat = Resultat(
        demarche, conservation.bilan_purge(session, demarche, dossier_photos), archives=archives
    )
    resultat.effaces = conservation.purger(session, demarche, acteur, dossier_photos, jour)
    resultat.apres = conservation.bilan_purge(session, demarche, dossier_photos)
    # Les lignes des photos sont parties : le bilan ne voit plus leurs fichiers ; ceux qui restent (droits)
    # se comptent par différence.
    fichiers = conservation.FICHIERS_PHOTO
    resultat.apres[fichiers] = resultat.avant[fichiers] - resultat.effaces[fichiers]
    return resultat


# --- Ce que la commande écrit ------------------------------------------------------------------------


def _entete(demarche: Demarche) -> str:
    fin = conservation.echeance(demarche)
    if fin is None:
        delai = "pas de date de fin : jamais purgée"
    else:
        delai = (
            f"fin le {demarche.date_fin:%d/%m/%Y}, conservée {demarche.conservation_mois} mois : "
            f"échéance le {fin:%d/%m/%Y}"
        )
    purgee = f" ; déjà purgée le {demarche.purgee_le:%d/%m/%Y}" if demarche.purgee_le else ""
    return f"Démarche « {demarche.slug} » ({demarche.titre}) — {delai}{purgee}"


def lignes_bilan(avant: dict, apres: dict | None = None) -> list[str]:
    """Une ligne par sorte : « nombre  libellé » (simulation) ou « avant → après  libellé »."""
    if apres is None:
        return [f"  {avant[cle]:>8}  {conservation.LIBELLES[cle]}" for cle in avant]
    return [f"  {avant[cle]:>8} → {apres.get(cle, 0):<6}  {conservation.LIBELLES[cle]}" for cle in avant]


def ligne_gardee(session: Session, demarche: Demarche) -> str:
    gardes = conservation.bilan_garde(session, demarche)
    libelles = {cle: libelle for cle, libelle, _modele in conservation.GARDES}
    return (
        "  Gardés : la démarche ; " + " ; ".join(f"{libelles[cle]} : {n}" for cle, n in gardes.items()) + "."
    )


def _simuler(session: Session, demarche: Demarche, dossier_photos: str, jour: date) -> None:
    click.echo(_entete(demarche))
    if not conservation.est_echue(demarche, jour):
        click.echo(f"  Échéance pas atteinte au {jour:%d/%m/%Y} : la purge réelle la refuserait.")
    click.echo("  Serait supprimé :")
    for ligne in lignes_bilan(conservation.bilan_purge(session, demarche, dossier_photos)):
        click.echo(ligne)
    click.echo(ligne_gardee(session, demarche))


def _purger(session: Session, demarche: Demarche, dossiers: tuple[str, str], jour: date) -> bool:
    click.echo(_entete(demarche))
    try:
        resultat = archiver_puis_purger(session, demarche, dossiers, jour)
    except ErreurValidation as erreur:
        click.echo(f"  Rien n'est supprimé : {erreur.message}", err=True)
        return False
    click.echo(f"  Archivés dans {resultat.archives[0].parent} :")
    for chemin in resultat.archives:
        click.echo(f"    {chemin.name} ({max(chemin.stat().st_size // 1024, 1)} Ko)")
    click.echo("  Supprimé (avant → après) :")
    for ligne in lignes_bilan(resultat.avant, resultat.apres):
        click.echo(ligne)
    click.echo(ligne_gardee(session, demarche))
    restants = resultat.apres[conservation.FICHIERS_PHOTO]
    if restants:
        click.echo(
            f"Attention : {restants} fichier(s) de photo n'ont pas pu être effacés de "
            f"{dossiers[1]} (droits ?) : effacez-les à la main.",
            err=True,
        )
    return True


def _jour(_ctx, _param, valeur: str | None) -> date | None:
    try:
        return valider_date(valeur, "aujourdhui", requis=False)
    except ErreurValidation as erreur:
        raise click.BadParameter(erreur.message) from None


def _choisir(session: Session, slug: str | None, jour: date) -> list[Demarche]:
    if slug:
        demarche = logique_demarches.demarche_par_slug(session, slug)
        if demarche is None:
            raise click.ClickException(f"Démarche « {slug} » introuvable.")
        return [demarche]
    demarches = conservation.a_purger(session, jour)
    if not demarches:
        click.echo(f"Aucune démarche à purger au {jour:%d/%m/%Y}.")
    sans_fin = [d.slug for d in logique_demarches.lister_demarches(session) if d.date_fin is None]
    if sans_fin:
        click.echo(
            "Sans date de fin, donc jamais purgées : " + ", ".join(sorted(sans_fin)) + " (renseignez leur "
            "date de fin sur la page de la démarche)."
        )
    return demarches


@click.command("purge")
@click.option(
    "--demarche", "slug", help="Une seule démarche ; sans elle : toutes celles dont l'échéance est atteinte."
)
@click.option(
    "--simulation", is_flag=True, help="Affiche ce qui serait supprimé ; ne supprime ni n'archive rien."
)
@click.option(
    "--aujourdhui",
    "jour",
    metavar="AAAA-MM-JJ",
    callback=_jour,
    help="Jour pris pour aujourd'hui (pour préparer une purge à venir).",
)
@click.pass_context
def purge_commande(ctx: click.Context, slug: str | None, simulation: bool, jour: date | None):
    """Purge les démarches dont la durée de conservation est écoulée, après avoir archivé leur livret (PDF)
    et leurs chiffres (JSON) dans instance/archives/<démarche>/."""
    app = ctx.obj.load_app()  # l'application de la commande `parole` (ScriptInfo de Flask)
    ctx.with_resource(app.app_context())
    session = get_session()
    jour = jour or conservation.aujourdhui()
    if simulation:
        click.echo(f"Simulation au {jour:%d/%m/%Y} : rien n'est supprimé, rien n'est archivé.")
    demarches = _choisir(session, slug, jour)
    dossiers = (str(Path(app.instance_path) / DOSSIER_ARCHIVES), app.config["PHOTOS_DIR"])
    if simulation:
        for demarche in demarches:
            _simuler(session, demarche, dossiers[1], jour)
        return
    reussies = [d for d in demarches if _purger(session, d, dossiers, jour)]
    if demarches:
        click.echo(f"Purge terminée : {len(reussies)} démarche(s) purgée(s) sur {len(demarches)}.")
    if len(reussies) < len(demarches):
        raise SystemExit(1)
