"""Rien de non examiné ne sort de Parole (issue 14, point 3) : chaque sortie — livret, affiches, aperçu,
CSV, XLSX, IRaMuTeQ, REFI-QDA, tableau de bord — remplace les données personnelles repérées et non
examinées par leur nature, laisse passer ce que l'équipe a écarté, examine d'abord les paroles en
attente, et le dit ; l'export brut est réservé aux admins (ou au terminal) et noté au journal.

Toutes les paroles sont inventées ; les sorties sont relues comme un lecteur les verrait (pdftotext,
openpyxl, archive .qdpx décompressée)."""

import io
import zipfile

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from analyse.masquage import Masquage
from collecte.confidentialite import detection, examen
from collecte.confidentialite.journal import ACTEUR_TERMINAL, TERMINAL
from collecte.modele.models import Contribution, Journal, Reperage
from restitution import donnees, exports, livret_annexes
from restitution.contenu import preparer
from tests.donnees_livret import texte_pdf

NOM = "Ma voisine Mme Durandeau m'aide pour les papiers de la CAF, sans elle je n'y arrive pas."
TELEPHONE = "Moi j'appelle ma fille au 06 12 34 56 78 quand l'ordi bloque, elle vient le dimanche."
COURRIEL = "Écrivez-moi à lucienne.martinot@exemple.fr, je n'ai pas d'imprimante à la maison."
ADRESSE = "Je vis au 12 rue des Lilas et la fibre n'arrive toujours pas dans l'immeuble."
ECARTEE = "Merci à Bernadette de la médiathèque, elle nous apprend les mails avec patience."
IMPORTEE = "Si vous voulez un rendez-vous c'est le 07.81.22.45.90, le numérique me fait peur."
# Ce qui ne doit jamais sortir sans « données brutes » (casse ignorée : nuages et lemmes sont en minuscules).
BRUTS = ("durandeau", "06 12 34 56 78", "lucienne", "martinot", "12 rue des lilas", "lilas", "07.81.22.45.90")
NATURES = "([nom], [téléphone], [courriel], [adresse])"
FAIT = (
    "5 données personnelles repérées et non examinées (dans 5 paroles) ont été remplacées par leur "
    f"nature {NATURES}"
)


def _sans_bruts(texte: str) -> None:
    bas = " ".join(texte.lower().split())
    assert not [b for b in BRUTS if b in bas], [b for b in BRUTS if b in bas]


def _masque_et_ecarte(texte: str) -> None:
    """Les quatre natures remplacées sont là, et le prénom écarté par l'équipe sort tel quel."""
    _sans_bruts(texte)
    assert all(n in texte for n in ("[nom]", "[téléphone]", "[courriel]", "[adresse]")), texte
    assert "Bernadette" in texte and "[prénom]" not in texte


@pytest.fixture
def sensible(session, creer_demarche, creer_territoire, creer_theme, creer_temps, creer_contribution):
    """Cinq paroles « à retenir » examinées (le prénom de l'une écarté par l'équipe), puis une parole
    importée après l'examen (`examinee_par` vide) : elle attend encore."""
    demarche = creer_demarche("rgpd", titre="Paroles et vie privée")
    vierzon = creer_territoire(demarche, "Vierzon", "Clos du Roy")
    papiers = creer_theme(demarche, "papiers", "Les papiers en ligne", 0)
    fibre = creer_theme(demarche, "fibre", "La fibre et le quartier", 1)
    temps = creer_temps(demarche, "PDP-1", territoire=vierzon)
    for texte in (NOM, TELEPHONE, COURRIEL):
        creer_contribution(temps, texte, [papiers], a_retenir=True, profil="habitant")
    creer_contribution(temps, ADRESSE, [fibre], a_retenir=True, profil="habitant")
    ecartee = creer_contribution(temps, ECARTEE, [fibre], a_retenir=True, profil="habitant")
    assert examen.examiner_en_attente(session, demarche.id) == 5
    assert examen.ecarter_tout(session, [ecartee.id], ACTEUR_TERMINAL) == 1
    importee = creer_contribution(temps, IMPORTEE, [papiers], a_retenir=True, profil="habitant")
    assert importee.examinee_par == ""
    return demarche, importee


def _journal(session, action: str) -> list[Journal]:
    session.expire_all()
    return list(session.exec(select(Journal).where(Journal.action == action).order_by(Journal.id)))


def _examinee(session, parole) -> tuple[str, list[Reperage]]:
    session.expire_all()
    version = session.get(Contribution, parole.id).examinee_par
    reperages = session.exec(select(Reperage).where(Reperage.contribution_id == parole.id)).all()
    return version, list(reperages)


# --- Sans rien écrire : la page Restitution annonce, le tableau de bord masque à la volée --------------


def test_la_page_annonce_sans_examiner(client, connecter, session, sensible):
    _, importee = sensible
    connecter("lecteur")
    page = client.get("/restitution/rgpd").get_data(as_text=True)
    assert (
        "4 données personnelles repérées et non examinées (dans 4 paroles) seront remplacées par leur "
        f"nature {NATURES} dans le livret, les affiches et l&#39;aperçu" in page
    )
    assert f"(dans 4 paroles) seront remplacées par leur nature {NATURES} dans les exports" in page
    assert "1 parole pas encore examinée le sera avant toute sortie" in page
    assert 'name="donnees_brutes"' not in page  # réservé aux admins
    assert _examinee(session, importee) == ("", [])  # une page lue n'écrit rien


def test_le_tableau_de_bord_masque_sans_rien_enregistrer(client, connecter, session, sensible):
    _, importee = sensible
    connecter("lecteur")
    lexique = client.get("/analyse/lexique?demarche=rgpd").get_data(as_text=True)
    _sans_bruts(lexique)
    assert "bernadette" in lexique.lower()  # écarté : un mot comme un autre
    for lemme, attendu in (("voisine", "[nom]"), ("numérique", "[téléphone]"), ("fille", "[téléphone]")):
        page = client.get(f"/analyse/concordance?demarche=rgpd&lemme={lemme}").get_data(as_text=True)
        _sans_bruts(page)
        assert attendu in page, lemme
    # La parole importée a été masquée à la volée, sans examen enregistré : la lecture n'écrit rien.
    assert _examinee(session, importee) == ("", [])


# --- Livret, affiches, aperçu -----------------------------------------------------------------------


def test_livret_web_masque_annonce_et_journalise(client, connecter, session, sensible, tmp_path):
    _, importee = sensible
    lecteur = connecter("lecteur")
    reponse = client.get("/restitution/rgpd/livret.pdf")
    assert reponse.status_code == 200
    mise_en_page, brut = texte_pdf(reponse.data, tmp_path), texte_pdf(reponse.data, tmp_path, mode="raw")
    _sans_bruts(brut)
    _masque_et_ecarte(mise_en_page)
    assert "[téléphone], le numérique me fait peur" in mise_en_page  # la parole importée, examinée d'abord
    assert (
        "Données personnelles. 5 données personnelles repérées et non examinées ont été remplacées par leur "
        f"nature {NATURES} dans les paroles citées et les nuages de mots." in mise_en_page
    )
    version, reperages = _examinee(session, importee)
    assert version == detection.VERSION and [(r.sorte, r.statut) for r in reperages] == [
        ("telephone", "a_examiner")
    ]
    (ligne,) = _journal(session, "livret")
    assert (ligne.acteur, ligne.utilisateur_id, ligne.objet) == (lecteur.identifiant, lecteur.id, "rgpd")
    assert ligne.details.startswith("livret A4 ; données personnelles non examinées masquées : 5")
    _sans_bruts(ligne.details)


def test_affiches_et_nuages_sans_donnee_personnelle(client, connecter, session, sensible, tmp_path):
    connecter("animateur")
    reponse = client.get("/restitution/rgpd/affiches.pdf")
    assert reponse.status_code == 200
    _sans_bruts(texte_pdf(reponse.data, tmp_path, mode="raw"))
    _masque_et_ecarte(texte_pdf(reponse.data, tmp_path))
    assert _journal(session, "livret")[0].details.startswith("affiches A3")
    # Nuages de mots du livret et des affiches : ni nom, ni morceau d'adresse ou de courriel.
    contenu = preparer(session, "rgpd")
    lemmes = set(contenu.frequences_themes["lemme"])
    assert "bernadette" in lemmes and "fibre" in lemmes
    _sans_bruts(" ".join(lemmes))
    assert contenu.masquage == Masquage(5, 5, ("[nom]", "[téléphone]", "[courriel]", "[adresse]"), 0)


def test_apercu_masque_et_le_dit(client, connecter, sensible):
    connecter("lecteur")
    page = client.get("/restitution/rgpd/apercu").get_data(as_text=True)
    _masque_et_ecarte(page)
    assert FAIT in page


# --- Exports ------------------------------------------------------------------------------------------


def _lire_export(format_: str, contenu: bytes) -> str:
    if format_ == "csv":  # une archive d'un CSV par feuille : toutes sont lues
        archive = zipfile.ZipFile(io.BytesIO(contenu))
        return "\n".join(archive.read(n).decode("utf-8-sig") for n in archive.namelist())
    if format_ == "xlsx":  # toutes les feuilles du classeur
        classeur = load_workbook(io.BytesIO(contenu), read_only=True)
        return "\n".join(
            str(v) for f in classeur.worksheets for ligne in f.iter_rows(values_only=True) for v in ligne if v
        )
    if format_ == "qdpx":
        archive = zipfile.ZipFile(io.BytesIO(contenu))
        return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    return contenu.decode("utf-8")


@pytest.mark.parametrize("format_", ["csv", "xlsx", "iramuteq", "qdpx"])
def test_chaque_export_masque_et_le_dit(session, sensible, format_):
    _, importee = sensible
    tampon = io.BytesIO()
    resultat = exports.exporter(session, "rgpd", format_, tampon)
    texte = _lire_export(format_, tampon.getvalue())
    _masque_et_ecarte(texte)
    assert resultat.paroles == 6 and len([a for a in resultat.avertissements if a.startswith(FAIT)]) == 1
    assert _examinee(session, importee)[0] == detection.VERSION
    (ligne,) = _journal(session, "export")
    assert (ligne.acteur, ligne.objet) == (TERMINAL, "rgpd")
    assert ligne.details.startswith(f"format : {format_} ; paroles : 6")


def test_commande_export_avertit_puis_donnees_brutes(runner, session, sensible, tmp_path):
    masque, brut = tmp_path / "masque.csv", tmp_path / "brut.csv"
    resultat = runner.invoke(args=["export", "--format", "csv", "-o", str(masque)])
    assert resultat.exit_code == 0, resultat.output
    assert f"Attention : {FAIT} ; pour les masquer" in resultat.output
    _masque_et_ecarte(_lire_export("csv", masque.read_bytes()))
    assert _journal(session, "export_brut") == []

    resultat = runner.invoke(args=["export", "--format", "csv", "-o", str(brut), "--donnees-brutes"])
    assert resultat.exit_code == 0, resultat.output
    assert (
        "Attention : 5 données personnelles repérées et non examinées (dans 5 paroles) sortent en clair"
        in resultat.output
    )
    textes = _lire_export("csv", brut.read_bytes())
    assert all(t in textes for t in (NOM, TELEPHONE, COURRIEL, ADRESSE, ECARTEE, IMPORTEE))
    (ligne,) = _journal(session, "export_brut")
    assert (ligne.acteur, ligne.utilisateur_id, ligne.objet) == (TERMINAL, None, "rgpd")
    assert ligne.details == (
        "format : csv ; paroles : 6 ; données personnelles non examinées en clair : 5 (dans 5 paroles)"
    )
    assert "--donnees-brutes" in runner.invoke(args=["export", "--help"]).output


def test_commandes_livret_et_affiches_avertissent(runner, sensible, tmp_path):
    for commande in ("livret", "affiches"):
        resultat = runner.invoke(args=[commande, "-o", str(tmp_path / f"{commande}.pdf")])
        assert resultat.exit_code == 0, resultat.output
        assert f"Attention : {FAIT} ; pour les masquer" in resultat.output, commande


# --- Export brut sur le web : admin seulement, par le formulaire, journalisé ---------------------------


@pytest.mark.parametrize("role", ["lecteur", "animateur"])
def test_export_brut_refuse_hors_admin(client, connecter, session, sensible, role):
    connecter(role)
    assert client.post("/restitution/rgpd/export/csv", data={"donnees_brutes": "1"}).status_code == 403
    assert client.get("/restitution/rgpd/export/csv?donnees_brutes=1").status_code == 403
    assert _journal(session, "export_brut") == [] and _journal(session, "export") == []


def test_export_brut_par_un_admin(client, connecter, session, sensible):
    admin = connecter("admin")
    page = client.get("/restitution/rgpd").get_data(as_text=True)
    assert 'name="donnees_brutes"' in page and 'formaction="/restitution/rgpd/export/csv"' in page
    assert 'formaction="/restitution/rgpd/export/qdc"' not in page  # aucune parole dans le livre de codes
    assert client.get("/restitution/rgpd/export/csv?donnees_brutes=1").status_code == 400  # pas par un lien
    with client.get("/restitution/rgpd/export/iramuteq") as masque:
        assert masque.status_code == 200
        _masque_et_ecarte(masque.get_data(as_text=True))
    with client.post("/restitution/rgpd/export/iramuteq", data={"donnees_brutes": "1"}) as brut:
        assert brut.status_code == 200
        assert all(t in brut.get_data(as_text=True) for t in (NOM, TELEPHONE, COURRIEL, ADRESSE, IMPORTEE))
    (ordinaire,) = _journal(session, "export")
    (ligne,) = _journal(session, "export_brut")
    assert (ordinaire.acteur, ordinaire.details.split(" ; ")[0]) == (admin.identifiant, "format : iramuteq")
    assert (ligne.acteur, ligne.utilisateur_id, ligne.objet) == (admin.identifiant, admin.id, "rgpd")
    assert "en clair : 5" in ligne.details
    _sans_bruts(ligne.details)


# --- Les phrases --------------------------------------------------------------------------------------


def test_phrases_au_singulier_et_sans_rien():
    un = Masquage(1, 1, ("[téléphone]",), 0)
    assert donnees.phrase_masquage(un).startswith(
        "1 donnée personnelle repérée et non examinée (dans 1 parole) a été remplacée par sa nature "
        "([téléphone])"
    )
    assert donnees.phrase_masquage(Masquage()) == ""
    assert donnees.phrase_masquage_a_venir(Masquage()) == ""
    assert "aucune donnée personnelle repérée" in donnees.phrase_masquage(Masquage(), brut=True)
    # La ligne de la note de méthode du livret, au singulier et quand rien n'attend d'examen.
    assert livret_annexes._donnees_personnelles(un) == (
        "<b>Données personnelles.</b> 1 donnée personnelle repérée et non examinée a été remplacée par sa "
        "nature ([téléphone]) dans les paroles citées et les nuages de mots."
    )
    assert "aucune donnée repérée n'est restée sans examen" in livret_annexes._donnees_personnelles(
        Masquage()
    )


def test_au_dela_du_plafond_les_textes_non_examines_sont_retenus(monkeypatch):
    """Un gros import non examiné : la lecture ne repère à la volée que les premiers textes, retient les
    suivants (vides) au lieu de les laisser sortir ou de passer des minutes dans le modèle de langue."""
    from analyse import masquage

    monkeypatch.setattr(masquage, "A_LA_VOLEE_PAR_LECTURE", 2)
    textes = [f"Appelez Mme Lefort au 06 12 34 56 7{n}." for n in range(4)]
    sortis = masquage.masquer_textes(textes, [()] * 4, [False] * 4)
    assert sortis[:2] == ["Appelez Mme [nom] au [téléphone]."] * 2 and sortis[2:] == ["", ""]
