"""Formats du livre de codes : YAML (celui de `exemples/themes.yaml`), CSV et REFI-QDA `.qdc`.

Les lecteurs renvoient une liste de dictionnaires pour `codebook.importer_themes` ; les
écrivains renvoient des octets. Le GUID REFI-QDA d'un thème est dérivé (uuid5) du slug de la
démarche et du slug du thème : réexporter donne les mêmes GUID, et un .qdc réimporté retrouve
ses thèmes.
"""
from __future__ import annotations

import csv
import io
import uuid
from xml.etree import ElementTree as ET

import yaml

from collecte.tableurs import decoder, lire_csv
from collecte.validation import ErreurValidation

ESPACE_GUID = uuid.UUID("5b1f6a52-31f4-4c35-9d1e-7a0c2b7f5e11")
NS_QDC = "urn:QDA-XML:codebook:1.0"
COLONNES_CSV = ["slug", "label", "description", "mots_cles", "couleur", "ordre", "parent"]


def guid_theme(demarche_slug: str, theme_slug: str) -> str:
    return str(uuid.uuid5(ESPACE_GUID, f"{demarche_slug}/theme/{theme_slug}"))


def lire_yaml(contenu: bytes) -> list[dict]:
    try:
        donnees = yaml.safe_load(decoder(contenu, "Fichier YAML"))
    except yaml.YAMLError as erreur:
        ligne = getattr(getattr(erreur, "problem_mark", None), "line", None)
        ou = f" (ligne {ligne + 1})" if ligne is not None else ""
        raise ErreurValidation(f"YAML illisible{ou} : vérifiez l'indentation et les deux-points.") from None
    if not isinstance(donnees, dict) or not isinstance(donnees.get("themes"), list):
        raise ErreurValidation("Le fichier YAML doit contenir une liste « themes: » (voir exemples/themes.yaml).")
    themes = []
    for rang, entree in enumerate(donnees["themes"], start=1):
        if not isinstance(entree, dict):
            raise ErreurValidation(f"Thème n° {rang} : une entrée « slug: … label: … » est attendue.")
        themes.append({**entree, "mots_cles": entree.get("keywords", entree.get("mots_cles")),
                       "couleur": entree.get("color", entree.get("couleur")), "_lieu": f"Thème n° {rang}"})
    return themes


def lire_csv_themes(contenu: bytes) -> list[dict]:
    colonnes, lignes = lire_csv(contenu, "Fichier CSV")
    manquantes = {"slug", "label"} - set(colonnes)
    if manquantes:
        raise ErreurValidation(f"Colonnes manquantes dans le CSV : {', '.join(sorted(manquantes))}.")
    return [{**ligne, "_lieu": f"Ligne {numero}"} for numero, ligne in lignes]


def lire_qdc(contenu: bytes, guids_connus: dict[str, str] | None = None) -> list[dict]:
    """Codes REFI-QDA → thèmes ; un GUID connu garde son slug, sinon le slug vient du nom."""
    from collecte.demarches import slugifier

    try:
        racine = ET.fromstring(contenu)
    except ET.ParseError as erreur:
        raise ErreurValidation(f"XML illisible (ligne {erreur.position[0]}) : ce n'est pas un fichier .qdc valide.") from None
    if racine.tag != f"{{{NS_QDC}}}CodeBook":
        raise ErreurValidation("Ce fichier n'est pas un livre de codes REFI-QDA (élément racine CodeBook attendu).")
    codes = racine.find(f"{{{NS_QDC}}}Codes")
    if codes is None:
        raise ErreurValidation("Livre de codes sans élément Codes.")
    themes: list[dict] = []
    _parcourir(codes, "", themes, guids_connus or {}, slugifier)
    return themes


def _parcourir(noeud, parent: str, themes: list[dict], guids_connus: dict[str, str], slugifier) -> None:
    for code in noeud.findall(f"{{{NS_QDC}}}Code"):
        nom = code.get("name")
        if not nom:
            raise ErreurValidation(f"Code n° {len(themes) + 1} sans attribut name.")
        slug = guids_connus.get((code.get("guid") or "").strip("{}").lower()) or slugifier(nom)
        description = code.find(f"{{{NS_QDC}}}Description")
        themes.append({
            "slug": slug, "label": nom, "description": description.text if description is not None else "",
            "couleur": code.get("color", ""), "parent": parent, "_lieu": f"Code « {nom} »",
        })
        _parcourir(code, slug, themes, guids_connus, slugifier)


def exporter_csv(themes: list[dict]) -> bytes:
    """CSV « ; » en UTF-8 avec BOM (Excel l'ouvre correctement)."""
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(COLONNES_CSV)
    for t in themes:
        ecrivain.writerow([t["slug"], t["label"], t["description"], "; ".join(t["mots_cles"]), t["couleur"],
                           t["ordre"], t.get("parent") or ""])
    return ("\ufeff" + sortie.getvalue()).encode("utf-8")


def exporter_yaml(themes: list[dict]) -> bytes:
    entrees = [{"slug": t["slug"], "label": t["label"], "description": t["description"],
                "keywords": t["mots_cles"], **({"color": t["couleur"]} if t["couleur"] else {}),
                **({"parent": t["parent"]} if t.get("parent") else {})} for t in themes]
    return yaml.safe_dump({"version": 1, "themes": entrees}, allow_unicode=True, sort_keys=False).encode("utf-8")


def element_codes(themes: list[dict], demarche_slug: str, espace: str = NS_QDC) -> ET.Element:
    """Élément <Codes> (imbriqué selon les parents) ; sert au .qdc et au projet .qdpx."""
    codes = ET.Element(f"{{{espace}}}Codes")
    elements = {}
    for t in themes:
        attributs = {"guid": guid_theme(demarche_slug, t["slug"]), "name": t["label"], "isCodable": "true"}
        if t["couleur"]:
            attributs["color"] = t["couleur"]
        element = ET.Element(f"{{{espace}}}Code", attributs)
        if t["description"]:
            ET.SubElement(element, f"{{{espace}}}Description").text = t["description"]
        elements[t["slug"]] = element
    for t in themes:
        parent = elements.get(t.get("parent") or "")
        (parent if parent is not None else codes).append(elements[t["slug"]])
    return codes


def exporter_qdc(themes: list[dict], demarche_slug: str) -> bytes:
    if not themes:
        raise ErreurValidation("Le livre de codes est vide : REFI-QDA exige au moins un code.")
    ET.register_namespace("", NS_QDC)
    racine = ET.Element(f"{{{NS_QDC}}}CodeBook", {"origin": "Parole"})
    racine.append(element_codes(themes, demarche_slug))
    ET.indent(racine)
    return ET.tostring(racine, encoding="utf-8", xml_declaration=True)
