"""Lecture et vérification des définitions de questionnaires (fichiers TOML de ce dossier).

Une définition est refusée au chargement avec un message qui nomme le fichier et le champ
fautif : mieux vaut une erreur claire au démarrage qu'un formulaire cassé devant un partenaire.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

TYPES = {
    "texte_court": "Texte court",
    "texte_long": "Texte long",
    "choix_unique": "Choix unique",
    "choix_multiple": "Choix multiple",
    "echelle": "Échelle",
    "oui_non": "Oui / non",
}
TYPES_TEXTE = ("texte_court", "texte_long")
USAGES = {
    "structures": "Questionnaire envoyé aux structures",
    "seance": "Questions affichées pendant une séance",
}
LONGUEURS_MAX = {"texte_court": 300, "texte_long": 5000}
_NOM = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_REF = re.compile(r"^[a-z0-9_-]{1,40}$")


class ErreurDefinition(ValueError):
    """Définition refusée ; le message nomme le fichier et le champ."""


@dataclass(frozen=True)
class Question:
    numero: int
    ref: str
    intitule: str
    type: str
    obligatoire: bool = False
    aide: str = ""
    choix: tuple[str, ...] = ()
    minimum: int = 1
    maximum: int = 5
    libelle_min: str = ""
    libelle_max: str = ""
    longueur_max: int = 0

    @property
    def est_texte(self) -> bool:
        return self.type in TYPES_TEXTE

    @property
    def echelons(self) -> list[int]:
        return list(range(self.minimum, self.maximum + 1))


@dataclass(frozen=True)
class Definition:
    nom: str
    version: int
    titre: str
    introduction: str
    usage: str
    questions: tuple[Question, ...]
    dispositif: str = ""
    fichier: str = ""
    empreinte: str = field(default="", compare=False)

    def question(self, ref: str) -> Question | None:
        return next((q for q in self.questions if q.ref == ref), None)

    def en_dict(self) -> dict:
        """Instantané JSON (stocké avec les réponses pour relire les anciennes versions)."""
        donnees = asdict(self)
        donnees.pop("empreinte")
        donnees.pop("fichier")
        return donnees


def _texte(brut: dict, cle: str, lieu: str, requis: bool = True, longueur: int = 2000) -> str:
    valeur = brut.get(cle, "")
    if not isinstance(valeur, str):
        raise ErreurDefinition(f"{lieu} : le champ « {cle} » doit être un texte.")
    valeur = valeur.strip()
    if requis and not valeur:
        raise ErreurDefinition(f"{lieu} : le champ « {cle} » est obligatoire.")
    if len(valeur) > longueur:
        raise ErreurDefinition(f"{lieu} : le champ « {cle} » dépasse {longueur} caractères.")
    return valeur


def _entier(brut: dict, cle: str, lieu: str, defaut: int) -> int:
    valeur = brut.get(cle, defaut)
    if not isinstance(valeur, int) or isinstance(valeur, bool):
        raise ErreurDefinition(f"{lieu} : le champ « {cle} » doit être un nombre entier.")
    return valeur


def _choix(brut: dict, type_: str, lieu: str) -> tuple[str, ...]:
    choix = brut.get("choix", [])
    if type_ not in ("choix_unique", "choix_multiple"):
        if choix:
            raise ErreurDefinition(
                f"{lieu} : le champ « choix » n'a de sens que pour un choix unique ou multiple."
            )
        return ()
    if (
        not isinstance(choix, list)
        or len(choix) < 2
        or not all(isinstance(c, str) and c.strip() for c in choix)
    ):
        raise ErreurDefinition(
            f"{lieu} : le champ « choix » doit lister au moins deux réponses (textes non vides)."
        )
    propres = tuple(c.strip() for c in choix)
    if len(set(propres)) != len(propres):
        raise ErreurDefinition(f"{lieu} : le champ « choix » contient deux fois la même réponse.")
    return propres


def _question(brut, numero: int, fichier: str) -> Question:
    lieu = f"{fichier}, question n° {numero}"
    if not isinstance(brut, dict):
        raise ErreurDefinition(f"{lieu} : une table [[questions]] est attendue.")
    inconnus = set(brut) - {
        "ref",
        "intitule",
        "type",
        "obligatoire",
        "aide",
        "choix",
        "min",
        "max",
        "libelle_min",
        "libelle_max",
        "longueur_max",
    }
    if inconnus:
        raise ErreurDefinition(f"{lieu} : champ(s) inconnu(s) {', '.join(sorted(inconnus))}.")
    ref = _texte(brut, "ref", lieu, longueur=40)
    if not _REF.match(ref):
        raise ErreurDefinition(
            f"{lieu} : le champ « ref » ne doit contenir que a-z, 0-9, - et _ (reçu « {ref} »)."
        )
    type_ = _texte(brut, "type", lieu)
    if type_ not in TYPES:
        raise ErreurDefinition(
            f"{lieu} : le champ « type » vaut « {type_} » ; types possibles : {', '.join(TYPES)}."
        )
    obligatoire = brut.get("obligatoire", False)
    if not isinstance(obligatoire, bool):
        raise ErreurDefinition(f"{lieu} : le champ « obligatoire » doit valoir true ou false.")
    minimum, maximum = _entier(brut, "min", lieu, 1), _entier(brut, "max", lieu, 5)
    if type_ == "echelle" and not (0 <= minimum < maximum <= 10):
        raise ErreurDefinition(
            f"{lieu} : l'échelle doit aller d'un « min » à un « max » entre 0 et 10 (min < max)."
        )
    longueur_max = _entier(brut, "longueur_max", lieu, LONGUEURS_MAX.get(type_, 0))
    if type_ in TYPES_TEXTE and not 1 <= longueur_max <= 20_000:
        raise ErreurDefinition(f"{lieu} : le champ « longueur_max » doit être compris entre 1 et 20 000.")
    return Question(
        numero=numero,
        ref=ref,
        intitule=_texte(brut, "intitule", lieu, longueur=1000),
        type=type_,
        obligatoire=obligatoire,
        aide=_texte(brut, "aide", lieu, requis=False, longueur=1000),
        choix=_choix(brut, type_, lieu),
        minimum=minimum,
        maximum=maximum,
        libelle_min=_texte(brut, "libelle_min", lieu, requis=False, longueur=100),
        libelle_max=_texte(brut, "libelle_max", lieu, requis=False, longueur=100),
        longueur_max=longueur_max if type_ in TYPES_TEXTE else 0,
    )


def _questions(brut: dict, fichier: str) -> tuple[Question, ...]:
    liste = brut.get("questions")
    if not isinstance(liste, list) or not liste:
        raise ErreurDefinition(
            f"{fichier} : le champ « questions » doit contenir au moins une question ([[questions]])."
        )
    questions = tuple(_question(q, rang, fichier) for rang, q in enumerate(liste, start=1))
    refs = [q.ref for q in questions]
    doublons = sorted({r for r in refs if refs.count(r) > 1})
    if doublons:
        raise ErreurDefinition(
            f"{fichier} : le champ « ref » est répété ({', '.join(doublons)}) ; chaque question a le sien."
        )
    return questions


def empreinte(donnees: dict) -> str:
    return hashlib.sha256(json.dumps(donnees, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


def lire_definition(contenu: bytes | str, fichier: str = "questionnaire.toml") -> Definition:
    """Vérifie une définition TOML ; lève `ErreurDefinition` (fichier + champ) si elle est mal formée."""
    try:
        texte = contenu.decode("utf-8") if isinstance(contenu, bytes) else contenu
        brut = tomllib.loads(texte)
    except UnicodeDecodeError:
        raise ErreurDefinition(f"{fichier} : le fichier doit être enregistré en UTF-8.") from None
    except tomllib.TOMLDecodeError as erreur:
        raise ErreurDefinition(f"{fichier} : TOML illisible ({erreur}).") from None
    inconnus = set(brut) - {"nom", "version", "titre", "introduction", "usage", "dispositif", "questions"}
    if inconnus:
        raise ErreurDefinition(f"{fichier} : champ(s) inconnu(s) {', '.join(sorted(inconnus))}.")
    nom = _texte(brut, "nom", fichier, longueur=80)
    if not _NOM.match(nom):
        raise ErreurDefinition(
            f"{fichier} : le champ « nom » ne doit contenir que a-z, 0-9 et - (reçu « {nom} »)."
        )
    version = _entier(brut, "version", fichier, 0)
    if version < 1:
        raise ErreurDefinition(f"{fichier} : le champ « version » est obligatoire (un entier à partir de 1).")
    usage = _texte(brut, "usage", fichier)
    if usage not in USAGES:
        raise ErreurDefinition(
            f"{fichier} : le champ « usage » vaut « {usage} » ; valeurs possibles : {', '.join(USAGES)}."
        )
    definition = Definition(
        nom=nom,
        version=version,
        titre=_texte(brut, "titre", fichier, longueur=300),
        introduction=_texte(brut, "introduction", fichier, requis=False, longueur=5000),
        usage=usage,
        questions=_questions(brut, fichier),
        dispositif=_texte(brut, "dispositif", fichier, requis=False, longueur=30),
        fichier=fichier,
    )
    return _avec_empreinte(definition)


def _avec_empreinte(definition: Definition) -> Definition:
    return Definition(**{**definition.__dict__, "empreinte": empreinte(definition.en_dict())})


def depuis_dict(donnees: dict) -> Definition:
    """Relit un instantané enregistré avec des réponses (voir `Definition.en_dict`)."""
    questions = tuple(Question(**{**q, "choix": tuple(q.get("choix", ()))}) for q in donnees["questions"])
    return _avec_empreinte(Definition(**{**donnees, "questions": questions}))


def charger_dossier(dossier: str | Path) -> dict[str, Definition]:
    """Toutes les définitions `*.toml` du dossier, par nom ; deux fichiers du même nom sont refusés."""
    definitions: dict[str, Definition] = {}
    for chemin in sorted(Path(dossier).glob("*.toml")):
        definition = lire_definition(chemin.read_bytes(), chemin.name)
        if definition.nom in definitions:
            autre = definitions[definition.nom].fichier
            raise ErreurDefinition(
                f"{chemin.name} : le champ « nom » « {definition.nom} » est déjà pris par {autre}."
            )
        definitions[definition.nom] = definition
    return definitions
