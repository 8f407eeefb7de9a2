"""Durée de conservation et purge d'une démarche (RGPD, limitation de la conservation).

`conservation_mois` après sa date de fin, une démarche est purgée de tout ce qui peut porter les mots ou
la trace des personnes rencontrées : paroles (leurs thèmes et repérages), temps de collecte (lieux,
animateur·rices, notes, thèmes de séance), photos (lignes et fichiers), réponses aux questionnaires et
liens d'invitation. Reste ce que l'équipe a choisi de garder : la démarche elle-même (titre, dates,
réglages, `purgee_le`), son livre de codes, ses territoires et ses structures (des organismes, pas des
personnes), les textes du livret écrits par l'équipe, et — hors de la base, archivés juste avant par
`parole purge` — le livret publié en PDF et les chiffres agrégés.

Sans date de fin, une démarche n'a pas d'échéance : elle n'est jamais purgée (`echeance` rend None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import ColumnElement, delete, func
from sqlmodel import Session, select

from collecte.confidentialite import journal
from collecte.confidentialite.information import fin_de_conservation
from collecte.modele.db import unite_de_travail
from collecte.modele.models import (
    Contribution,
    ContributionTheme,
    Demarche,
    Invitation,
    Photo,
    Reperage,
    ReponseQuestionnaire,
    Structure,
    TempsDeCollecte,
    TempsTheme,
    Territoire,
    TexteRestitution,
    Theme,
    heure_locale,
    maintenant,
)
from collecte.modele.validation import ErreurValidation


def _temps(demarche_id: int):
    return select(TempsDeCollecte.id).where(TempsDeCollecte.demarche_id == demarche_id)


def _paroles(demarche_id: int):
    return select(Contribution.id).where(Contribution.temps_id.in_(_temps(demarche_id)))


@dataclass(frozen=True)
class Cible:
    """Une sorte de lignes effacées par la purge ; `condition` choisit celles d'une démarche."""

    cle: str
    libelle: str
    modele: type
    condition: Callable[[int], ColumnElement[bool]]  # identifiant de la démarche → clause SQL


# Dans l'ordre de suppression : les lignes qui en référencent d'autres d'abord. Chaque condition passe par
# la démarche (ses temps, ses paroles) : une autre démarche n'est jamais touchée.
CIBLES = (
    Cible(
        "themes_des_paroles",
        "thèmes posés sur les paroles",
        ContributionTheme,
        lambda d: ContributionTheme.contribution_id.in_(_paroles(d)),
    ),
    Cible(
        "reperages",
        "repérages de données personnelles",
        Reperage,
        lambda d: Reperage.contribution_id.in_(_paroles(d)),
    ),
    Cible("paroles", "paroles", Contribution, lambda d: Contribution.temps_id.in_(_temps(d))),
    Cible("photos", "photos", Photo, lambda d: Photo.temps_id.in_(_temps(d))),
    Cible("themes_de_seance", "thèmes de séance", TempsTheme, lambda d: TempsTheme.temps_id.in_(_temps(d))),
    Cible(
        "reponses",
        "réponses aux questionnaires",
        ReponseQuestionnaire,
        lambda d: ReponseQuestionnaire.demarche_id == d,
    ),
    Cible("temps", "temps de collecte", TempsDeCollecte, lambda d: TempsDeCollecte.demarche_id == d),
    Cible("invitations", "liens d'invitation", Invitation, lambda d: Invitation.demarche_id == d),
)
FICHIERS_PHOTO = "fichiers_photo"
LIBELLES = {**{c.cle: c.libelle for c in CIBLES}, FICHIERS_PHOTO: "fichiers de photo"}
# Ce que la purge garde, en plus de la démarche elle-même : rien de ce qu'ont dit ou écrit les personnes
# rencontrées. Les textes du livret sont ceux de l'équipe, déjà publiés (et archivés dans le PDF).
GARDES = (
    ("themes", "thèmes du livre de codes", Theme),
    ("territoires", "territoires", Territoire),
    ("structures", "structures partenaires", Structure),
    ("textes_du_livret", "textes du livret", TexteRestitution),
)


def echeance(demarche: Demarche) -> date | None:
    """Jour à partir duquel la démarche peut être purgée : date de fin + durée de conservation. None sans
    date de fin : la démarche ne peut pas être purgée. Même calcul que la notice d'information."""
    return fin_de_conservation(demarche)


def aujourdhui() -> date:
    return heure_locale(maintenant()).date()


def est_echue(demarche: Demarche, aujourd_hui: date | None = None) -> bool:
    fin = echeance(demarche)
    return fin is not None and fin <= (aujourd_hui or aujourdhui())


def a_purger(session: Session, aujourd_hui: date | None = None) -> list[Demarche]:
    """Les démarches dont l'échéance est atteinte et qui n'ont pas été purgées, ou qui ont de nouveau
    quelque chose à effacer (des paroles importées après une purge, par exemple)."""
    echues = [d for d in session.exec(select(Demarche).order_by(Demarche.slug)) if est_echue(d, aujourd_hui)]
    return [d for d in echues if d.purgee_le is None or any(bilan_purge(session, d).values())]


def _fichiers_photo(session: Session, demarche_id: int, dossier_photos: str | Path) -> list[Path]:
    noms = session.exec(select(Photo.fichier).where(Photo.temps_id.in_(_temps(demarche_id))))
    return [Path(dossier_photos) / Path(nom).name for nom in noms]


def bilan_purge(session: Session, demarche: Demarche, dossier_photos: str | Path | None = None) -> dict:
    """Ce que la purge effacerait : nombre de lignes par sorte (clés de `LIBELLES`, dans l'ordre de
    `CIBLES`) et, si `dossier_photos` est donné, nombre de fichiers de photo présents sur le disque."""
    bilan = {
        c.cle: session.exec(select(func.count()).select_from(c.modele).where(c.condition(demarche.id))).one()
        for c in CIBLES
    }
    if dossier_photos is not None:
        bilan[FICHIERS_PHOTO] = sum(
            chemin.is_file() for chemin in _fichiers_photo(session, demarche.id, dossier_photos)
        )
    return bilan


def bilan_garde(session: Session, demarche: Demarche) -> dict:
    """Ce que la purge garde de la démarche : nombre de lignes par sorte (clés de `GARDES`)."""
    return {
        cle: session.exec(
            select(func.count()).select_from(modele).where(modele.demarche_id == demarche.id)
        ).one()
        for cle, _libelle, modele in GARDES
    }


def verifier_echeance(demarche: Demarche, aujourd_hui: date | None = None) -> None:
    """Lève ErreurValidation si la démarche ne peut pas encore (ou jamais) être purgée."""
    fin = echeance(demarche)
    if fin is None:
        raise ErreurValidation(
            f"La démarche « {demarche.slug} » n'a pas de date de fin : elle ne peut pas être purgée. "
            "Renseignez sa date de fin (page de la démarche).",
            "date_fin",
        )
    if fin > (aujourd_hui or aujourdhui()):
        raise ErreurValidation(
            f"La démarche « {demarche.slug} » se conserve jusqu'au {fin:%d/%m/%Y} "
            f"({demarche.conservation_mois} mois après sa fin, le {demarche.date_fin:%d/%m/%Y}) : "
            "rien n'est supprimé avant.",
            "conservation_mois",
        )


def purger(
    session: Session,
    demarche: Demarche,
    acteur: journal.Acteur,
    dossier_photos: str | Path | None = None,
    aujourd_hui: date | None = None,
) -> dict:
    """Efface ce que la démarche garde des personnes rencontrées (voir le module), en une seule écriture
    qui note la purge au journal et date `purgee_le` ; les fichiers de photo sont effacés ensuite (une
    écriture refusée les laisse entiers). Renvoie le nombre de lignes effacées par sorte, et de fichiers.
    Lève ErreurValidation avant l'échéance ou sans date de fin."""
    verifier_echeance(demarche, aujourd_hui)
    effaces = {}
    with unite_de_travail(session):
        fichiers = _fichiers_photo(session, demarche.id, dossier_photos) if dossier_photos is not None else []
        for cible in CIBLES:
            requete = delete(cible.modele).where(cible.condition(demarche.id))
            effaces[cible.cle] = session.execute(
                requete.execution_options(synchronize_session=False)
            ).rowcount
        demarche.purgee_le = maintenant()
        session.add(demarche)
        journal.noter(session, "purge", acteur, f"démarche {demarche.slug}", decrire(effaces))
    session.expire_all()  # les objets des lignes effacées ne doivent plus servir
    effaces[FICHIERS_PHOTO] = sum(_effacer_fichier(chemin) for chemin in fichiers)
    return effaces


def _effacer_fichier(chemin: Path) -> bool:
    """Vrai si le fichier existait et a été effacé ; un fichier qu'on ne peut pas effacer (droits) reste, et
    se voit dans le bilan « après » de la commande."""
    try:
        chemin.unlink()
    except OSError:
        return False
    return True


def decrire(comptes: dict) -> str:
    """« paroles : 12 ; photos : 2 ; … » (sans les sortes à zéro ; « rien » si tout est à zéro)."""
    morceaux = [f"{LIBELLES[cle]} : {nombre}" for cle, nombre in comptes.items() if nombre]
    return " ; ".join(morceaux) or "rien"
