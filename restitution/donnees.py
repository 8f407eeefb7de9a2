"""Lecture de la base pour les exports : les paroles d'une démarche avec toutes leurs métadonnées,
par lots (une démarche d'un million de paroles ne tient jamais entière en mémoire).

Les paroles masquées (modération) ne sortent jamais ; celles « ne pas citer » seulement si
l'appelant le demande (tableurs internes à l'équipe). Les comptes d'utilisateur (qui a saisi)
ne sortent pas : ce sont des données personnelles de l'équipe. Les données personnelles repérées et
non examinées sont remplacées par leur nature (« [nom] »…) par `analyse.masquage.masquer_textes`, le
même masquage que le livret, sauf export brut explicite (`donnees_brutes`, admin, journalisé).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import text
from sqlmodel import Session, select

from analyse.donnees import compter_masquage, reperages_de_la_demarche
from analyse.masquage import Masquage, masquer_textes
from collecte.demarches import demarche_par_slug
from collecte.modele.champs import DRAPEAU, THEMES, registre
from collecte.modele.models import Demarche, ReponseQuestionnaire, VersionQuestionnaire
from collecte.themes.gestion import themes_en_dicts
from questionnaires import ErreurDefinition, depuis_dict, invitations

TAILLE_LOT = 5_000

# Les colonnes d'une parole lues ici : celles du registre des champs (sauf les thèmes, lus à part),
# plus ce qu'aucun formulaire ne saisit (identifiants, horodatage, question du questionnaire).
_PAROLES = """
SELECT c.id, c.client_uuid, {champs}, c.question_ref, c.cree_le, c.temps_id, c.reponse_id,
       CASE WHEN c.examinee_par = '' THEN 0 ELSE 1 END AS examinee,
       t.ref AS temps_ref, t.dispositif, t.date, t.lieu, t.evenement,
       te.ville, te.quartier, s.nom AS structure, s.typologie
FROM contribution c
JOIN tempsdecollecte t ON t.id = c.temps_id
LEFT JOIN territoire te ON te.id = t.territoire_id
LEFT JOIN structure s ON s.id = t.structure_id
WHERE t.demarche_id = :demarche AND c.masquee = :faux AND (c.ne_pas_citer = :faux OR :avec_ne_pas_citer)
  AND (c.temps_id > :temps OR (c.temps_id = :temps AND c.id > :dernier))
ORDER BY c.temps_id, c.id
LIMIT :taille
"""

_THEMES_DES_PAROLES = """
SELECT ct.contribution_id, th.slug FROM contributiontheme ct JOIN theme th ON th.id = ct.theme_id
WHERE ct.contribution_id IN ({ids}) ORDER BY th.ordre, th.id
"""


def demarche(session: Session, slug: str) -> Demarche | None:
    return demarche_par_slug(session, slug)


def themes(session: Session, demarche_id: int) -> list[dict]:
    """Livre de codes dans son ordre : slug, label, description, couleur, parent…"""
    return themes_en_dicts(session, demarche_id)


def lots_de_paroles(
    session: Session,
    demarche_id: int,
    avec_ne_pas_citer: bool = False,
    taille: int = TAILLE_LOT,
    donnees_brutes: bool = False,
) -> Iterator[list[dict]]:
    """Lots de paroles (dicts) triées par temps de collecte puis par identifiant ; `themes` : slugs.
    Textes masqués (données personnelles non examinées), sauf `donnees_brutes`."""
    temps, dernier = -1, -1
    reperages = None if donnees_brutes else reperages_de_la_demarche(session, demarche_id)
    connexion = session.connection()
    while True:
        lignes = [
            dict(l._mapping)
            for l in connexion.execute(
                text(_requete_paroles()),
                {
                    "demarche": demarche_id,
                    "faux": False,
                    "avec_ne_pas_citer": avec_ne_pas_citer,
                    "temps": temps,
                    "dernier": dernier,
                    "taille": taille,
                },
            )
        ]
        if not lignes:
            return
        _masquer(lignes, reperages)
        _joindre_themes(connexion, lignes)
        yield lignes
        temps, dernier = lignes[-1]["temps_id"], lignes[-1]["id"]


def _masquer(lignes: list[dict], reperages: dict | None) -> None:
    """Masque en place les textes qui ont un repérage à masquer ou qui n'ont jamais été examinés ;
    `reperages` None : export brut, rien n'est masqué."""
    examinees = [bool(ligne.pop("examinee")) for ligne in lignes]
    if reperages is None:
        return
    cibles = [i for i, ligne in enumerate(lignes) if not examinees[i] or ligne["id"] in reperages]
    textes = masquer_textes(
        [lignes[i]["texte"] for i in cibles],
        [reperages.get(lignes[i]["id"], ()) for i in cibles],
        [examinees[i] for i in cibles],
    )
    for i, texte in zip(cibles, textes, strict=True):
        lignes[i]["texte"] = texte


def _requete_paroles() -> str:
    return _PAROLES.format(champs=", ".join(f"c.{c.nom}" for c in registre() if c.sorte != THEMES))


def _joindre_themes(connexion, lignes: list[dict]) -> None:
    par_id = {ligne["id"]: ligne for ligne in lignes}
    drapeaux = [c.nom for c in registre() if c.sorte == DRAPEAU]
    for ligne in lignes:
        ligne["themes"] = []
        ligne.update({nom: bool(ligne[nom]) for nom in drapeaux})  # SQLite : 0 ou 1
        ligne["client_uuid"] = uuid.UUID(str(ligne["client_uuid"]))  # SQLite : 32 chiffres hexadécimaux
        if isinstance(ligne["date"], str):  # SQLite rend les dates en texte ISO
            ligne["date"] = date.fromisoformat(ligne["date"][:10])
        if isinstance(ligne["cree_le"], str):
            ligne["cree_le"] = datetime.fromisoformat(ligne["cree_le"])
    ids = ",".join(str(int(i)) for i in par_id)
    for contribution_id, slug in connexion.execute(text(_THEMES_DES_PAROLES.format(ids=ids))):
        par_id[contribution_id]["themes"].append(slug)


def compter_exclues(session: Session, demarche_id: int) -> dict[str, int]:
    """Paroles laissées hors des exports : masquées, et « ne pas citer »."""
    ligne = (
        session.connection()
        .execute(
            text("""
        SELECT SUM(CASE WHEN c.masquee THEN 1 ELSE 0 END),
               SUM(CASE WHEN c.ne_pas_citer AND NOT c.masquee THEN 1 ELSE 0 END),
               COUNT(*)
        FROM contribution c JOIN tempsdecollecte t ON t.id = c.temps_id WHERE t.demarche_id = :d"""),
            {"d": demarche_id},
        )
        .one()
    )
    return {"masquees": int(ligne[0] or 0), "ne_pas_citer": int(ligne[1] or 0), "total": int(ligne[2] or 0)}


def compter_a_masquer(session: Session, demarche_id: int, avec_ne_pas_citer: bool = True) -> Masquage:
    """Données personnelles non examinées des paroles qui sortent (`analyse.donnees.compter_masquage`)."""
    return compter_masquage(session, demarche_id, avec_ne_pas_citer)


def _accord(nombre: int, singulier: str, pluriel: str) -> str:
    return singulier if nombre == 1 else pluriel


def _donnees_reperees(m: Masquage) -> str:
    n, p = m.reperages, m.paroles
    donnees = _accord(
        n, "donnée personnelle repérée et non examinée", "données personnelles repérées et non examinées"
    )
    return f"{n} {donnees} (dans {p} {_accord(p, 'parole', 'paroles')})"


def details_masquage(m: Masquage, brut: bool = False) -> str:
    """Pour le journal : des comptes, jamais un texte."""
    quoi = "en clair" if brut else "masquées"
    return f"données personnelles non examinées {quoi} : {m.reperages} (dans {m.paroles} paroles)"


def phrase_masquage(m: Masquage, brut: bool = False) -> str:
    """Ce qu'une sortie faite a masqué (ou, brute, laissé en clair) ; "" si rien (sortie masquée)."""
    if brut and not m.reperages:
        return (
            "Export avec les textes bruts, noté au journal : aucune donnée personnelle repérée "
            "n'attendait d'examen."
        )
    if not m.reperages:
        return ""
    if brut:
        return (
            f"{_donnees_reperees(m)} {_accord(m.reperages, 'sort', 'sortent')} en clair : export avec les "
            "textes bruts, noté au journal."
        )
    remplacees = _accord(m.reperages, "a été remplacée par sa nature", "ont été remplacées par leur nature")
    return (
        f"{_donnees_reperees(m)} {remplacees} ({', '.join(m.natures)}) ; pour les masquer ou les garder "
        "telles quelles, examinez-les dans la revue."
    )


def phrase_masquage_a_venir(m: Masquage, sorties: str = "le livret, les affiches et les exports") -> str:
    """Ce que les prochaines `sorties` masqueront, dit sur la page avant de télécharger ; "" si rien."""
    phrases = []
    if m.reperages:
        remplacees = _accord(m.reperages, "sera remplacée par sa nature", "seront remplacées par leur nature")
        phrases.append(
            f"{_donnees_reperees(m)} {remplacees} ({', '.join(m.natures)}) dans {sorties} ; pour les "
            "masquer ou les garder telles quelles, examinez-les dans la revue."
        )
    if m.en_attente:
        examinees = _accord(
            m.en_attente, "parole pas encore examinée le sera", "paroles pas encore examinées le seront"
        )
        phrases.append(
            f"{m.en_attente} {examinees} avant toute sortie (quelques millisecondes par parole, à la "
            "première sortie) : ce qui y sera repéré sera remplacé de même."
        )
    return " ".join(phrases)


def questionnaires_repondus(session: Session, demarche_id: int) -> tuple[list, list[str]]:
    """Questionnaires auxquels des structures ont répondu (réponses envoyées), tels qu'ils ont été
    posés : l'instantané de la version répondue, à défaut le fichier actuel s'il a la même version.
    Renvoie (définitions, dans l'ordre des noms puis des versions ; « nom (version n) » introuvables)."""
    couples = session.exec(
        select(ReponseQuestionnaire.questionnaire, ReponseQuestionnaire.version)
        .where(ReponseQuestionnaire.demarche_id == demarche_id, ReponseQuestionnaire.statut == "soumise")
        .distinct()
        .order_by(ReponseQuestionnaire.questionnaire, ReponseQuestionnaire.version)
    ).all()
    try:
        actuelles = invitations.definitions()
    except ErreurDefinition:
        actuelles = {}
    trouvees, introuvables = [], []
    for nom, version in couples:
        instantane = session.exec(
            select(VersionQuestionnaire).where(
                VersionQuestionnaire.nom == nom, VersionQuestionnaire.version == version
            )
        ).first()
        actuelle = actuelles.get(nom)
        if instantane is not None:
            trouvees.append(depuis_dict(instantane.definition))
        elif actuelle is not None and actuelle.version == version:
            trouvees.append(actuelle)
        else:
            introuvables.append(f"{nom} (version {version})")
    return trouvees, introuvables
