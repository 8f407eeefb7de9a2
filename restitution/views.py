"""Page « Restitution » d'une démarche : textes du livret à écrire, aperçu des paroles imprimées,
téléchargement du livret, des affiches et des exports du corpus.

Lire et télécharger : tout compte ; écrire les textes : animateur·rice ou admin (`ecriture_requise`) ;
exporter les textes bruts (données personnelles non examinées en clair) : admin seulement, par le
formulaire (POST). Chaque téléchargement est noté au journal au nom du compte.
"""

from __future__ import annotations

import io
import tempfile

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from analyse.discours import CLASSES_CHOIX, CLASSES_PAR_DEFAUT, VARIABLES
from collecte.confidentialite.journal import Acteur
from collecte.demarches import lister_demarches
from collecte.modele.db import get_session
from collecte.modele.models import Demarche
from collecte.modele.validation import ErreurValidation
from collecte.web import ecriture_requise
from restitution import apercu as logique_apercu
from restitution import donnees, exports, textes, views_information
from restitution.affiches import construire_affiches
from restitution.livret import FORMATS_LIVRET, construire_livret
from restitution.livret_structure import TITRE as TITRE_STRUCTURE
from restitution.livret_structure import VARIABLE_AFC

bp = Blueprint("restitution", __name__, url_prefix="/restitution")


def _demarche(slug: str) -> Demarche:
    return donnees.demarche(get_session(), slug) or abort(404)


def _retour(demarche: Demarche, ancre: str = ""):
    return redirect(url_for("restitution.demarche", slug=demarche.slug) + (f"#{ancre}" if ancre else ""))


@bp.get("/")
def accueil():
    demarches = lister_demarches(get_session())
    if len(demarches) == 1:
        return redirect(url_for("restitution.demarche", slug=demarches[0].slug))
    return render_template("restitution/accueil.html", demarches=demarches)


@bp.get("/<slug>")
def demarche(slug: str):
    session = get_session()
    trouvee = _demarche(slug)
    ecrits = textes.lire_textes(session, trouvee.id)
    return render_template(
        "restitution/demarche.html",
        demarche=trouvee,
        formats=exports.formats("web"),
        exclues=donnees.compter_exclues(session, trouvee.id),
        a_exporter=exports.nombre_a_exporter(session, trouvee.id),
        textes=[t for t in ecrits.values() if not textes.MOTIF_AXE.match(t.cle)],
        axes=textes.axes(ecrits),
        axes_max=textes.AXES_MAX,
        nouvel_axe=textes.NOUVEL_AXE,
        themes=donnees.themes(session, trouvee.id),
        formats_livret=FORMATS_LIVRET,
        structure={
            "titre": TITRE_STRUCTURE,
            "classes": CLASSES_CHOIX,
            "classes_defaut": CLASSES_PAR_DEFAUT,
            "variables": VARIABLES,
            "variable_defaut": VARIABLE_AFC,
        },
        masquage_livret=donnees.phrase_masquage_a_venir(
            donnees.compter_a_masquer(session, trouvee.id), "le livret, les affiches et l'aperçu"
        ),
        masquage_exports=donnees.phrase_masquage_a_venir(
            donnees.compter_a_masquer(session, trouvee.id, avec_ne_pas_citer=False), "les exports"
        ),
    )


@bp.get("/<slug>/apercu")
def apercu(slug: str):
    trouvee = _demarche(slug)
    resultat = logique_apercu.apercu(get_session(), slug)
    return render_template(
        "restitution/apercu.html",
        demarche=trouvee,
        chapitres=resultat.chapitres,
        exclues=resultat.exclues,
        masquage=donnees.phrase_masquage(resultat.masquage),
    )


@bp.route("/<slug>/textes/<cle>", methods=["GET", "POST"])
@ecriture_requise
def texte(slug: str, cle: str):
    session = get_session()
    trouvee = _demarche(slug)
    try:
        actuel = textes.texte_a_ecrire(session, trouvee.id, cle)
    except textes.TexteInconnu:
        abort(404)
    except ErreurValidation as erreur:  # plus de place pour un nouvel axe
        flash(erreur.message, "erreur")
        return _retour(trouvee, "textes")
    valeurs = {"titre": actuel.titre, "contenu": actuel.contenu, "version": actuel.version}
    conflit = False
    if request.method == "POST":
        valeurs = {k: request.form.get(k, "") for k in valeurs}
        try:
            flash(
                textes.ecrire_texte(
                    session, trouvee.id, cle, **valeurs, supprimer=request.form.get("supprimer") == "1"
                ),
                "succes",
            )
            return _retour(trouvee, "textes")
        except (
            textes.ConflitDeVersion
        ) as erreur:  # la saisie reste dans le formulaire, la version enregistrée à côté
            flash(erreur.message, "erreur")
            conflit, valeurs["version"] = True, erreur.version
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    return render_template(
        "restitution/texte.html",
        demarche=trouvee,
        texte=actuel,
        valeurs=valeurs,
        nouveau=cle == textes.NOUVEL_AXE,
        conflit=conflit,
        axe=bool(textes.MOTIF_AXE.match(actuel.cle)),
    )


@bp.route("/<slug>/chapitres/<theme_slug>", methods=["GET", "POST"])
@ecriture_requise
def chapitre(slug: str, theme_slug: str):
    session = get_session()
    trouvee = _demarche(slug)
    theme = next((t for t in donnees.themes(session, trouvee.id) if t["slug"] == theme_slug), None) or abort(
        404
    )
    valeurs = {"introduction": theme.get("introduction") or ""}
    if request.method == "POST":
        valeurs["introduction"] = request.form.get("introduction", "")
        try:
            textes.definir_introduction(session, trouvee.id, theme_slug, valeurs["introduction"])
            flash(f"Chapeau du chapitre « {theme['label']} » enregistré.", "succes")
            return _retour(trouvee, "chapitres")
        except ErreurValidation as erreur:
            flash(erreur.message, "erreur")
    return render_template(
        "restitution/chapitre.html",
        demarche=trouvee,
        theme=theme,
        valeurs=valeurs,
        maximum=textes.INTRODUCTION_MAX,
    )


def _pdf(demarche: Demarche, construire, nom: str):
    try:
        pdf = construire()
    except ErreurValidation as erreur:
        flash(erreur.message, "erreur")
        return _retour(demarche, "livret")
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=nom)


@bp.get("/<slug>/livret.pdf")
def livret(slug: str):
    trouvee = _demarche(slug)
    format_ = (request.args.get("format") or "A4").upper()
    imposition = request.args.get("imposition") == "1"
    structure = request.args.get("structure") == "1"
    options = {
        "structure": structure,
        "classes": request.args.get("classes") or CLASSES_PAR_DEFAUT,
        "variable": request.args.get("afc") or VARIABLE_AFC,
    }
    suffixe = ("-impose" if imposition else "") + ("-structure" if structure else "")
    return _pdf(
        trouvee,
        lambda: construire_livret(
            get_session(), trouvee.slug, format_, imposition, acteur=Acteur.compte(current_user), **options
        ),
        f"livret-{trouvee.slug}-{format_}{suffixe}.pdf",
    )


@bp.get("/<slug>/affiches.pdf")
def affiches(slug: str):
    trouvee = _demarche(slug)
    return _pdf(
        trouvee,
        lambda: construire_affiches(get_session(), trouvee.slug, acteur=Acteur.compte(current_user)),
        f"affiches-{trouvee.slug}-A3.pdf",
    )


def _donnees_brutes() -> bool:
    """Textes bruts demandés : admin seulement (403 sinon, même en forçant l'adresse), et par le
    formulaire de la page (POST, protégé du CSRF), jamais par un simple lien."""
    if request.values.get("donnees_brutes") != "1":
        return False
    if not current_user.peut("admin"):
        abort(403)
    if request.method != "POST":
        abort(400)
    return True


@bp.route("/<slug>/export/<format_>", methods=["GET", "POST"])
def exporter(slug: str, format_: str):
    try:
        exports.format_export(format_, "web")
    except ErreurValidation:
        abort(404)
    brutes = _donnees_brutes()
    session = get_session()
    # Sur disque au-delà de 32 Mo. Pas de `with` : le fichier doit survivre à la vue, la réponse le ferme
    # (call_on_close) ; en cas d'erreur, il est fermé ci-dessous.
    sortie = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    try:
        resultat = exports.exporter(
            session, slug, format_, sortie, donnees_brutes=brutes, acteur=Acteur.compte(current_user)
        )
    except ErreurValidation as erreur:
        sortie.close()
        if erreur.champ == "demarche":
            abort(404)
        flash(erreur.message, "erreur")
        return redirect(url_for("restitution.demarche", slug=slug))
    sortie.seek(0)
    reponse = send_file(
        sortie, mimetype=resultat.type_mime, as_attachment=True, download_name=resultat.nom_fichier
    )
    reponse.headers["Content-Type"] = resultat.type_mime  # tel que déclaré (werkzeug redoublerait le charset)
    reponse.call_on_close(sortie.close)
    return reponse


BLUEPRINTS = [bp, views_information.bp]
