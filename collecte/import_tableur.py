"""Import d'une démarche entière depuis un classeur (feuilles lues par `lecture_tableur`).

Tout ou rien : chaque ligne est validée (mêmes validateurs que le formulaire et l'API) ; à la
moindre erreur, rien n'est écrit et le message nomme la feuille, la ligne et la colonne.
Réimporter le même classeur ne duplique rien : territoires, structures et temps sont retrouvés
par leurs clés naturelles, et chaque parole reçoit un identifiant déterministe.
"""
from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import insert, select as sa_select
from sqlmodel import Session, select

from collecte import codebook
from collecte.demarches import demarche_par_slug, slugifier, valider_demarche, valider_structure
from collecte.lecture_tableur import Feuille
from collecte.models import Contribution, ContributionTheme, Demarche, Structure, TempsDeCollecte, Territoire, maintenant
from collecte.saisie import themes_de_la_demarche
from collecte.temps import valider_temps
from collecte.validation import ErreurValidation, valider_booleen, valider_contribution, valider_texte, valider_uuid

ESPACE_PAROLES = uuid.UUID("0e4c6f7e-9a51-4a77-8f59-2b5b0f6c1d01")
ERREURS_MAX = 50
TAILLE_LOT = 5_000

COLONNES = {
    "demarche": {"slug", "titre", "commanditaire", "partenaires", "date_debut", "date_fin", "description"},
    "themes": {"slug", "label", "description", "mots_cles", "couleur", "ordre", "parent"},
    "territoires": {"ville", "quartier", "code_qpv"},
    "structures": {"nom", "ville", "quartier", "typologie", "lieu", "public", "equipement", "offre_numerique",
                   "besoins", "horaires", "prescripteurs", "notes"},
    "temps": {"ref", "dispositif", "date", "date_fin", "ville", "quartier", "lieu", "evenement", "structure",
              "animateurs", "personnes_rencontrees", "dont_professionnels", "questions", "notes"},
    "contributions": {"temps", "texte", "question", "nature", "profil", "tranche_age", "genre", "themes",
                      "a_retenir", "ne_pas_citer", "masquee", "id"},
}
OBLIGATOIRES = {"territoires": {"ville"}, "structures": {"nom"}, "temps": {"ref", "dispositif", "date"},
                "contributions": {"temps", "texte"}, "themes": {"slug", "label"}}


class ErreurImport(Exception):
    """Import refusé ; `erreurs` liste les messages « Feuille …, ligne …, colonne … : … »."""

    def __init__(self, erreurs: list[str]):
        super().__init__("\n".join(erreurs))
        self.erreurs = erreurs


@dataclass
class RapportImport:
    demarche: str = ""
    comptes: dict = field(default_factory=dict)  # feuille → Counter(creees, mises_a_jour, deja_presentes)
    avertissements: list[str] = field(default_factory=list)

    def lignes(self) -> list[str]:
        libelles = {"creees": "créées", "mises_a_jour": "mises à jour", "deja_presentes": "déjà présentes"}
        return [f"{feuille} : " + ", ".join(f"{n} {libelles[etat]}" for etat, n in c.items() if n)
                for feuille, c in self.comptes.items()]


class _Collecteur:
    def __init__(self):
        self.erreurs: list[str] = []

    def ajouter(self, feuille: str, ligne: int | None, erreur: ErreurValidation) -> None:
        ou = f"Feuille {feuille}" + (f", ligne {ligne}" if ligne else "") + (f", colonne {erreur.champ}" if erreur.champ else "")
        self.erreurs.append(f"{ou} : {erreur.message}")
        if len(self.erreurs) >= ERREURS_MAX:
            raise ErreurImport(self.erreurs + ["… (import arrêté après 50 erreurs)"])


def _verifier_colonnes(feuilles: dict[str, Feuille], rapport: RapportImport, erreurs: _Collecteur) -> None:
    for nom, feuille in feuilles.items():
        connues = COLONNES.get(nom)
        if connues is None:
            continue
        inconnues = [c for c in feuille.colonnes if c and c not in connues]
        if inconnues:
            rapport.avertissements.append(f"Feuille {nom} : colonne(s) inconnue(s) ignorée(s) : {', '.join(inconnues)}.")
        for manquante in sorted(OBLIGATOIRES.get(nom, set()) - set(feuille.colonnes)):
            erreurs.ajouter(nom, None, ErreurValidation("colonne obligatoire absente.", manquante))


def _demarche(session: Session, feuilles: dict[str, Feuille], slug: str | None, rapport: RapportImport) -> Demarche:
    lignes = list(feuilles["demarche"].lignes) if "demarche" in feuilles else []
    donnees = lignes[0][1] if lignes else {}
    slug = slugifier(slug or donnees.get("slug") or donnees.get("titre") or "")
    if not slug:
        raise ErreurImport(["Indiquez la démarche : option --demarche, ou une feuille « demarche » avec slug et titre."])
    demarche = demarche_par_slug(session, slug)
    if demarche is None or donnees:
        try:
            champs = valider_demarche({**donnees, "titre": donnees.get("titre") or (demarche.titre if demarche else slug)})
        except ErreurValidation as erreur:
            raise ErreurImport([f"Feuille demarche, ligne 2, colonne {erreur.champ} : {erreur.message}"]) from None
        rapport.comptes["demarche"] = Counter(mises_a_jour=1) if demarche else Counter(creees=1)
        demarche = demarche or Demarche(slug=slug, **champs)
        for champ, valeur in champs.items():
            setattr(demarche, champ, valeur)
        session.add(demarche)
        session.flush()
    rapport.demarche = slug
    return demarche


def _themes(session, demarche, feuilles, rapport, erreurs) -> None:
    if "themes" not in feuilles:
        return
    lignes = [{**ligne, "_lieu": f"Feuille themes, ligne {n}"} for n, ligne in feuilles["themes"].lignes]
    try:
        resultat = codebook.importer_themes(session, demarche.id, lignes, commit=False)
        rapport.comptes["themes"] = Counter(creees=len(resultat.crees), mises_a_jour=len(resultat.mis_a_jour))
    except ErreurValidation as erreur:
        erreurs.ajouter("themes", None, ErreurValidation(erreur.message))


def _territoire(session, demarche, cache: dict, ville: str, quartier: str, code_qpv: str = "") -> Territoire:
    cle = (ville, quartier)
    territoire = cache.get(cle)
    if territoire is None:
        territoire = Territoire(demarche_id=demarche.id, ville=ville, quartier=quartier)
        session.add(territoire)
        cache[cle] = territoire
    if code_qpv:
        territoire.code_qpv = code_qpv
    return territoire


def _lire_lieu(ligne: dict, requis: bool) -> tuple[str, str]:
    ville = valider_texte(ligne.get("ville"), "ville", 120, requis=requis)
    return ville, valider_texte(ligne.get("quartier"), "quartier", 200, requis=False) if ville else ""


def _territoires_et_structures(session, demarche, feuilles, rapport, erreurs, territoires, structures) -> None:
    compte = Counter()
    for numero, ligne in feuilles["territoires"].lignes if "territoires" in feuilles else []:
        try:
            ville, quartier = _lire_lieu(ligne, True)
            code = valider_texte(ligne.get("code_qpv"), "code_qpv", 20, requis=False)
        except ErreurValidation as erreur:
            erreurs.ajouter("territoires", numero, erreur)
            continue
        compte["mises_a_jour" if (ville, quartier) in territoires else "creees"] += 1
        _territoire(session, demarche, territoires, ville, quartier, code)
    if compte:
        rapport.comptes["territoires"] = compte
    compte, a_rattacher = Counter(), {}
    for numero, ligne in feuilles["structures"].lignes if "structures" in feuilles else []:
        try:
            champs = valider_structure(ligne)
            ville, quartier = _lire_lieu(ligne, False)
        except ErreurValidation as erreur:
            erreurs.ajouter("structures", numero, erreur)
            continue
        structure = structures.get(champs["nom"])
        compte["mises_a_jour" if structure else "creees"] += 1
        structure = structure or Structure(demarche_id=demarche.id, nom=champs["nom"])
        for champ, valeur in champs.items():
            setattr(structure, champ, valeur)
        if ville:
            a_rattacher[structure.nom] = _territoire(session, demarche, territoires, ville, quartier)
        session.add(structure)
        structures[structure.nom] = structure
    session.flush()
    for nom, territoire in a_rattacher.items():
        structures[nom].territoire_id = territoire.id
    if compte:
        rapport.comptes["structures"] = compte


def _temps(session, demarche, feuilles, rapport, erreurs, territoires, structures) -> dict[str, TempsDeCollecte]:
    existants = {t.ref: t for t in session.exec(select(TempsDeCollecte).where(TempsDeCollecte.demarche_id == demarche.id))}
    compte, vus = Counter(), set()
    for numero, ligne in feuilles["temps"].lignes if "temps" in feuilles else []:
        try:
            ref = valider_texte(ligne.get("ref"), "ref", 80)
            if ref in vus:
                raise ErreurValidation(f"la référence « {ref} » apparaît deux fois.", "ref")
            vus.add(ref)
            nom_structure = valider_texte(ligne.get("structure"), "structure", 300, requis=False)
            if nom_structure and nom_structure not in structures:
                raise ErreurValidation(f"structure « {nom_structure} » absente de la feuille structures.", "structure")
            ville, quartier = _lire_lieu(ligne, False)
            champs = valider_temps(session, demarche.id, {**ligne, "territoire_id": None, "structure_id": None})
        except ErreurValidation as erreur:
            erreurs.ajouter("temps", numero, erreur)
            continue
        structure = structures.get(nom_structure)
        territoire = _territoire(session, demarche, territoires, ville, quartier) if ville else None
        session.flush()
        champs["structure_id"] = structure.id if structure else None
        champs["territoire_id"] = territoire.id if territoire else (structure.territoire_id if structure else None)
        temps = existants.get(ref)
        compte["mises_a_jour" if temps else "creees"] += 1
        temps = temps or TempsDeCollecte(demarche_id=demarche.id, ref=ref, **champs)
        for champ, valeur in champs.items():
            setattr(temps, champ, valeur)
        session.add(temps)
        existants[ref] = temps
    session.flush()
    if compte:
        rapport.comptes["temps"] = compte
    return existants


def uuid_parole(demarche_slug: str, ref: str, texte: str, occurrence: int) -> uuid.UUID:
    """Identifiant déterministe d'une parole importée : réimporter ne la duplique pas."""
    return uuid.uuid5(ESPACE_PAROLES, f"{demarche_slug}\x1f{ref}\x1f{texte}\x1f{occurrence}")


def _lignes_contributions(demarche, feuilles, erreurs, temps_par_ref, themes) -> list[tuple[dict, list[int]]]:
    valides, occurrences = [], Counter()
    for numero, ligne in feuilles["contributions"].lignes if "contributions" in feuilles else []:
        try:
            ref = valider_texte(ligne.get("temps"), "temps", 80)
            temps = temps_par_ref.get(ref)
            if temps is None:
                raise ErreurValidation(f"temps « {ref} » absent de la feuille temps et de la démarche.", "temps")
            donnees = valider_contribution(ligne, themes)
            masquee = valider_booleen(ligne.get("masquee"), "masquee")
            occurrences[(ref, donnees.texte)] += 1
            ident = (valider_uuid(ligne["id"], "id") if str(ligne.get("id") or "").strip()
                     else uuid_parole(demarche.slug, ref, donnees.texte, occurrences[(ref, donnees.texte)]))
        except ErreurValidation as erreur:
            erreurs.ajouter("contributions", numero, erreur)
            continue
        champs = {k: v for k, v in vars(donnees).items() if k != "theme_ids"}
        valides.append(({**champs, "client_uuid": ident, "temps_id": temps.id, "masquee": masquee},
                        donnees.theme_ids))
    return valides


def _ecrire_contributions(session, demarche, valides, rapport) -> None:
    table = Contribution.__table__
    deja = set(session.execute(
        sa_select(table.c.client_uuid).join(TempsDeCollecte.__table__, TempsDeCollecte.__table__.c.id == table.c.temps_id)
        .where(TempsDeCollecte.__table__.c.demarche_id == demarche.id)).scalars())
    nouvelles = [(ligne, themes) for ligne, themes in valides if ligne["client_uuid"] not in deja]
    horodatage = maintenant()
    for debut in range(0, len(nouvelles), TAILLE_LOT):
        lot = nouvelles[debut:debut + TAILLE_LOT]
        lignes = [{**ligne, "cree_le": horodatage, "modifiee_le": horodatage, "question_ref": ""} for ligne, _ in lot]
        ids = session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), lignes).scalars().all()
        liens = [{"contribution_id": i, "theme_id": t} for i, (_, themes) in zip(ids, lot) for t in themes]
        if liens:
            session.execute(insert(ContributionTheme.__table__), liens)
    if valides:
        rapport.comptes["contributions"] = Counter(creees=len(nouvelles), deja_presentes=len(valides) - len(nouvelles))


def importer(session: Session, feuilles: dict[str, Feuille], slug: str | None = None) -> RapportImport:
    """Importe les feuilles dans la démarche `slug` (créée si besoin), tout ou rien."""
    if not any(nom in feuilles for nom in ("territoires", "structures", "temps", "contributions", "themes")):
        raise ErreurImport(["Aucune feuille reconnue : attendu territoires, structures, temps, contributions (ou themes)."])
    rapport, erreurs = RapportImport(), _Collecteur()
    try:
        _verifier_colonnes(feuilles, rapport, erreurs)
        if erreurs.erreurs:
            raise ErreurImport(erreurs.erreurs)
        demarche = _demarche(session, feuilles, slug, rapport)
        _themes(session, demarche, feuilles, rapport, erreurs)
        territoires = {(t.ville, t.quartier): t for t in session.exec(select(Territoire).where(Territoire.demarche_id == demarche.id))}
        structures = {s.nom: s for s in session.exec(select(Structure).where(Structure.demarche_id == demarche.id))}
        _territoires_et_structures(session, demarche, feuilles, rapport, erreurs, territoires, structures)
        temps = _temps(session, demarche, feuilles, rapport, erreurs, territoires, structures)
        themes = themes_de_la_demarche(session, demarche.id)
        valides = _lignes_contributions(demarche, feuilles, erreurs, temps, themes)
        if erreurs.erreurs:
            raise ErreurImport(erreurs.erreurs)
        _ecrire_contributions(session, demarche, valides, rapport)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return rapport


