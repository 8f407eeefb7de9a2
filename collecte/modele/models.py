"""Modèle de données de Parole (tables SQLModel).

Glossaire (mot français ↔ classe ↔ table) dans ARCHITECTURE.md. Les horodatages sont en UTC,
conscients du fuseau ; les listes (questions affichées, mots-clés) sont stockées en JSON.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlmodel import Field, SQLModel

# Noms de contraintes stables : indispensables pour qu'Alembic puisse les modifier plus tard.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Vocabulaires contrôlés : valeur stockée → libellé affiché.
DISPOSITIFS = {
    "porteur_de_parole": "Porteur de parole",
    "ordi_panneau": "Ordi-panneau",
    "atelier_echange": "Atelier d'échange",
    "echange_activite": "Échange pendant une activité",
    "atelier_video": "Atelier vidéo",
    "questionnaire": "Questionnaire",
    "autre": "Autre",
}
PROFILS = {
    "habitant": "Habitant·e",
    "professionnel": "Professionnel·le",
    "benevole": "Bénévole",
    "jeune": "Jeune",
    "inconnu": "Non précisé",
}
TRANCHES_AGE = {
    "moins_18": "Moins de 18 ans",
    "18_25": "18-25 ans",
    "26_39": "26-39 ans",
    "40_59": "40-59 ans",
    "60_plus": "60 ans et plus",
    "inconnu": "Non précisé",
}
# Les mêmes tranches, en libellés courts pour les pastilles de l'écran de saisie (une ligne sur téléphone).
TRANCHES_AGE_COURTES = {
    "moins_18": "−18",
    "18_25": "18-25",
    "26_39": "26-39",
    "40_59": "40-59",
    "60_plus": "60+",
    "inconnu": "Non précisé",
}
GENRES = {"femme": "Femme", "homme": "Homme", "autre": "Autre", "": "Non précisé"}
TYPOLOGIES = {
    "a_mission": "À mission",
    "proposante": "Proposante",
    "confrontee": "Confrontée",
    "autre": "Autre",
}
NATURES = {"parole": "Parole", "postit": "Post-it", "slogan": "Slogan", "reponse": "Réponse"}
ROLES = {"admin": "Administrateur·rice", "animateur": "Animateur·rice", "lecteur": "Lecteur·rice"}
# Bases légales du RGPD (article 6.1) qu'une démarche participative peut invoquer.
BASES_LEGALES = {
    "": "Non renseignée",
    "mission_interet_public": "Mission d'intérêt public (article 6.1.e du RGPD)",
    "interet_legitime": "Intérêt légitime (article 6.1.f du RGPD)",
    "consentement": "Consentement (article 6.1.a du RGPD)",
}
# Repérage d'une donnée personnelle dans une parole : à examiner (masqué partout à la sortie tant que
# personne ne l'a vu) ou écarté par l'équipe (« pas une donnée personnelle », imprimé tel quel).
STATUTS_REPERAGE = {"a_examiner": "À examiner", "ecarte": "Pas une donnée personnelle"}


# Les horodatages sont stockés en UTC et affichés à l'heure française.
FUSEAU_AFFICHAGE = ZoneInfo("Europe/Paris")


def maintenant() -> datetime:
    return datetime.now(UTC)


def heure_locale(instant: datetime) -> datetime:
    return instant.astimezone(FUSEAU_AFFICHAGE)


class DateTimeUTC(TypeDecorator):
    """Date-heure toujours rendue en UTC consciente, y compris depuis SQLite (qui perd le fuseau)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, valeur, dialect):
        if valeur is None:
            return None
        if valeur.tzinfo is None:
            raise ValueError("Date-heure naïve refusée : fournir une date-heure UTC consciente.")
        valeur = valeur.astimezone(UTC)
        return valeur.replace(tzinfo=None) if dialect.name == "sqlite" else valeur

    def process_result_value(self, valeur, dialect):
        if valeur is None:
            return None
        return valeur.replace(tzinfo=UTC) if valeur.tzinfo is None else valeur.astimezone(UTC)


def _fk(cible: str, ondelete: str = "CASCADE", nullable: bool = False, index: bool = True):
    return Field(
        default=None,
        sa_column=Column(Integer, ForeignKey(cible, ondelete=ondelete), nullable=nullable, index=index),
    )


# Chaque valeur par défaut existe aussi côté base (server_default) : une colonne NOT NULL ajoutée par une
# migration à une table qui a déjà des lignes en a besoin, et une insertion SQL brute la reçoit aussi.
# Écritures communes à SQLite et PostgreSQL.
MAINTENANT_SERVEUR = text("CURRENT_TIMESTAMP")
LISTE_VIDE_SERVEUR = text("'[]'")
OBJET_VIDE_SERVEUR = text("'{}'")


def _valeur_serveur(valeur: bool | int | str):
    if isinstance(valeur, bool):  # avant int : un booléen est aussi un entier
        return true() if valeur else false()
    if isinstance(valeur, int):
        return text(str(valeur))
    return valeur


def _defaut(valeur: bool | int | str, **options):
    """Champ avec sa valeur par défaut, côté Python et côté base."""
    return Field(default=valeur, sa_column_kwargs={"server_default": _valeur_serveur(valeur)}, **options)


def _liste():
    return Field(default_factory=list, sa_type=JSON, sa_column_kwargs={"server_default": LISTE_VIDE_SERVEUR})


def _objet():
    return Field(default_factory=dict, sa_type=JSON, sa_column_kwargs={"server_default": OBJET_VIDE_SERVEUR})


def _horodatage():
    return Field(
        default_factory=maintenant,
        sa_type=DateTimeUTC,
        nullable=False,
        sa_column_kwargs={"server_default": MAINTENANT_SERVEUR},
    )


class Demarche(SQLModel, table=True):
    """Une campagne de recueil (« démarche ») : plusieurs par base."""

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True, index=True)
    titre: str = Field(max_length=300)
    commanditaire: str = _defaut("", max_length=300)
    partenaires: str = _defaut("", sa_type=Text)
    date_debut: date | None = None
    date_fin: date | None = None
    description: str = _defaut("", sa_type=Text)
    cloturee: bool = _defaut(False)
    mots_vides: str = _defaut("", sa_type=Text)  # un mot par ligne, propres à la démarche
    # Données personnelles : ce que la notice d'information et la fiche du registre des traitements disent.
    responsable_traitement: str = _defaut("", max_length=300)  # organisme et adresse
    delegue_protection: str = _defaut("", max_length=300)  # contact du ou de la DPO
    contact_droits: str = _defaut("", max_length=300)  # où exercer ses droits (adresse, courriel)
    finalite: str = _defaut("", sa_type=Text)
    base_legale: str = _defaut("", max_length=40)  # clé de BASES_LEGALES
    destinataires: str = _defaut("", sa_type=Text)
    # Conservation : les paroles, réponses, photos et invitations sont purgées `conservation_mois` après
    # la date de fin (`parole purge`) ; le livret publié et les chiffres agrégés sont gardés.
    conservation_mois: int = _defaut(24)
    purgee_le: datetime | None = Field(default=None, sa_type=DateTimeUTC)
    cree_le: datetime = _horodatage()
    # Jeton tiré au hasard à chaque écriture qui touche les données de la démarche (modele/ecritures.py) : clé
    # des résultats d'analyse gardés en cache, lue en une requête par chaque processus.
    version_donnees: str = _defaut("", max_length=32)


class Territoire(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("demarche_id", "ville", "quartier", name="uq_territoire_lieu"),)

    id: int | None = Field(default=None, primary_key=True)
    demarche_id: int = _fk("demarche.id")
    ville: str = Field(max_length=120)
    quartier: str = _defaut("", max_length=200)
    code_qpv: str = _defaut("", max_length=20)


class Structure(SQLModel, table=True):
    """Structure partenaire, avec les champs de la fiche structure du brief."""

    __table_args__ = (UniqueConstraint("demarche_id", "nom", name="uq_structure_nom"),)

    id: int | None = Field(default=None, primary_key=True)
    demarche_id: int = _fk("demarche.id")
    territoire_id: int | None = _fk("territoire.id", ondelete="SET NULL", nullable=True)
    nom: str = Field(max_length=300)
    typologie: str = _defaut("autre", max_length=20)
    lieu: str = _defaut("", sa_type=Text)
    public: str = _defaut("", sa_type=Text)
    equipement: str = _defaut("", sa_type=Text)
    offre_numerique: str = _defaut("", sa_type=Text)
    besoins: str = _defaut("", sa_type=Text)
    horaires: str = _defaut("", sa_type=Text)
    prescripteurs: str = _defaut("", sa_type=Text)
    notes: str = _defaut("", sa_type=Text)


class TempsDeCollecte(SQLModel, table=True):
    """Un temps de collecte : une session de porteur de parole, un ordi-panneau posé, un atelier…"""

    __table_args__ = (UniqueConstraint("demarche_id", "ref", name="uq_temps_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    demarche_id: int = _fk("demarche.id")
    ref: str = Field(max_length=80)
    dispositif: str = Field(max_length=30)
    date: date
    date_fin: date | None = None  # période d'affichage d'un ordi-panneau
    lieu: str = _defaut("", max_length=300)
    evenement: str = _defaut("", max_length=300)
    territoire_id: int | None = _fk("territoire.id", ondelete="SET NULL", nullable=True)
    structure_id: int | None = _fk("structure.id", ondelete="SET NULL", nullable=True)
    animateurs: str = _defaut("", max_length=500)
    questions: list[str] = _liste()
    personnes_rencontrees: int = _defaut(0)
    dont_professionnels: int = _defaut(0)
    notes: str = _defaut("", sa_type=Text)
    cree_le: datetime = _horodatage()


class Photo(SQLModel, table=True):
    """Photo d'un tableau, de post-its ou de croquis ; le fichier vit dans instance/photos."""

    id: int | None = Field(default=None, primary_key=True)
    temps_id: int = _fk("tempsdecollecte.id")
    fichier: str = Field(max_length=100, unique=True)
    type_mime: str = Field(max_length=50)
    taille: int
    legende: str = _defaut("", max_length=300)
    cree_le: datetime = _horodatage()


class Theme(SQLModel, table=True):
    """Un thème du livre de codes d'une démarche."""

    __table_args__ = (UniqueConstraint("demarche_id", "slug", name="uq_theme_slug"),)

    id: int | None = Field(default=None, primary_key=True)
    demarche_id: int = _fk("demarche.id")
    slug: str = Field(max_length=80)
    label: str = Field(max_length=300)
    description: str = _defaut("", sa_type=Text)
    mots_cles: list[str] = _liste()
    couleur: str = _defaut("", max_length=7)
    ordre: int = _defaut(0)
    parent_id: int | None = _fk("theme.id", ondelete="SET NULL", nullable=True)
    introduction: str = _defaut("", sa_type=Text)  # chapeau du chapitre dans le livret


class AliasTheme(SQLModel, table=True):
    """Ancien slug d'un thème fusionné : une tablette qui l'envoie encore est redirigée vers la cible.

    Un thème existant qui porte ce slug l'emporte toujours sur l'alias."""

    __table_args__ = (UniqueConstraint("demarche_id", "slug", name="uq_aliastheme_slug"),)

    id: int | None = Field(default=None, primary_key=True)
    demarche_id: int = _fk("demarche.id")
    slug: str = Field(max_length=80)
    theme_id: int = _fk("theme.id")


class TempsTheme(SQLModel, table=True):
    """Thèmes proposés en pastilles sur l'écran de saisie d'un temps (aucun : tous les thèmes)."""

    temps_id: int = Field(
        sa_column=Column(Integer, ForeignKey("tempsdecollecte.id", ondelete="CASCADE"), primary_key=True)
    )
    theme_id: int = Field(
        sa_column=Column(Integer, ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class Utilisateur(SQLModel, table=True):
    """Compte d'équipe. Aucun compte pour les habitant·es : ils et elles restent anonymes."""

    id: int | None = Field(default=None, primary_key=True)
    identifiant: str = Field(max_length=80, unique=True, index=True)
    nom: str = _defaut("", max_length=200)
    mot_de_passe_hash: str = Field(max_length=300)
    role: str = _defaut("lecteur", max_length=20)
    actif: bool = _defaut(True)
    # Augmentée à chaque déconnexion, changement de mot de passe ou désactivation : toutes les sessions
    # et tous les cookies « rester connecté » de ce compte, qui la portent, cessent de valoir.
    version_session: int = _defaut(0)
    cree_le: datetime = _horodatage()


class Invitation(SQLModel, table=True):
    """Lien personnel d'une structure vers un questionnaire (jeton ≥ 128 bits)."""

    id: int | None = Field(default=None, primary_key=True)
    demarche_id: int = _fk("demarche.id")
    structure_id: int = _fk("structure.id")
    questionnaire: str = Field(max_length=80)
    jeton: str = Field(max_length=100, unique=True, index=True)
    expire_le: datetime | None = Field(default=None, sa_type=DateTimeUTC)
    revoquee_le: datetime | None = Field(default=None, sa_type=DateTimeUTC)
    ouverte_le: datetime | None = Field(default=None, sa_type=DateTimeUTC)
    cree_le: datetime = _horodatage()


class VersionQuestionnaire(SQLModel, table=True):
    """Instantané d'une définition de questionnaire (fichier TOML) telle qu'elle a été proposée.

    Une réponse garde (questionnaire, version) : si le fichier change ensuite, l'instantané
    permet de relire les anciennes réponses avec les questions d'alors.
    """

    __table_args__ = (UniqueConstraint("nom", "version", name="uq_versionquestionnaire_nom_version"),)

    id: int | None = Field(default=None, primary_key=True)
    nom: str = Field(max_length=80)
    version: int
    empreinte: str = Field(max_length=64)
    definition: dict = _objet()
    cree_le: datetime = _horodatage()


class ReponseQuestionnaire(SQLModel, table=True):
    """Réponse d'une structure à un questionnaire (en ligne ou saisie depuis le papier)."""

    id: int | None = Field(default=None, primary_key=True)
    demarche_id: int = _fk("demarche.id")
    structure_id: int | None = _fk("structure.id", ondelete="SET NULL", nullable=True)
    invitation_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("invitation.id", ondelete="SET NULL"), unique=True, nullable=True
        ),
    )
    temps_id: int | None = _fk("tempsdecollecte.id", ondelete="SET NULL", nullable=True)
    questionnaire: str = Field(max_length=80)
    version: int = _defaut(1)
    role_repondant: str = _defaut("", max_length=200)
    nom_structure: str = _defaut("", max_length=300)
    statut: str = _defaut("brouillon", max_length=20)  # brouillon | soumise
    source: str = _defaut("web", max_length=10)  # web | papier
    valeurs: dict = _objet()
    soumise_le: datetime | None = Field(default=None, sa_type=DateTimeUTC)
    cree_le: datetime = _horodatage()
    modifiee_le: datetime = _horodatage()


class Contribution(SQLModel, table=True):
    """Une parole recueillie : citation, post-it, slogan ou réponse libre à un questionnaire."""

    # Doublons probables : les paroles qui partagent une empreinte, les plus récentes d'abord.
    __table_args__ = (
        Index("ix_contribution_empreinte_debut", "empreinte_debut", "id"),
        Index("ix_contribution_empreinte_fin", "empreinte_fin", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True, index=True)
    temps_id: int = _fk("tempsdecollecte.id")
    nature: str = _defaut("parole", max_length=20)
    texte: str = Field(sa_type=Text)
    question: str = _defaut("", sa_type=Text)
    profil: str = _defaut("inconnu", max_length=20)
    tranche_age: str = _defaut("inconnu", max_length=20)
    genre: str = _defaut("", max_length=20)
    a_retenir: bool = _defaut(False)
    ne_pas_citer: bool = _defaut(False)
    masquee: bool = _defaut(False)
    reponse_id: int | None = _fk("reponsequestionnaire.id", nullable=True)
    question_ref: str = _defaut("", max_length=40)
    saisie_par_id: int | None = _fk("utilisateur.id", ondelete="SET NULL", nullable=True, index=False)
    modifiee_par_id: int | None = _fk("utilisateur.id", ondelete="SET NULL", nullable=True, index=False)
    # Version du détecteur de données personnelles qui a examiné le texte ; "" : pas encore examiné
    # (une parole importée ou saisie attend le prochain passage ; un texte modifié est réexaminé).
    examinee_par: str = _defaut("", max_length=60)
    # Empreintes du début et de la fin du texte normalisé (collecte.modele.validation.empreintes), posées à
    # chaque écriture du texte par collecte.modele.ecritures : "" pour un texte trop court.
    empreinte_debut: str = _defaut("", max_length=16)
    empreinte_fin: str = _defaut("", max_length=16)
    cree_le: datetime = _horodatage()
    modifiee_le: datetime = _horodatage()


class Reperage(SQLModel, table=True):
    """Une donnée personnelle repérée dans le texte d'une parole (nom, téléphone, adresse…).

    Ne garde que la position et la sorte, jamais le texte repéré. Masquer remplace le passage dans le texte
    (l'original n'est pas gardé) et supprime le repérage ; écarter (« pas une donnée personnelle ») le garde
    avec le statut `ecarte`, pour qu'il sorte tel quel et ne soit plus proposé."""

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = _fk("contribution.id")
    debut: int
    fin: int
    sorte: str = Field(max_length=20)  # clé de collecte.confidentialite.detection.SORTES
    statut: str = _defaut("a_examiner", max_length=20)  # clé de STATUTS_REPERAGE
    cree_le: datetime = _horodatage()


class Journal(SQLModel, table=True):
    """Journal des actions sensibles : connexions, exports (bruts compris), masquages, suppressions, purges,
    changements de comptes. Qui, quand, quoi — jamais le contenu d'une parole.

    `acteur` est l'identifiant du compte au moment de l'action ; supprimer le compte le remplace par un
    pseudonyme (« compte supprimé n° 12 ») et vide `utilisateur_id`."""

    id: int | None = Field(default=None, primary_key=True)
    quand: datetime = _horodatage()
    utilisateur_id: int | None = _fk("utilisateur.id", ondelete="SET NULL", nullable=True)
    acteur: str = _defaut("", max_length=100)
    action: str = Field(max_length=40, index=True)
    objet: str = _defaut("", max_length=300)
    details: str = _defaut("", max_length=1000)


class ContributionAnnulee(SQLModel, table=True):
    """Trace d'une parole annulée depuis un appareil : un envoi rejoué plus tard ne la recrée pas.

    Ne garde que l'identifiant client et l'heure, jamais le texte."""

    id: int | None = Field(default=None, primary_key=True)
    client_uuid: uuid.UUID = Field(unique=True, index=True)
    annulee_le: datetime = _horodatage()


class ContributionTheme(SQLModel, table=True):
    contribution_id: int = Field(
        sa_column=Column(Integer, ForeignKey("contribution.id", ondelete="CASCADE"), primary_key=True)
    )
    theme_id: int = Field(
        sa_column=Column(Integer, ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True)
    )


class TexteRestitution(SQLModel, table=True):
    """Texte libre du livret écrit par l'équipe (couverture, synthèse, angles morts, préconisations…)."""

    __table_args__ = (UniqueConstraint("demarche_id", "cle", name="uq_texterestitution_cle"),)

    id: int | None = Field(default=None, primary_key=True)
    demarche_id: int = _fk("demarche.id")
    cle: str = Field(max_length=80)
    titre: str = _defaut("", max_length=300)
    contenu: str = _defaut("", sa_type=Text)
    ordre: int = _defaut(0)
    modifie_le: datetime = _horodatage()


# Empreintes et version des données posées à chaque écriture, par quelque chemin qu'elle passe.
from collecte.modele import ecritures  # noqa: E402, F401
