"""Données personnelles à forme fixe : numéros et adresses, repérés par des expressions régulières
validées quand le format a une clé (téléphones, adresses électroniques, numéros de sécurité sociale,
IBAN, cartes, plaques, dates de naissance, adresses postales). Module pur, utilisé par
`collecte.confidentialite.detection`, qui y ajoute les noms de personnes et résout les chevauchements.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator


@functools.lru_cache(maxsize=65_536)
def normaliser(mot: str) -> str:
    """Minuscules sans accents : « Émilie » → « emilie »."""
    decompose = unicodedata.normalize("NFKD", mot.casefold())
    return "".join(c for c in decompose if not unicodedata.combining(c)).replace("’", "'")


def en_majuscules(texte: str) -> bool:
    """Texte écrit en capitales (au moins 12 lettres, plus de 70 % de majuscules) : « LE 15 ET 16 »."""
    lettres = [c for c in texte if c.isalpha()]
    return len(lettres) >= 12 and sum(c.isupper() for c in lettres) > 0.7 * len(lettres)


# Mots outils : dans un texte en capitales, ils arrêtent un nom de voie ; entre deux majuscules, ils ne
# font pas partie d'un nom de personne.
MOTS_OUTILS = {
    "je", "j", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles", "le", "la", "les", "un", "une",
    "mon", "ma", "mes", "ton", "ta", "tes", "son", "sa", "ses", "notre", "votre", "leur", "ce", "ca",
    "cet", "cette", "et", "ou", "mais", "donc", "or", "ni", "car", "moi", "toi", "lui", "eux", "y", "en",
    "oui", "non", "si", "avec", "pour", "chez", "dans", "sur", "sous", "par", "qui", "que", "quoi",
    "quand", "comme", "alors", "puis", "c", "l", "d", "qu", "n", "s", "m", "t", "a", "au", "aux", "du",
    "des", "de", "est", "sont", "pas", "plus", "tout", "tous", "toute", "toutes", "rien", "bon", "bien",
    "ben", "bah", "bof", "euh", "hein", "ouais", "ok", "voila", "bref", "enfin", "ptet", "sinon", "mdr",
    # Appellations familières (« Tata Zohra », « Pépé Marcel ») : indices d'un prénom, pas des noms.
    "tata", "tatie", "tantine", "tonton", "mamie", "mami", "meme", "papi", "papy", "pepe", "maman", "papa",
}  # fmt: skip

# --- Numéros et adresses : expressions régulières validées --------------------------------------
# Chaque répétition consomme au moins un caractère de façon univoque (séparateur facultatif puis un
# chiffre) et chaque début est ancré par un regard arrière : pas de retour arrière catastrophique.

_SEP = r"[ ./\-\u00a0\u202f]"
_TEL_NATIONAL = re.compile(rf"(?<![\w+])(?<!\d{_SEP})0[1-9](?:{_SEP}?\d){{8}}(?!{_SEP}?\d)")
_TEL_INTERNATIONAL = re.compile(
    rf"(?<![\w+])(?:\+|00)[1-9]\d{{0,2}}(?:{_SEP}?\(0\))?(?:{_SEP}?\d){{6,13}}(?!{_SEP}?\d)"
)
_COURRIEL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}(?![\w-])")
_NIR = re.compile(
    r"(?<![\w])[1-478][ .]?\d\d[ .]?\d\d[ .]?(?:\d\d|2[AaBb])[ .]?\d{3}[ .]?\d{3}[ .]?\d\d(?![\w])"
)
_IBAN = re.compile(r"(?<![\w])[A-Za-z]{2}\d\d(?:[ ]?[A-Za-z0-9]){10,30}(?![\w])")
_LONGUEURS_IBAN = {
    "FR": 27, "MC": 27, "BE": 16, "DE": 22, "ES": 24, "IT": 27, "PT": 25, "GB": 22, "CH": 21,
    "LU": 20, "NL": 18, "MA": 28, "TN": 24, "DZ": 26, "SN": 28, "CI": 28, "RO": 24, "PL": 28, "TR": 26,
}  # fmt: skip
# Carte : chiffres collés, par groupes de 4 (16 à 19 chiffres) ou 4-6-5 (American Express).
_CARTE = re.compile(
    r"(?<![\w.,+])(?<!\d[ -])"
    r"(?:[1-9]\d{12,18}|[1-9]\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|3[47]\d\d([ -])\d{6}\2\d{5})"
    r"(?![ -]?\d)"
)
_LETTRE_SIV = "[A-HJ-NP-TV-Z]"  # ni I, ni O, ni U
_PLAQUE_SIV = re.compile(rf"(?<![\w-]){_LETTRE_SIV}{{2}}(-| ?)\d{{3}}\1{_LETTRE_SIV}{{2}}(?![\w-])")
_PLAQUE_FNI = re.compile(
    r"(?<![\w,.-])\d{1,4}([ -]?)([A-Z]{2,3})\1(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])(?![\w-])"
)
# Groupes de lettres qui, entre deux nombres, sont des mots (« 15 ET 16 », « 12 KM 50 »).
_MOTS_ENTRE_NOMBRES = {"ET", "OU", "AU", "EN", "LE", "LA", "LES", "DE", "DU", "DES", "UN", "UNE", "AN", "ANS"}
_MOTS_ENTRE_NOMBRES |= {"MN", "MIN", "KM", "KG", "EUR", "HT", "TTC", "PAR", "SUR", "AUX", "RUE", "BUS", "NO"}

_MOIS = r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre|d[ée]cembre"
_DATE = rf"(?:1er|\d{{1,2}})\s+(?:{_MOIS})(?:\s+\d{{4}})?|\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d\d)"
_NAISSANCE = re.compile(
    rf"(?:\bn[ée]e?s?(?:\s?\(e\))?\s+le|\bdate\s+de\s+naissance\s*:?(?:\s*le)?|\bddn\s*:?)\s*({_DATE})(?!\d)",
    re.IGNORECASE,
)

_VOIES_SURES = r"rue|avenue|av|bd|boulevard|bvd|all[ée]e|impasse|quai|faubourg|fbg|ruelle|venelle|chauss[ée]e"
# Voies qui sont aussi des mots courants (« 2 cours de yoga ») : nom de voie en majuscule exigé.
_VOIES_AMBIGUES = (
    r"place|chemin|route|rte|cours|square|passage|r[ée]sidence|cit[ée]|lotissement|sentier|voie|"
    r"promenade|esplanade|parvis|hameau|lieu-dit|mail|villa|clos|domaine|mont[ée]e|traverse|rond-point"
)
_ADRESSE = re.compile(
    r"(?<![\w,.])\d{1,4}(?:\s?-\s?\d{1,4})?(?:\s?(?:bis|ter|quater|[a-d])\b)?\s?,?\s"
    rf"(?:(?:de\s+la|du|de\s+l['’])\s*)?(?:(?P<sure>{_VOIES_SURES})|(?P<ambigue>{_VOIES_AMBIGUES}))\b\.?",
    re.IGNORECASE,
)
_MOT_VOIE = re.compile(r"[ \t\u00a0]+((?:[dlDL]['’])?[\w-]+)")
_LIAISONS_VOIE = {"de", "du", "des", "la", "le", "les", "aux", "l'", "d'"}


def _chiffres(texte: str) -> str:
    return "".join(c for c in texte if c.isdigit())


def _telephones(texte: str) -> Iterator[tuple[int, int]]:
    for trouve in _TEL_NATIONAL.finditer(texte):
        yield trouve.span()
    for trouve in _TEL_INTERNATIONAL.finditer(texte):
        numero = trouve.group().replace("(0)", "")
        chiffres = _chiffres(numero)[2 if numero.startswith("00") else 0 :]
        if 9 <= len(chiffres) <= 15:
            yield trouve.span()


def _courriels(texte: str) -> Iterator[tuple[int, int]]:
    for trouve in _COURRIEL.finditer(texte):
        if re.fullmatch(r"[^\W\d_]{2,24}", trouve.group().rsplit(".", 1)[1]):
            yield trouve.span()


def _cle_nir_valide(nir: str) -> bool:
    compact = nir.replace(" ", "").replace(".", "").upper()
    corps, cle = compact[:13], int(compact[13:])
    # Corse : 2A vaut 19 et 2B vaut 18 dans le calcul de la clé.
    corps = corps[:5] + {"2A": "19", "2B": "18"}.get(corps[5:7], corps[5:7]) + corps[7:]
    return cle == 97 - int(corps) % 97


def _secus(texte: str) -> Iterator[tuple[int, int]]:
    for trouve in _NIR.finditer(texte):
        if _cle_nir_valide(trouve.group()):
            yield trouve.span()


def _iban_valide(compact: str) -> bool:
    attendu = _LONGUEURS_IBAN.get(compact[:2])
    if (attendu and len(compact) != attendu) or not 15 <= len(compact) <= 34:
        return False
    reordonne = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in reordonne)) % 97 == 1


def _luhn_valide(chiffres: str) -> bool:
    total = 0
    for rang, chiffre in enumerate(int(c) for c in reversed(chiffres)):
        if rang % 2:
            chiffre = chiffre * 2 - 9 if chiffre > 4 else chiffre * 2
        total += chiffre
    return total % 10 == 0


def _banques(texte: str) -> Iterator[tuple[int, int]]:
    for trouve in _IBAN.finditer(texte):
        # La correspondance peut avaler des mots qui suivent (« … 189 ET TOUJOURS ») : on essaie
        # chaque coupure à un espace, de la plus longue à la plus courte.
        morceau = trouve.group()
        coupures = [len(morceau)] + [i for i in range(len(morceau) - 1, 0, -1) if morceau[i] == " "]
        for fin in coupures:
            if _iban_valide(morceau[:fin].replace(" ", "").upper()):
                yield trouve.start(), trouve.start() + fin
                break
    for trouve in _CARTE.finditer(texte):
        chiffres = _chiffres(trouve.group())
        if len(set(chiffres)) > 1 and _luhn_valide(chiffres):
            yield trouve.span()


def _plaques(texte: str) -> Iterator[tuple[int, int]]:
    for trouve in _PLAQUE_SIV.finditer(texte):
        yield trouve.span()
    for trouve in _PLAQUE_FNI.finditer(texte):
        if trouve.group(2) not in _MOTS_ENTRE_NOMBRES:
            yield trouve.span()


def _naissances(texte: str) -> Iterator[tuple[int, int]]:
    for trouve in _NAISSANCE.finditer(texte):
        yield trouve.span(1)


def _fin_de_voie(texte: str, position: int, voie_sure: bool, majuscules: bool) -> int | None:
    """Fin du nom de la voie qui commence à `position`, ou None s'il n'y a pas de nom de voie.

    Mots de liaison (de, du, des, la…) pris seulement s'ils sont suivis d'un mot du nom ; après le
    premier mot, seuls les mots à majuscule et les nombres courts continuent (« du 8 Mai 1945 »).
    Dans un texte tout en capitales, les nombres et les mots outils (« LE 15 ET 16 ») arrêtent.
    """
    fin = None
    for _ in range(10):
        trouve = _MOT_VOIE.match(texte, position)
        if not trouve:
            break
        mot = trouve.group(1)
        nu = re.sub(r"^[dlDL]['’]", "", mot)
        if mot.lower() in _LIAISONS_VOIE:
            pass
        elif fin is None and (voie_sure or nu[:1].isupper() or nu.isdigit()):
            fin = trouve.end(1)
        elif fin is not None and majuscules and (nu.isdigit() or normaliser(nu) in MOTS_OUTILS):
            break
        elif fin is not None and (nu[:1].isupper() or (nu.isdigit() and len(nu) <= 4)):
            fin = trouve.end(1)
        else:
            break
        position = trouve.end()
    return fin


def _adresses(texte: str) -> Iterator[tuple[int, int]]:
    majuscules = None
    for trouve in _ADRESSE.finditer(texte):
        majuscules = en_majuscules(texte) if majuscules is None else majuscules
        fin = _fin_de_voie(texte, trouve.end(), trouve.group("sure") is not None, majuscules)
        if fin is not None:
            yield trouve.start(), fin


# Par ordre de priorité : en cas de chevauchement, la première sorte l'emporte.
DETECTEURS = (
    ("secu", _secus),
    ("banque", _banques),
    ("courriel", _courriels),
    ("telephone", _telephones),
    ("plaque", _plaques),
    ("naissance", _naissances),
    ("adresse", _adresses),
)
