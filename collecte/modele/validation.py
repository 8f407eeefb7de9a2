"""Validateurs partagés par les formulaires web, l'API JSON et l'import de tableurs.

Chaque validateur est une fonction simple qui renvoie la valeur normalisée ou lève
`ErreurValidation` avec un message en français : les trois entrées ne peuvent pas diverger.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from datetime import date, datetime

TEXTE_LONGUEUR_MAX = 20_000
ID_MAX = 2**31 - 1  # au-delà, aucune ligne ne peut exister (colonne INTEGER de PostgreSQL)
# Politique de caractères, la même pour l'écran de saisie, l'API et l'import : caractères de contrôle
# (sauf tabulation et retours à la ligne), moitiés de paires UTF-16 isolées (encodage cassé), commandes
# d'inversion du sens d'écriture (un texte qui s'affiche autrement qu'il est écrit), espaces de largeur
# nulle et marques d'ordre d'octets. Les liants des émojis (U+200D) et des écritures (U+200C) restent.
_INTERDITS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]"
)


# Doublons probables : deux paroles dont le texte normalisé commence ou finit par les mêmes caractères
# sont comparées (ressemblance RapidFuzz) ; en deçà de cette longueur (« oui », « non »…), aucune ne l'est.
LONGUEUR_EMPREINTE = 20
_FENETRE = LONGUEUR_EMPREINTE + 10  # caractères bruts lus à chaque bout d'un long texte
_NON_MOTS = re.compile(r"\W+")


class ErreurValidation(ValueError):
    """Donnée refusée ; `champ` nomme la colonne ou le champ fautif."""

    def __init__(self, message: str, champ: str | None = None):
        super().__init__(message)
        self.message = message
        self.champ = champ


def valider_texte(
    valeur, champ: str = "texte", longueur_max: int = TEXTE_LONGUEUR_MAX, requis: bool = True
) -> str:
    """Texte tel que saisi : espaces de bord retirés, fins de ligne unifiées, caractères de contrôle
    refusés."""
    texte = "" if valeur is None else str(valeur)
    texte = texte.replace("\r\n", "\n").replace("\r", "\n").strip()
    if requis and not texte:
        raise ErreurValidation("Le texte est vide : écrivez au moins un mot.", champ)
    if _INTERDITS.search(texte):
        raise ErreurValidation(
            "Le texte contient des caractères invisibles non autorisés (caractère de contrôle, "
            "inversion du sens d'écriture, encodage cassé) : retapez-le, ou collez-le sans mise "
            "en forme.",
            champ,
        )
    if len(texte) > longueur_max:
        raise ErreurValidation(
            f"Le texte fait {len(texte):,} caractères ; la limite est de {longueur_max:,}.".replace(
                ",", "\u202f"
            ),
            champ,
        )
    return texte


def valider_choix(valeur, vocabulaire: dict, champ: str, defaut: str | None = None) -> str:
    cle = "" if valeur is None else str(valeur).strip()
    if not cle and defaut is not None:
        return defaut
    if cle not in vocabulaire:
        permises = ", ".join(k for k in vocabulaire if k)
        raise ErreurValidation(
            f"Valeur « {cle} » inconnue pour {champ} (valeurs possibles : {permises}).", champ
        )
    return cle


_FORMATS_DATE = ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y")


def valider_date(valeur, champ: str = "date", requis: bool = True) -> date | None:
    """Date ISO (2024-03-05) ou française (05/03/2024) ; une date de tableur est acceptée telle quelle."""
    if isinstance(valeur, datetime):
        return valeur.date()
    if isinstance(valeur, date):
        return valeur
    texte = "" if valeur is None else str(valeur).strip()
    if not texte:
        if requis:
            raise ErreurValidation("La date est obligatoire (format JJ/MM/AAAA ou AAAA-MM-JJ).", champ)
        return None
    for fmt in _FORMATS_DATE:
        try:
            return datetime.strptime(texte, fmt).date()
        except ValueError:
            continue
    raise ErreurValidation(f"Date « {texte} » illisible : utilisez JJ/MM/AAAA ou AAAA-MM-JJ.", champ)


_VRAI = {"1", "oui", "o", "vrai", "true", "x", "yes", "y", "on"}
_FAUX = {"", "0", "non", "n", "faux", "false", "no", "off"}


def valider_booleen(valeur, champ: str) -> bool:
    if isinstance(valeur, bool):
        return valeur
    texte = "" if valeur is None else str(valeur).strip().lower()
    if texte in _VRAI:
        return True
    if texte in _FAUX:
        return False
    raise ErreurValidation(f"Valeur « {valeur} » non comprise pour {champ} : écrivez oui ou non.", champ)


def valider_entier(valeur, champ: str, minimum: int = 0, defaut: int = 0) -> int:
    if valeur is None or (isinstance(valeur, str) and not valeur.strip()):
        return defaut
    try:
        flottant = float(valeur) if isinstance(valeur, int) else float(str(valeur).strip().replace(",", "."))
    except ValueError:
        flottant = float("nan")
    if not flottant.is_integer():  # « 12,5 », « inf » ou « douze » : refusés, jamais tronqués
        raise ErreurValidation(f"« {valeur} » n'est pas un nombre entier ({champ}).", champ)
    nombre = valeur if isinstance(valeur, int) else int(flottant)
    if nombre < minimum:
        raise ErreurValidation(f"{champ} doit être supérieur ou égal à {minimum}.", champ)
    return nombre


def lire_identifiant(valeur) -> int | None:
    """Identifiant venu d'une adresse ou d'un formulaire : chiffres ASCII de 1 à ID_MAX, sinon None.

    `str.isdigit` accepte « ² » ou les chiffres arabes, que `int` refuse ou lit autrement : jamais ici."""
    texte = "" if valeur is None else str(valeur).strip()
    if not (texte.isascii() and texte.isdigit()):
        return None
    nombre = int(texte)
    return nombre if 0 < nombre <= ID_MAX else None


def valider_uuid(valeur, champ: str = "client_uuid") -> uuid.UUID:
    try:
        return uuid.UUID(str(valeur).strip())
    except (ValueError, AttributeError):
        raise ErreurValidation("Identifiant client (UUID) absent ou mal formé.", champ) from None


def valider_slugs_themes(valeur, themes_connus: dict[str, int], champ: str = "themes") -> list[int]:
    """Slugs séparés par « ; » (ou liste) → identifiants de thèmes, sans doublon, dans l'ordre donné."""
    if valeur is None:
        return []
    morceaux = valeur if isinstance(valeur, (list, tuple)) else str(valeur).split(";")
    ids: list[int] = []
    for morceau in morceaux:
        slug = str(morceau).strip()
        if not slug:
            continue
        if slug not in themes_connus:
            raise ErreurValidation(f"Thème « {slug} » inconnu dans le livre de codes de la démarche.", champ)
        if themes_connus[slug] not in ids:
            ids.append(themes_connus[slug])
    return ids


# --- Chemins rapides (import de tableurs) -----------------------------------------------------------
# Un import valide des millions de cellules, presque toutes déjà propres. Chaque fabrique ci-dessous rend
# un validateur équivalent à son validateur de référence, préparé une fois : il répond seul aux valeurs
# qu'il sait traiter et confie toutes les autres (valeur à nettoyer, vide obligatoire, refus…) au
# validateur de référence, qui donne la valeur et le message. Les tables de réponses toutes faites sont
# calculées par le validateur de référence lui-même.
_ABSENT = object()


def _avec_table(table: dict, reference):
    """Validateur qui lit la réponse dans `table` (valeur exacte → résultat) ou appelle `reference`."""
    lire = table.get

    def valider(valeur):
        try:
            resultat = lire(valeur, _ABSENT)
        except TypeError:  # valeur non hachable (liste…) : la référence la juge
            resultat = _ABSENT
        return reference(valeur) if resultat is _ABSENT else resultat

    return valider


def _table_de_reponses(valeurs, reference) -> dict:
    """Valeur → ce que la référence en fait, pour celles qu'elle accepte."""
    table = {}
    for valeur in valeurs:
        try:
            table[valeur] = reference(valeur)
        except ErreurValidation:
            continue
    return table


def validateur_de_texte(champ: str, longueur_max: int = TEXTE_LONGUEUR_MAX, requis: bool = True):
    """`valider_texte` préparé : un texte sans retour chariot, non vide, sans caractère interdit et pas
    trop long est rendu sans espaces de bord ; tout le reste passe par `valider_texte`."""
    chercher_interdit = _INTERDITS.search

    def valider(valeur):
        if valeur.__class__ is str and "\r" not in valeur:
            texte = valeur.strip()
            if texte:
                if len(texte) <= longueur_max and chercher_interdit(texte) is None:
                    return texte
            elif not requis:
                return ""
        return valider_texte(valeur, champ, longueur_max, requis=requis)

    return valider


def validateur_de_choix(vocabulaire: dict, champ: str, defaut: str | None = None):
    """`valider_choix` préparé : table des codes exacts du vocabulaire (et de la cellule vide)."""

    def reference(valeur):
        return valider_choix(valeur, vocabulaire, champ, defaut=defaut)

    return _avec_table(_table_de_reponses([None, "", *vocabulaire], reference), reference)


def validateur_de_booleen(champ: str):
    """`valider_booleen` préparé : table des mots compris, écrits tels quels (« oui », « non », vide…).
    Pas de clé True ou False : 1.0 == True, et la référence refuse « 1.0 »."""

    def reference(valeur):
        return valider_booleen(valeur, champ)

    return _avec_table(_table_de_reponses([None, *_VRAI, *_FAUX], reference), reference)


def validateur_de_slugs_themes(themes_connus: dict[str, int], champ: str = "themes"):
    """`valider_slugs_themes` préparé pour ce livre de codes : des slugs connus, écrits exactement et
    séparés par « ; » sans espace, sont traduits directement ; tout le reste passe par la référence."""
    exacts = {s: i for s, i in themes_connus.items() if s and s == s.strip() and ";" not in s}

    def valider(valeur):
        if valeur.__class__ is str and valeur:
            ids: list[int] = []
            for slug in valeur.split(";"):
                ident = exacts.get(slug)
                if ident is None:
                    break
                if ident not in ids:
                    ids.append(ident)
            else:
                return ids
        elif valeur is None or valeur == "":
            return []
        return valider_slugs_themes(valeur, themes_connus, champ)

    return valider


class _CaracteresNormalises(dict):
    """Code d'un caractère → ce qu'il devient dans un texte normalisé : minuscules (`casefold`), sans
    accents (décomposition NFKD, marques combinantes retirées), une espace à la place de tout caractère
    qui n'est pas une lettre, un chiffre ou « _ ». Calculé à la première rencontre du caractère.

    Chacune de ces étapes agit caractère par caractère (la décomposition ne réordonne que des marques
    combinantes, qui sont retirées) : traduire le texte par cette table puis réduire les espaces donne
    exactement le calcul fait sur le texte entier (vérifié sur tout Unicode par
    `tests/test_import_rapide.py`), en un seul passage en C au lieu de quatre. La table garde au plus
    `CARACTERES_GARDES` caractères : des textes qui parcourraient tout Unicode ne la font pas grossir sans
    fin (au-delà, un caractère nouveau est recalculé à chaque rencontre)."""

    def __missing__(self, code: int) -> str:
        decompose = unicodedata.normalize("NFKD", chr(code).casefold())
        resultat = _NON_MOTS.sub(" ", "".join(c for c in decompose if not unicodedata.combining(c)))
        if len(self) < CARACTERES_GARDES:
            self[code] = resultat
        return resultat


CARACTERES_GARDES = 20_000


_NORMALISES = _CaracteresNormalises()


def normaliser(texte: str) -> str:
    """Minuscules, sans accents ni ponctuation, espaces réduits : « Ça m'énerve ! » → « ca m enerve »."""
    return " ".join(texte.translate(_NORMALISES).split())


def _hacher(morceau: str) -> str:
    return hashlib.blake2b(morceau.encode(), digest_size=8).hexdigest()


def empreintes(texte: str | None) -> tuple[str, str]:
    """Clés de rapprochement d'une parole, posées à chaque écriture de son texte : empreintes des
    `LONGUEUR_EMPREINTE` premiers et derniers caractères du texte normalisé ; ("", "") pour un texte trop
    court. Deux paroles presque identiques (une retouche au début, au milieu ou à la fin) en partagent au
    moins une : la revue ne compare une parole qu'aux paroles qui partagent l'une de ses clés."""
    texte = texte or ""
    if len(texte) > 2 * _FENETRE:
        # La normalisation agit caractère par caractère (les suites de ponctuation deviennent une espace) :
        # celle d'un bout du texte est le bout de celle du texte entier. Un long texte (l'import en compte
        # des millions) n'est normalisé qu'à ses deux bouts, s'ils suffisent.
        debut, fin = normaliser(texte[:_FENETRE]), normaliser(texte[-_FENETRE:])
        if min(len(debut), len(fin)) >= LONGUEUR_EMPREINTE:
            return _hacher(debut[:LONGUEUR_EMPREINTE]), _hacher(fin[-LONGUEUR_EMPREINTE:])
    propre = normaliser(texte)
    if len(propre) < LONGUEUR_EMPREINTE:
        return "", ""
    return _hacher(propre[:LONGUEUR_EMPREINTE]), _hacher(propre[-LONGUEUR_EMPREINTE:])
