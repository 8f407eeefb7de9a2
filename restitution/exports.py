"""Exports du corpus vers les outils des analystes : CSV, XLSX, IRaMuTeQ, REFI-QDA (.qdpx, .qdc).

`exporter` écrit dans un flux binaire (fichier ou tampon) et renvoie ce qu'il faut dire à
l'utilisateur : nom de fichier, type, nombre de paroles et avertissements sur ce que le format
ne peut pas porter. Les paroles masquées ne sortent jamais ; celles « ne pas citer » seulement
dans les tableurs internes (CSV, XLSX), et seulement si on le demande.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlmodel import Session

from collecte.themes.formats import exporter_qdc
from collecte.tableurs.ecriture import cellule_csv, classeur_en_flux
from collecte.modele.champs import champs_exportes
from collecte.modele.models import DISPOSITIFS
from collecte.modele.validation import ErreurValidation
from restitution import donnees, iramuteq, refiqda

FORMATS = {
    "csv": ("Tableur CSV (Excel, LibreOffice)", "csv", "text/csv; charset=utf-8"),
    "xlsx": ("Classeur XLSX", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "iramuteq": ("Corpus IRaMuTeQ", "txt", "text/plain; charset=utf-8"),
    "qdpx": ("Projet REFI-QDA (ATLAS.ti, NVivo, MAXQDA, QualCoder…)", "qdpx", "application/zip"),
    "qdc": ("Livre de codes REFI-QDA", "qdc", "application/xml"),
}
# Colonnes des tableurs : l'identifiant, le contexte (qui vient du temps de collecte), puis les champs
# de la parole déclarés dans `collecte.modele.champs` (leur ordre et leur forme : code ou libellé).
COLONNES_CONTEXTE = ["id", "temps", "dispositif", "date", "lieu", "evenement", "ville", "quartier", "structure",
                     "typologie_structure"]
PERTES_TABLEUR = ["Les photos ne sont pas dans l'export ; les thèmes sont listés par leur slug, séparés par « ; »."]


@dataclass
class Resultat:
    nom_fichier: str
    type_mime: str
    paroles: int = 0
    avertissements: list[str] = field(default_factory=list)


def _contexte(parole: dict) -> list:
    return [str(parole["client_uuid"]), parole["temps_ref"], DISPOSITIFS.get(parole["dispositif"], parole["dispositif"]),
            parole["date"].isoformat() if parole["date"] else "", parole["lieu"] or "", parole["evenement"] or "",
            parole["ville"] or "", parole["quartier"] or "", parole["structure"] or "", parole["typologie"] or ""]


def _internes(avec_ne_pas_citer: bool) -> list:
    """Champs internes à l'équipe (« ne pas citer »), en dernières colonnes et seulement sur demande."""
    return [c for c in champs_exportes(True) if c.export == "interne"] if avec_ne_pas_citer else []


def _ligne(parole: dict, avec_ne_pas_citer: bool) -> list:
    cree = parole["cree_le"].isoformat() if hasattr(parole["cree_le"], "isoformat") else str(parole["cree_le"])
    champs = [c.valeur_exportee(parole[c.nom]) for c in champs_exportes()]
    return _contexte(parole) + champs + [cree] + [c.valeur_exportee(parole[c.nom]) for c in _internes(avec_ne_pas_citer)]


def _colonnes(avec_ne_pas_citer: bool) -> list[str]:
    return COLONNES_CONTEXTE + [c.nom for c in champs_exportes()] + ["cree_le"] + [c.nom for c in _internes(avec_ne_pas_citer)]


def _ecrire_csv(lots, sortie, avec_ne_pas_citer: bool, progression) -> int:
    """CSV pour Excel en français : UTF-8 avec BOM, point-virgule, cellules-formules désamorcées."""
    texte = io.TextIOWrapper(sortie, encoding="utf-8-sig", newline="", write_through=True)
    ecrivain = csv.writer(texte, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(_colonnes(avec_ne_pas_citer))
    nombre = 0
    for lot in lots:
        ecrivain.writerows([cellule_csv(v) for v in _ligne(p, avec_ne_pas_citer)] for p in lot)
        nombre += len(lot)
        if progression:
            progression(len(lot))
    texte.flush()
    texte.detach()
    return nombre


def _ecrire_xlsx(lots, sortie, themes: list[dict], avec_ne_pas_citer: bool, progression) -> int:
    with classeur_en_flux(sortie) as ajouter:
        feuille = ajouter("paroles", _colonnes(avec_ne_pas_citer))
        nombre = 0
        for lot in lots:
            for parole in lot:
                feuille(_ligne(parole, avec_ne_pas_citer))
            nombre += len(lot)
            if progression:
                progression(len(lot))
        livre = ajouter("themes", ["slug", "label", "description", "parent", "couleur"])
        for theme in themes:
            livre([theme["slug"], theme["label"], theme["description"], theme.get("parent") or "", theme["couleur"]])
    return nombre


def exporter(session: Session, slug: str, format_: str, sortie, avec_ne_pas_citer: bool = False,
             progression=None) -> Resultat:
    """Écrit l'export `format_` de la démarche `slug` dans `sortie` (flux binaire)."""
    if format_ not in FORMATS:
        raise ErreurValidation(f"Format « {format_} » inconnu (formats : {', '.join(FORMATS)}).", "format")
    if avec_ne_pas_citer and format_ not in ("csv", "xlsx"):
        raise ErreurValidation("Les paroles « ne pas citer » ne peuvent sortir que dans un tableur interne (CSV ou XLSX).")
    demarche = donnees.demarche(session, slug)
    if demarche is None:
        raise ErreurValidation(f"Démarche « {slug} » introuvable.", "demarche")
    _libelle, extension, type_mime = FORMATS[format_]
    resultat = Resultat(f"{demarche.slug}.{extension}", type_mime)
    themes = donnees.themes(session, demarche.id)
    lots = lambda: donnees.lots_de_paroles(session, demarche.id, avec_ne_pas_citer)  # noqa: E731
    if format_ == "qdc":
        sortie.write(exporter_qdc(themes, demarche.slug))
        return resultat
    if format_ == "csv":
        resultat.paroles = _ecrire_csv(lots(), sortie, avec_ne_pas_citer, progression)
    elif format_ == "xlsx":
        resultat.paroles = _ecrire_xlsx(lots(), sortie, themes, avec_ne_pas_citer, progression)
    elif format_ == "iramuteq":
        resultat.paroles = iramuteq.ecrire(lots(), sortie, progression)
    else:
        resultat.paroles = refiqda.ecrire(demarche, themes, lots, sortie, progression)
    resultat.avertissements = _avertissements(session, demarche.id, format_, avec_ne_pas_citer)
    return resultat


def _avertissements(session: Session, demarche_id: int, format_: str, avec_ne_pas_citer: bool) -> list[str]:
    exclues = donnees.compter_exclues(session, demarche_id)
    messages = {"csv": PERTES_TABLEUR, "xlsx": PERTES_TABLEUR, "iramuteq": iramuteq.PERTES,
                "qdpx": refiqda.PERTES}[format_]
    messages = list(messages)
    if exclues["ne_pas_citer"] and not avec_ne_pas_citer:
        messages.append(f"{exclues['ne_pas_citer']} parole(s) marquée(s) « ne pas citer » laissée(s) de côté.")
    if exclues["masquees"]:
        messages.append(f"{exclues['masquees']} parole(s) masquée(s) par la modération, jamais exportée(s).")
    return messages


def nombre_a_exporter(session: Session, demarche_id: int) -> int:
    exclues = donnees.compter_exclues(session, demarche_id)
    return exclues["total"] - exclues["masquees"] - exclues["ne_pas_citer"]
