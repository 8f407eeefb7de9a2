"""Projet REFI-QDA (`.qdpx`), selon ../shared/formats.md §2 et refi-qda/Project.xsd.

Une archive ZIP : `project.qde` (XML, espace de noms urn:QDA-XML:project:1.0) et `sources/`
(minuscules), un fichier texte UTF-8 sans BOM par parole. Chaque parole est une source texte
dont toute l'étendue (positions en points de code Unicode, fin exclue) est codée avec ses
thèmes, et porte ses métadonnées en variables ; chaque temps de collecte est un cas.
Les GUID sont dérivés (uuid5) : réexporter donne les mêmes, et les codes sont ceux du `.qdc`.
Le XML est écrit au fil de l'eau : la mémoire ne dépend pas du nombre de paroles.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import zipfile
from datetime import UTC, datetime
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from collecte.modele.champs import registre
from collecte.themes.formats import element_codes, guid_theme

NS = "urn:QDA-XML:project:1.0"
ESPACE = uuid.UUID("8d0e4c1a-6b7f-4e2a-9c35-1f2d3b4a5c6d")
# (clé de la parole, nom de la variable) : le contexte, qui vient du temps de collecte (et porte aussi les
# cas), puis les champs de la parole que déclare `collecte.modele.champs`.
VARIABLES_CONTEXTE = [
    ("dispositif", "dispositif"),
    ("ville", "ville"),
    ("quartier", "quartier"),
    ("structure", "structure"),
    ("temps_ref", "temps de collecte"),
]


def variables() -> list[tuple[str, str]]:
    return VARIABLES_CONTEXTE + [(c.nom, c.refiqda) for c in registre() if c.refiqda]


def guid(*parties) -> str:
    return str(uuid.uuid5(ESPACE, "/".join(str(p) for p in parties)))


def _variables_xml(slug: str) -> str:
    elements = [
        f'<Variable guid="{guid(slug, "variable", nom)}" name={quoteattr(nom)} typeOfVariable="Text"/>'
        for _cle, nom in variables()
    ]
    elements.append(f'<Variable guid="{guid(slug, "variable", "date")}" name="date" typeOfVariable="Date"/>')
    elements.append(
        f'<Variable guid="{guid(slug, "variable", "a_retenir")}" name="à retenir" typeOfVariable="Boolean"/>'
    )
    return "<Variables>" + "".join(elements) + "</Variables>"


def _valeur(slug: str, nom: str, balise: str, valeur: str) -> str:
    return (
        f'<VariableValue><VariableRef targetGUID="{guid(slug, "variable", nom)}"/>'
        f"<{balise}>{escape(valeur)}</{balise}></VariableValue>"
    )


def _source_xml(slug: str, parole: dict) -> tuple[str, str]:
    """(élément TextSource, texte du fichier) d'une parole."""
    source = guid(slug, "source", parole["client_uuid"])
    texte = str(parole["texte"])
    codages = "".join(
        (
            f'<Coding guid="{guid(slug, "codage", parole["client_uuid"], theme)}">'
            f'<CodeRef targetGUID="{guid_theme(slug, theme)}"/></Coding>'
        )
        for theme in parole["themes"]
    )
    selection = (
        (
            f'<PlainTextSelection guid="{guid(slug, "selection", parole["client_uuid"])}" '
            f'name="parole entière" startPosition="0" endPosition="{len(texte)}">'
            f"{codages}</PlainTextSelection>"
        )
        if codages
        else ""
    )
    valeurs = "".join(
        _valeur(slug, nom, "TextValue", str(parole.get(cle) or ""))
        for cle, nom in variables()
        if parole.get(cle)
    )
    if parole.get("date"):
        valeurs += _valeur(slug, "date", "DateValue", parole["date"].isoformat())
    valeurs += _valeur(slug, "a_retenir", "BooleanValue", "true" if parole["a_retenir"] else "false")
    nom = f"{parole['temps_ref']} · {parole['id']}"
    element = (
        f'<TextSource guid="{source}" name={quoteattr(nom)} plainTextPath="internal://{source}.txt">'
        f"{selection}{valeurs}</TextSource>"
    )
    return element, texte


def _cas_xml(slug: str, temps: dict, sources: list[str]) -> str:
    valeurs = "".join(
        _valeur(slug, nom, "TextValue", str(temps.get(cle) or ""))
        for cle, nom in VARIABLES_CONTEXTE
        if temps.get(cle)
    )
    refs = "".join(f'<SourceRef targetGUID="{s}"/>' for s in sources)
    return (
        f'<Case guid="{guid(slug, "cas", temps["temps_id"])}" '
        f"name={quoteattr(temps['temps_ref'])}>{valeurs}{refs}</Case>"
    )


def _codebook_xml(themes: list[dict], slug: str) -> str:
    ET.register_namespace("", NS)
    codes = element_codes(themes, slug, NS)
    return (
        "<CodeBook>" + ET.tostring(codes, encoding="unicode").replace(f' xmlns="{NS}"', "", 1) + "</CodeBook>"
    )


def ecrire(matiere, sortie, progression=None) -> int:
    """Écrit le projet dans `sortie` (binaire). `matiere` (voir `restitution.exports`) donne la
    démarche, le livre de codes et `lots()`, appelé deux fois : une passe pour les cas (temps de
    collecte), une pour les sources. Renvoie le nombre de sources.

    Le XML passe par un fichier temporaire (une archive ZIP n'écrit qu'une entrée à la fois)."""
    demarche, themes, lots_par_passe = matiere.demarche, matiere.themes, matiere.lots
    slug = demarche.slug
    instant = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    with (
        zipfile.ZipFile(sortie, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryFile() as qde,
    ):
        ecrire_xml = lambda morceau: qde.write(morceau.encode("utf-8"))  # noqa: E731
        ecrire_xml('<?xml version="1.0" encoding="utf-8"?>\n')
        ecrire_xml(
            f'<Project xmlns="{NS}" name={quoteattr(demarche.titre)} origin="Parole" '
            f'creationDateTime="{instant}">'
        )
        if themes:
            ecrire_xml(_codebook_xml(themes, slug))
        ecrire_xml(_variables_xml(slug))
        _ecrire_cas(slug, lots_par_passe(), ecrire_xml)
        nombre = _ecrire_sources(slug, lots_par_passe(), ecrire_xml, archive, progression)
        ecrire_xml("</Project>\n")
        qde.seek(0)
        with archive.open("project.qde", "w") as entree:
            shutil.copyfileobj(qde, entree, 1 << 20)
    return nombre


def _cas_successifs(slug: str, lots):
    """(première parole du temps, GUID de ses sources) pour chaque temps, dans l'ordre des lots."""
    courant, sources = None, []
    for lot in lots:
        for parole in lot:
            if courant is not None and parole["temps_id"] != courant["temps_id"]:
                yield courant, sources
                sources = []
            if not sources:
                courant = parole
            sources.append(guid(slug, "source", parole["client_uuid"]))
    if courant is not None:
        yield courant, sources


def _ecrire_cas(slug: str, lots, ecrire_xml) -> None:
    ouvert = False
    for temps, sources in _cas_successifs(slug, lots):
        ecrire_xml(("" if ouvert else "<Cases>") + _cas_xml(slug, temps, sources))
        ouvert = True
    if ouvert:
        ecrire_xml("</Cases>")


def _ecrire_sources(slug: str, lots, ecrire_xml, archive, progression) -> int:
    nombre = 0
    for lot in lots:
        morceaux = []
        for parole in lot:
            element, texte = _source_xml(slug, parole)
            source = guid(slug, "source", parole["client_uuid"])
            archive.writestr(f"sources/{source}.txt", texte.encode("utf-8"))
            morceaux.append(element)
        if morceaux:
            ecrire_xml(("<Sources>" if nombre == 0 else "") + "".join(morceaux))
        nombre += len(morceaux)
        if progression:
            progression(len(lot))
    if nombre:
        ecrire_xml("</Sources>")
    return nombre
