"""Ce qui structure les paroles d'une démarche, en résultats simples à afficher, imprimer ou écrire :
classes de discours (méthode de Reinert, `analyse.reinert`), analyse des correspondances (`analyse.afc`)
et graphe de similitudes (`analyse.similitudes`). Un seul endroit pour les réglages par défaut et les
libellés des variables : le tableau de bord (`/analyse/structure`), le livret (section « Ce qui
structure les paroles ») et `parole analyse --classes N` lisent tous ce module.

Pour chaque classe : son effectif (segments, paroles, part des segments classés), ses lemmes
caractéristiques (chi² signé), ses segments les plus typiques, et les modalités des territoires, profils,
dispositifs et thèmes qui y sont sur-représentées (chi² ≥ 3,84, p < 0,05) ; pour chaque variable, la
répartition de ses modalités entre les classes. Les textes sont ceux du chargeur de l'analyse : données
personnelles non examinées déjà remplacées par leur nature. Les paroles « ne pas citer » sont classées
(elles comptent) mais aucun de leurs segments n'est montré comme segment caractéristique."""

from __future__ import annotations

from analyse import afc, reinert, similitudes
from analyse.groupes import libelle, valeurs_du_critere
from analyse.lexique import mots_vides_du_corpus

# Variables décrites (et proposées pour l'AFC), avec leur nom pour un·e lecteur·rice.
VARIABLES = {"territoire": "territoire", "profil": "profil", "dispositif": "dispositif", "theme": "thème"}
CRITERES = tuple(VARIABLES)
CLASSES_PAR_DEFAUT = 6
# L'AFC par défaut : le dispositif a plusieurs modalités dans toute démarche qui en croise plusieurs ; le
# territoire n'en a souvent que deux (un seul axe).
VARIABLE_AFC_PAR_DEFAUT = "dispositif"
LIENS_LISTES = 15  # liens les plus forts du graphe de similitudes écrits en tableau sous l'image
CLASSES_CHOIX = range(2, reinert.CLASSES_MAX + 1)  # de 2 à 10 classes, comme IRaMuTeQ
LEMMES_PAR_CLASSE = 10
SEGMENTS_PAR_CLASSE = 3
MODALITES_PAR_CLASSE = 5
LEMMES_SIMILITUDES = 30
LEMMES_SIMILITUDES_ETROIT = 20  # sur un téléphone, 30 mots ne tiennent pas lisiblement
CONTRIBUTIONS_LISTEES = 8


def classes_de_discours(corpus, n_classes: int = CLASSES_PAR_DEFAUT) -> dict:
    """{"classes": [...], "segments": n, "segments_classes": n classés, "repartitions": {...},
    "message": texte ou ""}. `repartitions[variable]` : liste de {"modalite", "segments" (un nombre par
    classe, dans l'ordre de `classes`), "total"}, modalités triées par libellé."""
    contributions = corpus.contributions
    vide = {"classes": [], "segments": 0, "segments_classes": 0, "repartitions": {}}
    try:
        classification = reinert.classer(
            contributions["texte"].fillna("").astype(str).tolist(),
            [int(i) for i in contributions["id"]],
            mots_vides_du_corpus(corpus),
            classes=int(n_classes),
        )
    except reinert.CorpusTropPetit as erreur:
        return {**vide, "message": str(erreur)}
    profils = reinert.profils(classification, _variables(corpus))
    a_taire = _ne_pas_citer(corpus)
    classes = [_classe(c, profils, a_taire) for c in classification.classes]
    segments = classification.segments
    message = (
        f"Classification faite sur un échantillon reproductible de {classification.echantillon} segments."
        if classification.echantillon
        else ""
    )
    return {
        "classes": classes,
        "segments": len(segments),
        "segments_classes": int((segments["classe"] > 0).sum()),
        "repartitions": _repartitions(profils, [c["classe"] for c in classes]),
        "message": message,
    }


def _ne_pas_citer(corpus) -> set[int]:
    contributions = corpus.contributions
    if "ne_pas_citer" not in contributions.columns:
        return set()
    return {int(i) for i in contributions.loc[contributions["ne_pas_citer"].astype(bool), "id"]}


def _variables(corpus) -> dict[str, dict[int, object]]:
    ids = [int(i) for i in corpus.contributions["id"]]
    variables = {
        critere: dict(
            zip(ids, (libelle(critere, v) for v in valeurs_du_critere(corpus, critere)), strict=True)
        )
        for critere in CRITERES
        if critere != "theme"
    }
    liens = corpus.liens_themes
    variables["theme"] = (
        liens.assign(libelle=liens["theme"].map(_noms_themes(corpus)).fillna(liens["theme"]))
        .groupby("contribution_id")["libelle"]
        .apply(list)
        .to_dict()
        if len(liens)
        else {}
    )
    return variables


def _noms_themes(corpus) -> dict[str, str]:
    themes = corpus.themes
    return dict(zip(themes["slug"], themes["label"], strict=True)) if len(themes) else {}


def _classe(classe: reinert.Classe, profils, a_taire: set[int]) -> dict:
    lemmes = classe.lemmes[classe.lemmes["chi2"] >= reinert.SEUIL_CHI2].head(LEMMES_PAR_CLASSE)
    surrepresentees = profils[(profils["classe"] == classe.numero) & (profils["chi2"] >= reinert.SEUIL_CHI2)]
    surrepresentees = surrepresentees.sort_values(["chi2", "modalite"], ascending=[False, True])
    typiques = classe.segments_caracteristiques
    typiques = typiques[~typiques["id"].astype(int).isin(a_taire)]
    return {
        "classe": classe.numero,
        "segments": classe.segments,
        "paroles": classe.paroles,
        "part": round(classe.part, 4),
        "lemmes": [{"lemme": l.lemme, "chi2": round(float(l.chi2), 1)} for l in lemmes.itertuples()],
        "segments_caracteristiques": typiques["texte"].head(SEGMENTS_PAR_CLASSE).tolist(),
        "modalites": [
            {
                "variable": m.variable,
                "variable_libelle": VARIABLES.get(m.variable, m.variable),
                "modalite": m.modalite,
                "chi2": round(float(m.chi2), 1),
            }
            for m in surrepresentees.head(MODALITES_PAR_CLASSE).itertuples()
        ],
    }


def _repartitions(profils, numeros: list[int]) -> dict[str, list[dict]]:
    repartitions = {}
    for variable in CRITERES:
        table = profils[profils["variable"] == variable]
        if table.empty:
            continue
        croise = table.pivot_table(
            index="modalite", columns="classe", values="segments", aggfunc="sum", fill_value=0
        ).reindex(columns=numeros, fill_value=0)
        croise = croise[croise.sum(axis=1) > 0].sort_index()
        repartitions[variable] = [
            {"modalite": str(m), "segments": [int(v) for v in ligne], "total": int(sum(ligne))}
            for m, ligne in zip(croise.index, croise.to_numpy(), strict=True)
        ]
    return repartitions


def afc_du_corpus(corpus, critere: str = "territoire") -> tuple[afc.ResultatAFC | None, str]:
    """(AFC lemmes × `critere` avec des modalités lisibles, "") ou (None, message en français)."""
    if critere not in VARIABLES:
        return None, f"Variable inconnue « {critere} » : choisir parmi {', '.join(VARIABLES.values())}."
    if corpus.contributions.empty:
        return None, "Aucune parole : pas d'analyse des correspondances."
    table = afc.table_du_corpus(corpus, critere)
    noms = _noms_themes(corpus) if critere == "theme" else {}
    table.columns = [noms.get(c, libelle(critere, c)) for c in table.columns]
    try:
        return afc.afc(table, VARIABLES[critere]), ""
    except afc.ErreurAFC as erreur:
        return None, str(erreur)


def graphe_du_corpus(corpus, n: int = LEMMES_SIMILITUDES) -> tuple[similitudes.GrapheSimilitudes | None, str]:
    """(graphe de similitudes des `n` lemmes les plus fréquents, une parole = une unité, "") ou
    (None, message en français)."""
    try:
        graphe = similitudes.similitudes(
            corpus.contributions["texte"].fillna("").astype(str).tolist(),
            n,
            vides=mots_vides_du_corpus(corpus),
        )
    except similitudes.ErreurSimilitudes as erreur:
        return None, str(erreur)
    return graphe, ""


def contributions_afc(resultat: afc.ResultatAFC, n: int = CONTRIBUTIONS_LISTEES) -> list[dict]:
    """Pour chacun des deux premiers axes : sa part d'inertie et ce qui y contribue le plus ({"axe", "part",
    "modalites": [...], "lemmes": [...]}, chaque élément : libelle, contribution, coordonnee, cos2)."""
    axes = []
    for k in range(1, min(2, resultat.nombre_axes) + 1):
        axes.append(
            {
                "axe": k,
                "part": float(resultat.axes["part_inertie"].iloc[k - 1]),
                **{
                    nom: resultat.contributions(k, cote, n).to_dict("records")
                    for nom, cote in (("modalites", "colonnes"), ("lemmes", "lignes"))
                },
            }
        )
    return axes
