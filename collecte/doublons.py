"""Doublons probables : paroles presque identiques dans une démarche (double envoi, retouche d'une parole
déjà saisie, même post-it transcrit deux fois).

Chaque parole porte deux empreintes, posées à chaque écriture de son texte (`collecte.modele.validation.
empreintes` : début et fin du texte normalisé) ; seules les paroles qui partagent une empreinte sont
comparées (ressemblance RapidFuzz ≥ `SEUIL_DOUBLON`), par l'index de l'empreinte : le coût ne dépend pas de
la taille de la démarche. Deux usages : `marquer_doublons` (chaque ligne d'une page de revue reçoit la
parole la plus proche) et `paires_probables` (la page « doublons probables »)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from rapidfuzz import fuzz, process
from sqlalchemy import bindparam
from sqlmodel import Session, select

from collecte.modele.models import Contribution, TempsDeCollecte
from collecte.modele.validation import normaliser

SEUIL_DOUBLON = 90  # score RapidFuzz (0-100) au-delà duquel deux textes sont « presque les mêmes »
CANDIDATS_PAR_EMPREINTE = 20  # paroles comparées au plus par empreinte (les plus récentes)
DOUBLONS_MAX_PAROLES = 5_000  # la page « doublons probables » compare au plus ces paroles (les plus récentes)
NORMALISES_MAX = 20_000  # textes normalisés gardés (candidats des doublons probables)
_NORMALISES: OrderedDict = OrderedDict()
_VERROU = threading.Lock()


def _requete_candidats(nom: str):
    c, t = Contribution.__table__.c, TempsDeCollecte.__table__.c
    return (
        select(c.id, c.texte)
        .join(TempsDeCollecte.__table__, t.id == c.temps_id)
        .where(c[f"empreinte_{nom}"] == bindparam("empreinte"), t.demarche_id == bindparam("demarche"))
        .order_by(c.id.desc())
        .limit(CANDIDATS_PAR_EMPREINTE)
    )


# Construites une fois : chaque lecture réutilise la requête compilée.
_REQUETES_CANDIDATS = {nom: _requete_candidats(nom) for nom in ("debut", "fin")}


def _candidats(session: Session, demarche_id: int, cles: list[tuple[str, str]]) -> dict[tuple, list]:
    """Pour chaque (colonne, empreinte) : les paroles de la démarche qui la portent, les plus récentes
    d'abord, `CANDIDATS_PAR_EMPREINTE` au plus, lues par l'index de l'empreinte."""
    connexion = session.connection()
    return {
        (nom, empreinte): connexion.execute(
            _REQUETES_CANDIDATS[nom], {"empreinte": empreinte, "demarche": demarche_id}
        ).all()
        for nom, empreinte in cles
    }


def _normalise(ident: int, texte: str) -> str:
    """Le texte normalisé d'une parole, gardé tant que son texte ne change pas (les mêmes paroles récentes
    reviennent comme candidates d'une page à l'autre)."""
    with _VERROU:
        garde = _NORMALISES.get(ident)
        if garde is not None and garde[0] == texte:
            _NORMALISES.move_to_end(ident)
            return garde[1]
    propre = normaliser(texte)
    with _VERROU:
        _NORMALISES[ident] = (texte, propre)
        while len(_NORMALISES) > NORMALISES_MAX:
            _NORMALISES.popitem(last=False)
    return propre


def _plus_proche(propre: str, ident: int, candidats: dict[int, str]) -> tuple[int, float] | None:
    scores = [(fuzz.ratio(propre, autre), i) for i, autre in candidats.items() if i != ident]
    scores = [(score, i) for score, i in scores if score >= SEUIL_DOUBLON]
    if not scores:
        return None
    score, autre = max(scores)  # le meilleur score ; à égalité, la parole la plus récente
    return autre, round(score)


def marquer_doublons(session: Session, demarche_id: int, lignes: list) -> None:
    """Chaque ligne de la page (`ligne.contribution`) reçoit dans `ligne.doublon_de` la parole la plus
    proche parmi celles qui partagent l'une de ses empreintes, avec son score, ou None."""

    def cles_de(c: Contribution) -> list[tuple[str, str]]:
        return [(nom, e) for nom, e in (("debut", c.empreinte_debut), ("fin", c.empreinte_fin)) if e]

    cles = list(dict.fromkeys(cle for ligne in lignes for cle in cles_de(ligne.contribution)))
    if not cles:
        return
    trouves = _candidats(session, demarche_id, cles)
    for ligne in lignes:
        candidats = {}
        for cle in cles_de(ligne.contribution):
            for ident, texte in trouves[cle]:
                candidats[ident] = _normalise(ident, texte)
        if candidats:
            ligne.doublon_de = _plus_proche(
                normaliser(ligne.contribution.texte), ligne.contribution.id, candidats
            )


def _recentes(session: Session, demarche_id: int) -> list[tuple[int, str, str, str]]:
    requete = (
        select(Contribution.id, Contribution.texte, Contribution.empreinte_debut, Contribution.empreinte_fin)
        .join(TempsDeCollecte, TempsDeCollecte.id == Contribution.temps_id)
        .where(TempsDeCollecte.demarche_id == demarche_id, Contribution.empreinte_debut != "")
        .order_by(Contribution.id.desc())
        .limit(DOUBLONS_MAX_PAROLES)
    )
    return list(session.exec(requete).all())


def paires_probables(session: Session, demarche_id: int) -> list[tuple[int, int, int]]:
    """Paires (plus récente, plus ancienne, score) de paroles presque identiques parmi les
    `DOUBLONS_MAX_PAROLES` plus récentes de la démarche, meilleur score d'abord : seules les paroles qui
    partagent une empreinte (début ou fin du texte normalisé) sont comparées."""
    recentes = _recentes(session, demarche_id)
    textes = {ident: normaliser(texte) for ident, texte, _, _ in recentes}
    groupes: dict[tuple[int, str], list[int]] = {}
    for ident, _, debut, fin in recentes:
        groupes.setdefault((0, debut), []).append(ident)
        groupes.setdefault((1, fin), []).append(ident)
    scores: dict[tuple[int, int], int] = {}
    for ids in groupes.values():
        if len(ids) < 2:
            continue
        corpus = [textes[i] for i in ids]
        matrice = process.cdist(corpus, corpus, scorer=fuzz.ratio, score_cutoff=SEUIL_DOUBLON, dtype="uint8")
        for i, j in zip(*matrice.nonzero(), strict=True):
            if i < j:
                scores[max(ids[i], ids[j]), min(ids[i], ids[j])] = int(matrice[i, j])
    return sorted(((a, b, score) for (a, b), score in scores.items()), key=lambda p: (-p[2], -p[0], -p[1]))
