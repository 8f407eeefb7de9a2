"""Ce que chaque écriture pose elle-même, par quelque chemin qu'elle passe (objet ORM, insertion groupée de
la saisie par lots ou de l'import, UPDATE SQL du masquage) :

- les **empreintes** d'une parole (`Contribution.empreinte_debut`, `empreinte_fin`), recalculées dès que
  son texte est écrit : les doublons probables se cherchent par index, jamais en relisant la démarche ;
- la **version des données** d'une démarche (`Demarche.version_donnees`), un jeton tiré au hasard dans la
  transaction même de l'écriture : la clé des résultats d'analyse en cache (`analyse.cache`). Un jeton
  (plutôt qu'un compteur) : une base restaurée d'une sauvegarde ne retombe jamais sur la clé d'un autre
  état des données.

Le point commun le plus bas est le moteur SQLAlchemy : toute instruction passe par `before_execute`, qu'elle
vienne d'une session ORM, de `session.execute` ou de `session.connection().execute`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Delete, Insert, Update

from collecte.modele.models import Contribution, Demarche, TempsDeCollecte
from collecte.modele.validation import empreintes

# Tables dont les lignes ne font partie des données d'aucune démarche (comptes, journal, traces d'annulation,
# définitions des questionnaires) : les écrire ne périme aucun résultat d'analyse.
HORS_DEMARCHE = {"utilisateur", "journal", "contributionannulee", "versionquestionnaire", "alembic_version"}
_SUIVI = "parole_ecritures"  # clé de Connection.info : démarches touchées par la transaction en cours
_VERSION = "parole_version"  # option d'exécution de la mise à jour du jeton (elle-même non suivie)
_MORCEAU = 500


def _avec_empreintes(parametres: dict) -> dict:
    debut, fin = empreintes(parametres["texte"])
    return {**parametres, "empreinte_debut": debut, "empreinte_fin": fin}


def _texte_litteral(instruction: Update) -> str | None:
    """Le texte écrit par `update(...).values(texte=…)`, s'il y est en clair."""
    for cle, valeur in instruction._values.items() if instruction._values else ():
        if getattr(cle, "key", cle) == "texte":
            return getattr(valeur, "value", None)
    return None


def _poser_empreintes(instruction, multiparams: list, params: dict):
    if params and "texte" in params:
        params = _avec_empreintes(params)
    if multiparams and "texte" in multiparams[0]:
        multiparams = [_avec_empreintes(p) if "texte" in p else p for p in multiparams]
    if isinstance(instruction, Update):
        texte = _texte_litteral(instruction)
        if isinstance(texte, str):
            debut, fin = empreintes(texte)
            instruction = instruction.values(empreinte_debut=debut, empreinte_fin=fin)
    return instruction, multiparams, params


# Tables dont une ligne nomme sa parole par `contribution_id` (pour `contribution` elle-même : la clé d'un
# UPDATE de l'ORM) : la démarche se retrouve par la parole et son temps.
PAR_PAROLE = {"contribution", "contributiontheme", "reperage"}


def _noter(connexion, table: str, parametres: Iterable[dict]) -> None:
    """Retient les démarches touchées : par `demarche_id`, le `temps_id` d'une parole ou le
    `contribution_id` d'une parole, d'un lien de thème ou d'un repérage quand l'instruction les porte ;
    sinon toutes (une mise à jour en masse, une suppression par identifiant…)."""
    suivi = connexion.info.setdefault(
        _SUIVI, {"demarches": set(), "temps": set(), "paroles": set(), "toutes": False}
    )
    if suivi["toutes"]:
        return
    for ligne in parametres:
        if "demarche_id" in ligne:
            suivi["demarches"].add(ligne["demarche_id"])
        elif table == "contribution" and "temps_id" in ligne:
            suivi["temps"].add(ligne["temps_id"])
        elif table in PAR_PAROLE and "contribution_id" in ligne:
            suivi["paroles"].add(ligne["contribution_id"])
        else:
            suivi["toutes"] = True
            return
    if not (suivi["demarches"] or suivi["temps"] or suivi["paroles"]):
        suivi["toutes"] = True


@event.listens_for(Engine, "before_execute", retval=True)
def _avant_execution(connexion, instruction, multiparams, params, options):
    if not isinstance(instruction, Insert | Update | Delete) or options.get(_VERSION):
        return instruction, multiparams, params
    table = getattr(instruction.table, "name", "")
    colonnes = getattr(instruction.table, "c", ())
    if table == "contribution" and not isinstance(instruction, Delete) and "empreinte_debut" in colonnes:
        instruction, multiparams, params = _poser_empreintes(instruction, multiparams, params)
    if table not in HORS_DEMARCHE:
        _noter(connexion, table, multiparams or [params])
    return instruction, multiparams, params


@event.listens_for(Engine, "begin")
def _debut_de_transaction(connexion) -> None:
    connexion.info.pop(_SUIVI, None)


@event.listens_for(Engine, "rollback")
def _annulation(connexion) -> None:
    connexion.info.pop(_SUIVI, None)


def _demarches_des_temps(connexion, temps: set[int]) -> set[int]:
    ids, table = sorted(temps), TempsDeCollecte.__table__
    trouvees: set[int] = set()
    for debut in range(0, len(ids), _MORCEAU):
        requete = select(table.c.demarche_id).where(table.c.id.in_(ids[debut : debut + _MORCEAU])).distinct()
        trouvees.update(connexion.execute(requete).scalars())
    return trouvees


def _demarches_des_paroles(connexion, paroles: set[int]) -> set[int] | None:
    """Les démarches de ces paroles ; None si l'une d'elles n'existe plus (supprimée dans la transaction) :
    on ne sait alors pas laquelle a changé."""
    ids, parole, temps = sorted(paroles), Contribution.__table__, TempsDeCollecte.__table__
    trouvees: set[int] = set()
    vues = 0
    for debut in range(0, len(ids), _MORCEAU):
        requete = (
            select(parole.c.id, temps.c.demarche_id)
            .join(temps, temps.c.id == parole.c.temps_id)
            .where(parole.c.id.in_(ids[debut : debut + _MORCEAU]))
        )
        for _ident, demarche_id in connexion.execute(requete):
            vues += 1
            trouvees.add(demarche_id)
    return trouvees if vues == len(ids) else None


@event.listens_for(Session, "before_commit")
def _nouvelle_version(session: Session) -> None:
    """Avant de valider : un nouveau jeton pour chaque démarche touchée, dans la même transaction."""
    session.flush()  # les objets en attente passent d'abord : leurs instructions sont notées
    connexion = session.connection()
    suivi = connexion.info.pop(_SUIVI, None)
    if not suivi:
        return
    table = Demarche.__table__
    requete = update(table).values(version_donnees=secrets.token_hex(8)).execution_options(**{_VERSION: True})
    des_paroles = _demarches_des_paroles(connexion, suivi["paroles"]) if suivi["paroles"] else set()
    if not suivi["toutes"] and des_paroles is not None:
        ids = sorted(suivi["demarches"] | _demarches_des_temps(connexion, suivi["temps"]) | des_paroles)
        if not ids:
            return
        requete = requete.where(table.c.id.in_(ids))
    connexion.execute(requete)


@event.listens_for(Contribution, "before_insert")
@event.listens_for(Contribution, "before_update")
def _empreintes_de_l_objet(_mapper, _connexion, contribution: Contribution) -> None:
    """L'objet en mémoire porte les mêmes empreintes que la ligne écrite."""
    contribution.empreinte_debut, contribution.empreinte_fin = empreintes(contribution.texte)
