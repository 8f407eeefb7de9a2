"""Enregistrement des paroles : idempotent par `client_uuid`, annulation de la dernière saisie."""
from __future__ import annotations

import uuid
from dataclasses import asdict

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, delete, func, select

from collecte.models import Contribution, ContributionTheme, TempsDeCollecte, Theme, maintenant
from collecte.validation import DonneesContribution


class ConflitContribution(Exception):
    """Le même identifiant client a déjà servi pour un autre contenu."""

    def __init__(self, existante: Contribution):
        super().__init__("Cet identifiant a déjà été utilisé pour une autre parole.")
        self.existante = existante


def themes_de_la_demarche(session: Session, demarche_id: int) -> dict[str, int]:
    lignes = session.exec(select(Theme.slug, Theme.id).where(Theme.demarche_id == demarche_id))
    return dict(lignes.all())


def theme_ids_de(session: Session, contribution_id: int) -> list[int]:
    requete = select(ContributionTheme.theme_id).where(ContributionTheme.contribution_id == contribution_id)
    return sorted(session.exec(requete).all())


def _meme_contenu(session: Session, existante: Contribution, temps_id: int, donnees: DonneesContribution) -> bool:
    attendu = asdict(donnees)
    themes = sorted(attendu.pop("theme_ids"))
    return (
        existante.temps_id == temps_id
        and all(getattr(existante, champ) == valeur for champ, valeur in attendu.items())
        and theme_ids_de(session, existante.id) == themes
    )


def enregistrer_contribution(
    session: Session,
    temps: TempsDeCollecte,
    donnees: DonneesContribution,
    client_uuid: uuid.UUID | None = None,
    utilisateur_id: int | None = None,
    reponse_id: int | None = None,
    question_ref: str = "",
) -> tuple[Contribution, bool]:
    """Enregistre une parole ; renvoie (contribution, créée).

    Rejouer le même `client_uuid` avec le même contenu renvoie la parole déjà stockée ;
    avec un autre contenu, lève `ConflitContribution`. L'unicité est tenue par la base :
    deux envois simultanés du même identifiant ne stockent qu'une ligne.
    """
    client_uuid = client_uuid or uuid.uuid4()
    champs = asdict(donnees)
    theme_ids = champs.pop("theme_ids")
    contribution = Contribution(
        client_uuid=client_uuid,
        temps_id=temps.id,
        saisie_par_id=utilisateur_id,
        modifiee_par_id=utilisateur_id,
        reponse_id=reponse_id,
        question_ref=question_ref,
        **champs,
    )
    try:
        session.add(contribution)
        session.flush()
        for theme_id in theme_ids:
            session.add(ContributionTheme(contribution_id=contribution.id, theme_id=theme_id))
        session.commit()
    except IntegrityError:
        session.rollback()
        existante = session.exec(select(Contribution).where(Contribution.client_uuid == client_uuid)).first()
        if existante is None:
            raise
        if _meme_contenu(session, existante, temps.id, donnees):
            return existante, False
        raise ConflitContribution(existante) from None
    return contribution, True


def remplacer_themes(session: Session, contribution: Contribution, theme_ids: list[int]) -> None:
    session.exec(delete(ContributionTheme).where(ContributionTheme.contribution_id == contribution.id))
    for theme_id in dict.fromkeys(theme_ids):
        session.add(ContributionTheme(contribution_id=contribution.id, theme_id=theme_id))


def modifier_contribution(
    session: Session, contribution: Contribution, donnees: DonneesContribution, utilisateur_id: int | None
) -> Contribution:
    champs = asdict(donnees)
    theme_ids = champs.pop("theme_ids")
    for champ, valeur in champs.items():
        setattr(contribution, champ, valeur)
    contribution.modifiee_par_id = utilisateur_id
    contribution.modifiee_le = maintenant()
    session.add(contribution)
    remplacer_themes(session, contribution, theme_ids)
    session.commit()
    return contribution


def compter_contributions(session: Session, temps_id: int) -> int:
    requete = select(func.count()).select_from(Contribution).where(Contribution.temps_id == temps_id)
    return session.exec(requete).one()


def annuler_derniere(session: Session, temps_id: int, utilisateur_id: int | None) -> Contribution | None:
    """Supprime la dernière parole saisie par cette personne dans ce temps ; la renvoie (détachée)."""
    requete = (
        select(Contribution)
        .where(Contribution.temps_id == temps_id, Contribution.saisie_par_id == utilisateur_id)
        .order_by(Contribution.id.desc())
        .limit(1)
    )
    derniere = session.exec(requete).first()
    if derniere is None:
        return None
    session.delete(derniere)
    session.commit()
    return derniere
