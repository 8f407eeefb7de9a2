"""Textes libres du livret, écrits par l'équipe (table `TexteRestitution`) et chapeaux des chapitres
(`Theme.introduction`).

Chaque texte a une clé fixe (`TEXTES`) ; les préconisations sont rangées par axe, une clé par axe
(`axe-01`, `axe-02`…) : le titre du texte est le titre de l'axe, son contenu une préconisation par
ligne. Un texte jamais écrit (ou vidé) prend sa valeur par défaut, tirée de la fiche de la démarche
quand c'est possible. Avec `restitution/donnees.py`, c'est le seul module de `restitution` qui
touche la base.

Chaque fonction qui écrit valide elle-même (commit) ou annule tout (rollback) avant de lever
`ErreurValidation` : les vues n'ont ni l'un ni l'autre à faire.

Utilisation (page web « Restitution ») :
    textes = lire_textes(session, demarche.id)           # dict clé → Texte, dans l'ordre du livret
    enregistrer_texte(session, demarche.id, "synthese", "Synthèse", "…")   # ErreurValidation si refusé
    enregistrer_texte(session, demarche.id, cle_nouvel_axe(textes), "Coordonner", "Ligne 1\\nLigne 2")
    definir_introduction(session, demarche.id, "parentalite", "Chapeau du chapitre…")
    texte_a_ecrire(session, demarche.id, cle)            # ce que montre le formulaire `cle`
    ecrire_texte(session, demarche.id, cle, titre, contenu, version, supprimer)  # ce qu'il fait ; → message
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, select

from collecte.modele.db import unite_de_travail
from collecte.modele.models import Demarche, TexteRestitution, Theme, maintenant
from collecte.modele.validation import ErreurValidation, valider_texte

TITRE_MAX = 300
CONTENU_MAX = 20_000
INTRODUCTION_MAX = 10_000
AXES_MAX = 12
MOTIF_AXE = re.compile(r"^axe-(\d{2})$")
NOUVEL_AXE = "nouvel-axe"  # clé du formulaire d'un axe pas encore créé (il prendra la première clé libre)


class TexteInconnu(ErreurValidation):
    """Aucun texte ne porte cette clé (ni texte fixe, ni axe possible)."""


class ConflitDeVersion(ErreurValidation):
    """Le texte a été modifié depuis qu'il a été lu ; `version` est celle qui est enregistrée."""

    def __init__(self, message: str, version: str):
        super().__init__(message, "version")
        self.version = version


def _ecrit_en_meme_temps() -> ErreurValidation:
    # Deux premiers enregistrements simultanés de la même clé (texte jamais écrit, ou même numéro d'axe).
    return ErreurValidation(
        "Ce texte vient d'être enregistré par quelqu'un d'autre au même moment : rien n'est "
        "écrasé. Envoyez de nouveau le formulaire.",
        "version",
    )


@dataclass(frozen=True)
class Modele:
    """Texte modifiable : libellé du formulaire, aide, titre affiché dans le livret."""

    cle: str
    libelle: str
    titre: str
    aide: str


TEXTES = {
    m.cle: m
    for m in (
        Modele(
            "couverture", "Couverture", "", "Titre : le grand titre de la couverture ; texte : le sous-titre."
        ),
        Modele(
            "partenaires",
            "Partenaires",
            "Les partenaires",
            "Qui porte la démarche, qui la finance, qui l'a menée. Imprimé sous la couverture.",
        ),
        Modele(
            "demarche",
            "La démarche",
            "La démarche",
            "Les objectifs, les questions de départ, la manière d'aller vers les habitant·es.",
        ),
        Modele(
            "territoires",
            "Les territoires",
            "Les territoires et les structures",
            "Présentation des quartiers (population, histoire, ce qui les caractérise).",
        ),
        Modele("synthese", "Synthèse", "Synthèse", "Ce que l'équipe retient de l'ensemble des paroles."),
        Modele(
            "angles_morts",
            "Angles morts",
            "Angles morts",
            "Ce que la démarche n'a pas su entendre (publics absents, sujets évités…).",
        ),
        Modele(
            "methode",
            "Note de méthode (ajout)",
            "Note de méthode",
            (
                "Facultatif : précisions ajoutées à la note de méthode générée (ce qui a été compté, et "
                "comment)."
            ),
        ),
    )
}
ORDRE = list(TEXTES)
TITRE_AXES = "Préconisations"


@dataclass
class Texte:
    cle: str
    libelle: str
    titre: str
    contenu: str
    aide: str = ""
    ecrit: bool = False  # False : valeur par défaut, jamais enregistrée
    version: str = ""  # date de la dernière modification (ISO) ; "" : jamais enregistré

    @property
    def lignes(self) -> list[str]:
        """Lignes non vides du contenu (une préconisation par ligne pour un axe)."""
        return [l.strip() for l in self.contenu.splitlines() if l.strip()]


def _defauts(demarche: Demarche) -> dict[str, tuple[str, str]]:
    partenaires = [
        p.strip() for p in (demarche.partenaires or "").replace("|", "\n").splitlines() if p.strip()
    ]
    porteurs = ([f"Commanditaire : {demarche.commanditaire}."] if demarche.commanditaire else []) + (
        ["Avec : " + ", ".join(partenaires) + "."] if partenaires else []
    )
    return {
        "couverture": (demarche.titre, "Livret de restitution de la parole recueillie"),
        "partenaires": (TEXTES["partenaires"].titre, "\n".join(porteurs)),
        "demarche": (TEXTES["demarche"].titre, demarche.description or ""),
    }


def _modele(cle: str) -> Modele:
    if cle in TEXTES:
        return TEXTES[cle]
    numero = MOTIF_AXE.match(cle or "")
    if numero and 1 <= int(numero.group(1)) <= AXES_MAX:
        return Modele(
            cle,
            f"Préconisations, axe {int(numero.group(1))}",
            "",
            "Titre : le nom de l'axe ; texte : une préconisation par ligne.",
        )
    connues = ", ".join(ORDRE) + f", axe-01 … axe-{AXES_MAX:02d}"
    raise TexteInconnu(f"Texte « {cle} » inconnu (textes possibles : {connues}).", "cle")


def _demarche(session: Session, demarche_id: int) -> Demarche:
    demarche = session.get(Demarche, demarche_id)
    if demarche is None:
        raise ErreurValidation("Démarche introuvable.", "demarche")
    return demarche


def lire_textes(session: Session, demarche_id: int) -> dict[str, Texte]:
    """Tous les textes du livret : les clés de `TEXTES` dans l'ordre (valeur par défaut si rien
    n'est écrit), puis les axes de préconisations écrits, dans l'ordre de leur clé."""
    defauts = _defauts(_demarche(session, demarche_id))
    lignes = {
        t.cle: t
        for t in session.exec(select(TexteRestitution).where(TexteRestitution.demarche_id == demarche_id))
    }
    textes = {}
    for cle in ORDRE:
        modele, ligne = TEXTES[cle], lignes.get(cle)
        titre, contenu = defauts.get(cle, (modele.titre, ""))
        if ligne is not None:
            titre, contenu = ligne.titre or titre, ligne.contenu
        textes[cle] = Texte(
            cle, modele.libelle, titre, contenu, modele.aide, ligne is not None, _version(ligne)
        )
    for cle in sorted(c for c in lignes if MOTIF_AXE.match(c)):
        modele, ligne = _modele(cle), lignes[cle]
        textes[cle] = Texte(
            cle, modele.libelle, ligne.titre, ligne.contenu, modele.aide, True, _version(ligne)
        )
    return textes


def _version(ligne: TexteRestitution | None) -> str:
    return ligne.modifie_le.isoformat() if ligne is not None and ligne.modifie_le else ""


def texte_vierge(cle: str) -> Texte:
    """Texte pas encore écrit (un nouvel axe de préconisations), pour le formulaire."""
    modele = _modele(cle)
    return Texte(cle, modele.libelle, modele.titre, "", modele.aide)


def axes(textes: dict[str, Texte]) -> list[Texte]:
    """Axes de préconisations, dans l'ordre de leur clé."""
    return [t for cle, t in textes.items() if MOTIF_AXE.match(cle)]


def cle_nouvel_axe(textes: dict[str, Texte]) -> str:
    """Première clé d'axe libre (`axe-01`…) ; ErreurValidation au-delà de `AXES_MAX` axes."""
    prises = {int(MOTIF_AXE.match(c).group(1)) for c in textes if MOTIF_AXE.match(c)}
    libre = next((n for n in range(1, AXES_MAX + 1) if n not in prises), None)
    if libre is None:
        raise ErreurValidation(f"{AXES_MAX} axes de préconisations au plus : regroupez-en.", "cle")
    return f"axe-{libre:02d}"


def creer_axe(session: Session, demarche_id: int, titre: str, contenu: str) -> tuple[Texte, bool]:
    """Crée un axe de préconisations sous la première clé libre ; renvoie (axe, deja_la).

    Un formulaire envoyé deux fois (double appui, renvoi du navigateur sur une connexion lente) ne
    duplique rien : si un axe porte déjà ce titre avec ce contenu, c'est lui qui est renvoyé avec
    deja_la=True. Un autre contenu sous un titre déjà pris est refusé (ErreurValidation, champ titre)."""
    titre_valide = valider_texte(titre, "titre", TITRE_MAX, requis=False)
    contenu_valide = valider_texte(contenu, "contenu", CONTENU_MAX, requis=False)
    if not titre_valide:
        raise ErreurValidation("Donnez un titre à cet axe de préconisations.", "titre")
    existants = lire_textes(session, demarche_id)
    for axe in axes(existants):
        if axe.ecrit and _comparable(axe.titre) == _comparable(titre_valide):
            if _comparable(axe.contenu) == _comparable(contenu_valide):
                return axe, True
            raise ErreurValidation(
                f"Un axe s'appelle déjà « {axe.titre} » : complétez-le plutôt, ou choisissez un autre titre.",
                "titre",
            )
    cle = cle_nouvel_axe(existants)
    return enregistrer_texte(session, demarche_id, cle, titre, contenu, version=""), False


def _comparable(texte: str) -> str:
    return " ".join(texte.split()).casefold()


def enregistrer_texte(
    session: Session, demarche_id: int, cle: str, titre: str, contenu: str, version: str | None = None
) -> Texte | None:
    """Enregistre (ou remplace) un texte. Titre et contenu vides : le texte est supprimé (retour à la
    valeur par défaut ; un axe vidé disparaît) et la fonction renvoie None. Lève ErreurValidation
    (message en français, `champ` = cle, titre, contenu ou version) si la clé est inconnue
    (TexteInconnu), le texte refusé, ou si `version` (celle lue avant d'écrire, "" pour un texte
    jamais enregistré) n'est plus celle de la base (ConflitDeVersion) : quelqu'un d'autre l'a modifié
    entre-temps, rien n'est écrasé."""
    with unite_de_travail(session, doublon=_ecrit_en_meme_temps()):
        garde = _ecrire(session, demarche_id, cle, titre, contenu, version)
    return lire_textes(session, demarche_id)[cle] if garde else None


def _ecrire(
    session: Session, demarche_id: int, cle: str, titre: str, contenu: str, version: str | None
) -> bool:
    """Écrit (sans valider) ; renvoie False si le texte a été supprimé."""
    _modele(cle)
    _demarche(session, demarche_id)
    titre = valider_texte(titre, "titre", TITRE_MAX, requis=False)
    contenu = valider_texte(contenu, "contenu", CONTENU_MAX, requis=False)
    if MOTIF_AXE.match(cle) and contenu and not titre:
        raise ErreurValidation("Donnez un titre à cet axe de préconisations.", "titre")
    ligne = session.exec(
        select(TexteRestitution).where(
            TexteRestitution.demarche_id == demarche_id, TexteRestitution.cle == cle
        )
    ).first()
    if version is not None and version != _version(ligne):
        raise ConflitDeVersion(
            "Ce texte a été modifié par quelqu'un d'autre pendant que vous écriviez. Votre "
            "version est gardée ci-dessous : relisez la version enregistrée (aperçu), puis "
            "enregistrez de nouveau.",
            _version(ligne),
        )
    if not titre and not contenu:
        if ligne is not None:
            session.delete(ligne)
        return False
    ligne = ligne or TexteRestitution(demarche_id=demarche_id, cle=cle)
    ligne.titre, ligne.contenu, ligne.modifie_le = titre, contenu, maintenant()
    ligne.ordre = ORDRE.index(cle) if cle in TEXTES else 100 + int(cle[4:])
    session.add(ligne)
    return True


def texte_a_ecrire(session: Session, demarche_id: int, cle: str) -> Texte:
    """Le texte que montre le formulaire `cle` : tel qu'enregistré (ou sa valeur par défaut) ; pour
    `NOUVEL_AXE`, un axe vierge sous la première clé libre. Lève TexteInconnu si la clé n'existe pas,
    ErreurValidation (champ « cle ») si les `AXES_MAX` axes sont déjà écrits."""
    ecrits = lire_textes(session, demarche_id)
    if cle == NOUVEL_AXE:
        return texte_vierge(cle_nouvel_axe(ecrits))
    return ecrits.get(cle) or texte_vierge(cle)


def ecrire_texte(
    session: Session,
    demarche_id: int,
    cle: str,
    titre: str,
    contenu: str,
    version: str,
    supprimer: bool = False,
) -> str:
    """Ce que fait le formulaire `cle` envoyé : créer l'axe (`NOUVEL_AXE`, sans doublon si le formulaire
    part deux fois), enregistrer le texte, ou le supprimer (`supprimer` : titre et contenu vidés, retour
    à la valeur par défaut). Renvoie le message à afficher ; lève les erreurs de `enregistrer_texte`
    et de `creer_axe`, rien n'étant alors écrit."""
    if supprimer:
        titre = contenu = ""
    try:
        actuel = texte_a_ecrire(session, demarche_id, cle)
        if cle == NOUVEL_AXE:
            axe, deja_la = creer_axe(session, demarche_id, titre, contenu)
            if deja_la:
                return (
                    f"« {axe.titre} » était déjà enregistré (formulaire envoyé deux fois) : rien n'a été "
                    "dupliqué."
                )
            return f"« {actuel.libelle} » enregistré."
        enregistrer_texte(session, demarche_id, actuel.cle, titre, contenu, version=version)
    except ErreurValidation:
        session.rollback()  # rien d'écrit ; la lecture en cours est close
        raise
    return f"« {actuel.libelle} » " + ("supprimé." if supprimer else "enregistré.")


def definir_introduction(session: Session, demarche_id: int, theme_slug: str, texte: str) -> Theme:
    """Écrit le chapeau (introduction) du chapitre d'un thème ; texte vide : chapitre sans chapeau."""
    with unite_de_travail(session):
        theme = session.exec(
            select(Theme).where(Theme.demarche_id == demarche_id, Theme.slug == theme_slug)
        ).first()
        if theme is None:
            raise ErreurValidation(f"Thème « {theme_slug} » introuvable dans cette démarche.", "theme")
        theme.introduction = valider_texte(texte, "introduction", INTRODUCTION_MAX, requis=False)
        session.add(theme)
    return theme
