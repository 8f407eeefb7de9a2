"""Le seul module d'`analyse` qui lit la base : il charge une démarche en tableaux pandas.

Tout le reste d'`analyse` (et `restitution`) travaille sur le `Corpus` renvoyé ici, sans SQL.
Les contributions masquées (modération) sont exclues ; celles « ne pas citer » sont gardées
(elles comptent) avec leur drapeau, pour que chaque consommateur les écarte des citations.

Données personnelles (`analyse.masquage`) : tout texte qui sort d'ici (et des lots des exports,
`restitution.donnees`, qui passent par `masquer_textes`) a chaque passage repéré et non examiné
(`Reperage.statut` « a_examiner ») remplacé par sa nature (« [nom] », « [téléphone] »…) ; un passage
écarté par l'équipe (« pas une donnée personnelle ») sort tel quel. Ce module ne fait que lire (le
tableau de bord l'appelle à chaque page) : une parole jamais examinée (`examinee_par` vide) est repérée
à la volée, sans rien enregistrer. Les sorties (livret, affiches, aperçu, exports) font d'abord
examiner les paroles en attente (`examiner_en_attente`), qui enregistre les repérages que l'équipe
examine ensuite dans la revue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd
from sqlalchemy import bindparam, text
from sqlmodel import Session

from analyse.masquage import Masquage, masquer_contributions
from collecte.confidentialite import detection
from collecte.modele.champs import CHAMPS, CHOIX, DRAPEAU
from collecte.modele.models import DISPOSITIFS
from collecte.modele.validation import lire_identifiant  # noqa: F401 — réexporté : les filtres de l'analyse lisent les identifiants par ici

# Les champs d'une parole que l'analyse lit (registre `collecte.modele.champs`), et leurs vocabulaires,
# réexportés pour que le reste d'`analyse` n'importe pas `collecte`.
# Les balises qui remplacent une donnée personnelle masquée (« [nom] », « [téléphone] »…), réexportées pour
# que le lexique ne les compte pas comme des mots.
BALISES_DONNEES_PERSONNELLES = tuple(detection.SORTES.values())
CHAMPS_LUS = [c for c in CHAMPS if c.analyse]
DRAPEAUX = [c.nom for c in CHAMPS_LUS if c.sorte == DRAPEAU]
LIBELLES = {"dispositif": DISPOSITIFS, **{c.nom: c.vocabulaire for c in CHAMPS_LUS if c.sorte == CHOIX}}
COLONNES_CONTRIBUTIONS = [
    "id",
    *(c.nom for c in CHAMPS_LUS),
    "cree_le",
    "temps_id",
    "temps_ref",
    "dispositif",
    "date",
    "territoire_id",
    "ville",
    "quartier",
    "territoire",
    "structure_id",
    "structure",
]


@dataclass
class Filtres:
    """Filtres du tableau de bord ; None = pas de filtre."""

    territoire_id: int | None = None
    dispositif: str | None = None
    profil: str | None = None
    theme: str | None = None  # slug
    date_debut: date | None = None
    date_fin: date | None = None


@dataclass
class Corpus:
    demarche: dict
    contributions: pd.DataFrame  # une ligne par contribution non masquée (COLONNES_CONTRIBUTIONS)
    liens_themes: pd.DataFrame  # contribution_id, theme (slug) : une ligne par étiquette
    themes: pd.DataFrame  # slug, label, description, mots_cles, couleur, ordre, parent, introduction
    temps: pd.DataFrame  # une ligne par temps de collecte (avec ville, quartier, territoire, structure)
    structures: (
        pd.DataFrame
    )  # id, nom, typologie, territoire_id, ville, quartier, territoire, offre_numerique…
    territoires: pd.DataFrame  # id, ville, quartier, code_qpv, territoire (libellé)
    questionnaires_soumis: pd.DataFrame  # id, structure_id, questionnaire, soumise_le
    filtres: Filtres = field(default_factory=Filtres)


def _libelle(ville: pd.Series, quartier: pd.Series) -> pd.Series:
    ville, quartier = ville.fillna(""), quartier.fillna("")
    return ville.where(quartier == "", ville + " – " + quartier)


def _lire(session: Session, requete: str, **parametres) -> pd.DataFrame:
    connexion = session.connection()
    return pd.read_sql_query(text(requete), connexion, params=parametres)


def charger_demarche(session: Session, slug: str) -> dict | None:
    lignes = _lire(session, "SELECT * FROM demarche WHERE slug = :slug", slug=slug)
    return None if lignes.empty else lignes.iloc[0].to_dict()


_REQUETE_TEMPS = """
SELECT t.id, t.ref, t.dispositif, t.date, t.date_fin, t.lieu, t.evenement, t.animateurs, t.questions,
       t.personnes_rencontrees, t.dont_professionnels, t.territoire_id, t.structure_id,
       te.ville, te.quartier, s.nom AS structure
FROM tempsdecollecte t
LEFT JOIN territoire te ON te.id = t.territoire_id
LEFT JOIN structure s ON s.id = t.structure_id
WHERE t.demarche_id = :demarche_id
ORDER BY t.date, t.id
"""

_COLONNES_LUES = ["id", *(c.nom for c in CHAMPS_LUS), "cree_le", "temps_id"]
# `examinee` (0 ou 1) sert seulement au masquage : une parole jamais examinée est repérée à la volée.
_EXAMINEE = "CASE WHEN c.examinee_par = '' THEN 0 ELSE 1 END AS examinee"
_COLONNES_TEXTES = [*_COLONNES_LUES, "examinee"]
_REQUETE_CONTRIBUTIONS = f"""
SELECT {", ".join("c." + c for c in _COLONNES_LUES)}, {_EXAMINEE}
FROM contribution c JOIN tempsdecollecte t ON t.id = c.temps_id
WHERE t.demarche_id = :demarche_id AND c.masquee = :faux
ORDER BY c.id
"""

_REQUETE_LIENS = """
SELECT ct.contribution_id, th.slug AS theme
FROM contributiontheme ct
JOIN theme th ON th.id = ct.theme_id
JOIN contribution c ON c.id = ct.contribution_id
JOIN tempsdecollecte t ON t.id = c.temps_id
WHERE t.demarche_id = :demarche_id AND c.masquee = :faux
"""


def _charger_temps(session: Session, demarche_id: int) -> pd.DataFrame:
    temps = _lire(session, _REQUETE_TEMPS, demarche_id=demarche_id)
    temps["date"] = pd.to_datetime(temps["date"]).dt.date
    temps["territoire"] = _libelle(temps["ville"], temps["quartier"])
    temps["questions"] = temps["questions"].map(_liste_json)
    return temps


def _liste_json(valeur) -> list:
    if isinstance(valeur, list):
        return valeur
    if valeur is None or valeur == "":
        return []
    return list(json.loads(valeur))


def _joindre_temps(
    contributions: pd.DataFrame, temps: pd.DataFrame, categories: bool = False
) -> pd.DataFrame:
    colonnes = temps[
        [
            "id",
            "ref",
            "dispositif",
            "date",
            "territoire_id",
            "ville",
            "quartier",
            "territoire",
            "structure_id",
            "structure",
        ]
    ].rename(columns={"id": "temps_id", "ref": "temps_ref"})
    if categories:  # une valeur par temps de collecte, répétée sur chacune de ses paroles
        colonnes = colonnes.astype(
            dict.fromkeys(
                ("temps_ref", "dispositif", "date", "ville", "quartier", "territoire", "structure"),
                "category",
            )
        )
    fusion = contributions.merge(colonnes, on="temps_id", how="left")
    for drapeau in DRAPEAUX:
        fusion[drapeau] = fusion[drapeau].astype(bool)
    return fusion[[c for c in COLONNES_CONTRIBUTIONS + ["longueur"] if c in fusion.columns]]


def _charger_themes(session: Session, demarche_id: int) -> pd.DataFrame:
    themes = _lire(
        session,
        """SELECT th.id, th.slug, th.label, th.description, th.mots_cles, th.couleur, th.ordre,
                  th.introduction, p.slug AS parent
           FROM theme th LEFT JOIN theme p ON p.id = th.parent_id
           WHERE th.demarche_id = :demarche_id ORDER BY th.ordre, th.id""",
        demarche_id=demarche_id,
    )
    themes["mots_cles"] = themes["mots_cles"].map(_liste_json)
    return themes


def _charger_structures(session: Session, demarche_id: int) -> pd.DataFrame:
    structures = _lire(
        session,
        """SELECT s.*, te.ville, te.quartier FROM structure s
           LEFT JOIN territoire te ON te.id = s.territoire_id
           WHERE s.demarche_id = :demarche_id ORDER BY s.nom""",
        demarche_id=demarche_id,
    )
    structures["territoire"] = _libelle(structures["ville"], structures["quartier"])
    return structures


def _filtrer(corpus: Corpus, filtres: Filtres) -> Corpus:
    temps = corpus.temps
    if filtres.territoire_id is not None:
        temps = temps[temps["territoire_id"] == filtres.territoire_id]
    if filtres.dispositif:
        temps = temps[temps["dispositif"] == filtres.dispositif]
    if filtres.date_debut:
        temps = temps[temps["date"] >= filtres.date_debut]
    if filtres.date_fin:
        temps = temps[temps["date"] <= filtres.date_fin]
    contributions = corpus.contributions[corpus.contributions["temps_id"].isin(temps["id"])]
    if filtres.profil:
        contributions = contributions[contributions["profil"] == filtres.profil]
    if filtres.theme:
        ids = corpus.liens_themes.loc[corpus.liens_themes["theme"] == filtres.theme, "contribution_id"]
        contributions = contributions[contributions["id"].isin(ids)]
    liens = corpus.liens_themes[corpus.liens_themes["contribution_id"].isin(contributions["id"])]
    return Corpus(
        demarche=corpus.demarche,
        contributions=contributions.reset_index(drop=True),
        liens_themes=liens.reset_index(drop=True),
        themes=corpus.themes,
        temps=temps.reset_index(drop=True),
        structures=corpus.structures,
        territoires=corpus.territoires,
        questionnaires_soumis=corpus.questionnaires_soumis,
        filtres=filtres,
    )


# Les métadonnées seules : les champs à vocabulaire et les drapeaux, et la longueur du texte.
_METADONNEES = [c.nom for c in CHAMPS_LUS if c.sorte in (CHOIX, DRAPEAU)]
_REQUETE_METADONNEES = f"""
SELECT c.id, {", ".join("c." + c for c in _METADONNEES)}, c.temps_id, LENGTH(c.texte) AS longueur
FROM contribution c JOIN tempsdecollecte t ON t.id = c.temps_id
WHERE t.demarche_id = :demarche_id AND c.masquee = :faux
ORDER BY c.id
"""
COLONNES_CATEGORIES = (*(c.nom for c in CHAMPS_LUS if c.sorte == CHOIX), "theme")
TAILLE_LOT_LECTURE = 50_000


def _lire_par_lots(session: Session, requete: str, **parametres) -> pd.DataFrame:
    """Comme `_lire`, mais lot par lot (curseur serveur sous PostgreSQL) et chaque colonne de
    vocabulaire contrôlé en `category` : quelques octets par ligne au lieu d'une chaîne Python."""
    # L'option sur la requête seule : posée sur la connexion, elle y resterait pour toute la transaction
    # (sous PostgreSQL, les écritures qui suivent — examen, journal — échoueraient alors).
    requete_en_flux = text(requete).execution_options(stream_results=True)
    lots = []
    for lot in pd.read_sql_query(
        requete_en_flux, session.connection(), params=parametres, chunksize=TAILLE_LOT_LECTURE
    ):
        for colonne in COLONNES_CATEGORIES:
            if colonne in lot:
                lot[colonne] = lot[colonne].astype("category")
        lots.append(lot)
    if not lots:
        return pd.read_sql_query(text(requete), session.connection(), params=parametres)
    tableau = pd.concat(lots, ignore_index=True)
    for colonne in COLONNES_CATEGORIES:  # concat de catégories différentes → object : on recatégorise
        if colonne in tableau and tableau[colonne].dtype == object:
            tableau[colonne] = tableau[colonne].astype("category")
    return tableau


def charger_corpus(
    session: Session, slug: str, filtres: Filtres | None = None, textes: bool = True
) -> Corpus | None:
    """Charge la démarche `slug` ; None si elle n'existe pas. Les filtres portent sur les temps
    (territoire, dispositif, dates) et sur les contributions (profil, thème).

    `textes=False` : corpus des métadonnées seulement (ni texte, ni question, ni date de
    saisie, mais la longueur du texte en caractères, colonne `longueur` ; vocabulaires en `category`),
    une centaine d'octets par parole : assez pour tous les
    comptes et croisements ; les textes d'une partie des paroles se chargent ensuite avec
    `charger_textes`."""
    demarche = charger_demarche(session, slug)
    if demarche is None:
        return None
    ident = int(demarche["id"])
    temps = _charger_temps(session, ident)
    if textes:
        contributions = _lire(session, _REQUETE_CONTRIBUTIONS, demarche_id=ident, faux=False)
        contributions = masquer_contributions(contributions, reperages_de_la_demarche(session, ident))
        liens = _lire(session, _REQUETE_LIENS, demarche_id=ident, faux=False)
    else:
        contributions = _lire_par_lots(session, _REQUETE_METADONNEES, demarche_id=ident, faux=False)
        liens = _lire_par_lots(session, _REQUETE_LIENS, demarche_id=ident, faux=False)
    territoires = _lire(
        session,
        "SELECT id, ville, quartier, code_qpv FROM territoire WHERE demarche_id = :d "
        "ORDER BY ville, quartier",
        d=ident,
    )
    territoires["territoire"] = _libelle(territoires["ville"], territoires["quartier"])
    soumis = _lire(
        session,
        "SELECT id, structure_id, questionnaire, soumise_le FROM reponsequestionnaire "
        "WHERE demarche_id = :d AND statut = 'soumise'",
        d=ident,
    )
    corpus = Corpus(
        demarche=demarche,
        contributions=_joindre_temps(contributions, temps, categories=not textes),
        liens_themes=liens,
        themes=_charger_themes(session, ident),
        temps=temps,
        structures=_charger_structures(session, ident),
        territoires=territoires,
        questionnaires_soumis=soumis,
    )
    return _filtrer(corpus, filtres) if filtres and filtres != Filtres() else corpus


_REQUETE_TEXTES = f"""
SELECT {", ".join("c." + c for c in _COLONNES_LUES)}, {_EXAMINEE}
FROM contribution c WHERE c.id IN :ids AND c.masquee = :faux
"""
TAILLE_LOT_IDS = 500


def charger_textes(session: Session, corpus: Corpus, ids) -> Corpus:
    """Sous-corpus complet (textes compris) des paroles `ids` d'un corpus chargé avec `textes=False` :
    mêmes temps, thèmes, structures ; paroles dans l'ordre des identifiants."""
    ids = sorted({int(i) for i in ids})
    requete = text(_REQUETE_TEXTES).bindparams(bindparam("ids", expanding=True))
    lots = [
        pd.read_sql_query(
            requete, session.connection(), params={"ids": ids[i : i + TAILLE_LOT_IDS], "faux": False}
        )
        for i in range(0, len(ids), TAILLE_LOT_IDS)
    ]
    contributions = pd.concat(lots, ignore_index=True) if lots else pd.DataFrame(columns=_COLONNES_TEXTES)
    reperages = reperages_de_la_demarche(session, int(corpus.demarche["id"]))
    contributions = masquer_contributions(contributions, reperages)
    contributions = _joindre_temps(contributions.sort_values("id"), corpus.temps).reset_index(drop=True)
    liens = corpus.liens_themes[corpus.liens_themes["contribution_id"].isin(ids)].reset_index(drop=True)
    return replace(corpus, contributions=contributions, liens_themes=liens)


# --- Données personnelles : les repérages à masquer (le masquage lui-même : `analyse.masquage`) ---------

# Les repérages à masquer d'une démarche : non examinés, sur des paroles non masquées et déjà examinées (le
# texte d'une parole jamais examinée, ou corrigée depuis, est repéré à nouveau à la volée). CROSS JOIN : sous
# SQLite, la lecture part des repérages (peu nombreux) et non de chaque parole de la démarche (0,03 s au lieu
# de 0,26 s pour un million de paroles) ; PostgreSQL le lit comme une jointure ordinaire.
_REPERAGES_A_MASQUER = """
FROM reperage r CROSS JOIN contribution c CROSS JOIN tempsdecollecte t
WHERE c.id = r.contribution_id AND t.id = c.temps_id AND t.demarche_id = :demarche_id
  AND r.statut = :a_examiner AND c.masquee = :faux AND c.examinee_par <> ''
  AND (c.ne_pas_citer = :faux OR :avec_ne_pas_citer)
"""
_PAROLES_EN_ATTENTE = """
SELECT COUNT(*) FROM contribution c JOIN tempsdecollecte t ON t.id = c.temps_id
WHERE t.demarche_id = :demarche_id AND c.masquee = :faux AND c.examinee_par <> :version
  AND (c.ne_pas_citer = :faux OR :avec_ne_pas_citer)
"""


def _parametres_reperages(demarche_id: int, avec_ne_pas_citer: bool) -> dict:
    return {
        "demarche_id": demarche_id,
        "a_examiner": "a_examiner",
        "faux": False,
        "avec_ne_pas_citer": avec_ne_pas_citer,
    }


def reperages_de_la_demarche(session: Session, demarche_id: int) -> dict[int, list[detection.Reperage]]:
    """Les passages à masquer de toute la démarche, en une requête : {identifiant de parole: repérages}."""
    requete = "SELECT r.contribution_id, r.debut, r.fin, r.sorte " + _REPERAGES_A_MASQUER
    lignes = session.connection().execute(text(requete), _parametres_reperages(demarche_id, True))
    par_parole: dict[int, list[detection.Reperage]] = {}
    for contribution_id, debut, fin, sorte in lignes:
        par_parole.setdefault(contribution_id, []).append(detection.Reperage(debut, fin, sorte))
    return par_parole


def compter_masquage(session: Session, demarche_id: int, avec_ne_pas_citer: bool = True) -> Masquage:
    """Ce qu'une sortie de la démarche masquera (ou, sortie brute, laissera en clair) : repérages non
    examinés, paroles touchées, natures ; paroles pas encore examinées. Sans les paroles « ne pas citer »
    si `avec_ne_pas_citer` est faux (exports ordinaires)."""
    parametres = _parametres_reperages(demarche_id, avec_ne_pas_citer)
    connexion = session.connection()
    reperages, paroles = connexion.execute(
        text("SELECT COUNT(*), COUNT(DISTINCT r.contribution_id) " + _REPERAGES_A_MASQUER), parametres
    ).one()
    sortes = set(
        connexion.execute(text("SELECT DISTINCT r.sorte " + _REPERAGES_A_MASQUER), parametres).scalars()
    )
    en_attente = connexion.execute(
        text(_PAROLES_EN_ATTENTE), {**parametres, "version": detection.VERSION}
    ).scalar_one()
    return Masquage(
        reperages=int(reperages or 0),
        paroles=int(paroles or 0),
        natures=tuple(nature for sorte, nature in detection.SORTES.items() if sorte in sortes),
        en_attente=int(en_attente or 0),
    )


def lister_demarches(session: Session) -> pd.DataFrame:
    return _lire(session, "SELECT id, slug, titre FROM demarche ORDER BY id")


def lire_mots_vides(texte: str | None) -> list[str]:
    """Liste de mots vides d'une démarche : un mot par ligne, en minuscules, sans doublon ni ligne vide."""
    vus: list[str] = []
    for ligne in (texte or "").replace(",", "\n").splitlines():
        mot = ligne.strip().lower().replace("\u2019", "'")[:60]
        if mot and mot not in vus:
            vus.append(mot)
    return vus[:2000]


def enregistrer_mots_vides(session: Session, slug: str, texte: str) -> list[str]:
    """Remplace les mots vides propres à la démarche `slug` ; renvoie la liste enregistrée."""
    mots = lire_mots_vides(texte)
    session.execute(
        text("UPDATE demarche SET mots_vides = :m WHERE slug = :s"), {"m": "\n".join(mots), "s": slug}
    )
    session.commit()
    return mots


_REQUETE_SIGNATURE = """
SELECT (SELECT COUNT(*) FROM theme WHERE demarche_id = :d) AS themes,
       (SELECT COALESCE(MAX(id), 0) FROM theme WHERE demarche_id = :d) AS theme_max,
       (SELECT COUNT(*) FROM contributiontheme ct JOIN theme th ON th.id = ct.theme_id
         WHERE th.demarche_id = :d) AS liens,
       (SELECT COALESCE(SUM(ct.contribution_id % 9973 * (ct.theme_id % 997)), 0)
          FROM contributiontheme ct JOIN theme th ON th.id = ct.theme_id
         WHERE th.demarche_id = :d) AS empreinte,
       (SELECT COALESCE(CAST(MAX(c.modifiee_le) AS VARCHAR), '')
          FROM contribution c JOIN tempsdecollecte t ON t.id = c.temps_id
         WHERE t.demarche_id = :d) AS modifiee
"""


def signature_etiquetage(session: Session, demarche_id: int) -> tuple:
    """Empreinte bon marché du livre de codes et des étiquetages d'une démarche : elle change dès
    qu'un thème, sa description, un mot-clé, une étiquette ou un texte change (sert de clé au cache des
    suggestions, qui lisent aussi les descriptions)."""
    ligne = _lire(session, _REQUETE_SIGNATURE, d=demarche_id).iloc[0]
    mots = _lire(
        session,
        "SELECT slug, label, description, mots_cles FROM theme WHERE demarche_id = :d ORDER BY id",
        d=demarche_id,
    )
    return (demarche_id, *(str(v) for v in ligne.tolist()), hash(tuple(map(tuple, mots.astype(str).values))))


def charger_apprentissage(session: Session, slug: str, limite: int = 20_000) -> Corpus | None:
    """Corpus réduit pour entraîner les suggestions : le livre de codes et les `limite` paroles
    étiquetées les plus récentes (non masquées), sans filtre."""
    demarche = charger_demarche(session, slug)
    if demarche is None:
        return None
    ident = int(demarche["id"])
    liens = _lire(session, _REQUETE_LIENS, demarche_id=ident, faux=False)
    ids = sorted(set(liens["contribution_id"].tolist()))[-limite:]
    liens = liens[liens["contribution_id"].isin(ids)].reset_index(drop=True)
    textes = _lire(
        session,
        "SELECT c.id, c.texte FROM contribution c JOIN tempsdecollecte t ON t.id = c.temps_id "
        "WHERE t.demarche_id = :d AND c.masquee = :faux AND c.id >= :premier ORDER BY c.id",
        d=ident,
        faux=False,
        premier=ids[0] if ids else 0,
    )
    textes = textes[textes["id"].isin(ids)].reset_index(drop=True)
    vide = pd.DataFrame()
    return Corpus(
        demarche=demarche,
        contributions=textes,
        liens_themes=liens,
        themes=_charger_themes(session, ident),
        temps=vide,
        structures=vide,
        territoires=vide,
        questionnaires_soumis=vide,
    )
