"""Import d'une démarche entière depuis un classeur (feuilles lues par `lecture_tableur`).

Tout ou rien : chaque ligne est validée (mêmes validateurs que le formulaire et l'API) ; à la
moindre erreur, rien n'est écrit (une seule transaction, annulée) et chaque message nomme la
feuille, la ligne du tableur et la colonne. Réimporter le même classeur ne duplique rien.

Chaque feuille est confiée à un gestionnaire de la table `GESTIONNAIRES`, dans l'ordre de la
table ; un autre paquet peut en ajouter un (`enregistrer_gestionnaire`) : la feuille `reponses` des
questionnaires papier vient ainsi de `questionnaires.import_papier`.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlmodel import Session

from collecte.demarches import demarche_par_slug, slugifier, valider_demarche
from collecte.modele.champs import colonnes_import, colonnes_pour_lecture
from collecte.modele.models import Demarche
from collecte.modele.validation import ErreurValidation
from collecte.tableurs.contexte import ContexteImport, ErreurImport, RapportImport, message_erreur
from collecte.tableurs.feuilles import traiter_structures, traiter_temps, traiter_territoires, traiter_themes
from collecte.tableurs.lecture import Feuille
from collecte.tableurs.paroles import traiter_contributions, uuid_parole

__all__ = [
    "GESTIONNAIRES",
    "ErreurImport",
    "Gestionnaire",
    "RapportImport",
    "colonnes_connues",
    "colonnes_feuille",
    "enregistrer_gestionnaire",
    "gestionnaire",
    "importer",
    "noms_feuilles",
    "uuid_parole",
]


@dataclass(frozen=True)
class Gestionnaire:
    """Une feuille reconnue : ses colonnes, les obligatoires, et la fonction qui la traite.

    `colonnes_declarees` est une phrase de mots séparés, ou une fonction qui donne la liste : celles de
    la feuille `contributions` viennent du registre des champs, lu au moment de l'import.
    `pour_lecture` : colonnes que les exports ajoutent pour les humains, ignorées sans avertissement."""

    feuille: str
    colonnes_declarees: str | frozenset[str] | Callable[[], list[str]]
    obligatoires: frozenset[str]
    traiter: Callable[[ContexteImport, Feuille], None]
    pour_lecture: Callable[[], list[str]] | None = None

    @property
    def ordre(self) -> list[str]:
        """Les colonnes dans l'ordre de leur déclaration (celui des exports)."""
        declarees = self.colonnes_declarees
        if callable(declarees):
            return list(declarees())
        return declarees.split() if isinstance(declarees, str) else sorted(declarees)

    @property
    def colonnes(self) -> frozenset[str]:
        return frozenset(self.ordre)

    @property
    def ignorees_sans_avertissement(self) -> frozenset[str]:
        return frozenset(self.pour_lecture() if self.pour_lecture else ())


def gestionnaire(
    feuille: str, colonnes: str | Callable[[], list[str]], obligatoires: str, traiter, pour_lecture=None
) -> Gestionnaire:
    """Un gestionnaire ; colonnes obligatoires écrites comme une phrase de mots séparés."""
    return Gestionnaire(feuille, colonnes, frozenset(obligatoires.split()), traiter, pour_lecture)


COLONNES_DEMARCHE = ("slug", "titre", "commanditaire", "partenaires", "date_debut", "date_fin", "description")
GESTIONNAIRES: dict[str, Gestionnaire] = {
    g.feuille: g
    for g in (
        gestionnaire(
            "themes", "slug label description mots_cles couleur ordre parent", "slug label", traiter_themes
        ),
        gestionnaire("territoires", "ville quartier code_qpv", "ville", traiter_territoires),
        gestionnaire(
            "structures",
            "nom ville quartier typologie lieu public equipement offre_numerique besoins horaires "
            "prescripteurs notes",
            "nom",
            traiter_structures,
        ),
        gestionnaire(
            "temps",
            "ref dispositif date date_fin ville quartier lieu evenement structure animateurs "
            "personnes_rencontrees dont_professionnels questions notes themes",
            "ref dispositif date",
            traiter_temps,
        ),
        gestionnaire(
            "contributions", colonnes_import, "temps texte", traiter_contributions, colonnes_pour_lecture
        ),
    )
}


def enregistrer_gestionnaire(gestionnaire: Gestionnaire, avant: str | None = None) -> None:
    """Ajoute (ou remplace) le gestionnaire d'une feuille ; `avant` : feuille à traiter après lui."""
    autres = [g for g in GESTIONNAIRES.values() if g.feuille != gestionnaire.feuille]
    rang = next((i for i, g in enumerate(autres) if g.feuille == avant), len(autres))
    autres.insert(rang, gestionnaire)
    GESTIONNAIRES.clear()
    GESTIONNAIRES.update((g.feuille, g) for g in autres)


def noms_feuilles() -> set[str]:
    return {"demarche", *GESTIONNAIRES}


def colonnes_connues() -> dict[str, frozenset[str]]:
    """Colonnes lues, et colonnes pour les humains ignorées sans avertissement, par feuille."""
    return {
        "demarche": frozenset(COLONNES_DEMARCHE),
        **{nom: g.colonnes | g.ignorees_sans_avertissement for nom, g in GESTIONNAIRES.items()},
    }


def colonnes_feuille(nom: str) -> list[str]:
    """Colonnes lues d'une feuille, dans l'ordre de leur déclaration : celles qu'écrivent les exports."""
    return list(COLONNES_DEMARCHE) if nom == "demarche" else GESTIONNAIRES[nom].ordre


def _verifier_feuilles(feuilles: dict[str, Feuille], rapport: RapportImport) -> None:
    # Ce que la lecture n'a pas pu reprendre (un projet .qdpx : sources PDF, variables inconnues…).
    rapport.avertissements += getattr(feuilles, "avertissements", [])
    ignorees = list(getattr(feuilles, "ignorees", [])) + [n for n in feuilles if n not in noms_feuilles()]
    if ignorees:
        rapport.avertissements.append(f"Feuille(s) non reconnue(s), ignorée(s) : {', '.join(ignorees)}.")
    if not any(nom in GESTIONNAIRES for nom in feuilles):
        trouvees = f" (trouvé : {', '.join(ignorees)})" if ignorees else ""
        raise ErreurImport(
            [
                f"Aucune feuille reconnue{trouvees} : le classeur doit contenir des feuilles "
                "territoires, structures, temps, contributions (ou themes)."
            ]
        )
    erreurs, connues = [], colonnes_connues()
    for nom, feuille in feuilles.items():
        inconnues = [c for c in feuille.colonnes if c and c not in connues.get(nom, feuille.colonnes)]
        if inconnues:
            rapport.avertissements.append(
                f"Feuille {nom} : colonne(s) inconnue(s) ignorée(s) : {', '.join(inconnues)}."
            )
        manquantes = GESTIONNAIRES[nom].obligatoires - set(feuille.colonnes) if nom in GESTIONNAIRES else ()
        erreurs += [
            message_erreur(nom, None, ErreurValidation("colonne obligatoire absente.", c))
            for c in sorted(manquantes)
        ]
    if erreurs:
        raise ErreurImport(erreurs)


def _demarche(
    session: Session, feuilles: dict[str, Feuille], slug: str | None, rapport: RapportImport
) -> Demarche:
    lignes = list(feuilles["demarche"].lignes) if "demarche" in feuilles else []
    numero, donnees = lignes[0] if lignes else (2, {})
    slug = slugifier(slug or donnees.get("slug") or donnees.get("titre") or "")
    if not slug:
        raise ErreurImport(
            ["Indiquez la démarche : option --demarche, ou une feuille « demarche » avec slug et titre."]
        )
    demarche = demarche_par_slug(session, slug)
    rapport.demarche = slug
    if demarche is not None and not donnees:
        return demarche
    try:
        champs = valider_demarche(
            {**donnees, "titre": donnees.get("titre") or (demarche.titre if demarche else slug)}
        )
    except ErreurValidation as erreur:
        raise ErreurImport([message_erreur("demarche", numero, erreur)]) from None
    if demarche is None:
        demarche = Demarche(slug=slug, **champs)
        rapport.compter("demarche", "creees")
    else:
        changee = any(getattr(demarche, k) != v for k, v in champs.items())
        rapport.compter("demarche", "mises_a_jour" if changee else "inchangees")
        for champ, valeur in champs.items():
            setattr(demarche, champ, valeur)
    session.add(demarche)
    session.flush()
    return demarche


# Un import crée quelques objets par ligne (dictionnaires, tuples), gardés jusqu'à l'écriture de leur lot :
# avec le seuil par défaut (700), le ramasse-miettes des cycles les reparcourt sans cesse, et relit à chaque
# passage complet tout ce que le processus garde (application, SQLAlchemy, identifiants déjà vus) ; c'était
# un tiers du temps d'un import de 100 000 paroles (BENCHMARKS.md). L'import ne crée pas de cycles : ses
# objets sont rendus par le compte des références, le ramasse-miettes reste actif, seulement moins souvent.
# Le réglage vaut pour tout le processus : seule la ligne de commande l'espace (`entrees.importer_chemin`) ;
# le serveur, qui sert d'autres requêtes pendant un import envoyé (16 Mo au plus), n'y touche pas.
SEUIL_RAMASSE_MIETTES = 50_000
_ramasse_miettes = {"imports": 0, "seuils": (0, 0, 0)}
_verrou = threading.Lock()


@contextmanager
def ramasse_miettes_espace() -> Iterator[None]:
    """Pendant un import, le ramasse-miettes passe tous les 50 000 objets créés au lieu de 700 ; le seuil
    d'avant revient à la fin du dernier import en cours (plusieurs fils peuvent importer à la fois)."""
    with _verrou:
        if _ramasse_miettes["imports"] == 0:
            _ramasse_miettes["seuils"] = gc.get_threshold()
            premier, *autres = _ramasse_miettes["seuils"]
            gc.set_threshold(max(premier, SEUIL_RAMASSE_MIETTES), *autres)
        _ramasse_miettes["imports"] += 1
    try:
        yield
    finally:
        with _verrou:
            _ramasse_miettes["imports"] -= 1
            if _ramasse_miettes["imports"] == 0:
                gc.set_threshold(*_ramasse_miettes["seuils"])


def importer(
    session: Session, feuilles: dict[str, Feuille], slug: str | None = None, questionnaires: str | None = None
) -> RapportImport:
    """Importe les feuilles dans la démarche `slug` (créée si besoin), tout ou rien.

    `questionnaires` : dossier des définitions auxquelles renvoie la feuille reponses."""
    return _importer(session, feuilles, slug, questionnaires)


def _importer(
    session: Session, feuilles: dict[str, Feuille], slug: str | None, questionnaires: str | None
) -> RapportImport:
    rapport = RapportImport()
    try:
        _verifier_feuilles(feuilles, rapport)
        demarche = _demarche(session, feuilles, slug, rapport)
        ctx = ContexteImport.charger(session, demarche, rapport)
        ctx.dossier_questionnaires = questionnaires
        for nom, gestionnaire in list(GESTIONNAIRES.items()):
            if nom in feuilles:
                gestionnaire.traiter(ctx, feuilles[nom])
        if ctx.erreurs:
            raise ErreurImport(ctx.erreurs)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return rapport
