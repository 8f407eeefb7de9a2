"""Comptes d'équipe : création, vérification du mot de passe, rôles."""
from __future__ import annotations

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from collecte.models import ROLES, Utilisateur
from collecte.validation import ErreurValidation

# Chaque rôle hérite des droits des rôles placés après lui.
HIERARCHIE = ["admin", "animateur", "lecteur"]
MOT_DE_PASSE_LONGUEUR_MIN = 10
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
        return str(self.id)

    def peut(self, role_minimal: str) -> bool:
        return a_le_role(self.role, role_minimal)


def a_le_role(role: str, role_minimal: str) -> bool:
    return role in HIERARCHIE and HIERARCHIE.index(role) <= HIERARCHIE.index(role_minimal)


def charger_utilisateur(session: Session, ident: str) -> CompteSession | None:
    if not str(ident).isdigit():
        return None
    utilisateur = session.get(Utilisateur, int(ident))
    if utilisateur is None or not utilisateur.actif:
        return None
    return CompteSession(utilisateur)


def verifier_identifiants(session: Session, identifiant: str, mot_de_passe: str) -> Utilisateur | None:
    utilisateur = session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant.strip())).first()
    if utilisateur is None:
        check_password_hash(_HACHE_LEURRE, mot_de_passe)
        return None
    if not utilisateur.actif or not check_password_hash(utilisateur.mot_de_passe_hash, mot_de_passe):
        return None
    return utilisateur


def valider_mot_de_passe(mot_de_passe: str) -> str:
    if len(mot_de_passe or "") < MOT_DE_PASSE_LONGUEUR_MIN:
        raise ErreurValidation(
            f"Le mot de passe doit faire au moins {MOT_DE_PASSE_LONGUEUR_MIN} caractères.", "mot_de_passe"
        )
    return mot_de_passe


def creer_utilisateur(session: Session, identifiant: str, mot_de_passe: str, role: str, nom: str = "") -> Utilisateur:
    identifiant = (identifiant or "").strip()
    if not identifiant or len(identifiant) > 80:
        raise ErreurValidation("L'identifiant est obligatoire (80 caractères au plus).", "identifiant")
    if role not in ROLES:
        raise ErreurValidation(f"Rôle « {role} » inconnu (admin, animateur ou lecteur).", "role")
    if session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant)).first():
        raise ErreurValidation(f"L'identifiant « {identifiant} » est déjà pris.", "identifiant")
    utilisateur = Utilisateur(
        identifiant=identifiant,
        nom=nom.strip(),
        role=role,
        mot_de_passe_hash=generate_password_hash(valider_mot_de_passe(mot_de_passe)),
    )
    session.add(utilisateur)
    session.commit()
    return utilisateur


def modifier_utilisateur(session: Session, utilisateur: Utilisateur, role: str, actif: bool, mot_de_passe: str = "") -> None:
    if role not in ROLES:
        raise ErreurValidation(f"Rôle « {role} » inconnu.", "role")
    utilisateur.role = role
    utilisateur.actif = actif
    if mot_de_passe:
        utilisateur.mot_de_passe_hash = generate_password_hash(valider_mot_de_passe(mot_de_passe))
    session.add(utilisateur)
    session.commit()


def lister_utilisateurs(session: Session) -> list[Utilisateur]:
    return list(session.exec(select(Utilisateur).order_by(Utilisateur.identifiant)))
