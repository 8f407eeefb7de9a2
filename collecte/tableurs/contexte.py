"""Ce que partagent les gestionnaires de feuilles d'un import de classeur.

Le contexte garde la session, la démarche, les tables de correspondance préchargées (territoires,
structures, temps, thèmes : aucune requête par ligne), les erreurs et le rapport. Un gestionnaire
(voir `import_tableur.GESTIONNAIRES`) lit les lignes de sa feuille par `ctx.lignes(feuille)`,
signale chaque ligne fautive par `ctx.erreur(...)`, compte par `ctx.compter(...)`, et n'écrit que
si `ctx.ecriture_permise` : tout est de toute façon annulé à la fin s'il y a eu une erreur.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import insert, select
from sqlmodel import Session

from collecte.modele.models import Demarche, Structure, TempsDeCollecte, Territoire
from collecte.modele.validation import ErreurValidation
from collecte.tableurs.lecture import Feuille
from collecte.tableurs.lecture_csv import DEBORDEMENT
from collecte.terrain.saisie import slugs_acceptes

ERREURS_MAX = 50
# État d'une ligne → (masculin, féminin), au singulier ; le pluriel ajoute « s » (sauf « mis à jour »).
ETATS = {
    "creees": ("créé", "créée"),
    "mises_a_jour": ("mis à jour", "mise à jour"),
    "inchangees": ("inchangé", "inchangée"),
    "deja_presentes": ("déjà présent", "déjà présente"),
}
# Feuille → (nom affiché dans le rapport, féminin ?) ; une feuille inconnue est affichée telle quelle, au
# féminin (une feuille ajoutée par un autre paquet peut s'y déclarer).
NOMS_FEUILLES = {
    "demarche": ("démarche", True),
    "themes": ("thèmes", False),
    "territoires": ("territoires", False),
    "structures": ("structures", True),
    "temps": ("temps", False),
    "contributions": ("contributions", True),
    "reponses": ("réponses", True),
}


def accorder(etat: str, nombre: int, feminin: bool) -> str:
    """« 1 créée », « 20 créés », « 2 mises à jour », « 17 inchangés »…"""
    mot = ETATS[etat][feminin]
    if nombre > 1 and (feminin or etat != "mises_a_jour"):
        mot = mot.replace("mise à jour", "mises à jour") if etat == "mises_a_jour" else mot + "s"
    return f"{nombre} {mot}"


class ErreurImport(Exception):
    """Import refusé ; `erreurs` liste les messages « Feuille …, ligne …, colonne … : … »."""

    def __init__(self, erreurs: list[str]):
        super().__init__("\n".join(erreurs))
        self.erreurs = erreurs


@dataclass
class RapportImport:
    demarche: str = ""
    comptes: dict[str, Counter] = field(default_factory=dict)  # feuille → Counter(état → nombre)
    avertissements: list[str] = field(default_factory=list)

    def compter(self, feuille: str, etat: str, n: int = 1) -> None:
        self.comptes.setdefault(feuille, Counter())[etat] += n

    def lignes(self) -> list[str]:
        """Une ligne par feuille, dans l'ordre des feuilles de l'import : « thèmes : 20 créés »."""
        rang = {nom: i for i, nom in enumerate(NOMS_FEUILLES)}
        lignes = []
        for feuille in sorted(self.comptes, key=lambda f: rang.get(f, len(rang))):
            nom, feminin = NOMS_FEUILLES.get(feuille, (feuille, True))
            etats = [accorder(etat, n, feminin) for etat, n in self.comptes[feuille].items() if n]
            if etats:
                lignes.append(f"{nom} : {', '.join(etats)}")
        return lignes


def message_sans_livre(slug: str, lignes: Counter) -> str:
    """La seule erreur d'un import qui cite des thèmes dans une démarche qui n'en a aucun."""
    ou = " ; ".join(f"feuille {f} : {n} ligne{'s' if n > 1 else ''}" for f, n in lignes.items())
    return (
        f"La démarche « {slug} » n'a encore aucun thème, et des thèmes sont cités ({ou}). Ajoutez une "
        "feuille themes au classeur, ou donnez son livre de codes avec l'option --themes (parole import "
        "CHEMIN --themes LIVRE.yaml ; fichier .yaml, .csv ou .qdc), ou importez-le d'abord (menu Thèmes)."
    )


def message_erreur(feuille: str, ligne: int | None, erreur: ErreurValidation) -> str:
    ou = f"Feuille {feuille}" + (f", ligne {ligne}" if ligne else "")
    return ou + (f", colonne {erreur.champ}" if erreur.champ else "") + f" : {erreur.message}"


@dataclass
class ContexteImport:
    session: Session
    demarche: Demarche
    rapport: RapportImport
    erreurs: list[str] = field(default_factory=list)
    territoires: dict[tuple[str, str], int] = field(default_factory=dict)
    structures: dict[str, int] = field(default_factory=dict)
    territoire_de_structure: dict[int, int | None] = field(default_factory=dict)
    temps: dict[str, int] = field(default_factory=dict)
    themes: dict[str, int] = field(default_factory=dict)
    # Clés des lignes refusées : les lignes qui s'y réfèrent ne répètent pas l'erreur.
    refusees: dict[str, set[str]] = field(default_factory=lambda: {"structures": set(), "temps": set()})
    dossier_questionnaires: str | None = None  # None : les définitions livrées
    # Démarche sans thème : lignes qui en citent, par feuille ; une seule erreur les résume toutes.
    sans_livre: Counter = field(default_factory=Counter)
    rang_sans_livre: int = -1  # place de cette erreur dans `erreurs`

    @classmethod
    def charger(cls, session: Session, demarche: Demarche, rapport: RapportImport) -> ContexteImport:
        ctx = cls(session, demarche, rapport)
        ctx.recharger_themes()
        t = Territoire.__table__.c
        ctx.territoires = {
            (v, q): i
            for i, v, q in session.execute(
                select(t.id, t.ville, t.quartier).where(t.demarche_id == demarche.id)
            )
        }
        s = Structure.__table__.c
        for i, nom, territoire_id in session.execute(
            select(s.id, s.nom, s.territoire_id).where(s.demarche_id == demarche.id)
        ):
            ctx.structures[nom] = i
            ctx.territoire_de_structure[i] = territoire_id
        c = TempsDeCollecte.__table__.c
        ctx.temps = dict(session.execute(select(c.ref, c.id).where(c.demarche_id == demarche.id)).all())
        return ctx

    def recharger_themes(self) -> None:
        # Les slugs de thèmes fusionnés restent acceptés (un classeur préparé avant la fusion).
        self.themes = slugs_acceptes(self.session, self.demarche.id)

    @property
    def ecriture_permise(self) -> bool:
        return not self.erreurs

    def erreur(
        self, feuille: str, ligne: int | None, erreur: ErreurValidation, cle: str | None = None
    ) -> None:
        """Note une erreur (et la clé de la ligne refusée) ; au-delà de 50, l'import s'arrête tout de
        suite. Des thèmes cités alors que la démarche n'en a aucun : une seule erreur pour tout l'import."""
        if cle and feuille in self.refusees:
            self.refusees[feuille].add(str(cle).strip())
        if erreur.champ == "themes" and not self.themes:
            self._sans_livre(feuille)
            return
        self.erreurs.append(message_erreur(feuille, ligne, erreur))
        if len(self.erreurs) >= ERREURS_MAX:
            raise ErreurImport(self.erreurs + [f"… (import arrêté après {ERREURS_MAX} erreurs)"])

    def compter(self, feuille: str, etat: str, n: int = 1) -> None:
        self.rapport.compter(feuille, etat, n)

    def lignes(self, feuille: Feuille) -> Iterator[tuple[int, dict]]:
        """Les lignes de la feuille ; les valeurs écrites hors des colonnes nommées sont signalées."""
        hors_colonnes = []
        for numero, ligne in feuille.lignes:
            if ligne.pop(DEBORDEMENT, False) or str(ligne.pop("", "")).strip():
                hors_colonnes.append(numero)
            yield numero, ligne
        if hors_colonnes:
            cites = ", ".join(map(str, hors_colonnes[:5])) + (" …" if len(hors_colonnes) > 5 else "")
            self.rapport.avertissements.append(
                f"Feuille {feuille.nom} : valeurs sans nom de colonne ignorées (ligne(s) {cites})."
            )

    def _sans_livre(self, feuille: str) -> None:
        if not self.sans_livre:
            self.rang_sans_livre = len(self.erreurs)
            self.erreurs.append("")
        self.sans_livre[feuille] += 1  # le texte suit les comptes
        self.erreurs[self.rang_sans_livre] = message_sans_livre(self.demarche.slug, self.sans_livre)

    def territoire(self, ville: str, quartier: str) -> int:
        """Identifiant du territoire (ville, quartier), créé s'il manque."""
        cle = (ville, quartier)
        if cle not in self.territoires:
            table = Territoire.__table__
            self.territoires[cle] = self.session.execute(
                insert(table)
                .values(demarche_id=self.demarche.id, ville=ville, quartier=quartier, code_qpv="")
                .returning(table.c.id)
            ).scalar_one()
            self.compter("territoires", "creees")
        return self.territoires[cle]
