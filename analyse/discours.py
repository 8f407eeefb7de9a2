"""Classes de discours d'une démarche (méthode de Reinert, `analyse.reinert`) en un résultat simple à
écrire : `parole analyse --classes N` (texte, JSON, CSV).

Pour chaque classe : son effectif (segments, paroles, part des segments classés), ses lemmes
caractéristiques (chi² signé), ses segments les plus typiques, et les modalités des territoires, profils,
dispositifs et thèmes qui y sont sur-représentées (chi² ≥ 3,84, p < 0,05). Les textes sont ceux du
chargeur de l'analyse : données personnelles non examinées déjà remplacées par leur nature."""

from __future__ import annotations

from analyse import reinert
from analyse.groupes import libelle, valeurs_du_critere
from analyse.lexique import mots_vides_du_corpus

CRITERES = ("territoire", "profil", "dispositif", "theme")
LEMMES_PAR_CLASSE = 10
SEGMENTS_PAR_CLASSE = 3
MODALITES_PAR_CLASSE = 5


def classes_de_discours(corpus, n_classes: int) -> dict:
    """{"classes": [...], "segments": n, "classes_segments": n classés, "message": texte ou ""}."""
    contributions = corpus.contributions
    try:
        classification = reinert.classer(
            contributions["texte"].fillna("").astype(str).tolist(),
            [int(i) for i in contributions["id"]],
            mots_vides_du_corpus(corpus),
            classes=n_classes,
        )
    except reinert.CorpusTropPetit as erreur:
        return {"classes": [], "segments": 0, "segments_classes": 0, "message": str(erreur)}
    profils = reinert.profils(classification, _variables(corpus))
    classes = [_classe(c, profils) for c in classification.classes]
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
        "message": message,
    }


def _variables(corpus) -> dict[str, dict[int, object]]:
    ids = [int(i) for i in corpus.contributions["id"]]
    variables = {
        critere: dict(
            zip(ids, (libelle(critere, v) for v in valeurs_du_critere(corpus, critere)), strict=True)
        )
        for critere in CRITERES
        if critere != "theme"
    }
    liens, themes = corpus.liens_themes, corpus.themes
    noms = dict(zip(themes["slug"], themes["label"], strict=True)) if len(themes) else {}
    variables["theme"] = (
        liens.assign(libelle=liens["theme"].map(noms).fillna(liens["theme"]))
        .groupby("contribution_id")["libelle"]
        .apply(list)
        .to_dict()
        if len(liens)
        else {}
    )
    return variables


def _classe(classe: reinert.Classe, profils) -> dict:
    lemmes = classe.lemmes[classe.lemmes["chi2"] >= reinert.SEUIL_CHI2].head(LEMMES_PAR_CLASSE)
    surrepresentees = profils[(profils["classe"] == classe.numero) & (profils["chi2"] >= reinert.SEUIL_CHI2)]
    surrepresentees = surrepresentees.sort_values(["chi2", "modalite"], ascending=[False, True])
    return {
        "classe": classe.numero,
        "segments": classe.segments,
        "paroles": classe.paroles,
        "part": round(classe.part, 4),
        "lemmes": [{"lemme": l.lemme, "chi2": round(float(l.chi2), 1)} for l in lemmes.itertuples()],
        "segments_caracteristiques": classe.segments_caracteristiques["texte"]
        .head(SEGMENTS_PAR_CLASSE)
        .tolist(),
        "modalites": [
            {"variable": m.variable, "modalite": m.modalite, "chi2": round(float(m.chi2), 1)}
            for m in surrepresentees.head(MODALITES_PAR_CLASSE).itertuples()
        ],
    }
