"""Page « Restitution » d'une démarche : exports du corpus vers les outils des analystes."""
from __future__ import annotations

import tempfile

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for

from collecte.db import get_session
from collecte.demarches import lister_demarches
from collecte.validation import ErreurValidation
from restitution import donnees, exports, iramuteq, refiqda

bp = Blueprint("restitution", __name__, url_prefix="/restitution")
PERTES = {"csv": exports.PERTES_TABLEUR, "xlsx": exports.PERTES_TABLEUR, "iramuteq": iramuteq.PERTES,
          "qdpx": refiqda.PERTES, "qdc": ["Seuls les thèmes (nom, description, couleur, hiérarchie) : aucune parole."]}


@bp.get("/")
def accueil():
    demarches = lister_demarches(get_session())
    if len(demarches) == 1:
        return redirect(url_for("restitution.demarche", slug=demarches[0].slug))
    return render_template("restitution/accueil.html", demarches=demarches)


@bp.get("/<slug>")
def demarche(slug: str):
    session = get_session()
    trouvee = donnees.demarche(session, slug) or abort(404)
    return render_template("restitution/demarche.html", demarche=trouvee, formats=exports.FORMATS, pertes=PERTES,
                           exclues=donnees.compter_exclues(session, trouvee.id),
                           a_exporter=exports.nombre_a_exporter(session, trouvee.id))


@bp.get("/<slug>/export/<any(csv, xlsx, iramuteq, qdpx, qdc):format_>")
def exporter(slug: str, format_: str):
    session = get_session()
    sortie = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # sur disque au-delà de 32 Mo
    try:
        resultat = exports.exporter(session, slug, format_, sortie)
    except ErreurValidation as erreur:
        sortie.close()
        if erreur.champ == "demarche":
            abort(404)
        flash(erreur.message, "erreur")
        return redirect(url_for("restitution.demarche", slug=slug))
    sortie.seek(0)
    reponse = send_file(sortie, mimetype=resultat.type_mime, as_attachment=True, download_name=resultat.nom_fichier)
    reponse.call_on_close(sortie.close)
    return reponse
