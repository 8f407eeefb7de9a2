"""Examen des paroles par le détecteur de données personnelles, puis ce que la revue en fait : masquer
(le passage devient sa balise, « [téléphone] » ; l'original n'est gardé nulle part) ou écarter (« pas une
donnée personnelle » : le repérage reste, statut `ecarte`, et n'est plus proposé).

Une parole examinée porte la version du détecteur (`Contribution.examinee_par`) ; ses repérages ne gardent
que position et sorte, jamais le texte repéré. Le détecteur tourne hors de l'écriture ; chaque lot est
ensuite réservé par une mise à jour conditionnelle (même texte, même version qu'à la lecture) : deux
examens simultanés, ou un texte corrigé pendant l'examen, ne laissent jamais de repérages en double ou
décalés.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlmodel import Session

from collecte.confidentialite import detection
from collecte.confidentialite.journal import Acteur, noter
from collecte.modele.db import unite_de_travail
from collecte.modele.models import Contribution, Reperage, ReponseQuestionnaire, TempsDeCollecte, maintenant
from collecte.modele.validation import ID_MAX, ErreurValidation

TAILLE_LOT = 500
_C = Contribution.__table__.c
_R = Reperage.__table__.c
# Ce qu'il faut lire d'une parole pour la masquer (texte et version ; sa réponse de questionnaire éventuelle).
_LUE_POUR_MASQUER = (_C.id, _C.texte, _C.examinee_par, _C.reponse_id, _C.question_ref)


def _morceaux(ids: list[int], taille: int = TAILLE_LOT) -> Iterator[list[int]]:
    for debut in range(0, len(ids), taille):
        yield ids[debut : debut + taille]


# --- Examen ----------------------------------------------------------------------------------------


def examiner_en_attente(
    session: Session, demarche_id: int | None = None, taille_lot: int = TAILLE_LOT
) -> int:
    """Examine les paroles (de la démarche, ou toutes) que la version courante du détecteur n'a pas vues,
    par lots d'identifiants croissants, chaque lot dans sa propre écriture ; renvoie le nombre examiné."""
    total, dernier = 0, 0
    while True:
        requete = (
            select(_C.id, _C.texte, _C.examinee_par)
            .where(_C.examinee_par != detection.VERSION, _C.id > dernier)
            .order_by(_C.id)
            .limit(taille_lot)
        )
        if demarche_id is not None:
            temps = select(TempsDeCollecte.id).where(TempsDeCollecte.demarche_id == demarche_id)
            requete = requete.where(_C.temps_id.in_(temps))
        lot = session.execute(requete).all()
        if not lot:
            return total
        total += _examiner_lot(session, lot)
        dernier = lot[-1].id


def examiner(session: Session, contribution_ids: Iterable[int]) -> None:
    """Examine ces paroles si la version courante du détecteur ne l'a pas encore fait (après une saisie)."""
    for morceau in _morceaux(sorted(set(contribution_ids))):
        lot = session.execute(
            select(_C.id, _C.texte, _C.examinee_par).where(
                _C.id.in_(morceau), _C.examinee_par != detection.VERSION
            )
        ).all()
        if lot:
            _examiner_lot(session, lot)


def ids_en_attente(session: Session, contribution_ids: Iterable[int]) -> list[int]:
    """Celles de ces paroles que la version courante du détecteur n'a pas examinées."""
    ids = sorted(set(contribution_ids))
    return [
        ident
        for morceau in _morceaux(ids)
        for ident in session.execute(
            select(_C.id).where(_C.id.in_(morceau), _C.examinee_par != detection.VERSION)
        ).scalars()
    ]


def _examiner_lot(session: Session, lot) -> int:
    trouves = dict(zip((l.id for l in lot), detection.reperer_lot([l.texte for l in lot]), strict=True))
    jeton = "~" + secrets.token_hex(8)  # réservation, invisible hors de cette écriture
    with unite_de_travail(session):
        session.execute(
            update(Contribution.__table__)
            .where(
                _C.id == bindparam("b_id"),
                _C.texte == bindparam("b_texte"),
                _C.examinee_par == bindparam("b_version"),
            )
            .values(examinee_par=jeton),
            [{"b_id": l.id, "b_texte": l.texte, "b_version": l.examinee_par} for l in lot],
        )
        pris = list(
            session.execute(select(_C.id).where(_C.id.in_(list(trouves)), _C.examinee_par == jeton)).scalars()
        )
        if pris:
            _remplacer_reperages(session, {i: trouves[i] for i in pris})
            session.execute(
                update(Contribution.__table__)
                .where(_C.examinee_par == jeton)
                .values(examinee_par=detection.VERSION)
            )
    return len(pris)


def _remplacer_reperages(session: Session, trouves: dict[int, list]) -> None:
    """Les repérages « à examiner » sont refaits ; un « écarté » survit s'il est trouvé de nouveau à la même
    place (texte inchangé), sinon il part avec les autres."""
    anciens = session.execute(
        select(_R.id, _R.contribution_id, _R.debut, _R.fin, _R.sorte, _R.statut).where(
            _R.contribution_id.in_(list(trouves))
        )
    ).all()
    gardes: set[tuple] = set()
    a_supprimer = []
    for r in anciens:
        cle = (r.contribution_id, r.debut, r.fin, r.sorte)
        nouveaux = {(n.debut, n.fin, n.sorte) for n in trouves[r.contribution_id]}
        if r.statut == "ecarte" and cle[1:] in nouveaux and cle not in gardes:
            gardes.add(cle)
        else:
            a_supprimer.append(r.id)
    for morceau in _morceaux(a_supprimer):
        session.execute(delete(Reperage.__table__).where(_R.id.in_(morceau)))
    instant = maintenant()
    lignes = [
        {
            "contribution_id": ident,
            "debut": n.debut,
            "fin": n.fin,
            "sorte": n.sorte,
            "statut": "a_examiner",
            "cree_le": instant,
        }
        for ident, reperages in trouves.items()
        for n in dict.fromkeys(reperages)
        if (ident, n.debut, n.fin, n.sorte) not in gardes
    ]
    if lignes:
        session.execute(insert(Reperage.__table__), lignes)


# --- Lecture -----------------------------------------------------------------------------------------


def reperages_a_masquer(
    session: Session, contribution_ids: Iterable[int]
) -> dict[int, list[detection.Reperage]]:
    """Les repérages « à examiner » de ces paroles, dans l'ordre du texte (paroles sans repérage absentes)."""
    resultat: dict[int, list[detection.Reperage]] = {}
    for morceau in _morceaux(sorted(set(contribution_ids))):
        lignes = session.execute(
            select(_R.contribution_id, _R.debut, _R.fin, _R.sorte)
            .where(_R.contribution_id.in_(morceau), _R.statut == "a_examiner")
            .order_by(_R.contribution_id, _R.debut, _R.fin)
        ).all()
        for l in lignes:
            resultat.setdefault(l.contribution_id, []).append(
                detection.Reperage(debut=l.debut, fin=l.fin, sorte=l.sorte)
            )
    return resultat


def reperages_de(session: Session, contribution_ids: Iterable[int]) -> dict[int, list[Reperage]]:
    """Tous les repérages (lignes de la table) de ces paroles, pour l'affichage de la revue."""
    resultat: dict[int, list[Reperage]] = {}
    for morceau in _morceaux(sorted(set(contribution_ids))):
        requete = select(Reperage).where(Reperage.contribution_id.in_(morceau)).order_by(Reperage.debut)
        for reperage in session.scalars(requete):
            resultat.setdefault(reperage.contribution_id, []).append(reperage)
    return resultat


def _paroles_de(demarche_id: int | None):
    requete = select(func.count(func.distinct(_C.id)))
    if demarche_id is not None:
        temps = select(TempsDeCollecte.id).where(TempsDeCollecte.demarche_id == demarche_id)
        requete = requete.where(_C.temps_id.in_(temps))
    return requete


def compter_a_examiner(session: Session, demarche_id: int | None = None) -> int:
    """Nombre de paroles avec au moins une donnée personnelle repérée « à examiner »."""
    requete = _paroles_de(demarche_id).join(Reperage.__table__, _R.contribution_id == _C.id)
    return session.execute(requete.where(_R.statut == "a_examiner")).scalar_one()


def compter_en_attente(session: Session, demarche_id: int | None = None) -> int:
    """Nombre de paroles que la version courante du détecteur n'a pas encore examinées."""
    return session.execute(_paroles_de(demarche_id).where(_C.examinee_par != detection.VERSION)).scalar_one()


# --- Masquer, écarter ------------------------------------------------------------------------------


def balise_de(sorte: str) -> str:
    """Ce qui remplace un passage de cette sorte (une sorte retirée du détecteur garde une balise)."""
    return detection.SORTES.get(sorte, "[donnée personnelle]")


def libelle_de(sorte: str) -> str:
    return detection.LIBELLES.get(sorte, sorte)


_PERIMEE = "La parole a changé depuis l'affichage de la page : rien n'a été {}. Rechargez-la."


@dataclass
class _Position:
    debut: int
    fin: int
    sorte: str
    statut: str


def _decaler(p: _Position, debut: int, fin: int, balise: str) -> bool:
    """Place `p` dans le texte où [debut, fin) est devenu `balise` ; False s'il disparaît avec le passage."""
    delta = len(balise) - (fin - debut)
    if p.fin <= debut:
        return True
    if p.debut >= fin:
        p.debut, p.fin = p.debut + delta, p.fin + delta
    elif debut <= p.debut and p.fin <= fin:
        return False  # tout entier dans le passage masqué
    elif p.debut < debut and p.fin > fin:
        p.fin += delta  # le contient : la balise reste dedans
    elif p.debut < debut:
        p.fin = debut  # chevauche à gauche : reste la partie d'avant
    else:
        p.debut, p.fin = debut + len(balise), p.fin + delta  # chevauche à droite
    return True


def _masquer_passage(texte: str, positions: dict[int, _Position], cible_id: int) -> str:
    """Remplace le passage du repérage `cible_id` par sa balise ; retire ce repérage de `positions` et place
    les autres dans le nouveau texte (ceux que le passage couvrait entièrement disparaissent)."""
    cible = positions.pop(cible_id)
    balise = balise_de(cible.sorte)
    for ident, position in list(positions.items()):
        if not _decaler(position, cible.debut, cible.fin, balise):
            del positions[ident]
    return texte[: cible.debut] + balise + texte[cible.fin :]


def _positions(session: Session, contribution_ids: list[int]) -> dict[int, dict[int, _Position]]:
    resultat: dict[int, dict[int, _Position]] = {}
    lignes = session.execute(
        select(_R.id, _R.contribution_id, _R.debut, _R.fin, _R.sorte, _R.statut).where(
            _R.contribution_id.in_(contribution_ids)
        )
    )
    for l in lignes:
        resultat.setdefault(l.contribution_id, {})[l.id] = _Position(l.debut, l.fin, l.sorte, l.statut)
    return resultat


def _ecrire_positions(
    session: Session, avant: dict[int, tuple[int, int]], apres: dict[int, _Position]
) -> None:
    partis = [i for i in avant if i not in apres]
    for morceau in _morceaux(partis):
        session.execute(delete(Reperage.__table__).where(_R.id.in_(morceau)))
    deplaces = [
        {"b_id": i, "debut": p.debut, "fin": p.fin} for i, p in apres.items() if (p.debut, p.fin) != avant[i]
    ]
    if deplaces:
        session.execute(update(Reperage.__table__).where(_R.id == bindparam("b_id")), deplaces)


def _remplacer_texte(session: Session, parole, texte: str, acteur: Acteur, fait: str) -> None:
    """Écrit le nouveau texte si la parole est encore telle qu'elle a été lue (sinon rien n'est écrit) ;
    une réponse libre de questionnaire est remplacée de même dans sa réponse (l'original n'est gardé nulle
    part)."""
    ecrit = session.execute(
        update(Contribution.__table__)
        .where(_C.id == parole.id, _C.texte == parole.texte, _C.examinee_par == parole.examinee_par)
        .values(texte=texte, modifiee_le=maintenant(), modifiee_par_id=acteur.utilisateur_id)
    ).rowcount
    if ecrit != 1:
        raise ErreurValidation(_PERIMEE.format(fait), "version")
    if parole.reponse_id is not None and parole.question_ref:
        _remplacer_dans_la_reponse(session, parole.reponse_id, parole.question_ref, parole.texte, texte)


def _remplacer_dans_la_reponse(session: Session, reponse_id: int, ref: str, avant: str, apres: str) -> None:
    table = ReponseQuestionnaire.__table__
    valeurs = session.execute(select(table.c.valeurs).where(table.c.id == reponse_id)).scalar_one_or_none()
    if isinstance(valeurs, dict) and valeurs.get(ref) == avant:
        session.execute(update(table).where(table.c.id == reponse_id).values(valeurs={**valeurs, ref: apres}))


def _a_jour(session: Session, reperage_id: int, version: datetime | None, fait: str):
    """Le repérage « à examiner » et sa parole, si la parole est celle que la page a montrée."""
    reperage = None
    if isinstance(reperage_id, int) and 0 < reperage_id <= ID_MAX:
        reperage = session.execute(select(Reperage.__table__).where(_R.id == reperage_id)).first()
    if reperage is None or reperage.statut != "a_examiner":
        raise ErreurValidation(_PERIMEE.format(fait), "version")
    parole = session.execute(
        select(*_LUE_POUR_MASQUER, _C.modifiee_le).where(_C.id == reperage.contribution_id)
    ).one()
    if version is None or parole.modifiee_le != version:
        raise ErreurValidation(_PERIMEE.format(fait), "version")
    return reperage, parole


def masquer(session: Session, reperage_id: int, version: datetime | None, acteur: Acteur) -> Contribution:
    """Remplace le passage repéré par sa balise dans le texte enregistré, décale les autres repérages de la
    parole, supprime celui-ci et le note au journal (sorte, jamais le texte) — en une écriture.

    `version` : la date de modification de la parole affichée par la page ; si la parole a changé depuis
    (texte corrigé, autre masquage), rien n'est fait (ErreurValidation)."""
    with unite_de_travail(session):
        reperage, parole = _a_jour(session, reperage_id, version, "masqué")
        if not 0 <= reperage.debut < reperage.fin <= len(parole.texte):
            raise ErreurValidation(_PERIMEE.format("masqué"), "version")
        positions = _positions(session, [parole.id])[parole.id]
        avant = {i: (p.debut, p.fin) for i, p in positions.items()}
        texte = _masquer_passage(parole.texte, positions, reperage.id)
        _remplacer_texte(session, parole, texte, acteur, "masqué")
        _ecrire_positions(session, avant, positions)
        noter(session, "masquage", acteur, f"parole {parole.id}", f"sorte : {libelle_de(reperage.sorte)}")
    return session.get(Contribution, parole.id, populate_existing=True)


def ecarter(session: Session, reperage_id: int, version: datetime | None, acteur: Acteur) -> None:
    """« Pas une donnée personnelle » : le repérage reste (statut `ecarte`) et n'est plus proposé ; noté au
    journal. Même garde que `masquer` sur la version affichée."""
    with unite_de_travail(session):
        reperage, parole = _a_jour(session, reperage_id, version, "écarté")
        ecrit = session.execute(
            update(Reperage.__table__)
            .where(_R.id == reperage.id, _R.statut == "a_examiner")
            .values(statut="ecarte")
        ).rowcount
        if ecrit != 1:
            raise ErreurValidation(_PERIMEE.format("écarté"), "version")
        noter(
            session,
            "reperage_ecarte",
            acteur,
            f"parole {parole.id}",
            f"sorte : {libelle_de(reperage.sorte)}",
        )


def _objet(ids: list[int]) -> str:
    objet = "paroles " + ", ".join(map(str, ids))
    return objet if len(objet) <= 300 else objet[:298].rsplit(",", 1)[0] + " …"


def _details(paroles: int, sortes: Counter) -> str:
    par_sorte = ", ".join(f"{libelle_de(s)} × {n}" for s, n in sorted(sortes.items()))
    return f"{paroles} parole{'s' if paroles > 1 else ''} ; {par_sorte}"


def masquer_tout(session: Session, contribution_ids: Iterable[int], acteur: Acteur) -> int:
    """Masque toutes les données personnelles « à examiner » de ces paroles (examinées d'abord si besoin),
    en une écriture et une ligne de journal ; renvoie le nombre de passages masqués."""
    ids = sorted(set(contribution_ids))
    examiner(session, ids)
    sortes: Counter = Counter()
    touchees: list[int] = []
    with unite_de_travail(session):
        for morceau in _morceaux(ids):
            paroles = {p.id: p for p in session.execute(select(*_LUE_POUR_MASQUER).where(_C.id.in_(morceau)))}
            for ident, positions in _positions(session, morceau).items():
                if _masquer_parole(session, paroles[ident], positions, acteur, sortes):
                    touchees.append(ident)
        if touchees:
            noter(session, "masquage", acteur, _objet(touchees), _details(len(touchees), sortes))
    return sum(sortes.values())


def _masquer_parole(
    session, parole, positions: dict[int, _Position], acteur: Acteur, sortes: Counter
) -> bool:
    avant = {i: (p.debut, p.fin) for i, p in positions.items()}
    texte = parole.texte
    while True:
        a_masquer = [
            (p.debut, i)
            for i, p in positions.items()
            if p.statut == "a_examiner" and 0 <= p.debut < p.fin <= len(texte)
        ]
        if not a_masquer:
            break
        _, cible = max(a_masquer)  # de la fin vers le début : les passages d'avant ne bougent pas
        sortes[positions[cible].sorte] += 1
        texte = _masquer_passage(texte, positions, cible)
    if texte == parole.texte:
        return False
    _remplacer_texte(session, parole, texte, acteur, "masqué")
    _ecrire_positions(session, avant, positions)
    return True


def ecarter_tout(session: Session, contribution_ids: Iterable[int], acteur: Acteur) -> int:
    """Marque « pas une donnée personnelle » tous les repérages « à examiner » de ces paroles (examinées
    d'abord si besoin), en une écriture et une ligne de journal ; renvoie le nombre de repérages écartés."""
    ids = sorted(set(contribution_ids))
    examiner(session, ids)
    sortes: Counter = Counter()
    touchees: set[int] = set()
    with unite_de_travail(session):
        for morceau in _morceaux(ids):
            reperages = session.execute(
                select(_R.id, _R.contribution_id, _R.sorte).where(
                    _R.contribution_id.in_(morceau), _R.statut == "a_examiner"
                )
            ).all()
            for lot in _morceaux([r.id for r in reperages]):
                session.execute(update(Reperage.__table__).where(_R.id.in_(lot)).values(statut="ecarte"))
            sortes.update(r.sorte for r in reperages)
            touchees.update(r.contribution_id for r in reperages)
        if touchees:
            noter(
                session, "reperage_ecarte", acteur, _objet(sorted(touchees)), _details(len(touchees), sortes)
            )
    return sum(sortes.values())


def oublier_reperages(session: Session, contribution: Contribution) -> None:
    """Texte corrigé : ses repérages ne valent plus rien, la parole attend un nouvel examen. À appeler
    dans l'écriture en cours (ne valide pas)."""
    session.execute(delete(Reperage.__table__).where(_R.contribution_id == contribution.id))
    contribution.examinee_par = ""
