"""Notice d'information (PDF A4 ou A5) et fiche du registre des traitements d'une démarche (page
imprimable et PDF). Tout compte peut les lire et les télécharger ; les réglages se modifient dans la
fiche de la démarche (`demarches.modifier`).
"""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, render_template, request, send_file

from collecte.confidentialite import information
from collecte.modele.db import get_session
from collecte.modele.models import Demarche
from restitution import donnees
from restitution.information import FORMATS_NOTICE, TITRE_REGISTRE, notice_pdf, registre_pdf

bp = Blueprint("information", __name__, url_prefix="/restitution")


def _demarche(slug: str) -> Demarche:
    return donnees.demarche(get_session(), slug) or abort(404)


def _pdf(pdf: bytes, nom: str):
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True, download_name=nom)


@bp.get("/<slug>/notice.pdf")
def notice(slug: str):
    trouvee = _demarche(slug)
    format_ = (request.args.get("format") or "A4").upper()
    if format_ not in FORMATS_NOTICE:
        abort(404)
    return _pdf(notice_pdf(trouvee, format_), f"notice-{trouvee.slug}-{format_}.pdf")


@bp.get("/<slug>/registre")
def registre(slug: str):
    trouvee = _demarche(slug)
    return render_template(
        "restitution/registre.html",
        demarche=trouvee,
        titre=TITRE_REGISTRE,
        fiche=information.fiche_registre(trouvee, date.today()),
        manquants=information.reglages_manquants(trouvee),
    )


@bp.get("/<slug>/registre.pdf")
def registre_telecharger(slug: str):
    trouvee = _demarche(slug)
    return _pdf(registre_pdf(trouvee, date.today()), f"registre-{trouvee.slug}.pdf")
