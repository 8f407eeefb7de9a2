"""Ce que Parole exporte, Parole l'importe : la démarche d'exemple, exportée en XLSX et en CSV (archive
.zip d'un CSV par feuille) avec tout ce qui peut sortir (« ne pas citer », textes bruts), puis importée
dans une base vidée, donne la même analyse (`parole analyse --format json`), les mêmes thèmes, les mêmes
drapeaux, les mêmes temps de collecte et les mêmes réponses aux questionnaires."""

import csv
import io
import json
import zipfile

import pytest
from sqlalchemy import delete, text
from sqlmodel import SQLModel, select

from collecte.modele.models import (
    PROFILS,
    TRANCHES_AGE,
    Contribution,
    ReponseQuestionnaire,
    TempsDeCollecte,
    Theme,
)
from collecte.tableurs.entrees import importer_envoi
from restitution import exports
from tests.conftest import SLUG_EXEMPLE, importer_exemple

SLUG = SLUG_EXEMPLE
FORMULE = "=SOMME(A1) -dit la borne, et puis « rien »"


@pytest.fixture
def exemple(session):
    """La démarche d'exemple, importée comme le fait le README, avec un thème enfant et une formule."""
    importer_exemple(session)
    enfant, parent = session.exec(select(Theme).order_by(Theme.ordre, Theme.id)).all()[-2:]
    enfant.parent_id = parent.id
    parole = session.exec(
        select(Contribution).where(Contribution.reponse_id.is_(None)).order_by(Contribution.id)
    ).first()
    parole.texte = FORMULE
    session.add_all([enfant, parole])
    session.commit()


def _analyse(runner) -> dict:
    resultat = runner.invoke(args=["analyse", "--format", "json"])
    assert resultat.exit_code == 0, resultat.output
    return json.loads(resultat.stdout)


def _etat(session) -> dict:
    """Ce qu'une personne de l'équipe retrouve : thèmes, drapeaux et thèmes de chaque parole, temps."""
    themes = session.exec(select(Theme).order_by(Theme.ordre, Theme.slug)).all()
    slugs = {t.id: t.slug for t in themes}
    paroles = session.exec(select(Contribution)).all()
    temps = session.exec(select(TempsDeCollecte).where(TempsDeCollecte.dispositif != "questionnaire")).all()
    return {
        "themes": [
            (t.slug, t.label, t.description, t.mots_cles, t.couleur, t.ordre, slugs.get(t.parent_id))
            for t in themes
        ],
        "paroles": sorted(
            (c.texte, c.nature, c.profil, c.tranche_age, c.genre, c.question, c.a_retenir, c.ne_pas_citer)
            for c in paroles
        ),
        "temps": sorted(
            (
                t.ref,
                t.dispositif,
                t.date,
                t.date_fin,
                t.lieu,
                t.animateurs,
                t.personnes_rencontrees,
                t.dont_professionnels,
                tuple(t.questions),
                t.notes,
            )
            for t in temps
        ),
        "reponses": sorted(
            (r.questionnaire, r.role_repondant, json.dumps(r.valeurs, sort_keys=True))
            for r in session.exec(select(ReponseQuestionnaire))
        ),
    }


def _vider(session) -> None:
    """Une instance vide : toutes les tables vidées (identifiants remis à 1 sous PostgreSQL)."""
    tables = SQLModel.metadata.sorted_tables
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"TRUNCATE {', '.join(t.name for t in tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            session.execute(delete(table))
    session.commit()
    session.expunge_all()


@pytest.mark.parametrize(("format_", "nom"), [("xlsx", "export.xlsx"), ("csv", "export.csv.zip")])
def test_exporter_puis_importer_reconstruit_la_demarche(session, runner, exemple, format_, nom):
    avant, analyse = _etat(session), _analyse(runner)
    assert sum(p[-1] for p in avant["paroles"]) == 6 and sum(p[-2] for p in avant["paroles"]) == 27
    tampon = io.BytesIO()
    resultat = exports.exporter(session, SLUG, format_, tampon, avec_ne_pas_citer=True, donnees_brutes=True)
    assert resultat.paroles == len(avant["paroles"]) == 198
    _vider(session)
    rapport = importer_envoi(session, {nom: tampon.getvalue()})
    assert rapport.avertissements == []  # les colonnes pour les humains sont ignorées sans le dire
    assert rapport.lignes()[:2] == ["démarche : 1 créée", "thèmes : 20 créés"]
    assert "contributions : 182 créées" in rapport.lignes() and "réponses : 4 créées" in rapport.lignes()
    assert _etat(session) == avant
    assert FORMULE in [p[0] for p in avant["paroles"]]  # l'apostrophe du CSV ne reste pas
    assert _analyse(runner) == analyse
    # Réimporter le même fichier ne change rien, et le rapport le dit.
    encore = importer_envoi(session, {nom: tampon.getvalue()})
    assert encore.lignes() == [
        "démarche : 1 inchangée",
        "thèmes : 20 inchangés",
        "territoires : 2 inchangés",
        "structures : 11 inchangées",
        "temps : 17 inchangés",
        "contributions : 182 déjà présentes",
        "réponses : 4 inchangées",
    ]


def test_le_csv_est_une_archive_d_un_csv_par_feuille_lisible_dans_excel(session, exemple):
    tampon = io.BytesIO()
    exports.exporter(session, SLUG, "csv", tampon)
    archive = zipfile.ZipFile(tampon)
    assert archive.namelist() == [
        f"{nom}.csv"
        for nom in ("demarche", "themes", "territoires", "structures", "temps", "contributions", "reponses")
    ]
    contributions = archive.read("contributions.csv")
    assert contributions.startswith(b"\xef\xbb\xbf")
    lignes = csv.DictReader(io.StringIO(contributions.decode("utf-8-sig")), delimiter=";")
    assert lignes.fieldnames[:3] == ["id", "temps", "nature"] and "ne_pas_citer" not in lignes.fieldnames
    premiere = next(lignes)
    assert (premiere["profil"], premiere["profil_libelle"]) == ("habitant", PROFILS["habitant"])
    assert (premiere["tranche_age"], premiere["tranche_age_libelle"]) == ("40_59", TRANCHES_AGE["40_59"])
    assert premiere["dispositif_libelle"] == "Porteur de parole" and premiere["ville"] == "Tours"
    assert premiere["texte"] == f"'{FORMULE}"  # désamorcée pour le tableur
    themes = archive.read("themes.csv").decode("utf-8-sig").split("\r\n")[0].split(";")
    assert themes == ["slug", "label", "description", "mots_cles", "couleur", "ordre", "parent"]


def test_un_export_ordinaire_laisse_de_cote_ne_pas_citer_et_masquees(session, exemple):
    """Sans option, les paroles « ne pas citer » restent de côté ; une parole masquée ne sort jamais."""
    masquee = session.exec(
        select(Contribution).where(Contribution.a_retenir).order_by(Contribution.id)
    ).first()
    masquee.masquee = True
    session.add(masquee)
    session.commit()
    tampon = io.BytesIO()
    resultat = exports.exporter(session, SLUG, "xlsx", tampon)
    assert resultat.paroles == 198 - 6 - 1
    _vider(session)
    importer_envoi(session, {"export.xlsx": tampon.getvalue()})
    paroles = session.exec(select(Contribution)).all()
    assert len(paroles) == 191 and not any(c.ne_pas_citer or c.masquee for c in paroles)


def test_le_csv_reenregistre_par_excel_en_windows_1252_revient(session, runner, exemple):
    """Excel en français réenregistre un CSV « séparateur point-virgule » en Windows-1252, sans BOM : la
    démarche revient quand même, accents, guillemets et tirets compris (les caractères que Windows-1252 n'a
    pas deviennent « ? », comme dans Excel)."""
    tampon = io.BytesIO()
    exports.exporter(session, SLUG, "csv", tampon, avec_ne_pas_citer=True, donnees_brutes=True)
    avant = _etat(session)
    source, reenregistree = zipfile.ZipFile(tampon), io.BytesIO()
    with zipfile.ZipFile(reenregistree, "w") as archive:
        for nom in source.namelist():
            texte = source.read(nom).decode("utf-8-sig")
            archive.writestr(nom, texte.encode("cp1252", errors="replace"))
    _vider(session)
    rapport = importer_envoi(session, {"export.csv.zip": reenregistree.getvalue()})
    assert "contributions : 182 créées" in rapport.lignes()
    apres = _etat(session)

    def vu_par_excel(valeur):
        return (
            valeur.encode("cp1252", errors="replace").decode("cp1252") if isinstance(valeur, str) else valeur
        )

    assert apres["paroles"] == sorted(tuple(vu_par_excel(v) for v in p) for p in avant["paroles"])
    assert [t[:3] for t in apres["themes"]] == [
        tuple(vu_par_excel(v) for v in t[:3]) for t in avant["themes"]
    ]
    assert any("é" in p[0] for p in apres["paroles"]) and any("«" in p[0] for p in apres["paroles"])
