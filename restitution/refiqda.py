"""Projet REFI-QDA (`.qdpx`), selon ../shared/formats.md §2 et refi-qda/Project.xsd.

Une archive ZIP : `project.qde` (XML, espace de noms urn:QDA-XML:project:1.0) et `sources/`
(minuscules), un fichier texte UTF-8 sans BOM par parole. Chaque parole est une source texte
dont toute l'étendue (positions en points de code Unicode, fin exclue) est codée avec ses
thèmes, et porte ses métadonnées en variables de source ; chaque temps de collecte est un cas, qui
porte ses propres variables (dispositif, territoire, structure, date du temps) sous d'autres GUID et
d'autres noms (« ville (temps de collecte) ») : QualCoder range les variables par nom et par GUID,
une variable partagée deviendrait un attribut de cas et les valeurs des sources seraient perdues.
Chaque dispositif est un ensemble (`<Sets>`) de sources.

Utilisateurs : Parole ne garde pas l'auteur de chaque étiquette ; une source et ses codages portent
le membre de l'équipe qui a modifié (étiqueté) la parole en dernier, à défaut qui l'a saisie
(`collecte.themes.gestion.codeurs_des_paroles`, nom affiché seulement), sinon l'utilisateur
« Parole » (paroles importées d'un classeur), qui crée aussi le projet. Dates : saisie et dernière
modification de la parole ; le projet est créé à la création de la démarche et modifié à l'export.
Les codes n'ont ni utilisateur ni date : Project.xsd ne le permet pas sur `<Code>`.

Les GUID sont dérivés (uuid5) : réexporter donne les mêmes, et les codes sont ceux du `.qdc`.
Le XML est écrit au fil de l'eau : la mémoire ne dépend pas du nombre de paroles.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import zipfile
from contextlib import ExitStack
from datetime import UTC, datetime
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

from collecte.modele.champs import registre
from collecte.modele.models import DISPOSITIFS
from collecte.themes.formats import element_codes, guid_theme

NS = "urn:QDA-XML:project:1.0"
ESPACE = uuid.UUID("8d0e4c1a-6b7f-4e2a-9c35-1f2d3b4a5c6d")
UTILISATEUR_PAROLE = "Parole"
# (clé de la parole, nom de la variable de source) : le contexte, qui vient du temps de collecte, puis
# les champs de la parole que déclare `collecte.modele.champs`.
VARIABLES_CONTEXTE = [
    ("dispositif", "dispositif"),
    ("ville", "ville"),
    ("quartier", "quartier"),
    ("structure", "structure"),
    ("temps_ref", "temps de collecte"),
]
# Variables des cas (temps de collecte) : ce qui appartient au temps, à son territoire et à sa structure.
VARIABLES_CAS = [
    ("dispositif", "dispositif"),
    ("ville", "ville"),
    ("quartier", "quartier"),
    ("structure", "structure"),
    ("typologie", "typologie de la structure"),
]
SUFFIXE_CAS = " (temps de collecte)"


def variables() -> list[tuple[str, str]]:
    """(clé de la parole, nom) des variables texte des sources."""
    return VARIABLES_CONTEXTE + [(c.nom, c.refiqda) for c in registre() if c.refiqda]


def guid(*parties) -> str:
    return str(uuid.uuid5(ESPACE, "/".join(str(p) for p in parties)))


def guid_variable_cas(slug: str, nom: str) -> str:
    return guid(slug, "variable-cas", nom)


def instant(moment: datetime | None) -> str:
    """xsd:dateTime en UTC à la seconde ; une date-heure naïve (SQLite) est déjà en UTC."""
    moment = moment or datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _variable(guid_: str, nom: str, type_: str) -> str:
    return f'<Variable guid="{guid_}" name={quoteattr(nom)} typeOfVariable="{type_}"/>'


def _variables_xml(slug: str) -> str:
    elements = [_variable(guid(slug, "variable", nom), nom, "Text") for _cle, nom in variables()]
    elements.append(_variable(guid(slug, "variable", "date"), "date", "Date"))
    elements.append(_variable(guid(slug, "variable", "a_retenir"), "à retenir", "Boolean"))
    elements += [
        _variable(guid_variable_cas(slug, nom), nom + SUFFIXE_CAS, "Text") for _c, nom in VARIABLES_CAS
    ]
    elements.append(_variable(guid_variable_cas(slug, "date"), "date" + SUFFIXE_CAS, "Date"))
    return "<Variables>" + "".join(elements) + "</Variables>"


def _valeur(guid_variable: str, balise: str, valeur: str) -> str:
    return (
        f'<VariableValue><VariableRef targetGUID="{guid_variable}"/>'
        f"<{balise}>{escape(valeur)}</{balise}></VariableValue>"
    )


class Utilisateurs:
    """Les membres de l'équipe rencontrés comme codeurs (GUID → nom affiché), et « Parole »."""

    def __init__(self, slug: str):
        self.slug = slug
        self.parole = guid(slug, "utilisateur", "parole")
        self.noms = {self.parole: UTILISATEUR_PAROLE}

    def guid(self, codeur: tuple | None) -> str:
        if not codeur or codeur[0] is None:
            return self.parole
        compte = guid(self.slug, "utilisateur", codeur[0])
        self.noms.setdefault(compte, codeur[1] or UTILISATEUR_PAROLE)
        return compte

    def xml(self) -> str:
        return (
            "<Users>"
            + "".join(f'<User guid="{g}" name={quoteattr(nom)}/>' for g, nom in self.noms.items())
            + "</Users>"
        )


def _source_xml(slug: str, parole: dict, codeur: tuple | None, utilisateurs: Utilisateurs) -> tuple[str, str]:
    """(élément TextSource, texte du fichier) d'une parole."""
    source = guid(slug, "source", parole["client_uuid"])
    texte = str(parole["texte"])
    qui = utilisateurs.guid(codeur)
    cree = instant(parole.get("cree_le"))
    modifie = instant(codeur[2]) if codeur and codeur[2] else cree
    auteurs = f'creatingUser="{qui}" creationDateTime="{cree}"'
    modification = f'modifyingUser="{qui}" modifiedDateTime="{modifie}"'
    codages = "".join(
        (
            f'<Coding guid="{guid(slug, "codage", parole["client_uuid"], theme)}" '
            f'creatingUser="{qui}" creationDateTime="{modifie}">'
            f'<CodeRef targetGUID="{guid_theme(slug, theme)}"/></Coding>'
        )
        for theme in parole["themes"]
    )
    selection = (
        (
            f'<PlainTextSelection guid="{guid(slug, "selection", parole["client_uuid"])}" '
            f'name="parole entière" startPosition="0" endPosition="{len(texte)}" {auteurs} {modification}>'
            f"{codages}</PlainTextSelection>"
        )
        if codages
        else ""
    )
    valeurs = "".join(
        _valeur(guid(slug, "variable", nom), "TextValue", str(parole.get(cle) or ""))
        for cle, nom in variables()
        if parole.get(cle)
    )
    if parole.get("date"):
        valeurs += _valeur(guid(slug, "variable", "date"), "DateValue", parole["date"].isoformat())
    drapeau = "true" if parole["a_retenir"] else "false"
    valeurs += _valeur(guid(slug, "variable", "a_retenir"), "BooleanValue", drapeau)
    nom = f"{parole['temps_ref']} · {parole['id']}"
    element = (
        f'<TextSource guid="{source}" name={quoteattr(nom)} plainTextPath="internal://{source}.txt" '
        f"{auteurs} {modification}>{selection}{valeurs}</TextSource>"
    )
    return element, texte


def _cas_xml(slug: str, temps: dict, sources: list[str]) -> str:
    valeurs = "".join(
        _valeur(guid_variable_cas(slug, nom), "TextValue", str(temps.get(cle) or ""))
        for cle, nom in VARIABLES_CAS
        if temps.get(cle)
    )
    if temps.get("date"):
        valeurs += _valeur(guid_variable_cas(slug, "date"), "DateValue", temps["date"].isoformat())
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
    démarche, le livre de codes, `lots()`, appelé deux fois (une passe pour les cas et les ensembles,
    une pour les sources), et `codeurs(ids)`. Renvoie le nombre de sources.

    Le corps du XML passe par un fichier temporaire : les utilisateurs, qui le précèdent, ne sont
    connus qu'après les sources (une archive ZIP n'écrit qu'une entrée à la fois)."""
    demarche, slug = matiere.demarche, matiere.demarche.slug
    utilisateurs = Utilisateurs(slug)
    with (
        zipfile.ZipFile(sortie, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        tempfile.TemporaryFile() as corps,
        ExitStack() as membres,
    ):
        ecrire_xml = lambda morceau: corps.write(morceau.encode("utf-8"))  # noqa: E731
        if matiere.themes:
            ecrire_xml(_codebook_xml(matiere.themes, slug))
        ecrire_xml(_variables_xml(slug))
        ensembles = _ecrire_cas(slug, matiere.lots(), ecrire_xml, membres)
        nombre = _ecrire_sources(slug, matiere, ecrire_xml, archive, utilisateurs, progression)
        _ecrire_ensembles(slug, ensembles, ecrire_xml, corps)
        corps.seek(0)
        with archive.open("project.qde", "w") as entree:
            entree.write(_ouverture(demarche, utilisateurs).encode("utf-8"))
            shutil.copyfileobj(corps, entree, 1 << 20)
            entree.write(b"</Project>\n")
    return nombre


def _ouverture(demarche, utilisateurs: Utilisateurs) -> str:
    parole = utilisateurs.parole
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<Project xmlns="{NS}" name={quoteattr(demarche.titre)} origin="Parole" '
        f'creatingUserGUID="{parole}" creationDateTime="{instant(demarche.cree_le)}" '
        f'modifyingUserGUID="{parole}" modifiedDateTime="{instant(None)}">' + utilisateurs.xml()
    )


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


def _ecrire_cas(slug: str, lots, ecrire_xml, membres: ExitStack) -> dict:
    """Écrit les cas ; renvoie, par dispositif, un fichier temporaire des `<MemberSource>` de son ensemble."""
    ouvert, ensembles = False, {}
    for temps, sources in _cas_successifs(slug, lots):
        ecrire_xml(("" if ouvert else "<Cases>") + _cas_xml(slug, temps, sources))
        ouvert = True
        fichier = ensembles.get(temps["dispositif"])
        if fichier is None:  # fermé par `membres` (ExitStack) à la fin de l'export
            fichier = membres.enter_context(tempfile.TemporaryFile())  # noqa: SIM115
            ensembles[temps["dispositif"]] = fichier
        fichier.write("".join(f'<MemberSource targetGUID="{s}"/>' for s in sources).encode("utf-8"))
    if ouvert:
        ecrire_xml("</Cases>")
    return ensembles


def _ecrire_ensembles(slug: str, ensembles: dict, ecrire_xml, corps) -> None:
    """Un ensemble par dispositif, dans l'ordre du vocabulaire ; rien s'il n'y a aucune source."""
    if not ensembles:
        return
    ordre = list(DISPOSITIFS)
    ecrire_xml("<Sets>")
    for dispositif in sorted(ensembles, key=lambda d: (ordre.index(d) if d in ordre else len(ordre), d)):
        libelle = DISPOSITIFS.get(dispositif, dispositif)
        ecrire_xml(
            f'<Set guid="{guid(slug, "ensemble", dispositif)}" name={quoteattr(libelle)}>'
            f"<Description>{escape(f'Paroles recueillies par le dispositif « {libelle} ».')}</Description>"
        )
        fichier = ensembles[dispositif]
        fichier.seek(0)
        shutil.copyfileobj(fichier, corps, 1 << 20)
        ecrire_xml("</Set>")
    ecrire_xml("</Sets>")


def _ecrire_sources(slug: str, matiere, ecrire_xml, archive, utilisateurs: Utilisateurs, progression) -> int:
    nombre = 0
    for lot in matiere.lots():
        codeurs = matiere.codeurs([parole["id"] for parole in lot])
        morceaux = []
        for parole in lot:
            element, texte = _source_xml(slug, parole, codeurs.get(parole["id"]), utilisateurs)
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
