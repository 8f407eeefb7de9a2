"""Enregistrement des paroles : idempotent par `client_uuid`, par lots, annulation.

Une tablette envoie ses paroles par lots depuis sa file d'attente (`enregistrer_lot`) : chaque
parole y reçoit son propre résultat (créée, déjà enregistrée, conflit, refusée, annulée), et un
lot rejoué, même en même temps qu'un autre envoi du même lot, ne stocke chaque parole qu'une fois.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, delete, func, select

from collecte.modele.champs import DonneesContribution, valider_contribution, valider_types_json
from collecte.modele.db import unite_de_travail
from collecte.modele.models import (
    DISPOSITIFS,
    AliasTheme,
    Contribution,
    ContributionAnnulee,
    ContributionTheme,
    Demarche,
    TempsDeCollecte,
    TempsTheme,
    Theme,
    maintenant,
)
from collecte.modele.validation import (
    ID_MAX,
    ErreurValidation,
    valider_texte,
    valider_uuid,
)
from collecte.themes.gestion import themes_dans_l_ordre

LOT_TAILLE_MAX = 200
# Une parole modifiée dans la revue après sa création : la version de l'équipe l'emporte sur un rejeu.
# Une parole neuve a cree_le == modifiee_le ; les plus anciennes, quelques microsecondes d'écart.
_MARGE_MODIFICATION = timedelta(milliseconds=1)


class ConflitContribution(Exception):
    """Le même identifiant client a déjà servi pour un autre texte."""

    def __init__(self, existante: Contribution):
        super().__init__("Cet identifiant a déjà été utilisé pour une autre parole.")
        self.existante = existante


class ParoleAnnulee(Exception):
    """Cette parole a été annulée depuis un appareil : un envoi rejoué ne la recrée pas."""


class RefusAnnulation(Exception):
    """Annulation d'une parole saisie par un autre compte."""


def themes_de_la_demarche(session: Session, demarche_id: int) -> dict[str, int]:
    lignes = session.exec(select(Theme.slug, Theme.id).where(Theme.demarche_id == demarche_id))
    return dict(lignes.all())


def alias_de_la_demarche(session: Session, demarche_id: int) -> dict[str, int]:
    """Anciens slugs de thèmes fusionnés → thème cible."""
    lignes = session.exec(
        select(AliasTheme.slug, AliasTheme.theme_id).where(AliasTheme.demarche_id == demarche_id)
    )
    return dict(lignes.all())


def slugs_acceptes(session: Session, demarche_id: int) -> dict[str, int]:
    """Slugs reçus d'un appareil ou d'un classeur : ceux du livre de codes, et ceux des thèmes fusionnés
    (une tablette partie le matin connaît encore l'ancien). Un thème existant l'emporte sur un alias."""
    return {**alias_de_la_demarche(session, demarche_id), **themes_de_la_demarche(session, demarche_id)}


def theme_ids_de(session: Session, contribution_id: int) -> list[int]:
    requete = select(ContributionTheme.theme_id).where(ContributionTheme.contribution_id == contribution_id)
    return sorted(session.exec(requete).all())


def _est_annulee(session: Session, client_uuid: uuid.UUID) -> bool:
    requete = select(ContributionAnnulee.id).where(ContributionAnnulee.client_uuid == client_uuid)
    return session.exec(requete).first() is not None


def _modifiee_depuis(existante: Contribution) -> bool:
    return existante.modifiee_le - existante.cree_le > _MARGE_MODIFICATION


def _meme_parole(existante: Contribution, temps_id: int, texte: str) -> bool:
    """Un rejeu : même temps et même texte, ou une parole retouchée depuis dans la revue.

    Les autres champs ne décident pas : le livre de codes ou la revue ont pu les changer depuis
    l'envoi, et la parole est bien enregistrée. Un autre texte sur une parole jamais retouchée
    signale un identifiant réutilisé : c'est un conflit."""
    return (existante.temps_id == temps_id and existante.texte == texte) or _modifiee_depuis(existante)


def enregistrer_contribution(
    session: Session,
    temps: TempsDeCollecte,
    donnees: DonneesContribution,
    client_uuid: uuid.UUID | None = None,
    utilisateur_id: int | None = None,
    reponse_id: int | None = None,
) -> tuple[Contribution, bool]:
    """Enregistre une parole ; renvoie (contribution, créée).

    Rejouer le même `client_uuid` renvoie la parole déjà stockée ; avec un autre texte, lève
    `ConflitContribution` ; après une annulation, lève `ParoleAnnulee`. L'unicité est tenue par la
    base : deux envois simultanés du même identifiant ne stockent qu'une ligne.
    """
    client_uuid = client_uuid or uuid.uuid4()
    if _est_annulee(session, client_uuid):
        raise ParoleAnnulee()
    champs = asdict(donnees)
    theme_ids = champs.pop("theme_ids")
    instant = maintenant()
    contribution = Contribution(
        client_uuid=client_uuid,
        temps_id=temps.id,
        saisie_par_id=utilisateur_id,
        modifiee_par_id=utilisateur_id,
        reponse_id=reponse_id,
        cree_le=instant,
        modifiee_le=instant,
        **champs,
    )
    try:
        with unite_de_travail(session):
            session.add(contribution)
            session.flush()
            for theme_id in theme_ids:
                session.add(ContributionTheme(contribution_id=contribution.id, theme_id=theme_id))
    except IntegrityError:  # l'unité a tout annulé ; la base a tranché entre deux envois
        existante = session.exec(select(Contribution).where(Contribution.client_uuid == client_uuid)).first()
        if existante is None:
            raise
        if _meme_parole(existante, temps.id, donnees.texte):
            return existante, False
        raise ConflitContribution(existante) from None
    return contribution, True


# --- Envoi par lots (file d'attente des tablettes) ------------------------------------------


@dataclass
class ResultatEnvoi:
    """Résultat d'une parole d'un lot ; `code` est le statut HTTP qu'aurait eu un envoi seul."""

    client_uuid: str | None
    statut: str  # creee | deja_enregistree | conflit | refusee | annulee
    code: int
    erreur: str = ""
    champ: str | None = None
    contribution_id: int | None = None
    temps_id: int | None = None
    avertissements: list[str] = field(default_factory=list)

    def en_json(self) -> dict:
        corps = {"client_uuid": self.client_uuid, "statut": self.statut, "code": self.code}
        if self.contribution_id is not None:
            corps["id"] = self.contribution_id
        if self.erreur:
            corps["erreur"], corps["champ"] = self.erreur, self.champ
        if self.avertissements:
            corps["avertissements"] = self.avertissements
        return corps


@dataclass
class _AEcrire:
    rang: int
    client_uuid: uuid.UUID
    temps: TempsDeCollecte
    donnees: DonneesContribution


def _refus(client_uuid, erreur: ErreurValidation) -> ResultatEnvoi:
    return ResultatEnvoi(
        None if client_uuid is None else str(client_uuid), "refusee", 400, erreur.message, erreur.champ
    )


def _texte_normalise(texte) -> str:
    try:
        return valider_texte(texte)
    except ErreurValidation:
        return ""


def _existant(
    client_uuid: uuid.UUID, existante: Contribution | None, annulee: bool, temps_id: int | None, texte
) -> ResultatEnvoi | None:
    """Résultat d'un identifiant déjà connu (parole stockée ou annulée), sinon None."""
    ident = str(client_uuid)
    if annulee:
        return ResultatEnvoi(ident, "annulee", 410, "Cette parole a été annulée : elle n'est pas recréée.")
    if existante is None:
        return None
    if _meme_parole(
        existante, temps_id if temps_id is not None else existante.temps_id, _texte_normalise(texte)
    ):
        return ResultatEnvoi(
            ident, "deja_enregistree", 200, contribution_id=existante.id, temps_id=existante.temps_id
        )
    return ResultatEnvoi(
        ident,
        "conflit",
        409,
        f"Cet identifiant a déjà été utilisé pour une autre parole (parole n° {existante.id}).",
        "client_uuid",
        existante.id,
        existante.temps_id,
    )


def _numero_de_temps(element: dict) -> int | None:
    temps = element.get("temps")
    return temps if isinstance(temps, int) and not isinstance(temps, bool) and 0 < temps <= ID_MAX else None


def _temps_du_lot(session: Session, elements: list) -> dict[int, TempsDeCollecte]:
    ids = {i for i in map(_numero_de_temps, elements) if i is not None}
    if not ids:
        return {}
    return {t.id: t for t in session.exec(select(TempsDeCollecte).where(TempsDeCollecte.id.in_(ids)))}


def _valider_element(
    element, temps_par_id: dict, livres: dict, session: Session
) -> tuple[TempsDeCollecte, DonneesContribution, list[str]]:
    valider_types_json(element)
    temps = temps_par_id.get(element["temps"])
    if temps is None:
        raise ErreurValidation(
            "Temps de collecte inconnu : il a peut-être été supprimé. Choisissez un autre temps.", "temps"
        )
    if temps.demarche_id not in livres:
        livres[temps.demarche_id] = (
            themes_de_la_demarche(session, temps.demarche_id),
            alias_de_la_demarche(session, temps.demarche_id),
        )
    themes, alias = livres[temps.demarche_id]
    donnees = valider_contribution(element, {**alias, **themes})
    envoyes = element.get("themes") or []
    fusionnes = (
        [s for s in envoyes if isinstance(s, str) and s in alias and s not in themes]
        if isinstance(envoyes, list)
        else []
    )
    cibles = {ident: slug for slug, ident in themes.items()}
    avertissements = [f"Thème « {s} » fusionné dans « {cibles.get(alias[s], '?')} »." for s in fusionnes]
    return temps, donnees, avertissements


def enregistrer_lot(session: Session, elements: list, utilisateur_id: int | None) -> list[ResultatEnvoi]:
    """Enregistre un lot de paroles (dictionnaires de l'API) ; un résultat par parole, dans l'ordre.

    Une seule transaction pour les paroles nouvelles ; si un envoi concurrent du même identifiant
    passe entre la lecture et l'écriture, on reprend parole par parole (la base tranche).
    """
    resultats: list[ResultatEnvoi | None] = [None] * len(elements)
    uuids: dict[int, uuid.UUID] = {}
    for rang, element in enumerate(elements):
        if not isinstance(element, dict):
            resultats[rang] = _refus(None, ErreurValidation("Chaque parole du lot doit être un objet JSON."))
            continue
        try:
            if not isinstance(element.get("client_uuid"), str):
                raise ErreurValidation(
                    "« client_uuid » doit être un identifiant (UUID) en texte.", "client_uuid"
                )
            uuids[rang] = valider_uuid(element["client_uuid"])
        except ErreurValidation as erreur:
            resultats[rang] = _refus(
                element.get("client_uuid") if isinstance(element.get("client_uuid"), str) else None, erreur
            )
    connus = list(set(uuids.values()))
    existantes = (
        {
            c.client_uuid: c
            for c in session.exec(select(Contribution).where(Contribution.client_uuid.in_(connus)))
        }
        if connus
        else {}
    )
    annulees = (
        set(
            session.exec(
                select(ContributionAnnulee.client_uuid).where(ContributionAnnulee.client_uuid.in_(connus))
            )
        )
        if connus
        else set()
    )
    temps_par_id = _temps_du_lot(session, [elements[r] for r in uuids])
    livres: dict[int, tuple[dict, dict]] = {}
    a_ecrire: list[_AEcrire] = []
    vus: dict[uuid.UUID, _AEcrire] = {}
    for rang, client_uuid in uuids.items():
        element = elements[rang]
        temps_id = _numero_de_temps(element)
        deja = _existant(
            client_uuid, existantes.get(client_uuid), client_uuid in annulees, temps_id, element.get("texte")
        )
        if deja is not None:
            resultats[rang] = deja
            continue
        try:
            temps, donnees, avertissements = _valider_element(element, temps_par_id, livres, session)
        except ErreurValidation as erreur:
            resultats[rang] = _refus(client_uuid, erreur)
            continue
        if client_uuid in vus:  # le même identifiant deux fois dans le lot
            premier = vus[client_uuid]
            meme = premier.temps.id == temps.id and premier.donnees.texte == donnees.texte
            resultats[rang] = ResultatEnvoi(
                str(client_uuid),
                "deja_enregistree" if meme else "conflit",
                200 if meme else 409,
                "" if meme else "Cet identifiant apparaît deux fois dans le lot avec deux textes différents.",
                None if meme else "client_uuid",
                temps_id=temps.id,
            )
            continue
        vus[client_uuid] = ecrire = _AEcrire(rang, client_uuid, temps, donnees)
        a_ecrire.append(ecrire)
        resultats[rang] = ResultatEnvoi(
            str(client_uuid), "creee", 201, temps_id=temps.id, avertissements=avertissements
        )
    if a_ecrire:
        ids = _ecrire_en_une_fois(session, a_ecrire, utilisateur_id)
        if ids is None:
            _ecrire_une_par_une(session, a_ecrire, utilisateur_id, resultats)
        else:
            for ecrire in a_ecrire:
                resultats[ecrire.rang].contribution_id = ids[ecrire.client_uuid]
    _completer_doublons_du_lot(resultats, uuids)
    return resultats


def _ecrire_en_une_fois(
    session: Session, a_ecrire: list[_AEcrire], utilisateur_id: int | None
) -> dict | None:
    """Insertion groupée (executemany) puis relecture des identifiants ; None si un identifiant est déjà
    pris."""
    instant = maintenant()
    lignes = []
    for ecrire in a_ecrire:
        champs = asdict(ecrire.donnees)
        champs.pop("theme_ids")
        # Les colonnes qu'aucun écran ne saisit, à leur valeur par défaut, puis les champs du registre.
        lignes.append(
            {
                "masquee": False,
                "reponse_id": None,
                "question_ref": "",
                **champs,
                "client_uuid": ecrire.client_uuid,
                "temps_id": ecrire.temps.id,
                "saisie_par_id": utilisateur_id,
                "modifiee_par_id": utilisateur_id,
                "cree_le": instant,
                "modifiee_le": instant,
            }
        )
    table = Contribution.__table__
    try:
        with unite_de_travail(session):
            session.execute(insert(table), lignes)
            uuids = [e.client_uuid for e in a_ecrire]
            ids = dict(
                session.execute(
                    select(table.c.client_uuid, table.c.id).where(table.c.client_uuid.in_(uuids))
                ).all()
            )
            liens = [
                {"contribution_id": ids[e.client_uuid], "theme_id": t}
                for e in a_ecrire
                for t in e.donnees.theme_ids
            ]
            if liens:
                session.execute(insert(ContributionTheme.__table__), liens)
    except IntegrityError:  # rien n'est écrit : on reprend parole par parole
        return None
    return ids


def _ecrire_une_par_une(
    session: Session,
    a_ecrire: list[_AEcrire],
    utilisateur_id: int | None,
    resultats: list[ResultatEnvoi | None],
) -> None:
    for ecrire in a_ecrire:
        ident = str(ecrire.client_uuid)
        try:
            contribution, cree = enregistrer_contribution(
                session, ecrire.temps, ecrire.donnees, ecrire.client_uuid, utilisateur_id
            )
        except ConflitContribution as conflit:
            resultats[ecrire.rang] = ResultatEnvoi(
                ident,
                "conflit",
                409,
                f"{conflit} (parole n° {conflit.existante.id}).",
                "client_uuid",
                conflit.existante.id,
                ecrire.temps.id,
            )
            continue
        except ParoleAnnulee:
            resultats[ecrire.rang] = ResultatEnvoi(
                ident, "annulee", 410, "Cette parole a été annulée : elle n'est pas recréée."
            )
            continue
        resultat = resultats[ecrire.rang]
        resultat.contribution_id = contribution.id
        if not cree:
            resultat.statut, resultat.code = "deja_enregistree", 200


def _completer_doublons_du_lot(resultats: list[ResultatEnvoi | None], uuids: dict[int, uuid.UUID]) -> None:
    """Un identifiant répété dans le lot reçoit le numéro de la parole enregistrée pour le premier."""
    par_uuid = {}
    for rang, client_uuid in uuids.items():
        resultat = resultats[rang]
        if resultat.contribution_id is not None:
            par_uuid.setdefault(client_uuid, resultat.contribution_id)
    for rang, client_uuid in uuids.items():
        resultat = resultats[rang]
        if resultat.statut == "deja_enregistree" and resultat.contribution_id is None:
            resultat.contribution_id = par_uuid.get(client_uuid)


def compter_par_temps(session: Session, temps_ids: set[int]) -> dict[int, int]:
    if not temps_ids:
        return {}
    requete = (
        select(Contribution.temps_id, func.count())
        .where(Contribution.temps_id.in_(temps_ids))
        .group_by(Contribution.temps_id)
    )
    comptes = dict(session.exec(requete).all())
    return {ident: comptes.get(ident, 0) for ident in temps_ids}


# --- Thèmes d'une parole, annulation ----------------------------------------------------------------


def remplacer_themes(session: Session, contribution: Contribution, theme_ids: list[int]) -> None:
    session.exec(delete(ContributionTheme).where(ContributionTheme.contribution_id == contribution.id))
    for theme_id in dict.fromkeys(theme_ids):
        session.add(ContributionTheme(contribution_id=contribution.id, theme_id=theme_id))


def compter_contributions(session: Session, temps_id: int) -> int:
    requete = select(func.count()).select_from(Contribution).where(Contribution.temps_id == temps_id)
    return session.exec(requete).one()


def _supprimer_en_gardant_la_trace(session: Session, contribution: Contribution) -> None:
    session.delete(contribution)
    if not _est_annulee(session, contribution.client_uuid):
        session.add(ContributionAnnulee(client_uuid=contribution.client_uuid))


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
    with unite_de_travail(session):
        _supprimer_en_gardant_la_trace(session, derniere)
    return derniere


def annuler_par_uuid(
    session: Session, client_uuid: uuid.UUID, utilisateur_id: int | None, toutes: bool = False
) -> tuple[str, Contribution | None]:
    """Annule la parole de cet identifiant (« annuler la dernière » d'un appareil) ; idempotent.

    Renvoie (« annulee » | « deja_annulee » | « absente », parole supprimée). Une parole jamais
    arrivée est marquée annulée : si son envoi arrive plus tard, elle n'est pas créée. Seule la
    personne qui l'a saisie peut l'annuler (`toutes` : un·e admin)."""
    existante = session.exec(select(Contribution).where(Contribution.client_uuid == client_uuid)).first()
    if existante is None:
        if _est_annulee(session, client_uuid):
            return "deja_annulee", None
        try:
            with unite_de_travail(session):
                session.add(ContributionAnnulee(client_uuid=client_uuid))
        except IntegrityError:  # deux annulations simultanées
            return "deja_annulee", None
        return "absente", None
    if existante.saisie_par_id != utilisateur_id and not toutes:
        raise RefusAnnulation(
            "Cette parole a été saisie par un autre compte : seule cette personne (ou un·e admin) "
            "peut l'annuler. Elle peut être masquée dans la revue."
        )
    with unite_de_travail(session):
        _supprimer_en_gardant_la_trace(session, existante)
    return "annulee", existante


# --- Ce qu'un appareil emporte d'un temps de collecte -----------------------------------------


def themes_de_saisie(session: Session, temps: TempsDeCollecte) -> tuple[list[Theme], list[Theme]]:
    """(thèmes proposés en pastilles, autres thèmes) : ceux choisis pour le temps, sinon tous."""
    tous = themes_dans_l_ordre(session, temps.demarche_id)
    choisis = set(session.exec(select(TempsTheme.theme_id).where(TempsTheme.temps_id == temps.id)).all())
    if not choisis:
        return tous, []
    return [t for t in tous if t.id in choisis], [t for t in tous if t.id not in choisis]


def description_temps(session: Session, temps: TempsDeCollecte) -> dict:
    """Ce qu'un appareil garde d'un temps pour saisir hors ligne et corriger une parole refusée."""
    demarche = session.get(Demarche, temps.demarche_id)
    proposes, autres = themes_de_saisie(session, temps)
    return {
        "id": temps.id,
        "ref": temps.ref,
        "date": temps.date.isoformat(),
        "lieu": temps.lieu,
        "dispositif": temps.dispositif,
        "dispositif_libelle": DISPOSITIFS.get(temps.dispositif, temps.dispositif),
        "demarche": demarche.slug,
        "demarche_titre": demarche.titre,
        "questions": list(temps.questions or []),
        "themes": [{"slug": t.slug, "label": t.label, "propose": t in proposes} for t in proposes + autres],
        "compteur": compter_contributions(session, temps.id),
        "genere_le": maintenant().isoformat(),  # heure du serveur : sert à garder la fiche la plus récente
    }
