"""Tableau de bord d'analyse : chiffres clés, croisements, lexique, nuages, concordance, ce qui structure
les paroles (classes de discours, AFC, similitudes), mots vides, et l'API de suggestion de thèmes appelée par
l'écran de saisie."""

from __future__ import annotations

import io
from collections.abc import Hashable

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)

from analyse import cache, chiffres, discours, donnees, graphiques, nuages, suggestions, tableau
from analyse.afc import tracer_afc
from analyse.comptages import compter_par, croiser
from analyse.lexique import concordance as concordance_de
from analyse.similitudes import tracer_similitudes
from analyse.specificites import specificites
from collecte.modele.db import get_session
from collecte.web import ecriture_requise

bp = Blueprint("analyse", __name__, url_prefix="/analyse")
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}


def _slug_choisi() -> str | None:
    slug = request.values.get("demarche")
    if slug:
        return slug
    demarches = donnees.lister_demarches(get_session())
    return None if demarches.empty else str(demarches.iloc[0]["slug"])


def _corpus():
    """(corpus filtré, messages sur les filtres) ; None si aucune démarche ; 404 si slug inconnu.
    Le corpus est chargé une fois par version des données de la démarche (`analyse.cache`)."""
    slug = _slug_choisi()
    if slug is None:
        return None, []
    cle = cache.cle_demarche(get_session(), slug)
    complet = cache.corpus(get_session(), slug, cle) if cle else None
    if complet is None:
        abort(404)
    filtres, erreurs = tableau.lire_filtres(request.args, complet)
    if filtres == donnees.Filtres():
        return complet, erreurs
    return cache.corpus(get_session(), slug, cle, filtres), erreurs


def _en_cache(corpus, calculer):
    """Le résultat de cette page (adresse et paramètres) pour cette version des données."""
    nom = (request.path, tuple(sorted(request.args.items(multi=True))))
    return cache.resultat(cache.cle_de(corpus.demarche), nom, calculer)


def _parametres(corpus) -> dict:
    valeurs = {k: request.args[k] for k in tableau.PARAMETRES_FILTRES if request.args.get(k)}
    return {"demarche": corpus.demarche["slug"], **valeurs}


def _rendu(modele: str, corpus, erreurs: list[str], **contexte):
    return render_template(
        modele,
        corpus=corpus,
        demarche=corpus.demarche,
        erreurs_filtres=erreurs,
        parametres=_parametres(corpus),
        options=tableau.options_filtres(corpus),
        demarches=donnees.lister_demarches(get_session()).to_dict(orient="records"),
        **contexte,
    )


def _dessin() -> dict:
    """Options des graphiques : dessin étroit (`?largeur=etroite`, téléphone) ou large."""
    return {"etroit": request.args.get("largeur") == "etroite"}


def _corpus_des_images():
    """Le corpus filtré d'une image (les messages sur les filtres sont sur la page) ; 404 sans démarche."""
    corpus, _ = _corpus()
    if corpus is None:
        abort(404)
    return corpus


def _partage(corpus, nom: Hashable, calculer):
    """Un calcul commun à une page et à ses images (AFC, graphe de similitudes) : fait une fois par version
    des données et par filtres, quels que soient l'adresse et les autres réglages."""
    filtres = tuple(sorted((k, v) for k, v in request.args.items() if k in tableau.PARAMETRES_FILTRES))
    return cache.resultat(cache.cle_de(corpus.demarche), ("partage", nom, filtres), calculer)


def _afc(corpus, variable: str):
    return _partage(corpus, ("afc", variable), lambda: discours.afc_du_corpus(corpus, variable))


def _graphe(corpus, n: int):
    return _partage(corpus, ("similitudes", n), lambda: discours.graphe_du_corpus(corpus, n))


def _image(contenu: bytes, format_: str):
    return send_file(io.BytesIO(contenu), mimetype=FORMATS[format_], max_age=0)


@bp.get("/")
def tableau_de_bord():
    corpus, erreurs = _corpus()
    if corpus is None:
        return render_template("analyse/aucune_demarche.html")
    return _rendu(
        "analyse/tableau.html",
        corpus,
        erreurs,
        **_en_cache(corpus, lambda: tableau.page_tableau(corpus)),
        registre_chiffres=chiffres.registre(),
    )


@bp.get("/lexique")
def lexique():
    corpus, erreurs = _corpus()
    if corpus is None:
        return render_template("analyse/aucune_demarche.html")
    return _rendu(
        "analyse/lexique.html",
        corpus,
        erreurs,
        **_en_cache(corpus, lambda: tableau.page_lexique(corpus, request.args.get("par", "territoire"))),
    )


@bp.get("/concordance")
def concordance():
    corpus, erreurs = _corpus()
    if corpus is None:
        return render_template("analyse/aucune_demarche.html")
    lemme = (request.args.get("lemme") or "").strip()[:60]
    lignes = concordance_de(corpus, lemme) if lemme else None
    return _rendu("analyse/concordance.html", corpus, erreurs, lemme=lemme, lignes=lignes)


def _reglages_structure(erreurs: list[str]) -> tuple[int, str]:
    """(nombre de classes, variable de l'AFC) lus dans l'adresse ; une valeur hors choix est signalée et
    remplacée par la valeur par défaut."""
    texte = request.args.get("classes", "")
    classes = discours.CLASSES_PAR_DEFAUT
    if texte:
        if texte.isdigit() and int(texte) in discours.CLASSES_CHOIX:
            classes = int(texte)
        else:
            bornes = discours.CLASSES_CHOIX
            erreurs.append(
                f"Nombre de classes « {texte[:20]} » impossible : entre {bornes.start} et {bornes.stop - 1}. "
                f"Classification faite en {classes} classes."
            )
    variable = request.args.get("variable", "") or discours.VARIABLE_AFC_PAR_DEFAUT
    if variable not in discours.VARIABLES:
        erreurs.append(
            f"Variable « {variable[:40]} » inconnue pour l'analyse des correspondances : "
            f"{discours.VARIABLES[discours.VARIABLE_AFC_PAR_DEFAUT]} retenu."
        )
        variable = discours.VARIABLE_AFC_PAR_DEFAUT
    return classes, variable


@bp.get("/structure")
def structure():
    corpus, erreurs = _corpus()
    if corpus is None:
        return render_template("analyse/aucune_demarche.html")
    classes, variable = _reglages_structure(erreurs)

    def calculer():
        resultat_afc, message_afc = _afc(corpus, variable)
        graphe, message_graphe = _graphe(corpus, discours.LEMMES_SIMILITUDES)
        return {
            "discours": discours.classes_de_discours(corpus, classes),
            "afc": discours.contributions_afc(resultat_afc) if resultat_afc else [],
            "afc_axes": resultat_afc.nombre_axes if resultat_afc else 0,
            "message_afc": message_afc,
            "liens": graphe.aretes.head(discours.LIENS_LISTES).to_dict("records") if graphe else [],
            "message_graphe": message_graphe,
        }

    return _rendu(
        "analyse/structure.html",
        corpus,
        erreurs,
        **_en_cache(corpus, calculer),
        classes=classes,
        variable=variable,
        variables=discours.VARIABLES,
        choix_classes=discours.CLASSES_CHOIX,
    )


@bp.get("/graphique/afc/<variable>.<format_>")
def graphique_afc(variable: str, format_: str):
    if variable not in discours.VARIABLES or format_ not in FORMATS:
        abort(404)
    corpus = _corpus_des_images()

    def dessiner():
        resultat, message = _afc(corpus, variable)
        if resultat is None:
            return graphiques.image_vide("Analyse des correspondances", message, format_, **_dessin())
        return tracer_afc(resultat, format_, **_dessin())

    return _image(_en_cache(corpus, dessiner), format_)


@bp.get("/graphique/similitudes.<format_>")
def graphique_similitudes(format_: str):
    if format_ not in FORMATS:
        abort(404)
    corpus = _corpus_des_images()

    def dessiner():
        etroit = _dessin()["etroit"]
        n = discours.LEMMES_SIMILITUDES_ETROIT if etroit else discours.LEMMES_SIMILITUDES
        graphe, message = _graphe(corpus, n)
        if graphe is None:
            return graphiques.image_vide("Graphe de similitudes", message, format_, **_dessin())
        return tracer_similitudes(graphe, format_, **_dessin())

    return _image(_en_cache(corpus, dessiner), format_)


@bp.get("/graphique/comptage/<critere>.<format_>")
def graphique_comptage(critere: str, format_: str):
    if critere not in tableau.CRITERES_AFFICHES or format_ not in FORMATS:
        abort(404)
    corpus = _corpus_des_images()

    def dessiner():
        table = compter_par(corpus, critere)
        return graphiques.barres(
            table["libelle"],
            table["contributions"],
            tableau.CRITERES_AFFICHES[critere],
            total=len(corpus.contributions),
            format_=format_,
            **_dessin(),
        )

    return _image(_en_cache(corpus, dessiner), format_)


@bp.get("/graphique/croisement/<colonne>.<format_>")
def graphique_croisement(colonne: str, format_: str):
    if colonne not in tableau.CROISEMENTS_AFFICHES or format_ not in FORMATS:
        abort(404)
    corpus = _corpus_des_images()
    contenu = _en_cache(
        corpus,
        lambda: graphiques.carte_croisement(
            croiser(corpus, "theme", colonne),
            tableau.CROISEMENTS_AFFICHES[colonne],
            format_=format_,
            **_dessin(),
        ),
    )
    return _image(contenu, format_)


@bp.get("/graphique/specificites/<par>.<format_>")
def graphique_specificites(par: str, format_: str):
    if par not in tableau.GROUPES_SPECIFICITES or format_ not in FORMATS:
        abort(404)
    corpus = _corpus_des_images()
    groupe = request.args.get("groupe", "")

    def dessiner():
        table = specificites(corpus, par, n=10) if not corpus.contributions.empty else None
        titre = f"Spécificités : {groupe}" if groupe else "Spécificités"
        return graphiques.barres_specificites(table, groupe, titre, format_=format_, **_dessin())

    return _image(_en_cache(corpus, dessiner), format_)


@bp.get("/nuage.png")
def nuage():
    corpus = _corpus_des_images()
    groupe, valeur = request.args.get("groupe", "tout"), request.args.get("valeur", "")

    def dessiner():
        table = tableau.frequences_pour_nuage(corpus, groupe, valeur)
        return nuages.nuage_de_mots(table, titre=request.args.get("titre") or None)

    return _image(_en_cache(corpus, dessiner), "png")


@bp.get("/mots-vides")
def mots_vides():
    corpus, erreurs = _corpus()
    if corpus is None:
        return render_template("analyse/aucune_demarche.html")
    return _rendu(
        "analyse/mots_vides.html",
        corpus,
        erreurs,
        mots=donnees.lire_mots_vides(corpus.demarche.get("mots_vides")),
    )


@bp.post("/mots-vides")
@ecriture_requise
def enregistrer_mots_vides():
    slug = request.form.get("demarche") or abort(400)
    if donnees.charger_demarche(get_session(), slug) is None:
        abort(404)
    mots = donnees.enregistrer_mots_vides(get_session(), slug, request.form.get("mots_vides", ""))
    flash(f"Liste enregistrée : {len(mots)} mot(s) vide(s) propre(s) à la démarche.", "succes")
    return redirect(url_for("analyse.mots_vides", demarche=slug))


@bp.post("/api/suggestions")
def api_suggestions():
    corps = request.get_json(silent=True)
    if not isinstance(corps, dict):
        return jsonify({"erreur": 'Corps JSON attendu : {"texte": …, "demarche": …}.'}), 400
    texte, slug = corps.get("texte"), corps.get("demarche")
    if not isinstance(texte, str) or not isinstance(slug, str):
        return jsonify({"erreur": "Champs « texte » et « demarche » (textes) obligatoires."}), 400
    modele = suggestions.modele_de_la_demarche(get_session(), slug)
    if modele is None:
        return jsonify({"erreur": f"Démarche « {slug} » introuvable."}), 404
    proposees = [
        {"theme": s, "label": modele.libelles.get(s, s), "score": score}
        for s, score in suggestions.suggerer(modele, texte)
    ]
    return jsonify({"suggestions": proposees})


BLUEPRINTS = [bp]
