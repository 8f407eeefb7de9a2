"""Comptes d'équipe : création, vérification du mot de passe, rôles, sessions qui finissent.

L'identité gardée dans la session (et dans le cookie « rester connecté ») est `id.version` : la
version de session du compte augmente à chaque déconnexion, changement de mot de passe ou
désactivation, et toute session qui porte l'ancienne cesse aussitôt de valoir, sur tous les appareils.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from collecte.modele.db import unite_de_travail
from collecte.modele.models import ROLES, Utilisateur
from collecte.modele.validation import ErreurValidation

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


def fermer_les_sessions(session: Session, utilisateur_id: int) -> None:
    """Toutes les sessions et tous les cookies « rester connecté » de ce compte cessent de valoir."""
    utilisateur = session.get(Utilisateur, utilisateur_id)
    if utilisateur is not None:
        with unite_de_travail(session):
            utilisateur.version_session += 1
            session.add(utilisateur)


def verifier_identifiants(session: Session, identifiant: str, mot_de_passe: str) -> Utilisateur | None:
    utilisateur = session.exec(
        select(Utilisateur).where(Utilisateur.identifiant == identifiant.strip())
    ).first()
    if utilisateur is None:
        check_password_hash(_HACHE_LEURRE, mot_de_passe)
        return None
    if not utilisateur.actif or not check_password_hash(utilisateur.mot_de_passe_hash, mot_de_passe):
        return None
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


def creer_utilisateur(
    session: Session, identifiant: str, mot_de_passe: str, role: str, nom: str = ""
) -> Utilisateur:
    identifiant = (identifiant or "").strip()
    if not identifiant or len(identifiant) > 80:
        raise ErreurValidation("L'identifiant est obligatoire (80 caractères au plus).", "identifiant")
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
    return utilisateur


def modifier_utilisateur(
    session: Session,
    utilisateur: Utilisateur,
    role: str,
    actif: bool,
    mot_de_passe: str = "",
    par_id: int | None = None,
) -> None:
    """Change le rôle, l'état et (s'il est donné) le mot de passe d'un compte. `par_id` : le compte qui fait
    la modification ; un·e admin ne peut ni retirer ses propres droits d'administration ni se désactiver."""
    if utilisateur.id == par_id and (role != "admin" or not actif):
        raise ErreurValidation("Vous ne pouvez pas retirer vos propres droits d'administration.", "role")
    if role not in ROLES:
        raise ErreurValidation(f"Rôle « {role} » inconnu.", "role")
    hache = mot_de_passe and generate_password_hash(
        valider_mot_de_passe(mot_de_passe, utilisateur.identifiant)
    )
    with unite_de_travail(session):
        if hache:
            utilisateur.mot_de_passe_hash = hache
        # Nouveau mot de passe ou compte désactivé : les sessions ouvertes avec l'ancien état tombent.
        if mot_de_passe or (utilisateur.actif and not actif):
            utilisateur.version_session += 1
        utilisateur.role = role
        utilisateur.actif = actif
        session.add(utilisateur)


def lister_utilisateurs(session: Session) -> list[Utilisateur]:
    return list(session.exec(select(Utilisateur).order_by(Utilisateur.identifiant)))
