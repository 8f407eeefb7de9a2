"""Temps de collecte : validation, création, modification, liste avec le nombre de paroles."""

from __future__ import annotations

from sqlmodel import Session, delete, func, select

from collecte.modele.db import unite_de_travail
from collecte.modele.models import (
    DISPOSITIFS,
    Contribution,
    Demarche,
    Structure,
    TempsDeCollecte,
    TempsTheme,
    Territoire,
    Theme,
)
from collecte.modele.validation import (
    ErreurValidation,
    lire_identifiant,
    valider_choix,
    valider_date,
    valider_entier,
    valider_slugs_themes,
    valider_texte,
)
from collecte.terrain.saisie import slugs_acceptes

PREFIXES_REF = {
    "porteur_de_parole": "PDP",
    "ordi_panneau": "OP",
    "atelier_echange": "AE",
    "echange_activite": "EA",
    "atelier_video": "AV",
    "questionnaire": "Q",
    "autre": "T",
}


def lire_questions(valeur) -> list[str]:
    """Questions affichées : une par ligne (ou séparées par « | »), vides et doublons retirés."""
    if isinstance(valeur, (list, tuple)):
        morceaux = [str(v) for v in valeur]
    else:
        texte = "" if valeur is None else str(valeur)
        morceaux = texte.replace("|", "\n").splitlines()
    questions = []
    for morceau in morceaux:
        question = valider_texte(morceau, "questions", 500, requis=False)
        if question and question not in questions:
            questions.append(question)
    return questions


def _appartient(session: Session, modele, ident, demarche_id: int, champ: str):
    if ident in (None, ""):
        return None
    objet = session.get(modele, lire_identifiant(ident) or 0)
    if objet is None or objet.demarche_id != demarche_id:
        raise ErreurValidation("Ce choix n'appartient pas à la démarche.", champ)
    return objet.id


def valider_temps(session: Session, demarche_id: int, donnees: dict) -> dict:
    personnes = valider_entier(donnees.get("personnes_rencontrees"), "personnes_rencontrees")
    pros = valider_entier(donnees.get("dont_professionnels"), "dont_professionnels")
    if pros > personnes:
        raise ErreurValidation(
            "Le nombre de professionnels ne peut pas dépasser le nombre de personnes rencontrées.",
            "dont_professionnels",
        )
    debut = valider_date(donnees.get("date"), "date")
    fin = valider_date(donnees.get("date_fin"), "date_fin", requis=False)
    if fin and fin < debut:
        raise ErreurValidation("La fin d'affichage précède la date de début.", "date_fin")
    return {
        "dispositif": valider_choix(donnees.get("dispositif"), DISPOSITIFS, "dispositif"),
        "date": debut,
        "date_fin": fin,
        "lieu": valider_texte(donnees.get("lieu"), "lieu", 300, requis=False),
        "evenement": valider_texte(donnees.get("evenement"), "evenement", 300, requis=False),
        "animateurs": valider_texte(donnees.get("animateurs"), "animateurs", 500, requis=False),
        "notes": valider_texte(donnees.get("notes"), "notes", 20_000, requis=False),
        "questions": lire_questions(donnees.get("questions")),
        "personnes_rencontrees": personnes,
        "dont_professionnels": pros,
        "territoire_id": _appartient(
            session, Territoire, donnees.get("territoire_id"), demarche_id, "territoire_id"
        ),
        "structure_id": _appartient(
            session, Structure, donnees.get("structure_id"), demarche_id, "structure_id"
        ),
    }


def _ref_libre(session: Session, demarche_id: int, base: str) -> str:
    pris = set(
        session.exec(
            select(TempsDeCollecte.ref).where(
                TempsDeCollecte.demarche_id == demarche_id, TempsDeCollecte.ref.startswith(base)
            )
        ).all()
    )
    rang = 1
    while f"{base}-{rang}" in pris:
        rang += 1
    return f"{base}-{rang}"


def valider_themes_du_temps(session: Session, demarche_id: int, valeur) -> list[int]:
    """Thèmes proposés en pastilles à la saisie (slugs, liste ou séparés par « ; ») ; aucun = tous."""
    return valider_slugs_themes(valeur, slugs_acceptes(session, demarche_id), "themes")


def slugs_du_temps(session: Session, temps_id: int) -> list[str]:
    requete = (
        select(Theme.slug)
        .join(TempsTheme, TempsTheme.theme_id == Theme.id)
        .where(TempsTheme.temps_id == temps_id)
        .order_by(Theme.ordre, Theme.id)
    )
    return list(session.exec(requete).all())


def remplacer_themes_du_temps(session: Session, temps_id: int, theme_ids: list[int]) -> None:
    session.exec(delete(TempsTheme).where(TempsTheme.temps_id == temps_id))
    for theme_id in dict.fromkeys(theme_ids):
        session.add(TempsTheme(temps_id=temps_id, theme_id=theme_id))


def enregistrer_temps(
    session: Session, demarche: Demarche, donnees: dict, temps: TempsDeCollecte | None = None
) -> TempsDeCollecte:
    champs = valider_temps(session, demarche.id, donnees)
    theme_ids = valider_themes_du_temps(session, demarche.id, donnees.get("themes"))
    ref = valider_texte(donnees.get("ref"), "ref", 80, requis=False)
    if not ref:
        ref = (
            temps.ref
            if temps
            else _ref_libre(
                session, demarche.id, f"{PREFIXES_REF[champs['dispositif']]}-{champs['date'].isoformat()}"
            )
        )
    deja = ErreurValidation(f"La référence « {ref} » est déjà prise dans cette démarche.", "ref")
    doublon = session.exec(
        select(TempsDeCollecte).where(TempsDeCollecte.demarche_id == demarche.id, TempsDeCollecte.ref == ref)
    ).first()
    if doublon is not None and (temps is None or doublon.id != temps.id):
        raise deja
    with unite_de_travail(session, doublon=deja):
        temps = temps or TempsDeCollecte(demarche_id=demarche.id, ref=ref, **champs)
        temps.ref = ref
        for champ, valeur in champs.items():
            setattr(temps, champ, valeur)
        session.add(temps)
        session.flush()
        remplacer_themes_du_temps(session, temps.id, theme_ids)
    return temps


def lister_temps(session: Session, demarche_id: int | None = None) -> list[tuple[TempsDeCollecte, int]]:
    """Temps (les plus récents d'abord) avec leur nombre de paroles."""
    compte = (
        select(Contribution.temps_id, func.count(Contribution.id).label("n"))
        .group_by(Contribution.temps_id)
        .subquery()
    )
    requete = select(TempsDeCollecte, func.coalesce(compte.c.n, 0)).outerjoin(
        compte, compte.c.temps_id == TempsDeCollecte.id
    )
    if demarche_id is not None:
        requete = requete.where(TempsDeCollecte.demarche_id == demarche_id)
    requete = requete.order_by(TempsDeCollecte.date.desc(), TempsDeCollecte.id.desc())
    return [(temps, n) for temps, n in session.exec(requete).all()]
