"""Formats du livre de codes : YAML (celui de `exemples/themes.yaml`), CSV et REFI-QDA `.qdc`.

Les lecteurs renvoient une liste de dictionnaires pour `gestion.importer_themes` ; les
écrivains renvoient des octets. Le GUID REFI-QDA d'un thème est dérivé (uuid5) du slug de la
démarche et du slug du thème : réexporter donne les mêmes GUID.

Aller-retour `.qdc` : chaque code écrit par Parole porte son slug à la fin de sa description,
`[slug Parole : manque-moyens]` (`MARQUE_SLUG`). La description (le « mémo » du code) est ce que les
autres logiciels conservent tous, là où certains refont les GUID. À l'import, un code est rapproché
d'un thème existant par GUID, puis par libellé (sans tenir compte de la casse ni des espaces), puis
par le slug de sa marque ; sinon il devient un thème au slug tiré de son nom. La marque est retirée
de la description enregistrée. Chaque code reçoit une couleur : celle du thème, sinon une couleur
d'une palette lisible tirée du slug (la même d'un export à l'autre, quel que soit l'ordre).

Les lecteurs sont bornés (taille, imbrication ; ni alias YAML ni DTD XML) : un fichier piégé est
refusé avant de coûter de la mémoire.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from xml.etree import ElementTree as ET

import yaml

from collecte.modele.validation import ErreurValidation
from collecte.tableurs.ecriture import ecrire_csv, texte_de_cellule_csv
from collecte.tableurs.lecture_csv import decoder, lire_csv

ESPACE_GUID = uuid.UUID("5b1f6a52-31f4-4c35-9d1e-7a0c2b7f5e11")
NS_QDC = "urn:QDA-XML:codebook:1.0"
COLONNES_CSV = ["slug", "label", "description", "mots_cles", "couleur", "ordre", "parent"]
# Un millier de thèmes à la plus longue description permise (5 000 caractères) tient en 5 Mo ;
# l'exemple fait 10 Ko. Lire 5 Mo de YAML prend environ 5 s.
TAILLE_MAX = 5 * 1024 * 1024
# Un livre de codes YAML a cinq niveaux (document, themes, thème, mots-clés, mot) ; un .qdc, trois
# de plus que la hiérarchie des thèmes : 50 laisse une large marge, loin de la pile de Python.
PROFONDEUR_MAX = 50
MARQUE_SLUG = "[slug Parole : {slug}]"
_MARQUE = re.compile(r"\s*\[slug Parole : ([a-z0-9]+(?:-[a-z0-9]+)*)\]\s*$")
# Tableau 10 : dix couleurs distinctes, lisibles sur fond blanc comme sous un texte surligné.
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)


def guid_theme(demarche_slug: str, theme_slug: str) -> str:
    return str(uuid.uuid5(ESPACE_GUID, f"{demarche_slug}/theme/{theme_slug}"))


def couleur_theme(theme: dict) -> str:
    """La couleur du thème, sinon celle de la palette que désigne son slug (stable, sans hasard)."""
    if theme.get("couleur"):
        return theme["couleur"]
    rang = int.from_bytes(hashlib.sha256(theme["slug"].encode("utf-8")).digest()[:4], "big")
    return PALETTE[rang % len(PALETTE)]


def description_avec_slug(theme: dict) -> str:
    marque = MARQUE_SLUG.format(slug=theme["slug"])
    return f"{theme['description']}\n\n{marque}" if theme.get("description") else marque


def separer_marque(description: str) -> tuple[str, str]:
    """(description sans la marque, slug de la marque ou "")."""
    trouve = _MARQUE.search(description or "")
    if trouve is None:
        return description or "", ""
    return description[: trouve.start()], trouve.group(1)


def verifier_taille(contenu: bytes) -> None:
    if len(contenu) > TAILLE_MAX:
        taille = f"{len(contenu) / 1024 / 1024:.1f}".replace(".", ",")
        raise ErreurValidation(
            f"Le livre de codes fait {taille} Mo ; la limite est de {TAILLE_MAX // 1024 // 1024} Mo."
        )


class _ChargeurYaml(yaml.SafeLoader):
    """`SafeLoader` qui refuse ancres et alias et borne l'imbrication.

    Un livre de codes n'a aucune raison de partager des valeurs : refuser tout alias ferme la
    porte aux « billion laughs » sans avoir à compter les expansions."""

    profondeur = 0

    def compose_node(self, parent, index):
        evenement = self.peek_event()
        ligne = evenement.start_mark.line + 1
        if evenement.anchor is not None:
            raise ErreurValidation(
                f"Le fichier YAML utilise des alias (&, *) : écrivez chaque valeur en entier (ligne {ligne})."
            )
        if self.profondeur >= PROFONDEUR_MAX:
            raise ErreurValidation(
                f"Le fichier YAML est imbriqué sur plus de {PROFONDEUR_MAX} niveaux (ligne {ligne}) : "
                "ce n'est pas un livre de codes."
            )
        self.profondeur += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.profondeur -= 1


def lire_yaml(contenu: bytes) -> list[dict]:
    try:
        donnees = yaml.load(decoder(contenu, "Fichier YAML"), Loader=_ChargeurYaml)
    except yaml.YAMLError as erreur:
        ligne = getattr(getattr(erreur, "problem_mark", None), "line", None)
        ou = f" (ligne {ligne + 1})" if ligne is not None else ""
        raise ErreurValidation(f"YAML illisible{ou} : vérifiez l'indentation et les deux-points.") from None
    if not isinstance(donnees, dict) or not isinstance(donnees.get("themes"), list):
        raise ErreurValidation(
            "Le fichier YAML doit contenir une liste « themes: » (voir exemples/themes.yaml)."
        )
    themes = []
    for rang, entree in enumerate(donnees["themes"], start=1):
        if not isinstance(entree, dict):
            raise ErreurValidation(f"Thème n° {rang} : une entrée « slug: … label: … » est attendue.")
        themes.append(
            {
                **entree,
                "mots_cles": entree.get("keywords", entree.get("mots_cles")),
                "couleur": entree.get("color", entree.get("couleur")),
                "_lieu": f"Thème n° {rang}",
            }
        )
    return themes


def lire_csv_themes(contenu: bytes) -> list[dict]:
    colonnes, lignes = lire_csv(contenu, "Fichier CSV")
    manquantes = {"slug", "label"} - set(colonnes)
    if manquantes:
        raise ErreurValidation(f"Colonnes manquantes dans le CSV : {', '.join(sorted(manquantes))}.")
    return [{**_sans_apostrophe(ligne), "_lieu": f"Ligne {numero}"} for numero, ligne in lignes]


def _sans_apostrophe(ligne: dict) -> dict:
    """Retire l'apostrophe qui désamorce les formules : un CSV exporté se réimporte à l'identique."""
    return {colonne: texte_de_cellule_csv(v) if isinstance(v, str) else v for colonne, v in ligne.items()}


class ArbreBorne(ET.TreeBuilder):
    """Construit l'arbre XML en refusant DTD (donc entités) et imbrication au-delà de PROFONDEUR_MAX.

    `document` nomme ce qu'on lit (« un livre de codes », « un projet ») dans les messages."""

    def __init__(self, document: str):
        super().__init__()
        self.document = document
        self.profondeur = 0

    def start(self, tag, attributs):
        self.profondeur += 1
        if self.profondeur > PROFONDEUR_MAX:
            raise ErreurValidation(
                f"Le fichier XML est imbriqué sur plus de {PROFONDEUR_MAX} niveaux : "
                f"ce n'est pas {self.document}."
            )
        return super().start(tag, attributs)

    def end(self, tag):
        self.profondeur -= 1
        return super().end(tag)

    def doctype(self, nom, pubid, system):
        raise ErreurValidation(
            f"Le fichier XML déclare une DTD (<!DOCTYPE …>), refusée : {self.document} "
            "REFI-QDA n'en a pas besoin."
        )


def lire_xml(
    contenu,
    document: str = "un livre de codes",
    fichier: str = "un fichier .qdc",
    arbre: ArbreBorne | None = None,
) -> ET.Element:
    """Arbre d'un XML REFI-QDA (.qdc, ou project.qde d'un .qdpx), lu par `ArbreBorne` (ou `arbre`, qui
    en hérite : le projet .qdpx traite et vide ses sources au fil de la lecture). `contenu` : des octets
    ou un flux, lu par morceaux d'un mégaoctet."""
    analyseur = ET.XMLParser(target=arbre or ArbreBorne(document))
    try:
        if isinstance(contenu, bytes):
            analyseur.feed(contenu)
        else:
            while morceau := contenu.read(1024 * 1024):
                analyseur.feed(morceau)
        return analyseur.close()
    except ET.ParseError as erreur:
        raise ErreurValidation(
            f"XML illisible (ligne {erreur.position[0]}) : ce n'est pas {fichier} valide."
        ) from None


def lire_qdc(
    contenu: bytes,
    guids_connus: dict[str, str] | None = None,
    libelles_connus: dict[str, list[str]] | None = None,
) -> list[dict]:
    """Codes REFI-QDA → thèmes. Le slug d'un code : celui du thème existant de même GUID
    (`guids_connus`), sinon de même libellé (`libelles_connus` : clé `cle_libelle` → slugs dans l'ordre
    du livre de codes), sinon
    celui de sa marque Parole, sinon tiré de son nom (rendu unique dans le fichier)."""
    racine = lire_xml(contenu)
    if racine.tag != f"{{{NS_QDC}}}CodeBook":
        raise ErreurValidation(
            "Ce fichier n'est pas un livre de codes REFI-QDA (élément racine CodeBook attendu)."
        )
    codes = racine.find(f"{{{NS_QDC}}}Codes")
    if codes is None:
        raise ErreurValidation("Livre de codes sans élément Codes.")
    themes: list[dict] = []
    parcourir_codes(codes, "", themes, guids_connus or {}, libelles_connus or {})
    return themes


def cle_libelle(libelle: str) -> str:
    """Clé de rapprochement par libellé : casse et espaces ignorées."""
    return " ".join(str(libelle).split()).casefold()


def _slug_du_code(code, nom: str, marque: str, themes: list[dict], guids: dict, libelles: dict) -> str:
    from collecte.demarches import slugifier

    deja = {t["slug"] for t in themes}
    par_guid = guids.get(cle_guid(code.get("guid")))
    if par_guid and par_guid not in deja:
        return par_guid
    # Libellés en double (deux « Autre ») : chaque code prend le premier thème de ce libellé encore libre.
    par_libelle = next((s for s in libelles.get(cle_libelle(nom), ()) if s not in deja), None)
    if par_libelle or marque:
        return par_libelle or marque
    base = slugifier(nom) or "code"
    pris = deja | set(guids.values()) | {s for slugs in libelles.values() for s in slugs}
    slug, rang = base, 1
    while slug in pris:
        rang += 1
        slug = f"{base[:76]}-{rang}"
    return slug


def parcourir_codes(
    noeud,
    parent: str,
    themes: list[dict],
    guids: dict[str, str],
    libelles: dict[str, list[str]],
    espace: str = NS_QDC,
) -> None:
    """Les `<Code>` sous `noeud` (et leurs enfants) → thèmes ajoutés à `themes` ; `espace` : celui du
    .qdc ou celui du projet .qdpx. Chaque thème garde le GUID de son code (`_guid`), pour les codages."""
    for code in noeud.findall(f"{{{espace}}}Code"):
        nom = code.get("name")
        if not nom:
            raise ErreurValidation(f"Code n° {len(themes) + 1} sans attribut name.")
        element = code.find(f"{{{espace}}}Description")
        description, marque = separer_marque(element.text if element is not None else "")
        slug = _slug_du_code(code, nom, marque, themes, guids, libelles)
        themes.append(
            {
                "slug": slug,
                "label": nom,
                "description": description,
                "couleur": code.get("color", ""),
                "parent": parent,
                "_lieu": f"Code « {nom} »",
                "_guid": cle_guid(code.get("guid")),
            }
        )
        parcourir_codes(code, slug, themes, guids, libelles, espace)


def cle_guid(guid: str | None) -> str:
    """Un GUID comparable : sans accolades ni capitales, que le schéma REFI-QDA permet (« {8A0F…} »)."""
    return (guid or "").strip().strip("{}").lower()


def reperes_des_themes(themes, demarche_slug: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(GUID → slug, `cle_libelle` → slugs dans l'ordre du livre de codes) des thèmes d'une démarche :
    ce à quoi un code REFI-QDA importé est rapproché. `themes` : objets `Theme` dans l'ordre du livre."""
    guids = {guid_theme(demarche_slug, t.slug): t.slug for t in themes}
    libelles: dict[str, list[str]] = {}
    for theme in themes:
        libelles.setdefault(cle_libelle(theme.label), []).append(theme.slug)
    return guids, libelles


def exporter_csv(themes: list[dict]) -> bytes:
    """CSV « ; » en UTF-8 avec BOM (Excel l'ouvre correctement), sans formule exécutable."""
    return ecrire_csv(
        COLONNES_CSV,
        (
            [
                t["slug"],
                t["label"],
                t["description"],
                "; ".join(t["mots_cles"]),
                t["couleur"],
                t["ordre"],
                t.get("parent") or "",
            ]
            for t in themes
        ),
    )


class _EcrivainYaml(yaml.SafeDumper):
    """N'écrit jamais d'alias : la relecture les refuse."""

    def ignore_aliases(self, donnees) -> bool:
        return True


def exporter_yaml(themes: list[dict]) -> bytes:
    entrees = [
        {
            "slug": t["slug"],
            "label": t["label"],
            "description": t["description"],
            "keywords": t["mots_cles"],
            **({"color": t["couleur"]} if t["couleur"] else {}),
            **({"parent": t["parent"]} if t.get("parent") else {}),
        }
        for t in themes
    ]
    return yaml.dump(
        {"version": 1, "themes": entrees}, Dumper=_EcrivainYaml, allow_unicode=True, sort_keys=False
    ).encode("utf-8")


def element_codes(themes: list[dict], demarche_slug: str, espace: str = NS_QDC) -> ET.Element:
    """Élément <Codes> (imbriqué selon les parents), couleur et marque du slug sur chaque code ; sert au
    .qdc et au projet .qdpx."""
    codes = ET.Element(f"{{{espace}}}Codes")
    elements = {}
    for t in themes:
        attributs = {
            "guid": guid_theme(demarche_slug, t["slug"]),
            "name": t["label"],
            "isCodable": "true",
            "color": couleur_theme(t),
        }
        element = ET.Element(f"{{{espace}}}Code", attributs)
        ET.SubElement(element, f"{{{espace}}}Description").text = description_avec_slug(t)
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
