"""Exports du corpus vers les outils des analystes : le registre des formats et `exporter`.

Chaque format est déclaré une fois, dans `FORMATS` : clé, libellé, extension, type MIME, écrivain,
ce que le format ne peut pas porter. La page Restitution (liste, pertes, boutons), la route
`/restitution/<slug>/export/<cle>`, la commande `parole export --format` et les avertissements
en dérivent. Ajouter un format : un écrivain `ecrire(matiere, sortie, progression) -> int` (nombre
de paroles écrites) dans son module, puis une entrée ici.

`exporter` écrit dans un flux binaire (fichier ou tampon) et renvoie ce qu'il faut dire à
l'utilisateur : nom de fichier, type, nombre de paroles et avertissements. Les paroles masquées ne
sortent jamais ; celles « ne pas citer » seulement dans les tableurs internes, et sur demande.
Données personnelles : les paroles pas encore examinées le sont d'abord (`examiner_en_attente`), puis
chaque passage repéré et non examiné est remplacé par sa nature (« [nom] »…) dans tous les formats,
ce que disent les avertissements ; `donnees_brutes` (admin sur le web, `--donnees-brutes` en ligne de
commande) sort les textes tels que saisis. Chaque export est noté au journal (« export », ou
« export_brut »), avec le compte qui l'a demandé ou la ligne de commande.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlmodel import Session

from collecte.confidentialite.examen import examiner_en_attente
from collecte.confidentialite.journal import ACTEUR_TERMINAL, Acteur, journaliser
from collecte.modele.models import Demarche
from collecte.modele.validation import ErreurValidation
from collecte.themes.formats import exporter_qdc
from collecte.themes.gestion import codeurs_des_paroles
from restitution import donnees, iramuteq, refiqda, tableurs


@dataclass(frozen=True)
class Matiere:
    """Ce que reçoit l'écrivain d'un format : la démarche, son livre de codes, et `lots()`, qui relit
    ses paroles par lots à chaque appel (masquées exclues, « ne pas citer » seulement sur demande,
    données personnelles non examinées remplacées par leur nature sauf `donnees_brutes`)."""

    demarche: Demarche
    themes: list[dict]
    lots: Callable[[], Iterator[list[dict]]]
    avec_ne_pas_citer: bool = False
    donnees_brutes: bool = False
    # Qui a étiqueté : `codeurs(ids)` → {id de parole: (id du compte ou None, nom affiché, modifiée le)}.
    codeurs: Callable[[list[int]], dict] = lambda ids: {}
    # Ce que l'écrivain doit dire à l'utilisateur (collisions, paroles laissées dehors) : ajouté à la fin
    # des avertissements de l'export.
    avertissements: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FormatExport:
    """Un format d'export ; `cle` est la valeur de `--format` et la fin de l'adresse `/export/<cle>`."""

    cle: str
    libelle: str  # page Restitution
    extension: str  # fichier `<slug>.<extension>`
    type_mime: str
    ecrire: Callable[..., int]  # ecrire(matiere, sortie, progression) -> nombre de paroles écrites
    pertes: tuple[str, ...]  # ce que le format ne peut pas porter : page Restitution et terminal
    paroles: bool = True  # False : aucune parole (livre de codes seul), donc aucune parole écartée à annoncer
    # Tableur interne à l'équipe : peut porter les paroles « ne pas citer », sur demande.
    interne: bool = False
    web: bool = True  # proposé sur la page Restitution
    cli: bool = True  # proposé par `parole export`


def _ecrire_qdc(matiere: Matiere, sortie, progression=None) -> int:
    contenu = exporter_qdc(matiere.themes, matiere.demarche.slug)  # refusé (livre vide) avant toute écriture
    sortie.write(contenu)
    return 0


PERTES_TABLEUR = (
    (
        "Classeur au format de l'import (parole import) : les photos, les comptes d'équipe, les "
        "invitations aux questionnaires et les chapeaux des chapitres n'y sont pas ; les colonnes "
        "ajoutées pour la lecture (libellés, contexte du temps, date de saisie) ne se réimportent pas."
    ),
)

# L'ordre est celui de la page Restitution et de l'aide de `parole export`.
FORMATS: dict[str, FormatExport] = {
    f.cle: f
    for f in (
        FormatExport(
            "csv",
            "Tableurs CSV, un par feuille, en archive .zip (Excel, LibreOffice ; réimportable)",
            "csv.zip",
            "application/zip",
            tableurs.ecrire_csv,
            pertes=PERTES_TABLEUR,
            interne=True,
        ),
        FormatExport(
            "xlsx",
            "Classeur XLSX (réimportable)",
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            tableurs.ecrire_xlsx,
            pertes=PERTES_TABLEUR,
            interne=True,
        ),
        FormatExport(
            "iramuteq",
            "Corpus IRaMuTeQ",
            "txt",
            "text/plain; charset=utf-8",
            iramuteq.ecrire,
            pertes=(
                (
                    "IRaMuTeQ ne garde ni la question posée, ni le drapeau « à retenir », ni la "
                    "typologie des structures, ni les photos : seuls le texte et les variables "
                    "étoilées passent."
                ),
                (
                    "Les modalités sont réduites aux lettres et chiffres sans accents (« Clos du Roy » → "
                    "closduroy) ; deux valeurs qui se confondraient sont distinguées par un suffixe (x2)."
                ),
                (
                    "Une parole a une seule modalité par variable : chaque thème est une variable "
                    "*th<slug>_1 / _0, et *theme_ ne nomme que le thème d'une parole qui n'en a qu'un "
                    "(sinon plusieurs ou aucun)."
                ),
            ),
        ),
        FormatExport(
            "qdpx",
            "Projet REFI-QDA (ATLAS.ti, NVivo, MAXQDA, QualCoder…)",
            "qdpx",
            "application/zip",
            refiqda.ecrire,
            pertes=(
                "REFI-QDA n'a pas de notion de « ne pas citer » : ces paroles sont laissées hors du projet.",
                (
                    "Le drapeau « à retenir » devient la variable booléenne « à retenir » ; les photos "
                    "ne sont pas exportées."
                ),
            ),
        ),
        FormatExport(
            "qdc",
            "Livre de codes REFI-QDA",
            "qdc",
            "application/xml",
            _ecrire_qdc,
            pertes=("Seuls les thèmes (nom, description, couleur, hiérarchie) : aucune parole.",),
            paroles=False,
        ),
    )
}


@dataclass
class Resultat:
    nom_fichier: str
    type_mime: str
    paroles: int = 0
    avertissements: list[str] = field(default_factory=list)


def formats(canal: str | None = None) -> list[FormatExport]:
    """Les formats déclarés, dans l'ordre ; `canal` ("web" ou "cli") : ceux qui y sont proposés."""
    return [f for f in FORMATS.values() if canal is None or getattr(f, canal)]


def format_export(cle: str, canal: str | None = None) -> FormatExport:
    """Le format `cle` ; ErreurValidation (champ « format ») s'il n'existe pas, ou pas sur ce canal."""
    possibles = formats(canal)
    trouve = next((f for f in possibles if f.cle == cle), None)
    if trouve is None:
        connus = ", ".join(f.cle for f in possibles)
        raise ErreurValidation(f"Format « {cle} » inconnu (formats : {connus}).", "format")
    return trouve


def exporter(
    session: Session,
    slug: str,
    format_: str,
    sortie,
    avec_ne_pas_citer: bool = False,
    progression=None,
    donnees_brutes: bool = False,
    acteur: Acteur = ACTEUR_TERMINAL,
) -> Resultat:
    """Écrit l'export `format_` (une clé de `FORMATS`) de la démarche `slug` dans `sortie` (flux binaire)
    et le note au journal au nom d'`acteur` (un compte sur le web, la ligne de commande sinon).
    `donnees_brutes` : textes tels que saisis, sans masquage (à réserver aux admins : voir la vue)."""
    choisi = format_export(format_)
    if avec_ne_pas_citer and not choisi.interne:
        internes = " ou ".join(f.cle.upper() for f in formats() if f.interne)
        raise ErreurValidation(
            f"Les paroles « ne pas citer » ne peuvent sortir que dans un tableur interne ({internes})."
        )
    demarche = donnees.demarche(session, slug)
    if demarche is None:
        raise ErreurValidation(f"Démarche « {slug} » introuvable.", "demarche")
    brut = donnees_brutes and choisi.paroles  # sans parole (livre de codes), rien à démasquer
    masquage = donnees.Masquage()
    if choisi.paroles:
        examiner_en_attente(session, demarche.id)  # rien ne sort sans avoir été examiné
        masquage = donnees.compter_a_masquer(session, demarche.id, avec_ne_pas_citer)
    matiere = Matiere(
        demarche,
        donnees.themes(session, demarche.id),
        lambda: donnees.lots_de_paroles(session, demarche.id, avec_ne_pas_citer, donnees_brutes=brut),
        avec_ne_pas_citer,
        brut,
        codeurs=lambda ids: codeurs_des_paroles(session, ids),
    )
    paroles = choisi.ecrire(matiere, sortie, progression)
    journaliser(
        session,
        "export_brut" if brut else "export",
        acteur,
        demarche.slug,
        _details_journal(choisi, paroles, masquage, avec_ne_pas_citer, brut),
    )
    avertissements = _avertissements(session, demarche.id, choisi, avec_ne_pas_citer) + matiere.avertissements
    if choisi.paroles and (brut or masquage.reperages):
        avertissements.append(donnees.phrase_masquage(masquage, brut))
    return Resultat(f"{demarche.slug}.{choisi.extension}", choisi.type_mime, paroles, avertissements)


def _details_journal(
    choisi: FormatExport, paroles: int, masquage, avec_ne_pas_citer: bool, brut: bool
) -> str:
    """Format et comptes, jamais un texte."""
    details = [f"format : {choisi.cle}", f"paroles : {paroles}"]
    if avec_ne_pas_citer:
        details.append("« ne pas citer » comprises")
    if choisi.paroles:
        details.append(donnees.details_masquage(masquage, brut))
    return " ; ".join(details)


def _avertissements(
    session: Session, demarche_id: int, choisi: FormatExport, avec_ne_pas_citer: bool
) -> list[str]:
    messages = list(choisi.pertes)
    if not choisi.paroles:
        return messages
    exclues = donnees.compter_exclues(session, demarche_id)
    if exclues["ne_pas_citer"] and not avec_ne_pas_citer:
        messages.append(
            f"{exclues['ne_pas_citer']} parole(s) marquée(s) « ne pas citer » laissée(s) de côté."
        )
    if exclues["masquees"]:
        messages.append(f"{exclues['masquees']} parole(s) masquée(s) par la modération, jamais exportée(s).")
    return messages


def nombre_a_exporter(session: Session, demarche_id: int) -> int:
    exclues = donnees.compter_exclues(session, demarche_id)
    return exclues["total"] - exclues["masquees"] - exclues["ne_pas_citer"]
