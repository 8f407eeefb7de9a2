"""Projet REFI-QDA (`.qdpx`) d'un autre logiciel (QualCoder, ATLAS.ti, MAXQDA…) ou de Parole, traduit en
`Classeur` : mêmes feuilles et mêmes colonnes que l'import d'un classeur (themes, structures, temps,
contributions), qui l'écrit ensuite avec ses validations, ses messages, son rapport et sa rejouabilité.

- Codes → feuille themes (`formats.parcourir_codes`, comme un `.qdc`) : slug de la marque Parole, sinon
  du thème existant de même GUID puis de même libellé (`reperes`), sinon tiré du nom.
- Sources texte → paroles ; codages → thèmes de la parole. Une source plus longue qu'une parole ne peut
  l'être (registre des champs) donne une parole par passage codé ; son texte non codé n'est pas repris.
- Variables de source dont le nom est celui d'un champ (nom REFI-QDA ou libellé, registre des champs) →
  ce champ ; celles qui portent le nom d'une colonne de la feuille temps → le temps de la parole.
- Temps : la variable « temps de collecte » (export de Parole), sinon le cas de la source, sinon un
  temps au nom du projet ; dispositif « autre » et date de création du projet à défaut.
- Ni utilisateurs (aucun compte créé), ni notes, ni sources PDF, image, audio ou vidéo : signalés.

Lecture bornée : taille décompressée annoncée vérifiée avant toute lecture (zipfile n'en lit jamais
plus), XML lu sans DTD ni entités (`formats.lire_xml`), au fil de l'eau (`_ArbreDuProjet` : chaque
source est vidée une fois traduite), fichiers pris dans le dossier `sources/` de l'archive seulement.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date

from collecte.modele.champs import CHOIX, DRAPEAU, TEXTE, champ, registre
from collecte.modele.models import DISPOSITIFS, TYPOLOGIES
from collecte.modele.validation import ErreurValidation
from collecte.tableurs.lecture import ILLISIBLE, TAILLE_DECOMPRESSEE_MAX, Classeur, Feuille
from collecte.tableurs.lecture_csv import normaliser_colonne
from collecte.themes.formats import ArbreBorne, cle_guid, cle_libelle, lire_xml, parcourir_codes

NS = "urn:QDA-XML:project:1.0"
# Noms de variables qu'écrit l'export de Parole (`restitution/refiqda.py`) et qu'aucune colonne ne donne :
# tests/test_import_qdpx.py vérifie qu'ils n'ont pas dérivé.
VARIABLE_TEMPS = "temps de collecte"
SUFFIXE_CAS = f" ({VARIABLE_TEMPS})"
VARIABLE_TYPOLOGIE = "typologie de la structure"
INTERNE = "internal://"
NOMS_CITES = 10  # sources ignorées nommées dans le rapport, par raison
_SOURCES_AUTRES = {"PDFSource", "PictureSource", "AudioSource", "VideoSource"}
# Leur texte, quand le logiciel l'exporte : version texte d'un PDF, transcriptions d'un enregistrement.
_TEXTES_DES_MEDIAS = {"PDFSource": "Representation", "AudioSource": "Transcript", "VideoSource": "Transcript"}
_SELECTIONS_DES_MEDIAS = ("PDFSelection", "AudioSelection", "VideoSelection")
_VOCABULAIRES_TEMPS = {"dispositif": DISPOSITIFS}


def _q(nom: str) -> str:
    return f"{{{NS}}}{nom}"


@dataclass
class Reperes:
    """Les thèmes de la démarche visée : GUID → slug, `cle_libelle` → slugs, et slug → (mots-clés, ordre),
    que REFI-QDA ne transporte pas et qu'un thème existant garde."""

    guids: dict[str, str] = field(default_factory=dict)
    libelles: dict[str, list[str]] = field(default_factory=dict)
    gardes: dict[str, tuple[str, int]] = field(default_factory=dict)


def reperes_de_la_demarche(session, slug: str | None) -> Reperes | None:
    """Repères des thèmes de la démarche `slug` (dans l'ordre du livre de codes) ; None si elle n'existe
    pas encore."""
    from collecte.demarches import demarche_par_slug, slugifier
    from collecte.themes.formats import reperes_des_themes
    from collecte.themes.gestion import themes_dans_l_ordre

    demarche = demarche_par_slug(session, slugifier(slug)) if slug else None
    if demarche is None:
        return None
    themes = themes_dans_l_ordre(session, demarche.id)
    guids, libelles = reperes_des_themes(themes, demarche.slug)
    return Reperes(guids, libelles, {t.slug: ("; ".join(t.mots_cles), t.ordre) for t in themes})


# --- Archive et XML ----------------------------------------------------------------------------


def _ouvrir(contenu: bytes) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(contenu))
    except ILLISIBLE:
        raise ErreurValidation(
            "Ce fichier n'est pas un projet REFI-QDA .qdpx (une archive ZIP est attendue) : exportez le "
            "projet depuis votre logiciel d'analyse (QualCoder, ATLAS.ti, MAXQDA : « Exporter », REFI-QDA)."
        ) from None
    if sum(m.file_size for m in archive.infolist()) > TAILLE_DECOMPRESSEE_MAX:
        raise ErreurValidation(
            "Projet trop volumineux une fois décompressé (plus de "
            f"{TAILLE_DECOMPRESSEE_MAX // 1024**2} Mo) : "
            "exportez-le sans ses fichiers audio, vidéo, images et PDF, qui ne sont pas importés."
        )
    return archive


def _lire_qde(archive: zipfile.ZipFile, lecteur: _Lecteur) -> None:
    """Lit project.qde au fil de l'eau (`_ArbreDuProjet`) : le lecteur reçoit chaque partie à sa fin."""
    qde = next((m for m in archive.infolist() if m.filename.lower() == "project.qde"), None)
    if qde is None:
        raise ErreurValidation(
            "Cette archive ne contient pas de fichier project.qde : ce n'est pas un projet REFI-QDA "
            ".qdpx (exportez le projet entier, pas seulement le livre de codes)."
        )
    try:
        with archive.open(qde) as flux:
            lire_xml(flux, "un projet", "un projet .qdpx", _ArbreDuProjet(lecteur))
    except ErreurValidation:
        raise
    # Ce que la décompression lève (données abîmées, chiffrement, méthode inconnue) ; pas KeyError ni
    # ValueError, qui viendraient d'une erreur de ce module et ne doivent pas passer pour une archive abîmée.
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        raise ErreurValidation(
            "Archive .qdpx abîmée : project.qde ne se lit pas. Exportez-la à nouveau."
        ) from None


class _ArbreDuProjet(ArbreBorne):
    """L'arbre du projet, construit au fil de la lecture : le livre de codes, les variables et les cas
    sont remis au lecteur à leur fin, chaque source aussi, puis vidée. Ces parties viennent dans cet
    ordre (Project.xsd) ; la mémoire ne dépend donc pas du nombre de sources (un projet de 100 000
    paroles fait 230 Mo de XML : 1,7 Go lu en arbre entier)."""

    def __init__(self, lecteur: _Lecteur):
        super().__init__("un projet")
        self.lecteur = lecteur
        self.partie = ""

    def start(self, tag, attributs):
        element = super().start(tag, attributs)
        if self.profondeur == 1:
            self.lecteur.projet(element)
        elif self.profondeur == 2:
            self.partie = tag
        return element

    def end(self, tag):
        profondeur = self.profondeur
        element = super().end(tag)
        if profondeur == 2:
            self.lecteur.partie(element)
        elif profondeur == 3 and self.partie == _q("Sources"):
            self.lecteur.source_lue(element)
            element.clear()
        return element


def _chemin_interne(source, chemin: str) -> str | None:
    """Nom du fichier dans l'archive (« sources/… ») ; None pour un fichier lié hors du projet."""
    if not chemin.startswith(INTERNE):
        return None
    reste = chemin[len(INTERNE) :]
    parties = reste.split("/")
    if not reste or "\\" in reste or ":" in reste or any(p in ("", ".", "..") for p in parties):
        raise ErreurValidation(
            f"Source « {_nom(source)} » : le chemin « {chemin} » sort du dossier sources/ de l'archive, ce "
            "qui est refusé. Exportez à nouveau le projet depuis votre logiciel d'analyse."
        )
    return "sources/" + reste


def _nom(element) -> str:
    return element.get("name") or element.get("guid") or "sans nom"


# --- Lecture du projet -------------------------------------------------------------------------


class _Lecteur:
    """Parcourt le projet une fois et remplit les lignes des feuilles."""

    def __init__(self, archive: zipfile.ZipFile, reperes: Reperes | None):
        self.archive, self.reperes = archive, reperes
        self.racine = None  # l'élément Project (ses sources sont vidées une fois lues)
        self.themes: list[dict] = []
        self.slugs: dict[str, str] = {}  # GUID de code → slug du thème
        self.par_source: dict[str, tuple[str, dict, dict]] = {}  # voir `lire_cas`
        self.notes = False
        self.fichiers = {m.filename.lower(): m for m in archive.infolist()}
        self.avertissements: list[str] = []
        self.inconnues: dict[str, None] = {}  # noms de variables ignorés, dans l'ordre
        self.ignorees: dict[str, list[str]] = {}  # raison → noms des sources
        self.codages_inconnus = 0
        self.codages_medias = 0  # posés sur une zone de PDF ou un extrait audio ou vidéo : sans texte
        self.decoupees = 0
        self.variables: dict[str, str] = {}  # GUID → nom
        self.champs = _champs_par_nom()
        self.colonnes_temps = _colonnes_temps()
        self.limite = champ("texte").longueur_max
        self.temps: dict[str, dict] = {}  # ref → valeurs de la feuille temps
        self.paroles: list[dict] = []

    # Parties du projet, dans l'ordre de Project.xsd
    def projet(self, racine) -> None:
        if racine.tag != _q("Project"):
            raise ErreurValidation(
                "project.qde n'est pas un projet REFI-QDA (élément racine Project de l'espace de noms "
                f"{NS} attendu)."
            )
        self.racine = racine
        self.projet_sans_cas = _nom(racine)[:80], {"date": _date_projet(racine)}, {}

    def partie(self, element) -> None:
        if element.tag == _q("CodeBook"):
            self.lire_codes(element)
        elif element.tag == _q("Variables"):
            self.variables = {
                cle_guid(v.get("guid")): v.get("name") or "" for v in element.iterfind(_q("Variable"))
            }
        elif element.tag == _q("Cases"):
            self.lire_cas(element)
        elif element.tag == _q("Notes"):
            self.notes = True

    def source_lue(self, source) -> None:
        balise = source.tag.rsplit("}", 1)[-1]
        if balise == "TextSource":
            self.source(source, source)
            return
        textes = list(source.iterfind(_q(_TEXTES_DES_MEDIAS[balise]))) if balise in _TEXTES_DES_MEDIAS else []
        if textes:  # un PDF avec sa version texte, un enregistrement avec ses transcriptions
            for texte in textes:
                self.source(texte, source)
            for nom in _SELECTIONS_DES_MEDIAS:
                self.codages_medias += sum(1 for _ in source.iterfind(f"{_q(nom)}/{_q('Coding')}"))
        elif balise in _SOURCES_AUTRES:
            self.ignorer(source, "PDF, images, audio ou vidéo sans texte")

    # Thèmes
    def lire_codes(self, livre) -> None:
        codes = livre.find(_q("Codes"))
        themes: list[dict] = []
        if codes is not None:
            reperes = self.reperes or Reperes()
            parcourir_codes(codes, "", themes, reperes.guids, reperes.libelles, NS)
        self.themes = themes
        self.slugs = {t["_guid"]: t["slug"] for t in themes}
        for theme in themes:
            if len(theme["couleur"]) == 4:  # « #f80 », que REFI-QDA permet : « #ff8800 »
                theme["couleur"] = "#" + "".join(2 * c for c in theme["couleur"][1:])
            mots_cles, ordre = (self.reperes.gardes if self.reperes else {}).get(theme["slug"], ("", ""))
            theme.update(mots_cles=mots_cles, ordre=ordre)

    # Variables
    def valeurs(self, element) -> list[tuple[str, str]]:
        """(nom de la variable, valeur en texte) des `<VariableValue>` d'un élément."""
        paires = []
        for valeur in element.iterfind(_q("VariableValue")):
            ref = valeur.find(_q("VariableRef"))
            nom = self.variables.get(cle_guid(ref.get("targetGUID") if ref is not None else ""), "")
            texte = next((e.text for e in valeur if e.tag != _q("VariableRef")), None)
            if nom and texte and texte.strip():
                paires.append((nom, texte.strip()))
        return paires

    def ranger(self, nom: str, valeur: str, champs: dict, temps: dict) -> None:
        """Une variable → champ de la parole, colonne du temps, typologie de la structure, ou ignorée."""
        sans_suffixe = nom[: -len(SUFFIXE_CAS)] if nom.endswith(SUFFIXE_CAS) else nom
        colonne = "ref" if nom == VARIABLE_TEMPS else normaliser_colonne(sans_suffixe)
        if cle_libelle(nom) in self.champs:
            c = self.champs[cle_libelle(nom)]
            champs.setdefault(c.nom, _code(valeur, c.vocabulaire) if c.sorte == CHOIX else valeur)
        elif colonne in self.colonnes_temps:
            if colonne.startswith("date") and valeur[10:11] == "T":  # DateTimeValue : le jour seulement
                valeur = valeur[:10]
            temps.setdefault(colonne, _code(valeur, _VOCABULAIRES_TEMPS.get(colonne)))
        elif sans_suffixe == VARIABLE_TYPOLOGIE:
            temps.setdefault("typologie", _code(valeur, TYPOLOGIES))
        else:
            self.inconnues.setdefault(nom)

    # Cas
    def lire_cas(self, cases) -> None:
        """`par_source` : GUID de source → (nom du cas, valeurs de temps, valeurs de champs du cas : celles
        de ses paroles, faute de variable de source) ; le premier cas d'une source l'emporte."""
        par_source = self.par_source
        plusieurs = 0
        for cas in cases.iterfind(_q("Case")):
            temps, champs = {}, {}
            for nom, valeur in self.valeurs(cas):
                self.ranger(nom, valeur, champs, temps)
            for ref in cas.iterfind(_q("SourceRef")):
                cle = cle_guid(ref.get("targetGUID"))
                plusieurs += cle in par_source
                par_source.setdefault(cle, (_nom(cas), temps, champs))
        if plusieurs:
            self.avertissements.append(
                f"{plusieurs} source(s) appartiennent à plusieurs cas : chacune va au temps de son "
                "premier cas."
            )

    # Sources
    def texte(self, element, source) -> str | None:
        """Le texte de `element` (la source, ou la version texte ou la transcription d'un média `source`)."""
        contenu = element.find(_q("PlainTextContent"))
        if contenu is not None:
            return contenu.text or ""
        chemin = element.get("plainTextPath") or ""
        if not chemin:
            return self.ignorer(source, "sans texte brut (seulement un fichier mis en forme)")
        interne = _chemin_interne(source, chemin)
        if interne is None:
            return self.ignorer(source, "liées à un fichier hors du projet (absolute://, relative://)")
        # Dossier « sources/ » ou « Sources/ » selon le logiciel ; certains écrivent aussi le dossier dans
        # le chemin (« internal://Sources/x.txt »).
        reste = interne[len("sources/") :]
        membre = self.fichiers.get(interne.lower()) or self.fichiers.get(reste.lower())
        if membre is None:
            return self.ignorer(source, "dont le fichier manque dans l'archive")
        try:
            return self.archive.read(membre).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ErreurValidation(
                f"Source « {_nom(source)} » : le fichier {interne} n'est pas en UTF-8, comme REFI-QDA "
                "l'exige. Exportez à nouveau le projet."
            ) from None
        except ILLISIBLE:
            raise ErreurValidation(
                f"Archive .qdpx abîmée : {interne} ne se lit pas. Exportez-la à nouveau."
            ) from None

    def ignorer(self, source, raison: str) -> None:
        self.ignorees.setdefault(raison, []).append(_nom(source))

    def codes(self, element) -> list[str]:
        slugs = []
        for ref in element.iterfind(f"{_q('Coding')}/{_q('CodeRef')}"):
            slug = self.slugs.get(cle_guid(ref.get("targetGUID")))
            if slug is None:
                self.codages_inconnus += 1
            elif slug not in slugs:
                slugs.append(slug)
        return slugs

    def passages(self, element, source, texte: str) -> list[tuple[int, int, list[str]]]:
        """(début, fin, slugs) de chaque passage codé de `element`, dans l'ordre du texte : sélections de
        texte, ou sélections d'une transcription, bornées par ses points de synchronisation."""
        positions = {cle_guid(p.get("guid")): p.get("position") for p in element.iterfind(_q("SyncPoint"))}
        bornes = [
            (selection, selection.get("startPosition"), selection.get("endPosition"))
            for selection in element.iterfind(_q("PlainTextSelection"))
        ] + [
            (
                selection,
                positions.get(cle_guid(selection.get("fromSyncPoint"))),
                positions.get(cle_guid(selection.get("toSyncPoint"))),
            )
            for selection in element.iterfind(_q("TranscriptSelection"))
        ]
        passages = []
        for selection, debut_lu, fin_lue in bornes:
            try:
                debut, fin = int(debut_lu), int(fin_lue)
            except (TypeError, ValueError):
                debut, fin = -1, -1
            if not 0 <= debut <= fin <= len(texte):
                raise ErreurValidation(
                    f"Source « {_nom(source)} » : un passage codé ({debut_lu}–{fin_lue}) sort du texte "
                    f"({len(texte)} caractères). Exportez à nouveau le projet."
                )
            passages.append((debut, fin, self.codes(selection)))
        return sorted(passages, key=lambda p: (p[0], p[1]))

    def source(self, element, source) -> None:
        """Les paroles du texte `element` de `source` (la source elle-même, ou la version texte ou une
        transcription d'un média) : nom, variables, cas et codages de toute la source viennent de `source`."""
        texte = self.texte(element, source)
        if texte is None:
            return
        if not texte.strip():
            self.ignorer(source, "vides")
            return
        champs, temps = {}, {}
        for nom, valeur in self.valeurs(source):
            self.ranger(nom, valeur, champs, temps)
        cle = cle_guid(source.get("guid"))
        nom_cas, temps_du_cas, champs_du_cas = self.par_source.get(cle, self.projet_sans_cas)
        champs = {**champs_du_cas, **champs}
        ref = str(temps.pop("ref", "") or nom_cas).strip()[:80]
        fiche = self.temps.setdefault(ref, {"ref": ref})
        for colonne, valeur in {**temps_du_cas, **temps}.items():
            fiche.setdefault(colonne, valeur)
        passages = self.passages(element, source, texte)
        de_la_source = self.codes(source) + (self.codes(element) if element is not source else [])
        if len(texte) <= self.limite:
            morceaux = [(texte, [s for _, _, slugs in passages for s in slugs] + de_la_source)]
        else:
            morceaux = [(texte[d:f], slugs + de_la_source) for d, f, slugs in passages if slugs]
            morceaux = [(m, slugs) for m, slugs in morceaux if m.strip()]
            self.decoupees += bool(morceaux)
            if not morceaux:
                self.ignorer(source, f"de plus de {self.limite} caractères sans passage codé")
        for morceau, slugs in morceaux:
            themes = " ; ".join(dict.fromkeys(slugs))
            self.paroles.append({"temps": ref, "texte": morceau, "themes": themes, **champs})

    def bilan(self) -> list[str]:
        avertissements = list(self.avertissements)
        for raison, noms in self.ignorees.items():
            cites = ", ".join(noms[:NOMS_CITES]) + (" …" if len(noms) > NOMS_CITES else "")
            avertissements.append(f"Sources {raison} non importées ({len(noms)}) : {cites}.")
        if self.decoupees:
            avertissements.append(
                f"{self.decoupees} source(s) de plus de {self.limite} caractères (la longueur maximale "
                "d'une parole) : chacun de leurs passages codés est devenu une parole ; leur texte non "
                "codé n'est pas importé."
            )
        if self.codages_medias:
            avertissements.append(
                f"{self.codages_medias} codage(s) posé(s) sur une zone de PDF ou un extrait audio ou vidéo, "
                "et non sur leur texte, ignoré(s)."
            )
        if self.codages_inconnus:
            avertissements.append(
                f"{self.codages_inconnus} codage(s) vers un code absent du livre de codes, ignoré(s)."
            )
        if self.inconnues:
            avertissements.append(
                "Variables sans champ correspondant dans Parole, ignorées : "
                + ", ".join(self.inconnues)
                + "."
            )
        if self.notes:
            avertissements.append("Les notes (mémos) du projet ne sont pas importées.")
        return avertissements


def _champs_par_nom() -> dict:
    """`cle_libelle` du nom REFI-QDA et du libellé de chaque champ importable (sauf texte et thèmes)."""
    par_nom = {}
    for c in registre():
        if c.importe and c.sorte in (TEXTE, CHOIX, DRAPEAU) and c.nom != "texte":
            for nom in (c.libelle, c.refiqda):
                if nom:
                    par_nom[cle_libelle(nom)] = c
    return par_nom


def _colonnes_temps() -> set[str]:
    from collecte.tableurs.import_classeur import GESTIONNAIRES

    return set(GESTIONNAIRES["temps"].ordre) - {"themes"}


def _code(valeur: str, vocabulaire: dict | None) -> str:
    """Le code d'un choix, écrit en code ou en libellé affiché ; sinon la valeur, que l'import refusera."""
    if not vocabulaire or valeur in vocabulaire:
        return valeur
    return next(
        (code for code, libelle in vocabulaire.items() if cle_libelle(libelle) == cle_libelle(valeur)), valeur
    )


def _date_projet(racine) -> str:
    cree = (racine.get("creationDateTime") or "")[:10]
    try:
        return date.fromisoformat(cree).isoformat()
    except ValueError:
        return date.today().isoformat()


# --- Feuilles ----------------------------------------------------------------------------------


def _feuille(nom: str, colonnes: list[str], lignes: list[dict]) -> Feuille:
    return Feuille(
        nom, colonnes, [(n, {c: ligne.get(c, "") for c in colonnes}) for n, ligne in enumerate(lignes, 2)]
    )


def lire_qdpx(contenu: bytes, noms: set[str] | None = None, reperes: Reperes | None = None) -> Classeur:
    """Projet REFI-QDA → feuilles themes, structures, temps, contributions ; `reperes` : les thèmes de
    la démarche visée (`reperes_de_la_demarche`), pour rapprocher les codes des thèmes existants."""
    with _ouvrir(contenu) as archive:
        lecteur = _Lecteur(archive, reperes)
        _lire_qde(archive, lecteur)
        themes = lecteur.themes
    temps = [lecteur.temps[ref] for ref in dict.fromkeys(p["temps"] for p in lecteur.paroles)]
    for fiche in temps:
        fiche.setdefault("dispositif", "autre")
        fiche.setdefault("date", _date_projet(lecteur.racine))
    structures = {
        f["structure"]: {"nom": f["structure"], "typologie": f.get("typologie", "")}
        for f in temps
        if f.get("structure")
    }
    colonnes_themes = ["slug", "label", "description", "couleur", "parent"] + (
        ["mots_cles", "ordre"] if reperes else []
    )
    champs = [c.nom for c in registre() if any(c.nom in p for p in lecteur.paroles)]
    feuilles = [
        ("themes", colonnes_themes, themes),
        ("structures", ["nom", "typologie"], list(structures.values())),
        ("temps", ["ref", "dispositif", "date", "ville", "quartier", "structure"], temps),
        ("contributions", ["temps", *champs], lecteur.paroles),
    ]
    classeur = Classeur()
    for nom, colonnes, lignes in feuilles:
        if lignes:
            classeur.ajouter(
                nom,
                nom,
                noms,
                lambda nom=nom, colonnes=colonnes, lignes=lignes: _feuille(nom, colonnes, lignes),
            )
    classeur.avertissements = lecteur.bilan()
    return classeur
