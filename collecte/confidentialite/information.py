"""Notice d'information des personnes rencontrées (RGPD, articles 13 et 14) et fiche du registre des
activités de traitement d'une démarche (article 30, champs du modèle de registre de la CNIL).

Fonctions pures : elles lisent les réglages « Données personnelles » d'une démarche et rendent des
sections `(titre, texte)` en texte brut, une idée par ligne (`\\n`). Qui les affiche les échappe (page du
questionnaire public, page du registre, PDF de `restitution.information`). Un réglage vide donne
« [à compléter : …] » bien visible, jamais un fait inventé.

`REGLAGES` déclare une fois ces réglages (libellé, aide, longueur) : le formulaire de la démarche et sa
validation (`collecte.demarches.valider_donnees_personnelles`) en sont tirés.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from collecte.modele.models import BASES_LEGALES, heure_locale

A_COMPLETER = "à compléter"
CONSERVATION_MIN, CONSERVATION_MAX = 1, 120
SITE_CNIL = "www.cnil.fr"


@dataclass(frozen=True)
class Reglage:
    """Un réglage « Données personnelles » d'une démarche (colonne de `Demarche`)."""

    nom: str
    libelle: str
    aide: str
    genre: str = "texte"  # texte (une ligne) | zone (plusieurs lignes) | choix (BASES_LEGALES) | mois
    longueur_max: int = 300


REGLAGES = (
    Reglage(
        "responsable_traitement",
        "Responsable du traitement",
        "L'organisme qui mène la démarche et en répond : son nom et son adresse postale "
        "(la mairie, l'association…).",
    ),
    Reglage(
        "delegue_protection",
        "Délégué·e à la protection des données (DPO)",
        "Nom ou service, et courriel. Une collectivité en a toujours un·e ; une association qui n'en a "
        "pas écrit « Pas de DPO désigné ».",
    ),
    Reglage(
        "contact_droits",
        "Où exercer ses droits",
        "Une adresse courriel ou postale où écrire pour voir, corriger ou effacer ce qui a été noté.",
    ),
    Reglage(
        "finalite",
        "Finalité : à quoi servent les paroles",
        "Une ou deux phrases simples, imprimées telles quelles sur la notice.",
        "zone",
        2_000,
    ),
    Reglage(
        "base_legale",
        "Base légale",
        "Ce qui autorise le recueil. Une collectivité agit en général pour une mission d'intérêt public ; "
        "une association, pour son intérêt légitime ou avec le consentement des personnes. En cas de "
        "doute, demandez à votre DPO.",
        "choix",
        40,
    ),
    Reglage(
        "destinataires",
        "Destinataires",
        "Qui reçoit les paroles en plus de l'équipe : commanditaire, partenaires… (le livret public, lui, "
        "est anonyme).",
        "zone",
        2_000,
    ),
    Reglage(
        "conservation_mois",
        "Durée de conservation, en mois après la fin de la démarche",
        f"De {CONSERVATION_MIN} à {CONSERVATION_MAX} mois. Ensuite, paroles, réponses et photos sont "
        "effacées ; restent le livret anonyme et les chiffres d'ensemble.",
        "mois",
    ),
)


def a_completer(quoi: str) -> str:
    return f"[{A_COMPLETER} : {quoi}]"


# Ce que dit le repère d'un réglage vide : « [à compléter : finalité] ».
_MANQUE = {
    "responsable_traitement": "responsable du traitement",
    "delegue_protection": "DPO",
    "contact_droits": "adresse pour exercer ses droits",
    "finalite": "finalité",
    "destinataires": "destinataires",
}


def _valeur(demarche, nom: str) -> str:
    return (getattr(demarche, nom, "") or "").strip() or a_completer(_MANQUE[nom])


def _base_legale(demarche) -> str:
    base = demarche.base_legale or ""
    return BASES_LEGALES[base] if base and base in BASES_LEGALES else a_completer("base légale")


def _jour(jour: date | None) -> str:
    return jour.strftime("%d/%m/%Y") if jour else a_completer("date de fin de la démarche")


def ajouter_mois(jour: date, mois: int) -> date:
    """31/08/2025 + 6 mois → 28/02/2026 (dernier jour du mois quand le jour n'existe pas)."""
    annee, rang = divmod(jour.month - 1 + mois, 12)
    annee += jour.year
    return date(annee, rang + 1, min(jour.day, calendar.monthrange(annee, rang + 1)[1]))


def fin_de_conservation(demarche) -> date | None:
    if demarche.date_fin is None or not demarche.conservation_mois:
        return None
    return ajouter_mois(demarche.date_fin, demarche.conservation_mois)


def reglages_manquants(demarche) -> list[str]:
    """Libellés des réglages encore vides (la date de fin compte : la durée de conservation en part)."""
    manquants = [r.libelle for r in REGLAGES if r.nom != "conservation_mois" and not getattr(demarche, r.nom)]
    return manquants + (["Date de fin de la démarche"] if demarche.date_fin is None else [])


def _lignes(*lignes: str) -> str:
    return "\n".join(ligne for ligne in lignes if ligne)


# --- Notice d'information des personnes rencontrées --------------------------------------------------


def _duree(demarche) -> str:
    mois = demarche.conservation_mois
    fin = fin_de_conservation(demarche)
    if fin:
        return f"Jusqu'au {_jour(fin)}, soit {mois} mois après la fin de la démarche."
    return f"{mois} mois après la fin de la démarche (date de fin : {_jour(None)})."


def notice(demarche) -> list[tuple[str, str]]:
    """Sections (titre, texte) de la notice d'information des personnes rencontrées : phrases courtes,
    une idée par ligne."""
    commanditaire = (demarche.commanditaire or "").strip()
    base = demarche.base_legale or ""
    return [
        (
            "Qui recueille vos paroles ?",
            _lignes(
                f"La démarche « {demarche.titre} ».",
                f"Responsable : {_valeur(demarche, 'responsable_traitement')}",
                f"Elle est demandée par : {commanditaire}" if commanditaire else "",
            ),
        ),
        ("Pourquoi ?", _valeur(demarche, "finalite")),
        ("Ce qui nous y autorise", _base_legale(demarche)),
        (
            "Ce que nous notons",
            _lignes(
                "Vos mots, comme vous les dites. La personne qui anime les écrit.",
                "Votre profil, votre tranche d'âge et, si vous voulez, votre genre.",
                "Le lieu et la date. Parfois une photo du tableau.",
                "Pour un questionnaire : la structure et votre fonction.",
                "Jamais votre nom, votre adresse ou votre téléphone.",
                "Vous pouvez dire « ne pas citer » : vos mots ne seront jamais imprimés.",
            ),
        ),
        (
            "Qui les reçoit ?",
            _lignes(
                f"L'équipe de la démarche, et : {_valeur(demarche, 'destinataires')}",
                "Le livret de la démarche est public et anonyme : aucun nom.",
            ),
        ),
        (
            "Combien de temps ?",
            _lignes(
                _duree(demarche),
                "Ensuite, tout est effacé, sauf le livret anonyme et des chiffres d'ensemble.",
            ),
        ),
        (
            "Vos droits",
            _lignes(
                "Vous pouvez voir, corriger ou effacer ce que nous avons noté, "
                + ("ou retirer votre accord." if base == "consentement" else "ou vous opposer à son usage."),
                "Nous n'avons pas votre nom : dites-nous où et quand vous nous avez parlé.",
                f"Écrivez à : {_valeur(demarche, 'contact_droits')}",
                f"Délégué·e à la protection des données : {_valeur(demarche, 'delegue_protection')}",
                f"Vous pouvez aussi vous plaindre à la CNIL : {SITE_CNIL}",
            ),
        ),
    ]


# --- Fiche du registre des activités de traitement (modèle de la CNIL) ------------------------------

TITRES_REGISTRE = (
    "Nom et coordonnées du responsable du traitement",
    "Nom et coordonnées du délégué à la protection des données",
    "Nom du traitement",
    "Finalité(s) du traitement effectué",
    "Catégories de personnes concernées",
    "Catégories de données collectées",
    "Catégories de destinataires",
    "Transferts des données hors UE",
    "Durées de conservation",
    "Mesures de sécurité",
    "Date de création de la fiche",
    "Date de mise à jour de la fiche",
)

_PERSONNES = _lignes(
    "Habitant·es et passant·es rencontré·es pendant les temps de collecte (porteur de parole, "
    "ordi-panneau, ateliers, groupes de débat).",
    "Professionnel·les et bénévoles des structures partenaires qui répondent aux questionnaires.",
    "Membres de l'équipe qui utilisent Parole (comptes).",
)
_DONNEES = _lignes(
    "Propos (paroles) notés par l'animateur·rice ou écrits sur un post-it, tels que dits ; réponses "
    "libres aux questionnaires.",
    "Profil (habitant·e, professionnel·le, bénévole, jeune), tranche d'âge, genre (facultatif), "
    "mention « ne pas citer ».",
    "Lieu, date et structure du temps de collecte (ville, quartier).",
    "Photos de tableaux, de post-its ou de croquis, sans leurs métadonnées (EXIF, position).",
    "Questionnaires : nom de la structure et fonction de la personne qui répond.",
    "Équipe : identifiant, nom, mot de passe haché, rôle ; journal des actions sensibles.",
    "Aucun nom, adresse ni téléphone d'habitant·e n'est demandé.",
    "Données sensibles : pas collectées volontairement ; des opinions (politiques, religieuses…) ou des "
    "éléments de santé peuvent apparaître dans les propos.",
)
_TRANSFERTS = _lignes(
    "Aucun : Parole n'envoie les données à aucun service extérieur.",
    "Hébergement : les données sont stockées dans la base de données de l'instance Parole (SQLite ou "
    "PostgreSQL) et les photos dans son dossier d'instance.",
    f"Hébergeur et pays du serveur : {a_completer('par qui installe Parole')}",
)
_SECURITE = _lignes(
    "Contrôle d'accès des utilisateurs : un compte personnel par membre de l'équipe ; rôles lecteur, "
    "animateur, admin vérifiés par le serveur ; toute page exige un compte, sauf la connexion et le "
    "questionnaire public derrière son lien personnel ; mots de passe d'au moins 10 caractères, hors "
    "liste des mots de passe courants ; essais de connexion limités.",
    "Sessions : se déconnecter, changer de mot de passe ou désactiver un compte ferme toutes ses sessions, "
    "sur tous les appareils.",
    "Mesures de traçabilité : journal des actions sensibles (connexions, exports, masquages, "
    "suppressions, purges, comptes : qui, quand, quoi, jamais le contenu d'une parole), lu par les "
    "admins ; qui a saisi et modifié chaque parole.",
    "Mesures de protection des logiciels : jeton CSRF sur chaque formulaire et l'API, politique de "
    "sécurité du contenu stricte, textes toujours échappés (pages, PDF, exports), fichiers reçus bornés.",
    "Minimisation et masquage : aucun nom d'habitant·e ; données personnelles repérées dans les paroles "
    "masquées à la sortie ; paroles « ne pas citer » jamais imprimées ; photos sans métadonnées.",
    "Sauvegarde des données : commande « parole sauvegarde » (base et photos dans une archive vérifiée "
    "à la restauration) ; base et sauvegardes créées lisibles du seul propriétaire (droits 0600).",
    "Chiffrement des données : mots de passe hachés. Connexion HTTPS, sauvegardes sur disque chiffré : "
    f"{a_completer('par qui installe Parole')}",
)


def _periode(demarche) -> str:
    debut, fin = demarche.date_debut, demarche.date_fin
    if debut and fin:
        return f"Du {debut:%d/%m/%Y} au {fin:%d/%m/%Y}."
    if debut or fin:
        return f"Depuis le {debut:%d/%m/%Y}." if debut else f"Jusqu'au {fin:%d/%m/%Y}."
    return ""


def _date_instant(instant: datetime | None) -> str:
    if instant is None:
        return a_completer("date")
    return f"{heure_locale(instant):%d/%m/%Y} (création de la démarche dans Parole)."


def fiche_registre(demarche, edition: date | None = None) -> list[tuple[str, str]]:
    """Sections (titre, texte) de la fiche de registre de la démarche, dans l'ordre des champs du modèle
    de la CNIL. `edition` : jour où la fiche est tirée des réglages (aujourd'hui par défaut)."""
    fin = fin_de_conservation(demarche)
    jusqu_au = f"jusqu'au {_jour(fin)}" if fin else f"date de fin : {_jour(None)}"
    valeurs = (
        _lignes(
            _valeur(demarche, "responsable_traitement"),
            f"Exercice des droits : {_valeur(demarche, 'contact_droits')}",
        ),
        _valeur(demarche, "delegue_protection"),
        _lignes(
            f"Recueil de paroles « {demarche.titre} » (outil Parole).",
            f"Commanditaire : {demarche.commanditaire}" if demarche.commanditaire else "",
            _periode(demarche),
        ),
        _lignes(
            f"Finalité principale : {_valeur(demarche, 'finalite')}",
            f"Base légale : {_base_legale(demarche)}",
        ),
        _PERSONNES,
        _DONNEES,
        _lignes(
            "Destinataires internes : l'équipe de la démarche, chacun·e par son compte et selon son rôle.",
            f"Autres destinataires : {_valeur(demarche, 'destinataires')}",
            "Public : le livret de restitution et les affiches, anonymes (aucun nom ; paroles « ne pas "
            "citer » et données personnelles masquées jamais imprimées).",
        ),
        _TRANSFERTS,
        _lignes(
            f"Paroles, réponses aux questionnaires, photos et invitations : {demarche.conservation_mois} "
            f"mois après la fin de la démarche ({jusqu_au}), puis purgées.",
            "Conservés ensuite : le livret publié (anonyme) et les chiffres agrégés.",
        ),
        _SECURITE,
        _date_instant(demarche.cree_le),
        f"Fiche tirée des réglages de la démarche le {(edition or date.today()):%d/%m/%Y}.",
    )
    return list(zip(TITRES_REGISTRE, valeurs, strict=True))
