"""Comptes d'équipe : création, vérification du mot de passe, rôles, sessions qui finissent.

L'identité gardée dans la session (et dans le cookie « rester connecté ») est `id.version` : la
version de session du compte augmente à chaque déconnexion, changement de mot de passe ou
désactivation, et toute session qui porte l'ancienne cesse aussitôt de valoir, sur tous les appareils.

Le journal (`collecte.confidentialite.journal`) note les connexions (réussies ou refusées, jamais le mot de
passe), les déconnexions, la création, la modification et la suppression des comptes. Supprimer un compte
remplace son identifiant par un pseudonyme dans tout le journal ; ses paroles restent, sans auteur.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, update
from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from collecte.confidentialite import journal
from collecte.confidentialite.journal import Acteur
from collecte.modele.db import unite_de_travail
from collecte.modele.models import ROLES, Contribution, Journal, Utilisateur, heure_locale
from collecte.modele.validation import ErreurValidation
from collecte.tableurs.ecriture import cellule_csv

# Chaque rôle hérite des droits des rôles placés après lui.
HIERARCHIE = ["admin", "animateur", "lecteur"]
MOT_DE_PASSE_LONGUEUR_MIN = 10
MOT_DE_PASSE_CARACTERES_DIFFERENTS_MIN = 5
FICHIER_MOTS_DE_PASSE_COURANTS = Path(__file__).with_name("mots_de_passe_courants.txt")
# Haché calculé une fois pour que la vérification d'un identifiant inconnu coûte autant
# qu'un vrai : le temps de réponse ne révèle pas quels comptes existent.
_HACHE_LEURRE = generate_password_hash("leurre-pour-temps-constant")


class CompteSession:
    """Adaptateur Flask-Login autour d'un `Utilisateur` (pas de dépendance à Flask ici)."""

    def __init__(self, utilisateur: Utilisateur):
        self.utilisateur = utilisateur
        self.id = utilisateur.id
        self.identifiant = utilisateur.identifiant
        self.nom = utilisateur.nom or utilisateur.identifiant
        self.role = utilisateur.role
        self.is_authenticated = True
        self.is_active = utilisateur.actif
        self.is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}.{self.utilisateur.version_session}"

    def peut(self, role_minimal: str) -> bool:
        return a_le_role(self.role, role_minimal)


def a_le_role(role: str, role_minimal: str) -> bool:
    return role in HIERARCHIE and HIERARCHIE.index(role) <= HIERARCHIE.index(role_minimal)


def charger_utilisateur(session: Session, ident: str) -> CompteSession | None:
    """Le compte d'une identité de session `id.version` ; None si elle est périmée ou malformée."""
    numero, _, version = str(ident).partition(".")
    if (
        not (numero.isascii() and numero.isdigit() and version.isascii() and version.isdigit())
        or len(numero) > 10
    ):
        return None
    utilisateur = session.get(Utilisateur, int(numero))
    if utilisateur is None or not utilisateur.actif or utilisateur.version_session != int(version):
        return None
    return CompteSession(utilisateur)


def fermer_les_sessions(session: Session, utilisateur_id: int, acteur: Acteur | None = None) -> None:
    """Toutes les sessions et tous les cookies « rester connecté » de ce compte cessent de valoir.
    Avec `acteur` (déconnexion), la déconnexion est notée au journal."""
    utilisateur = session.get(Utilisateur, utilisateur_id)
    if utilisateur is not None:
        with unite_de_travail(session):
            utilisateur.version_session += 1
            session.add(utilisateur)
            if acteur is not None:
                journal.noter(session, "deconnexion", acteur)


def _verifier(session: Session, identifiant: str, mot_de_passe: str) -> tuple[Utilisateur | None, str]:
    """(compte visé ou None, motif du refus ou ""). Le mot de passe est toujours vérifié, même pour un
    identifiant inconnu ou un compte désactivé : le temps de réponse ne dit rien des comptes."""
    utilisateur = session.exec(
        select(Utilisateur).where(Utilisateur.identifiant == identifiant.strip())
    ).first()
    if utilisateur is None:
        check_password_hash(_HACHE_LEURRE, mot_de_passe)
        return None, "identifiant inconnu"
    if not check_password_hash(utilisateur.mot_de_passe_hash, mot_de_passe):
        return utilisateur, "mot de passe incorrect"
    if not utilisateur.actif:
        return utilisateur, "compte désactivé"
    return utilisateur, ""


def verifier_identifiants(session: Session, identifiant: str, mot_de_passe: str) -> Utilisateur | None:
    utilisateur, refus = _verifier(session, identifiant, mot_de_passe)
    return None if refus else utilisateur


# Acteur d'une connexion refusée pour un identifiant qui n'existe pas : ce qui a été tapé n'est jamais noté
# (ce peut être un mot de passe tapé dans le mauvais champ).
ACTEUR_INCONNU = Acteur(None, "identifiant inconnu")


def connecter(session: Session, identifiant: str, mot_de_passe: str) -> Utilisateur | None:
    """Vérifie les identifiants et note au journal la connexion, ou son refus (au nom du compte visé s'il
    existe, avec le motif ; sinon « identifiant inconnu »). Jamais le mot de passe."""
    utilisateur, refus = _verifier(session, identifiant, mot_de_passe)
    if refus:
        acteur = Acteur.compte(utilisateur) if utilisateur else ACTEUR_INCONNU
        journal.journaliser(session, "connexion_refusee", acteur, details=refus if utilisateur else "")
        return None
    journal.journaliser(session, "connexion", Acteur.compte(utilisateur))
    return utilisateur


@lru_cache(maxsize=1)
def mots_de_passe_courants() -> frozenset[str]:
    lignes = FICHIER_MOTS_DE_PASSE_COURANTS.read_text(encoding="utf-8").splitlines()
    return frozenset(ligne.strip().lower() for ligne in lignes if ligne.strip() and not ligne.startswith("#"))


def valider_mot_de_passe(mot_de_passe: str, identifiant: str = "") -> str:
    """Refuse l'évident : trop court (espaces non comptés), trop répétitif, l'identifiant, un mot de passe
    courant."""
    mot_de_passe = mot_de_passe or ""
    utile = mot_de_passe.strip()
    if len(utile) < MOT_DE_PASSE_LONGUEUR_MIN:
        raise ErreurValidation(
            (
                f"Le mot de passe doit faire au moins {MOT_DE_PASSE_LONGUEUR_MIN} caractères (hors espaces "
                "au début et à la fin)."
            ),
            "mot_de_passe",
        )
    if len(set(utile.lower())) < MOT_DE_PASSE_CARACTERES_DIFFERENTS_MIN:
        raise ErreurValidation(
            (
                "Le mot de passe est trop répétitif : utilisez au moins "
                f"{MOT_DE_PASSE_CARACTERES_DIFFERENTS_MIN} caractères différents."
            ),
            "mot_de_passe",
        )
    nom = identifiant.strip().lower()
    if len(nom) >= 3 and nom in utile.lower():
        raise ErreurValidation("Le mot de passe ne doit pas contenir l'identifiant.", "mot_de_passe")
    if utile.lower() in mots_de_passe_courants():
        raise ErreurValidation(
            "Ce mot de passe est parmi les plus courants : choisissez-en un autre, par exemple "
            "quatre mots sans rapport entre eux.",
            "mot_de_passe",
        )
    return mot_de_passe


def objet_compte(utilisateur: Utilisateur) -> str:
    """Objet des lignes du journal sur un compte ; remplacé par le pseudonyme quand le compte est supprimé."""
    return f"compte n° {utilisateur.id} ({utilisateur.identifiant})"


# Ce qu'un identifiant de compte peut contenir : lettres (accentuées comprises), chiffres, « . _ - @ + ».
IDENTIFIANT_VALIDE = re.compile(r"[\w.@+-]+")


def creer_utilisateur(
    session: Session,
    identifiant: str,
    mot_de_passe: str,
    role: str,
    nom: str = "",
    acteur: Acteur | None = None,
) -> Utilisateur:
    """Crée un compte ; avec `acteur` (page des comptes, ligne de commande), la création est notée au
    journal."""
    identifiant = (identifiant or "").strip()
    if not identifiant or len(identifiant) > 80:
        raise ErreurValidation("L'identifiant est obligatoire (80 caractères au plus).", "identifiant")
    if not IDENTIFIANT_VALIDE.fullmatch(identifiant):
        raise ErreurValidation(
            "L'identifiant ne peut contenir que des lettres, des chiffres et les signes . _ - @ + "
            "(ni espace, ni balise), par exemple « camille.durand ».",
            "identifiant",
        )
    if role not in ROLES:
        raise ErreurValidation(f"Rôle « {role} » inconnu (admin, animateur ou lecteur).", "role")
    deja = ErreurValidation(f"L'identifiant « {identifiant} » est déjà pris.", "identifiant")
    if session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant)).first():
        raise deja
    utilisateur = Utilisateur(
        identifiant=identifiant,
        nom=nom.strip(),
        role=role,
        mot_de_passe_hash=generate_password_hash(valider_mot_de_passe(mot_de_passe, identifiant)),
    )
    with unite_de_travail(session, doublon=deja):
        session.add(utilisateur)
        if acteur is not None:
            session.flush()
            journal.noter(session, "compte_cree", acteur, objet_compte(utilisateur), f"rôle : {ROLES[role]}")
    return utilisateur


def modifier_utilisateur(
    session: Session,
    utilisateur: Utilisateur,
    role: str,
    actif: bool,
    mot_de_passe: str = "",
    par_id: int | None = None,
    acteur: Acteur | None = None,
) -> None:
    """Change le rôle, l'état et (s'il est donné) le mot de passe d'un compte. `par_id` : le compte qui fait
    la modification ; un·e admin ne peut ni retirer ses propres droits d'administration ni se désactiver.
    Avec `acteur`, ce qui a changé est noté au journal (jamais le mot de passe)."""
    if utilisateur.id == par_id and (role != "admin" or not actif):
        raise ErreurValidation("Vous ne pouvez pas retirer vos propres droits d'administration.", "role")
    if role not in ROLES:
        raise ErreurValidation(f"Rôle « {role} » inconnu.", "role")
    hache = mot_de_passe and generate_password_hash(
        valider_mot_de_passe(mot_de_passe, utilisateur.identifiant)
    )
    changements = _changements(utilisateur, role, actif, bool(mot_de_passe))
    with unite_de_travail(session):
        if acteur is not None and changements:
            journal.noter(
                session, "compte_modifie", acteur, objet_compte(utilisateur), " ; ".join(changements)
            )
        if hache:
            utilisateur.mot_de_passe_hash = hache
        # Nouveau mot de passe ou compte désactivé : les sessions ouvertes avec l'ancien état tombent.
        if mot_de_passe or (utilisateur.actif and not actif):
            utilisateur.version_session += 1
        utilisateur.role = role
        utilisateur.actif = actif
        session.add(utilisateur)


def _changements(utilisateur: Utilisateur, role: str, actif: bool, mot_de_passe: bool) -> list[str]:
    changements = []
    if role != utilisateur.role:
        changements.append(f"rôle : {ROLES.get(utilisateur.role, utilisateur.role)} → {ROLES[role]}")
    if actif != utilisateur.actif:
        changements.append("réactivé" if actif else "désactivé")
    if mot_de_passe:
        changements.append("nouveau mot de passe")
    return changements


def compte_par_identifiant(session: Session, identifiant: str) -> Utilisateur | None:
    return session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant.strip())).first()


def lister_utilisateurs(session: Session) -> list[Utilisateur]:
    return list(session.exec(select(Utilisateur).order_by(Utilisateur.identifiant)))


def supprimer_utilisateur(
    session: Session, utilisateur: Utilisateur, acteur: Acteur, par_id: int | None = None
) -> str:
    """Supprime un compte (la désactivation, elle, le garde) : ses paroles restent, sans auteur ; son
    identifiant devient un pseudonyme dans tout le journal, où la suppression est notée sous ce pseudonyme.
    `par_id` : le compte qui supprime (jamais le sien) ; le dernier compte admin actif reste. Renvoie le
    pseudonyme. Lève ErreurValidation."""
    if utilisateur.id == par_id:
        raise ErreurValidation("Vous ne pouvez pas supprimer votre propre compte.", "compte")
    if utilisateur.role == "admin" and _autres_admins_actifs(session, utilisateur.id) == 0:
        raise ErreurValidation(
            f"« {utilisateur.identifiant} » est le dernier compte admin actif : créez ou réactivez d'abord "
            "un autre compte admin.",
            "compte",
        )
    pseudonyme, objet, role = journal.pseudonyme(utilisateur.id), objet_compte(utilisateur), utilisateur.role
    with unite_de_travail(session):
        for colonne in (Contribution.saisie_par_id, Contribution.modifiee_par_id):
            session.execute(update(Contribution).where(colonne == utilisateur.id).values({colonne.key: None}))
        journal.pseudonymiser(session, utilisateur.id)
        session.execute(update(Journal).where(Journal.objet == objet).values(objet=pseudonyme))
        session.delete(utilisateur)
        journal.noter(session, "compte_supprime", acteur, pseudonyme, f"rôle : {ROLES.get(role, role)}")
    return pseudonyme


def _autres_admins_actifs(session: Session, utilisateur_id: int) -> int:
    requete = (
        select(func.count())
        .select_from(Utilisateur)
        .where(Utilisateur.role == "admin", Utilisateur.actif.is_(True), Utilisateur.id != utilisateur_id)
    )
    return session.exec(requete).one()


def acteurs_du_journal(session: Session) -> list[str]:
    """Les acteurs présents dans le journal (comptes, pseudonymes, ligne de commande…), pour son filtre."""
    return sorted(session.exec(select(Journal.acteur).distinct()).all(), key=str.casefold)


def journal_en_csv(session: Session, filtre: journal.FiltreJournal, acteur: Acteur) -> Iterator[bytes]:
    """Le journal du filtre en CSV ; l'export lui-même est noté au journal (avant la première ligne)."""
    choix = [
        f"action : {filtre.action}" if filtre.action else "",
        f"compte : {filtre.acteur}" if filtre.acteur else "",
    ]
    if filtre.depuis:
        choix.append(f"depuis le {heure_locale(filtre.depuis):%d/%m/%Y}")
    journal.journaliser(session, "export", acteur, "journal", " ; ".join(c for c in choix if c) or "tout")
    return _lecture_en_flux(session, _csv_en_flux(journal.COLONNES_CSV, journal.lignes_csv(session, filtre)))


def _lecture_en_flux(session: Session, flux: Iterator[bytes]) -> Iterator[bytes]:
    """Une lecture qui se poursuit après la vue (réponse en flux) se termine avec le flux : la transaction
    de lecture est close et la connexion rendue, même si la requête a déjà fermé sa session."""
    try:
        yield from flux
    finally:
        session.rollback()  # lecture seule : rien à valider


def _csv_en_flux(colonnes: list[str], lignes, par_morceau: int = 500) -> Iterator[bytes]:
    """CSV morceau par morceau (mémoire constante), au format des autres CSV de Parole
    (`collecte.tableurs.ecriture` : UTF-8 avec BOM, « ; », fins de ligne CRLF, cellules désamorcées)."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    tampon.write("\ufeff")
    ecrivain.writerow(colonnes)
    for numero, ligne in enumerate(lignes, start=1):
        ecrivain.writerow([cellule_csv(v) for v in ligne])
        if numero % par_morceau == 0:
            yield tampon.getvalue().encode("utf-8")
            tampon.seek(0)
            tampon.truncate()
    yield tampon.getvalue().encode("utf-8")
