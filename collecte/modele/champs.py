"""Registre des champs d'une parole : une déclaration par champ, dont tout le reste est dérivé.

La validation (écran de saisie, API, import), le JSON de l'API, les colonnes de la feuille
`contributions` d'un classeur, ce que l'écran de saisie et la page « Sur cet appareil » envoient,
les colonnes des exports CSV et XLSX (au format de l'import, plus des colonnes pour les humains
seulement : `colonnes_pour_lecture`), les variables d'IRaMuTeQ et de REFI-QDA et ce que l'analyse
charge viennent de `CHAMPS`. Ajouter un champ à une parole : une colonne au modèle (`models.py`),
une migration, une entrée ici (et un gabarit s'il s'affiche). Voir la recette dans ARCHITECTURE.md.

Le temps de collecte (et ce qui en découle : lieu, territoire, structure, date) n'est pas un champ
de la parole : il vient du temps, jamais ressaisi.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from functools import cache

from collecte.modele.models import GENRES, NATURES, PROFILS, TRANCHES_AGE
from collecte.modele.validation import (
    TEXTE_LONGUEUR_MAX,
    ErreurValidation,
    validateur_de_booleen,
    validateur_de_choix,
    validateur_de_slugs_themes,
    validateur_de_texte,
    valider_booleen,
    valider_choix,
    valider_slugs_themes,
    valider_texte,
)

# Sortes de champs : ce que la sorte dit de la validation, du type JSON attendu et du formulaire.
TEXTE, CHOIX, DRAPEAU, THEMES = "texte", "choix", "drapeau", "themes"


@dataclass(frozen=True)
class Champ:
    """Un champ d'une parole. `nom` est à la fois l'attribut de `Contribution`, la clé JSON de l'API,
    le nom du champ de formulaire et la colonne de la feuille `contributions`."""

    nom: str
    libelle: str
    sorte: str
    vocabulaire: dict[str, str] | None = None  # choix : code → libellé
    defaut: object = ""
    longueur_max: int | None = None
    requis: bool = False
    saisie: bool = True  # écran de saisie, API, correction sur l'appareil
    importe: bool = True  # colonne de la feuille `contributions`
    api: bool = True  # dans le JSON de l'API
    # Colonne des exports tableurs : "code" ; "libelle" (le code, plus une colonne `<nom>_libelle` pour les
    # humains) ; "interne" (sur demande : tableur interne à l'équipe) ; None (jamais exporté).
    export: str | None = "code"
    analyse: bool = True  # chargé par `analyse.donnees`
    iramuteq: str | None = None  # nom de la variable étoilée
    refiqda: str | None = None  # nom de la variable REFI-QDA
    liste_du_temps: bool = False  # valeur choisie parmi celles du temps (les questions de son panneau)

    def valeur_exportee(self, valeur):
        """La valeur telle qu'écrite dans un export, relue telle quelle par l'import : le code d'un choix,
        oui/non, slugs séparés par « ; »."""
        if self.sorte == DRAPEAU:
            return "oui" if valeur else "non"
        if self.sorte == THEMES:
            return " ; ".join(valeur or [])
        return "" if valeur is None else valeur

    def libelle_exporte(self, valeur) -> str:
        """Le libellé d'affichage d'un code (colonne `<nom>_libelle`, pour les humains seulement)."""
        return (self.vocabulaire or {}).get(valeur, "" if valeur is None else str(valeur))


# L'ordre est celui des colonnes des exports.
CHAMPS: tuple[Champ, ...] = (
    Champ("nature", "Nature", CHOIX, NATURES, defaut="parole", iramuteq="nature", refiqda="nature"),
    Champ("question", "Question", TEXTE, longueur_max=2_000, refiqda="question", liste_du_temps=True),
    Champ("texte", "Texte", TEXTE, longueur_max=TEXTE_LONGUEUR_MAX, requis=True),
    Champ(
        "profil",
        "Profil",
        CHOIX,
        PROFILS,
        defaut="inconnu",
        export="libelle",
        iramuteq="profil",
        refiqda="profil",
    ),
    Champ(
        "tranche_age",
        "Âge",
        CHOIX,
        TRANCHES_AGE,
        defaut="inconnu",
        export="libelle",
        iramuteq="age",
        refiqda="tranche d'âge",
    ),
    Champ("genre", "Genre", CHOIX, GENRES, defaut="", iramuteq="genre", refiqda="genre"),
    Champ("themes", "Thèmes", THEMES, defaut=(), analyse=False),
    Champ("a_retenir", "À retenir", DRAPEAU, defaut=False),
    Champ("ne_pas_citer", "Ne pas citer", DRAPEAU, defaut=False, export="interne"),
    Champ("masquee", "Masquée", DRAPEAU, defaut=False, saisie=False, api=False, export=None, analyse=False),
)


# Colonnes de la feuille `contributions` des exports tableurs écrites pour les humains seulement : le
# contexte de la parole, repris de son temps de collecte (qui fait foi : feuille `temps`), et la date de
# saisie. Avec les `<nom>_libelle` des champs exportés en libellé, l'import les ignore sans avertissement.
CONTEXTE_POUR_LECTURE: tuple[str, ...] = (
    "dispositif_libelle",
    "date",
    "lieu",
    "evenement",
    "ville",
    "quartier",
    "structure",
    "typologie_structure",
    "saisie_le",
)


def registre() -> tuple[Champ, ...]:
    """Les champs en vigueur, lus à chaque appel : un test peut essayer un autre registre."""
    return CHAMPS


def champ(nom: str, champs: tuple[Champ, ...] | None = None) -> Champ:
    champs = champs or registre()
    return next(c for c in champs if c.nom == nom)


def champs_saisis(champs: tuple[Champ, ...] | None = None) -> tuple[Champ, ...]:
    champs = champs or registre()
    # Appelée pour chaque parole validée (un million à l'import) : gardée pour ce registre-ci (même objet).
    connu, saisis = _SAISIS.get(id(champs), (None, ()))
    if connu is not champs:
        saisis = tuple(c for c in champs if c.saisie)
        _SAISIS[id(champs)] = (champs, saisis)
    return saisis


_SAISIS: dict[int, tuple[tuple[Champ, ...], tuple[Champ, ...]]] = {}


def colonnes_import(champs: tuple[Champ, ...] | None = None) -> list[str]:
    """Colonnes de la feuille `contributions` : le temps (sa référence), les champs, l'identifiant."""
    champs = champs or registre()
    return ["temps", *(c.nom for c in champs if c.importe), "id"]


def champs_exportes(avec_interne: bool = False, champs: tuple[Champ, ...] | None = None) -> list[Champ]:
    champs = champs or registre()
    return [c for c in champs if c.export in ("code", "libelle") or (avec_interne and c.export == "interne")]


def colonnes_pour_lecture(champs: tuple[Champ, ...] | None = None) -> list[str]:
    """Colonnes des exports tableurs que l'import ignore sans avertissement : libellés, puis contexte."""
    champs = champs or registre()
    libelles = [f"{c.nom}_libelle" for c in champs if c.export == "libelle" and c.vocabulaire]
    return [*libelles, *CONTEXTE_POUR_LECTURE]


def colonnes_analyse(champs: tuple[Champ, ...] | None = None) -> list[str]:
    champs = champs or registre()
    return [c.nom for c in champs if c.analyse]


def description_pour_les_pages(champs: tuple[Champ, ...] | None = None) -> list[dict]:
    """Ce que les scripts de l'écran de saisie et de « Sur cet appareil » savent des champs."""
    champs = champs or registre()
    return [
        {
            "nom": c.nom,
            "libelle": c.libelle,
            "sorte": c.sorte,
            "vocabulaire": c.vocabulaire,
            "defaut": list(c.defaut) if c.sorte == THEMES else c.defaut,
            "longueur_max": c.longueur_max,
            "liste_du_temps": c.liste_du_temps,
        }
        for c in champs_saisis(champs)
    ]


# --- Validation, dérivée du registre ------------------------------------------------------------


def _donnees(champs: tuple[Champ, ...]):
    return _classe_donnees(_noms_et_defauts(champs_saisis(champs)))


_NOMS_ET_DEFAUTS: dict[int, tuple] = {}


def _noms_et_defauts(saisis: tuple[Champ, ...]) -> tuple[tuple[str, object], ...]:
    connu, resultat = _NOMS_ET_DEFAUTS.get(id(saisis), (None, ()))
    if connu is not saisis:
        resultat = tuple((c.nom, c.defaut) for c in saisis if c.sorte != THEMES)
        _NOMS_ET_DEFAUTS[id(saisis)] = (saisis, resultat)
    return resultat


@cache
def _classe_donnees(noms_et_defauts: tuple[tuple[str, object], ...]):
    attributs = [(nom, object, field(default=defaut)) for nom, defaut in noms_et_defauts]
    attributs.sort(key=lambda a: a[0] != "texte")  # le texte, seul requis, d'abord
    attributs[0] = ("texte", str)
    return make_dataclass(
        "DonneesContribution", [*attributs, ("theme_ids", list, field(default_factory=list))]
    )


DonneesContribution = _donnees(CHAMPS)
DonneesContribution.__doc__ = (
    "Une parole validée : ses champs saisis (voir CHAMPS) et les identifiants de ses thèmes."
)


def valider_champ(c: Champ, valeur, themes_connus: dict[str, int] | None = None):
    if c.sorte == TEXTE:
        return valider_texte(valeur, c.nom, c.longueur_max or TEXTE_LONGUEUR_MAX, requis=c.requis)
    if c.sorte == CHOIX:
        return valider_choix(valeur, c.vocabulaire, c.nom, defaut=c.defaut)
    if c.sorte == DRAPEAU:
        return valider_booleen(valeur, c.nom)
    return valider_slugs_themes(valeur, themes_connus or {}, c.nom)


def valider_contribution(
    donnees: dict, themes_connus: dict[str, int], champs: tuple[Champ, ...] | None = None
):
    """Valide un dictionnaire de champs (formulaire, JSON ou ligne de tableur) ; lève ErreurValidation."""
    champs = champs or registre()
    valeurs = {}
    for c in champs_saisis(champs):
        nom = "theme_ids" if c.sorte == THEMES else c.nom
        valeurs[nom] = valider_champ(c, donnees.get(c.nom), themes_connus)
    return _donnees(champs)(**valeurs)


def validateur(c: Champ, themes_connus: dict[str, int] | None = None):
    """`valider_champ` préparé une fois pour ce champ (et ce livre de codes) : même valeur, même message
    (voir les chemins rapides de `collecte.modele.validation`)."""
    if c.sorte == TEXTE:
        return validateur_de_texte(c.nom, c.longueur_max or TEXTE_LONGUEUR_MAX, requis=c.requis)
    if c.sorte == CHOIX:
        return validateur_de_choix(c.vocabulaire, c.nom, defaut=c.defaut)
    if c.sorte == DRAPEAU:
        return validateur_de_booleen(c.nom)
    return validateur_de_slugs_themes(themes_connus or {}, c.nom)


def validation_des_lignes(themes_connus: dict[str, int], champs: tuple[Champ, ...] | None = None):
    """La validation d'une ligne de la feuille `contributions`, préparée une fois par import à partir du
    registre : une fonction ligne → {nom: valeur validée}, qui valide d'abord les champs de la saisie
    (comme `valider_contribution`, dans l'ordre du registre ; « theme_ids » pour les thèmes), puis les
    champs importés que la saisie ne porte pas (la modération : masquee). Première erreur levée telle
    quelle : mêmes valeurs et mêmes messages que `valider_contribution` puis `valider_champ`."""
    champs = champs or registre()
    ordre = [*champs_saisis(champs), *(c for c in champs if c.importe and not c.saisie)]
    etapes = tuple(
        ("theme_ids" if c.sorte == THEMES else c.nom, c.nom, validateur(c, themes_connus)) for c in ordre
    )

    def valider(ligne: dict) -> dict:
        lire = ligne.get
        return {cle: valider_valeur(lire(nom)) for cle, nom, valider_valeur in etapes}

    return valider


_TYPES_JSON = {TEXTE: (str,), CHOIX: (str,), DRAPEAU: (bool,)}
_NOMS_TYPES = {TEXTE: "du texte", CHOIX: "du texte", DRAPEAU: "true ou false"}


def valider_types_json(element: dict, champs: tuple[Champ, ...] | None = None) -> None:
    """API : refuse les types inattendus plutôt que de les convertir (« 123 » pour 123, « ['a'] » pour une
    liste, la session 1 pour `true`). Un champ absent ou `null` prend sa valeur par défaut."""
    champs = champs or registre()
    if not isinstance(element.get("client_uuid"), str):
        raise ErreurValidation("« client_uuid » doit être un identifiant (UUID) en texte.", "client_uuid")
    temps = element.get("temps")
    if not isinstance(temps, int) or isinstance(temps, bool):
        raise ErreurValidation("« temps » doit être le numéro (entier) d'un temps de collecte.", "temps")
    for c in champs_saisis(champs):
        valeur = element.get(c.nom)
        if valeur is None:
            continue
        if c.sorte == THEMES:
            if not (isinstance(valeur, list) and all(isinstance(t, str) for t in valeur)):
                raise ErreurValidation(f"« {c.nom} » doit être une liste de slugs (textes).", c.nom)
        elif not isinstance(valeur, _TYPES_JSON[c.sorte]):
            raise ErreurValidation(f"« {c.nom} » doit être {_NOMS_TYPES[c.sorte]}.", c.nom)


def en_json(contribution, slugs_themes: list[str], champs: tuple[Champ, ...] | None = None) -> dict:
    """Le JSON d'une parole stockée (API)."""
    champs = champs or registre()
    corps = {
        "id": contribution.id,
        "client_uuid": str(contribution.client_uuid),
        "temps": contribution.temps_id,
    }
    for c in champs:
        if c.api:
            corps[c.nom] = sorted(slugs_themes) if c.sorte == THEMES else getattr(contribution, c.nom)
    corps["cree_le"] = contribution.cree_le.isoformat()
    return corps
