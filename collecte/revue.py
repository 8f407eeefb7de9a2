"""Revue des paroles : filtres, recherche sans accents, correction, actions groupées, doublons probables,
données personnelles repérées (surlignées, à masquer ou écarter)."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from collecte import doublons
from collecte.confidentialite import detection, examen
from collecte.confidentialite.journal import Acteur
from collecte.modele.champs import champ, valider_champ, valider_contribution
from collecte.modele.db import unite_de_travail
from collecte.modele.models import (
    Contribution,
    ContributionTheme,
    Demarche,
    Reperage,
    TempsDeCollecte,
    Territoire,
    Theme,
    Utilisateur,
    maintenant,
)
from collecte.modele.validation import ErreurValidation, normaliser
from collecte.terrain.saisie import remplacer_themes, themes_de_la_demarche

PAR_PAGE = 50
# Filtre « Données personnelles » : clé → libellé. « À examiner » compte aussi les paroles que le détecteur
# n'a pas encore vues : aucune n'échappe au filtre ni aux actions groupées.
FILTRES_DONNEES = {"a_examiner": "à examiner", "aucune": "aucune", "ecartees": "écartées"}
EXAMENS_PAR_AFFICHAGE = 10  # pages examinées au plus pour remplir une page filtrée « à examiner »
COMPTES_MAX = 256  # comptes gardés (démarche, version des données, filtres)
_COMPTES: OrderedDict = OrderedDict()
_VERROU = threading.Lock()

journal = logging.getLogger(__name__)


@dataclass
class Filtres:
    demarche_id: int | None = None
    territoire_id: int | None = None
    dispositif: str | None = None
    theme_id: int | None = None
    profil: str | None = None
    temps_id: int | None = None
    date_debut: date | None = None
    date_fin: date | None = None
    recherche: str = ""
    masquees: bool = False  # montrer aussi les paroles masquées
    a_retenir: bool = False
    donnees: str | None = None  # clé de FILTRES_DONNEES


@dataclass(frozen=True)
class Segment:
    """Un morceau du texte d'une parole ; `reperage` s'il est une donnée personnelle repérée."""

    texte: str
    reperage: Reperage | None = None
    libelle: str = ""


@dataclass(frozen=True)
class Passage:
    """Un repérage « à examiner » et ce qu'il couvre, pour ses boutons « Masquer » et « Pas une donnée
    personnelle »."""

    reperage: Reperage
    extrait: str
    libelle: str
    balise: str


@dataclass
class Reperes:
    segments: list[Segment]
    a_examiner: list[Passage]


@dataclass
class Ligne:
    contribution: Contribution
    temps: TempsDeCollecte
    territoire: Territoire | None
    saisie_par: str
    themes: list[Theme] = field(default_factory=list)
    doublon_de: tuple[int, float] | None = None
    reperes: Reperes | None = None


def _requete(filtres: Filtres, *colonnes, page: bool = False):
    """Les paroles filtrées, sans jointure. Pour une page (`page=True`), les conditions sur le temps passent
    par `EXISTS` : la base parcourt les paroles par identifiant décroissant, vérifie le temps de chacune par
    sa clé et s'arrête à la fin de la page ; pour compter ou tout lire, par `temps_id IN (…)`."""
    requete = select(*(colonnes or (Contribution.id,)))
    # Chaque condition n'est construite que si son filtre est actif (pas de comparaison à None).
    conditions_temps = [
        (filtres.demarche_id, lambda: TempsDeCollecte.demarche_id == filtres.demarche_id),
        (filtres.territoire_id, lambda: TempsDeCollecte.territoire_id == filtres.territoire_id),
        (filtres.dispositif, lambda: TempsDeCollecte.dispositif == filtres.dispositif),
        (filtres.date_debut, lambda: TempsDeCollecte.date >= filtres.date_debut),
        (filtres.date_fin, lambda: TempsDeCollecte.date <= filtres.date_fin),
    ]
    conditions = [
        (filtres.temps_id, lambda: Contribution.temps_id == filtres.temps_id),
        (filtres.profil, lambda: Contribution.profil == filtres.profil),
        (not filtres.masquees, lambda: Contribution.masquee.is_(False)),
        (filtres.a_retenir, lambda: Contribution.a_retenir.is_(True)),
    ]
    temps = [condition() for actif, condition in conditions_temps if actif]
    if temps and page:
        requete = requete.where(
            select(TempsDeCollecte.id).where(TempsDeCollecte.id == Contribution.temps_id, *temps).exists()
        )
    elif temps:
        requete = requete.where(Contribution.temps_id.in_(select(TempsDeCollecte.id).where(*temps)))
    for actif, condition in conditions:
        if actif:
            requete = requete.where(condition())
    if filtres.donnees in FILTRES_DONNEES:
        requete = requete.where(_condition_donnees(filtres.donnees))
    if filtres.theme_id:
        requete = requete.where(
            Contribution.id.in_(
                select(ContributionTheme.contribution_id).where(
                    ContributionTheme.theme_id == filtres.theme_id
                )
            )
        )
    return requete


def _condition_donnees(cle: str):
    def avec(statut: str | None = None):
        requete = select(Reperage.contribution_id)
        return Contribution.id.in_(requete.where(Reperage.statut == statut) if statut else requete)

    if cle == "a_examiner":
        return or_(avec("a_examiner"), Contribution.examinee_par != detection.VERSION)
    if cle == "ecartees":
        return avec("ecarte")
    return (Contribution.examinee_par == detection.VERSION) & ~avec()


def ids_filtres(session: Session, filtres: Filtres) -> list[int]:
    """Identifiants des paroles retenues par les filtres, les plus récentes d'abord.

    La recherche de texte se fait en Python sur le texte normalisé : elle ignore casse et
    accents de la même façon sur SQLite et PostgreSQL (sans extension `unaccent`).
    """
    requete = _requete(filtres).order_by(Contribution.id.desc())
    if not filtres.recherche.strip():
        return list(session.exec(requete).all())
    cherche = normaliser(filtres.recherche)
    requete = _requete(filtres, Contribution.id, Contribution.texte).order_by(Contribution.id.desc())
    return [ident for ident, texte in session.exec(requete).all() if cherche in normaliser(texte)]


def _lignes(session: Session, ids: list[int]) -> list[Ligne]:
    if not ids:
        return []
    requete = (
        select(Contribution, TempsDeCollecte, Territoire, Utilisateur.identifiant)
        .join(TempsDeCollecte, TempsDeCollecte.id == Contribution.temps_id)
        .outerjoin(Territoire, Territoire.id == TempsDeCollecte.territoire_id)
        .outerjoin(Utilisateur, Utilisateur.id == Contribution.saisie_par_id)
        .where(Contribution.id.in_(ids))
        .order_by(Contribution.id.desc())
    )
    lignes = {c.id: Ligne(c, t, te, u or "") for c, t, te, u in session.exec(requete).all()}
    etiquettes = session.exec(
        select(ContributionTheme.contribution_id, Theme)
        .join(Theme, Theme.id == ContributionTheme.theme_id)
        .where(ContributionTheme.contribution_id.in_(ids))
        .order_by(Theme.ordre)
    ).all()
    for contribution_id, theme in etiquettes:
        lignes[contribution_id].themes.append(theme)
    reperages = examen.reperages_de(session, ids)
    for ligne in lignes.values():
        ligne.reperes = reperes(ligne.contribution.texte, reperages.get(ligne.contribution.id, []))
    return [lignes[i] for i in ids if i in lignes]


def compte_en_cache(session: Session, demarche_id: int, quoi: Hashable, compter: Callable[[], int]) -> int:
    """Un compte sur les paroles d'une démarche, gardé pour la version de ses données
    (`Demarche.version_donnees`, relue à chaque appel : jamais un compte d'avant une écriture)."""
    version = session.exec(select(Demarche.version_donnees).where(Demarche.id == demarche_id)).first()
    if not version:  # démarche écrite hors de toute session (SQL brut) : pas de version sûre
        return compter()
    cle = (demarche_id, version, quoi)
    with _VERROU:
        if cle in _COMPTES:
            _COMPTES.move_to_end(cle)
            return _COMPTES[cle]
    nombre = compter()
    with _VERROU:
        _COMPTES[cle] = nombre
        while len(_COMPTES) > COMPTES_MAX:
            _COMPTES.popitem(last=False)
    return nombre


def _ids_et_total(session: Session, filtres: Filtres, debut: int) -> tuple[list[int], int]:
    """Les identifiants de la page qui commence à `debut` et le nombre de paroles filtrées (compté par la
    base, une fois par version des données) ; la recherche de texte, elle, relit les textes filtrés."""
    if filtres.recherche.strip():
        ids = ids_filtres(session, filtres)
        return ids[debut : debut + PAR_PAGE], len(ids)
    requete = _requete(filtres, page=True).order_by(Contribution.id.desc()).offset(debut).limit(PAR_PAGE)

    def compter() -> int:
        return session.exec(select(func.count()).select_from(_requete(filtres).subquery())).one()

    if filtres.demarche_id:
        total = compte_en_cache(session, filtres.demarche_id, ("revue", repr(filtres)), compter)
    else:
        total = compter()
    return list(session.exec(requete).all()), total


def page(session: Session, filtres: Filtres, numero: int = 1) -> tuple[list[Ligne], int]:
    """Les lignes de la page `numero` (50 par page) et le nombre total de paroles filtrées.

    Les paroles de la page que le détecteur n'a pas encore vues (import, questionnaire) sont examinées
    avant l'affichage ; filtrée sur les données personnelles, la page est recalculée ensuite."""
    debut = (max(numero, 1) - 1) * PAR_PAGE
    for _ in range(EXAMENS_PAR_AFFICHAGE):
        ids, total = _ids_et_total(session, filtres, debut)
        en_attente = examen.ids_en_attente(session, ids)
        if not en_attente:
            break
        examen.examiner(session, en_attente)
        if not filtres.donnees:
            break
    lignes = _lignes(session, ids)
    if filtres.demarche_id and lignes:
        doublons.marquer_doublons(session, filtres.demarche_id, lignes)
    return lignes, total


def reperes(texte: str, reperages: list[Reperage]) -> Reperes:
    """Le texte découpé autour de ses repérages (pour le surligner sans jamais l'écrire en HTML brut) et
    la liste des repérages « à examiner ». Un repérage chevauché n'est surligné qu'à partir de la fin du
    précédent ; un repérage hors du texte est ignoré."""
    segments, position = [], 0
    for r in sorted(reperages, key=lambda r: (r.debut, -r.fin)):
        debut, fin = max(r.debut, position), min(r.fin, len(texte))
        if debut >= fin:
            continue
        if debut > position:
            segments.append(Segment(texte[position:debut]))
        segments.append(Segment(texte[debut:fin], r, examen.libelle_de(r.sorte)))
        position = fin
    if position < len(texte) or not segments:
        segments.append(Segment(texte[position:]))
    passages = [
        Passage(r, texte[r.debut : r.fin], examen.libelle_de(r.sorte), examen.balise_de(r.sorte))
        for r in sorted(reperages, key=lambda r: r.debut)
        if r.statut == "a_examiner" and 0 <= r.debut < r.fin <= len(texte)
    ]
    return Reperes(segments, passages)


def reperes_de(session: Session, contribution: Contribution) -> Reperes:
    """Les repérages d'une parole (examinée d'abord si besoin), pour la page de modification."""
    if examen.ids_en_attente(session, [contribution.id]):
        examen.examiner(session, [contribution.id])
        session.refresh(contribution)
    return reperes(
        contribution.texte, examen.reperages_de(session, [contribution.id]).get(contribution.id, [])
    )


def doublons_probables(session: Session, demarche_id: int) -> list[tuple[Ligne, Ligne, int]]:
    """Paires de lignes presque identiques parmi les plus récentes de la démarche (`collecte.doublons`)."""
    paires = doublons.paires_probables(session, demarche_id)
    ids = sorted({i for p in paires for i in p[:2]}, reverse=True)
    lignes = {ligne.contribution.id: ligne for ligne in _lignes(session, ids)}
    return [(lignes[a], lignes[b], score) for a, b, score in paires]


ACTIONS = {"ajouter_theme", "retirer_theme", "retenir", "ne_plus_retenir", "masquer", "afficher"}


def action_groupee(
    session: Session, ids: list[int], action: str, theme_id: int | None, utilisateur_id: int
) -> int:
    """Applique `action` aux paroles `ids`, tout ou rien ; renvoie le nombre de paroles modifiées."""
    if action not in ACTIONS:
        raise ErreurValidation("Action inconnue.", "action")
    if not ids:
        raise ErreurValidation("Cochez au moins une parole.", "ids")
    theme = None
    if action in ("ajouter_theme", "retirer_theme"):
        theme = session.get(Theme, theme_id) if theme_id else None
        if theme is None:
            raise ErreurValidation("Choisissez un thème.", "theme")
    with unite_de_travail(session):
        contributions = list(session.exec(select(Contribution).where(Contribution.id.in_(ids))))
        cibles = (
            _etiqueter(session, contributions, action, theme) if theme else _marquer(contributions, action)
        )
        for contribution in cibles:
            contribution.modifiee_par_id = utilisateur_id
            contribution.modifiee_le = maintenant()
            session.add(contribution)
    return len(cibles)


ACTIONS_DONNEES = {
    "masquer_donnees": examen.masquer_tout,
    "ecarter_donnees": examen.ecarter_tout,
}


def action_donnees(session: Session, ids: list[int], action: str, acteur: Acteur) -> int:
    """Masque ou écarte toutes les données personnelles repérées de ces paroles ; renvoie le nombre de
    repérages traités."""
    if action not in ACTIONS_DONNEES:
        raise ErreurValidation("Action inconnue.", "action")
    if not ids:
        raise ErreurValidation("Cochez au moins une parole.", "ids")
    return ACTIONS_DONNEES[action](session, ids, acteur)


def _etiqueter(
    session: Session, contributions: list[Contribution], action: str, theme: Theme
) -> list[Contribution]:
    ids = [c.id for c in contributions]
    deja = set(
        session.exec(
            select(ContributionTheme.contribution_id).where(
                ContributionTheme.theme_id == theme.id, ContributionTheme.contribution_id.in_(ids)
            )
        ).all()
    )
    if action == "ajouter_theme":
        cibles = [c for c in contributions if c.id not in deja]
        session.add_all([ContributionTheme(contribution_id=c.id, theme_id=theme.id) for c in cibles])
        return cibles
    session.exec(
        delete(ContributionTheme).where(
            ContributionTheme.theme_id == theme.id, ContributionTheme.contribution_id.in_(ids)
        )
    )
    return [c for c in contributions if c.id in deja]


def _marquer(contributions: list[Contribution], action: str) -> list[Contribution]:
    attribut, valeur = {
        "retenir": ("a_retenir", True),
        "ne_plus_retenir": ("a_retenir", False),
        "masquer": ("masquee", True),
        "afficher": ("masquee", False),
    }[action]
    cibles = [c for c in contributions if getattr(c, attribut) != valeur]
    for contribution in cibles:
        setattr(contribution, attribut, valeur)
    return cibles


def modifier_parole(
    session: Session, contribution: Contribution, donnees: dict, utilisateur_id: int | None
) -> Contribution:
    """Correction d'une parole dans la revue : ses champs saisis, ses thèmes et la modération (« masquée »),
    validés comme à la saisie puis écrits ensemble, ou pas du tout ; lève ErreurValidation."""
    temps = session.get(TempsDeCollecte, contribution.temps_id)
    champs = vars(valider_contribution(donnees, themes_de_la_demarche(session, temps.demarche_id))).copy()
    champs["masquee"] = valider_champ(champ("masquee"), donnees.get("masquee"))
    theme_ids = champs.pop("theme_ids")
    texte_change = champs["texte"] != contribution.texte
    with unite_de_travail(session):
        for nom, valeur in champs.items():
            setattr(contribution, nom, valeur)
        if texte_change:  # les positions repérées ne valent plus : nouvel examen
            examen.oublier_reperages(session, contribution)
        contribution.modifiee_par_id = utilisateur_id
        contribution.modifiee_le = maintenant()
        session.add(contribution)
        remplacer_themes(session, contribution, theme_ids)
    if texte_change:
        _examiner_sans_echec(session, contribution)
    return contribution


def _examiner_sans_echec(session: Session, contribution: Contribution) -> None:
    # La correction est enregistrée ; si le détecteur échoue, la parole reste « à examiner » et le sera à
    # son prochain affichage.
    try:
        examen.examiner(session, [contribution.id])
        session.refresh(contribution)
    except Exception:
        journal.exception("Examen de la parole n° %s après correction : échec", contribution.id)


# --- Suppression définitive d'une parole (RGPD : droit à l'effacement) --------------------------------


def supprimer_parole(session: Session, contribution_id: int, version, acteur: Acteur) -> str:
    """Supprime une parole pour de bon : son texte, ses thèmes et ses repérages quittent la base ; le journal
    ne garde que son numéro, sa démarche et son temps. Une parole venue d'un appareil laisse la trace de son
    identifiant (comme une annulation) : un envoi rejoué ne la recrée pas ; une réponse libre à un
    questionnaire est aussi retirée de la réponse de la structure. `version` : date de modification de la
    parole lue par la page ; si elle a changé depuis, refus sans rien supprimer. Renvoie le slug de la
    démarche. Lève ErreurValidation."""
    from collecte.confidentialite.journal import noter

    contribution = session.get(Contribution, contribution_id)
    if contribution is None:
        raise ErreurValidation("Cette parole n'existe plus : elle a déjà été supprimée.", "contribution")
    if version is None or contribution.modifiee_le != version:
        raise ErreurValidation(
            "La parole a été modifiée depuis l'ouverture de cette page : relisez-la avant de la supprimer. "
            "Rien n'a été supprimé.",
            "version",
        )
    temps = session.get(TempsDeCollecte, contribution.temps_id)
    slug = session.get(Demarche, temps.demarche_id).slug
    with unite_de_travail(session):
        session.execute(delete(ContributionTheme).where(ContributionTheme.contribution_id == contribution.id))
        session.execute(delete(Reperage).where(Reperage.contribution_id == contribution.id))
        origine = _retirer_de_la_reponse(session, contribution) or _garder_la_trace(session, contribution)
        session.delete(contribution)
        details = f"démarche {slug} ; temps {temps.ref} ; venue de : {origine}"
        noter(session, "suppression_parole", acteur, f"parole n° {contribution_id}", details)
    return slug


def _retirer_de_la_reponse(session: Session, contribution: Contribution) -> str:
    """Retire la réponse libre de la réponse au questionnaire qui l'a donnée (sinon une modification de la
    structure la recréerait) ; "" si la parole ne vient pas d'un questionnaire."""
    from collecte.modele.models import ReponseQuestionnaire

    reponse = session.get(ReponseQuestionnaire, contribution.reponse_id) if contribution.reponse_id else None
    if reponse is None:
        return ""
    valeurs = dict(reponse.valeurs or {})
    valeurs.pop(contribution.question_ref, None)
    reponse.valeurs, reponse.modifiee_le = valeurs, maintenant()
    session.add(reponse)
    return f"réponse n° {reponse.id} au questionnaire {reponse.questionnaire}"


def _garder_la_trace(session: Session, contribution: Contribution) -> str:
    """Identifiant seul (jamais le texte), comme une annulation : un appareil qui renvoie la parole plus tard
    ne la recrée pas."""
    from collecte.modele.models import ContributionAnnulee

    requete = select(ContributionAnnulee.id).where(
        ContributionAnnulee.client_uuid == contribution.client_uuid
    )
    if session.exec(requete).first() is None:
        session.add(ContributionAnnulee(client_uuid=contribution.client_uuid))
    return "appareil ou import"
