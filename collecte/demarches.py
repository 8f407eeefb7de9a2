"""Démarches, territoires et structures : création, modification, lecture."""

from __future__ import annotations

import re
import unicodedata

from sqlmodel import Session, func, select

from collecte.confidentialite.information import CONSERVATION_MAX, CONSERVATION_MIN, REGLAGES
from collecte.modele.db import unite_de_travail
from collecte.modele.models import (
    BASES_LEGALES,
    TYPOLOGIES,
    Contribution,
    Demarche,
    Structure,
    TempsDeCollecte,
    Territoire,
)
from collecte.modele.validation import (
    ErreurValidation,
    lire_identifiant,
    valider_choix,
    valider_date,
    valider_entier,
    valider_texte,
)


def slugifier(texte: str, longueur_max: int = 80) -> str:
    """« Clos du Roy – Centre-ville » → « clos-du-roy-centre-ville » (ASCII, minuscules, tirets)."""
    ascii_ = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:longueur_max].strip("-")


def lister_demarches(session: Session) -> list[Demarche]:
    return list(session.exec(select(Demarche).order_by(Demarche.cree_le.desc(), Demarche.id.desc())))


def demarche_par_slug(session: Session, slug: str) -> Demarche | None:
    return session.exec(select(Demarche).where(Demarche.slug == slug)).first()


def valider_demarche(donnees: dict) -> dict:
    titre = valider_texte(donnees.get("titre"), "titre", 300)
    debut = valider_date(donnees.get("date_debut"), "date_debut", requis=False)
    fin = valider_date(donnees.get("date_fin"), "date_fin", requis=False)
    if debut and fin and fin < debut:
        raise ErreurValidation("La date de fin précède la date de début.", "date_fin")
    return {
        "titre": titre,
        "commanditaire": valider_texte(donnees.get("commanditaire"), "commanditaire", 300, requis=False),
        "partenaires": valider_texte(donnees.get("partenaires"), "partenaires", 5_000, requis=False),
        "description": valider_texte(donnees.get("description"), "description", 20_000, requis=False),
        "date_debut": debut,
        "date_fin": fin,
    }


def _valider_mois(valeur) -> int:
    refus = ErreurValidation(
        f"Durée de conservation : un nombre entier de mois, de {CONSERVATION_MIN} à {CONSERVATION_MAX}.",
        "conservation_mois",
    )
    if valeur is None or isinstance(valeur, bool) or not str(valeur).strip():
        raise refus
    try:
        mois = valider_entier(valeur, "conservation_mois", minimum=CONSERVATION_MIN)
    except ErreurValidation:
        raise refus from None
    if mois > CONSERVATION_MAX:
        raise refus
    return mois


def _valider_reglage(reglage, valeur):
    if reglage.genre == "mois":
        return _valider_mois(valeur)
    if reglage.genre == "choix":
        if ("" if valeur is None else str(valeur).strip()) not in BASES_LEGALES:
            raise ErreurValidation("Base légale inconnue : choisissez-en une dans la liste.", reglage.nom)
        return str(valeur or "").strip()
    try:
        return valider_texte(valeur, reglage.nom, reglage.longueur_max, requis=False)
    except ErreurValidation as erreur:  # le message dit quel réglage est en cause
        raise ErreurValidation(f"{reglage.libelle} : {erreur.message}", reglage.nom) from None


def valider_donnees_personnelles(donnees: dict) -> dict:
    """Réglages « Données personnelles (RGPD) » présents dans `donnees`, validés (un réglage absent
    n'est pas touché : l'import d'une feuille « demarche » sans ces colonnes ne les efface pas)."""
    return {r.nom: _valider_reglage(r, donnees[r.nom]) for r in REGLAGES if r.nom in donnees}


def suggestions_donnees_personnelles(titre: str = "", commanditaire: str = "") -> dict[str, str]:
    """Exemples montrés dans les champs vides du formulaire (jamais enregistrés tels quels)."""
    sujet = f"« {titre.strip()} »" if titre and titre.strip() else "…"
    organisme = (commanditaire or "").strip()
    return {
        "responsable_traitement": f"{organisme or 'Nom de l’organisme'}, adresse postale complète",
        "delegue_protection": "Service ou nom du ou de la DPO et son courriel, ou « Pas de DPO désigné »",
        "contact_droits": "Courriel ou adresse postale où écrire",
        "finalite": f"Recueillir la parole des habitant·es sur {sujet} pour écrire un livret de "
        "restitution public et anonyme et des préconisations.",
        "destinataires": f"{organisme or 'Le commanditaire'} et les structures partenaires : "
        "synthèse et livret anonyme.",
    }


CONSERVATION_PAR_DEFAUT = Demarche.model_fields["conservation_mois"].default


def creer_demarche(session: Session, donnees: dict, slug: str | None = None) -> Demarche:
    champs = {**valider_demarche(donnees), **valider_donnees_personnelles(donnees)}
    slug = slugifier(slug or donnees.get("slug") or champs["titre"])
    if not slug:
        raise ErreurValidation("Impossible de tirer un identifiant court du titre : précisez-en un.", "slug")
    deja = ErreurValidation(f"Une démarche « {slug} » existe déjà.", "slug")
    if demarche_par_slug(session, slug):
        raise deja
    demarche = Demarche(slug=slug, **champs)
    with unite_de_travail(session, doublon=deja):
        session.add(demarche)
    return demarche


def modifier_demarche(session: Session, demarche: Demarche, donnees: dict) -> Demarche:
    champs = {**valider_demarche(donnees), **valider_donnees_personnelles(donnees)}
    with unite_de_travail(session):
        for champ, valeur in champs.items():
            setattr(demarche, champ, valeur)
        demarche.cloturee = bool(donnees.get("cloturee"))
        session.add(demarche)
    return demarche


def territoires(session: Session, demarche_id: int) -> list[Territoire]:
    requete = select(Territoire).where(Territoire.demarche_id == demarche_id)
    return list(session.exec(requete.order_by(Territoire.ville, Territoire.quartier)))


def libelle_territoire(territoire: Territoire | None) -> str:
    if not territoire:  # None, ou l'indéfini de Jinja (`… | first` sur une structure sans territoire)
        return ""
    return f"{territoire.ville} – {territoire.quartier}" if territoire.quartier else territoire.ville


def trouver_ou_creer_territoire(
    session: Session, demarche_id: int, ville: str, quartier: str = "", code_qpv: str = ""
) -> Territoire:
    """Le territoire (ville, quartier) de la démarche, créé s'il n'existe pas, un code QPV donné le
    complétant ; enregistré aussitôt (une unité de travail)."""
    ville = valider_texte(ville, "ville", 120)
    quartier = valider_texte(quartier, "quartier", 200, requis=False)
    code_qpv = valider_texte(code_qpv, "code_qpv", 20) if code_qpv else ""
    requete = select(Territoire).where(
        Territoire.demarche_id == demarche_id, Territoire.ville == ville, Territoire.quartier == quartier
    )
    territoire = session.exec(requete).first() or Territoire(
        demarche_id=demarche_id, ville=ville, quartier=quartier
    )
    deja = ErreurValidation(
        "Ce territoire vient d'être enregistré par quelqu'un d'autre : rechargez la page.", "ville"
    )
    with unite_de_travail(session, doublon=deja):
        if code_qpv:
            territoire.code_qpv = code_qpv
        session.add(territoire)
    return territoire


CHAMPS_STRUCTURE = (
    "lieu",
    "public",
    "equipement",
    "offre_numerique",
    "besoins",
    "horaires",
    "prescripteurs",
    "notes",
)


def valider_structure(donnees: dict) -> dict:
    champs = {
        "nom": valider_texte(donnees.get("nom"), "nom", 300),
        "typologie": valider_choix(donnees.get("typologie"), TYPOLOGIES, "typologie", defaut="autre"),
    }
    for champ in CHAMPS_STRUCTURE:
        champs[champ] = valider_texte(donnees.get(champ), champ, 5_000, requis=False)
    return champs


def _territoire_de_la_demarche(session: Session, demarche_id: int, valeur) -> int | None:
    if valeur in (None, ""):
        return None
    territoire = session.get(Territoire, lire_identifiant(valeur) or 0)
    if territoire is None or territoire.demarche_id != demarche_id:
        raise ErreurValidation("Ce territoire n'appartient pas à la démarche.", "territoire_id")
    return territoire.id


def enregistrer_structure(
    session: Session, demarche_id: int, donnees: dict, structure: Structure | None = None
) -> Structure:
    champs = valider_structure(donnees)
    deja = ErreurValidation(f"La structure « {champs['nom']} » existe déjà dans cette démarche.", "nom")
    doublon = session.exec(
        select(Structure).where(Structure.demarche_id == demarche_id, Structure.nom == champs["nom"])
    ).first()
    if doublon is not None and (structure is None or doublon.id != structure.id):
        raise deja
    champs["territoire_id"] = _territoire_de_la_demarche(session, demarche_id, donnees.get("territoire_id"))
    structure = structure or Structure(demarche_id=demarche_id, nom=champs["nom"])
    with unite_de_travail(session, doublon=deja):
        for champ, valeur in champs.items():
            setattr(structure, champ, valeur)
        session.add(structure)
    return structure


def structures(session: Session, demarche_id: int) -> list[Structure]:
    return list(
        session.exec(select(Structure).where(Structure.demarche_id == demarche_id).order_by(Structure.nom))
    )


def resume_demarche(session: Session, demarche_id: int) -> dict:
    """Quelques chiffres pour la page d'une démarche (les chiffres clés complets sont dans `analyse`)."""
    nb_temps = session.exec(select(func.count()).where(TempsDeCollecte.demarche_id == demarche_id)).one()
    nb_paroles = session.exec(
        select(func.count(Contribution.id))
        .join(TempsDeCollecte)
        .where(TempsDeCollecte.demarche_id == demarche_id)
    ).one()
    return {"temps": nb_temps, "paroles": nb_paroles}
