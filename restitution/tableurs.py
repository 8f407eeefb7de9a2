"""Exports tableurs d'une démarche : un classeur au format de l'import, que `parole import` relit.

Feuilles `demarche`, `themes`, `territoires`, `structures`, `temps`, `contributions` et `reponses`,
colonnes dans l'ordre où l'import les déclare (`collecte.tableurs.import_classeur`), valeurs en codes
(profil, tranche d'âge, dispositif…) : exporter puis importer dans une instance vide reconstruit la
démarche. La feuille `contributions` garde une ligne par parole, lisible d'un coup d'œil : après les
colonnes de l'import viennent des colonnes pour les humains seulement (libellés, contexte repris du
temps, date de saisie : `collecte.modele.champs.colonnes_pour_lecture`), que l'import ignore sans
avertissement.

Les réponses libres d'un questionnaire sortent dans la feuille `reponses` (avec ses autres réponses),
pas dans `contributions` : c'est par elle que l'import les recrée, dans leur propre temps de collecte.
Leur texte est celui des paroles exportées (masquage des données personnelles compris) ; une réponse
libre dont la parole ne sort pas (masquée, « ne pas citer ») ne sort pas non plus.

XLSX : un classeur écrit en flux. CSV : une archive .zip d'un fichier par feuille (UTF-8 avec BOM,
point-virgule : Excel en français ouvre chacun d'un double clic), que l'import lit telle quelle.
Les écrivains suivent la forme attendue par `restitution.exports` : `ecrire(matiere, sortie,
progression)` → nombre de paroles écrites.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import object_session

import questionnaires.import_papier  # noqa: F401  (déclare la feuille reponses de l'import)
from collecte.modele.champs import champ, champs_exportes, colonnes_pour_lecture
from collecte.modele.models import (
    DISPOSITIFS,
    FUSEAU_AFFICHAGE,
    ReponseQuestionnaire,
    Structure,
    TempsDeCollecte,
    TempsTheme,
    Territoire,
    Theme,
)
from collecte.tableurs.ecriture import cellule_csv, classeur_en_flux
from collecte.tableurs.import_classeur import GESTIONNAIRES, colonnes_feuille
from restitution import donnees


def _colonnes_contributions(avec_ne_pas_citer: bool) -> list[str]:
    """L'identifiant, la référence du temps, les champs exportés (« ne pas citer » sur demande), puis
    les colonnes pour les humains."""
    return ["id", "temps", *(c.nom for c in champs_exportes(avec_ne_pas_citer)), *colonnes_pour_lecture()]


def _ligne_parole(parole: dict, avec_ne_pas_citer: bool) -> dict:
    lecture = {
        "dispositif_libelle": DISPOSITIFS.get(parole["dispositif"], parole["dispositif"]),
        "date": parole["date"],
        "lieu": parole["lieu"],
        "evenement": parole["evenement"],
        "ville": parole["ville"],
        "quartier": parole["quartier"],
        "structure": parole["structure"],
        "typologie_structure": parole["typologie"],
        "saisie_le": parole["cree_le"],
    }
    for nom in colonnes_pour_lecture():
        if nom.endswith("_libelle") and nom not in lecture:
            c = champ(nom.removesuffix("_libelle"))
            lecture[nom] = c.libelle_exporte(parole[c.nom])
    champs = {c.nom: c.valeur_exportee(parole[c.nom]) for c in champs_exportes(avec_ne_pas_citer)}
    return {"id": str(parole["client_uuid"]), "temps": parole["temps_ref"], **champs, **lecture}


class _Classeur:
    """Les feuilles d'une démarche, lues dans la base de la matière ; `paroles` : nombre écrit."""

    def __init__(self, matiere, progression=None):
        self.matiere, self.progression = matiere, progression
        self.session = object_session(matiere.demarche)  # celle qui a lu la démarche et lit les paroles
        self.connexion = self.session.connection()
        self.demarche_id = matiere.demarche.id
        self.paroles = 0
        self.reponses_libres: dict[tuple[int, str], str] = {}  # (réponse, question) → texte exporté

    def feuilles(self) -> Iterator[tuple[str, list[str], Iterator[dict]]]:
        """(nom, colonnes, lignes) ; les lignes de `reponses` ne sont lues qu'après les paroles."""
        yield "demarche", colonnes_feuille("demarche"), iter([vars_demarche(self.matiere.demarche)])
        yield "themes", colonnes_feuille("themes"), iter(self.matiere.themes)
        yield "territoires", colonnes_feuille("territoires"), self._territoires()
        yield "structures", colonnes_feuille("structures"), self._structures()
        yield "temps", colonnes_feuille("temps"), self._temps()
        colonnes = _colonnes_contributions(self.matiere.avec_ne_pas_citer)
        yield "contributions", colonnes, self._contributions()
        if "reponses" in GESTIONNAIRES:
            yield "reponses", colonnes_feuille("reponses"), self._reponses()

    def _territoires(self) -> Iterator[dict]:
        t = Territoire.__table__.c
        requete = select(t.ville, t.quartier, t.code_qpv).where(t.demarche_id == self.demarche_id)
        yield from self.connexion.execute(requete.order_by(t.id)).mappings()

    def _structures(self) -> Iterator[dict]:
        s, t = Structure.__table__, Territoire.__table__
        requete = (
            select(s, t.c.ville, t.c.quartier)
            .outerjoin(t, t.c.id == s.c.territoire_id)
            .where(s.c.demarche_id == self.demarche_id)
            .order_by(s.c.id)
        )
        yield from self.connexion.execute(requete).mappings()

    def _temps(self) -> Iterator[dict]:
        """Les temps de collecte, sauf ceux des réponses aux questionnaires (l'import les recrée)."""
        tc, t, s = TempsDeCollecte.__table__, Territoire.__table__, Structure.__table__
        r = ReponseQuestionnaire.__table__.c
        des_reponses = select(r.temps_id).where(r.demarche_id == self.demarche_id, r.temps_id.is_not(None))
        requete = (
            select(tc, t.c.ville, t.c.quartier, s.c.nom.label("structure"))
            .outerjoin(t, t.c.id == tc.c.territoire_id)
            .outerjoin(s, s.c.id == tc.c.structure_id)
            .where(tc.c.demarche_id == self.demarche_id, tc.c.id.not_in(des_reponses))
            .order_by(tc.c.id)
        )
        themes = self._themes_des_temps()
        for ligne in self.connexion.execute(requete).mappings():
            yield {**ligne, "themes": " ; ".join(themes.get(ligne["id"], ()))}

    def _themes_des_temps(self) -> dict[int, list[str]]:
        tt, th = TempsTheme.__table__.c, Theme.__table__.c
        requete = (
            select(tt.temps_id, th.slug)
            .join(Theme.__table__, th.id == tt.theme_id)
            .where(th.demarche_id == self.demarche_id)
            .order_by(tt.temps_id, th.ordre, th.id)
        )
        themes: dict[int, list[str]] = {}
        for temps_id, slug in self.connexion.execute(requete):
            themes.setdefault(temps_id, []).append(slug)
        return themes

    def _contributions(self) -> Iterator[dict]:
        avec_ne_pas_citer = self.matiere.avec_ne_pas_citer
        for lot in self.matiere.lots():
            for parole in lot:
                if parole["reponse_id"] is not None:
                    self.reponses_libres[(parole["reponse_id"], parole["question_ref"])] = parole["texte"]
                else:
                    self.paroles += 1
                    yield _ligne_parole(parole, avec_ne_pas_citer)
            if self.progression:
                self.progression(len(lot))

    def _reponses(self) -> Iterator[dict]:
        """Une ligne par question répondue, comme les recopie la feuille des questionnaires papier."""
        definitions = self._definitions()
        r, s = ReponseQuestionnaire.__table__, Structure.__table__
        requete = (
            select(r, s.c.nom.label("structure"))
            .join(s, s.c.id == r.c.structure_id)
            .where(r.c.demarche_id == self.demarche_id, r.c.statut == "soumise")
            .order_by(r.c.id)
        )
        for reponse in self.connexion.execute(requete).mappings():
            definition = definitions.get((reponse["questionnaire"], reponse["version"]))
            if definition is None:
                continue
            jour = reponse["soumise_le"]
            jour = jour.astimezone(FUSEAU_AFFICHAGE).date() if isinstance(jour, datetime) else jour
            for numero, question in enumerate(definition.questions, start=1):
                valeur = self._valeur(reponse, question)
                if valeur not in (None, "", []):
                    yield {
                        "structure": reponse["structure"],
                        "questionnaire": reponse["questionnaire"],
                        "numero": numero,
                        "reponse": valeur,
                        "date": jour,
                        "role_repondant": reponse["role_repondant"],
                    }

    def _definitions(self) -> dict:
        trouvees, _introuvables = donnees.questionnaires_repondus(self.session, self.demarche_id)
        return {(d.nom, d.version): d for d in trouvees}

    def _valeur(self, reponse, question):
        if question.est_texte:
            texte = self.reponses_libres.get((reponse["id"], question.ref))
            self.paroles += texte is not None
            return texte
        valeur = (reponse["valeurs"] or {}).get(question.ref)
        return ";".join(valeur) if isinstance(valeur, list) else valeur


def vars_demarche(demarche) -> dict:
    return {nom: getattr(demarche, nom) for nom in colonnes_feuille("demarche")}


def _cellule(valeur, nom: str):
    """Une valeur de la base telle que l'import la relit : listes jointes, aucun None."""
    if valeur is None:
        return ""
    if isinstance(valeur, (list, tuple)):
        # Mots-clés séparés par « ; », questions d'un temps une par ligne (elles peuvent contenir « ; »).
        return "\n".join(valeur) if nom == "questions" else " ; ".join(valeur)
    if isinstance(valeur, datetime):  # date de saisie, pour les humains (un tableur ignore les fuseaux)
        return valeur.isoformat(timespec="seconds")
    return valeur


def _rangee(ligne: dict, colonnes: list[str]) -> list:
    return [_cellule(ligne.get(nom), nom) for nom in colonnes]


def ecrire_xlsx(matiere, sortie, progression=None) -> int:
    """Classeur au format de l'import, écrit en flux (mémoire constante)."""
    classeur = _Classeur(matiere, progression)
    with classeur_en_flux(sortie) as ajouter:
        for nom, colonnes, lignes in classeur.feuilles():
            ecrire_ligne = ajouter(nom, colonnes)
            for ligne in lignes:
                ecrire_ligne(_rangee(ligne, colonnes))
    return classeur.paroles


def _texte_csv(valeur) -> str:
    if isinstance(valeur, date):
        return valeur.isoformat()
    return cellule_csv(valeur)


def ecrire_csv(matiere, sortie, progression=None) -> int:
    """Archive .zip d'un CSV par feuille, pour Excel en français : UTF-8 avec BOM, point-virgule,
    cellules-formules désamorcées (l'import retire l'apostrophe ajoutée)."""
    classeur = _Classeur(matiere, progression)
    with zipfile.ZipFile(sortie, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for nom, colonnes, lignes in classeur.feuilles():
            with archive.open(f"{nom}.csv", "w") as fichier:
                texte = io.TextIOWrapper(fichier, encoding="utf-8-sig", newline="", write_through=True)
                ecrivain = csv.writer(texte, delimiter=";", lineterminator="\r\n")
                ecrivain.writerow(colonnes)
                for ligne in lignes:
                    ecrivain.writerow([_texte_csv(v) for v in _rangee(ligne, colonnes)])
                texte.flush()
                texte.detach()
    return classeur.paroles
