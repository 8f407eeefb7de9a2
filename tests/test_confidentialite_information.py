"""Notice d'information des personnes rencontrées et fiche du registre des traitements : textes,
PDF relus par pdftotext et pdfinfo, page du registre, réglages « Données personnelles (RGPD) » du
formulaire de la démarche."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from sqlmodel import select

from collecte.confidentialite.information import (
    A_COMPLETER,
    REGLAGES,
    TITRES_REGISTRE,
    ajouter_mois,
    fiche_registre,
    notice,
    reglages_manquants,
)
from collecte.demarches import modifier_demarche
from collecte.modele.models import Demarche
from collecte.modele.validation import ErreurValidation
from restitution.information import notice_pdf, registre_pdf
from tests.donnees_livret import infos, texte_pdf

# Réglages d'une démarche type, tous renseignés.
REGLES = {
    "responsable_traitement": "Ville de Vierzon, Hôtel de Ville, 6 rue de la Société Française, "
    "18100 Vierzon",
    "delegue_protection": "Service protection des données, dpo@ville-vierzon.fr",
    "contact_droits": "donnees@ville-vierzon.fr ou Mairie de Vierzon, service démocratie participative",
    "finalite": "Recueillir la parole des habitant·es des quartiers Clos du Roy et Europe sur leur usage du "
    "numérique, pour écrire un livret de restitution et des préconisations pour la médiation numérique.",
    "base_legale": "mission_interet_public",
    "destinataires": "Le Hub-Lo et la Ligue de l'enseignement (synthèse) ; les structures partenaires "
    "reçoivent le livret anonyme.",
    "conservation_mois": 24,
}
BALISES = {
    "titre": "<b>Gras</b> & Cie",
    "responsable_traitement": 'Mairie <img src="/etc/passwd"/> & fils',
    "finalite": "Comprendre <i>vraiment</i> & <font color=red>agir</font>",
    "destinataires": "<a href='https://exemple.org'>lien</a> &amp; partenaires",
}


def _demarche(**champs) -> Demarche:
    valeurs = {
        "slug": "numerique",
        "titre": "Le numérique, ça simplifie la vie ? Paroles de Vierzon et Tours-Nord",
        "commanditaire": "Hub-Lo, hub d'inclusion numérique Centre-Val de Loire",
        "date_debut": date(2025, 3, 1),
        "date_fin": date(2025, 9, 30),
        **REGLES,
    }
    return Demarche(**{**valeurs, **champs})


def _texte(sections) -> str:
    return "\n".join(f"{titre}\n{texte}" for titre, texte in sections)


def _une_ligne(texte: str) -> str:
    return " ".join(texte.split())


# --- Notice et fiche : les textes --------------------------------------------------------------


def test_la_notice_reprend_chaque_reglage():
    texte = _texte(notice(_demarche()))
    for cle in (
        "responsable_traitement",
        "delegue_protection",
        "contact_droits",
        "finalite",
        "destinataires",
    ):
        assert REGLES[cle] in texte, cle
    assert "Mission d'intérêt public (article 6.1.e du RGPD)" in texte
    assert "Jusqu'au 30/09/2027, soit 24 mois après la fin de la démarche." in texte
    assert "Hub-Lo, hub d'inclusion numérique" in texte and "« Le numérique, ça simplifie la vie ?" in texte
    assert A_COMPLETER not in texte


def test_la_notice_dit_ce_qui_est_note_et_les_droits():
    sections = dict(notice(_demarche()))
    assert list(sections) == [
        "Qui recueille vos paroles ?",
        "Pourquoi ?",
        "Ce qui nous y autorise",
        "Ce que nous notons",
        "Qui les reçoit ?",
        "Combien de temps ?",
        "Vos droits",
    ]
    notes = sections["Ce que nous notons"]
    for attendu in ("Vos mots", "profil", "tranche d'âge", "genre", "Jamais votre nom", "« ne pas citer »"):
        assert attendu in notes, attendu
    assert "public et anonyme" in sections["Qui les reçoit ?"]
    assert "tout est effacé, sauf le livret anonyme et des chiffres" in sections["Combien de temps ?"]
    droits = sections["Vos droits"]
    for attendu in ("voir, corriger ou effacer", "vous opposer", "CNIL : www.cnil.fr"):
        assert attendu in droits, attendu
    consentement = dict(notice(_demarche(base_legale="consentement")))["Vos droits"]
    assert "retirer votre accord" in consentement and "vous opposer" not in consentement


def test_un_reglage_vide_est_a_completer_jamais_invente():
    vide = Demarche(slug="vide", titre="Démarche sans réglages", date_fin=None)
    sections = dict(notice(vide))
    for titre in ("Pourquoi ?", "Ce qui nous y autorise"):
        assert sections[titre].startswith(f"[{A_COMPLETER} :"), titre
    assert (
        f"Responsable : [{A_COMPLETER} : responsable du traitement]"
        in sections["Qui recueille vos paroles ?"]
    )
    assert f"[{A_COMPLETER} : destinataires]" in sections["Qui les reçoit ?"]
    assert f"date de fin : [{A_COMPLETER} : date de fin de la démarche]" in sections["Combien de temps ?"]
    droits = sections["Vos droits"]
    assert f"Écrivez à : [{A_COMPLETER}" in droits and f"données : [{A_COMPLETER} : DPO]" in droits
    assert "demandée par" not in sections["Qui recueille vos paroles ?"]  # pas de commanditaire : rien
    assert reglages_manquants(vide) == [r.libelle for r in REGLAGES if r.nom != "conservation_mois"] + [
        "Date de fin de la démarche"
    ]
    assert reglages_manquants(_demarche()) == []
    assert _texte(fiche_registre(vide)).count(A_COMPLETER) >= 7


@pytest.mark.parametrize(
    ("jour", "mois", "attendu"),
    [
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 3, 1), 120, date(2035, 3, 1)),
    ],
)
def test_fin_de_conservation(jour, mois, attendu):
    assert ajouter_mois(jour, mois) == attendu


def test_la_fiche_suit_les_champs_du_modele_de_la_cnil():
    fiche = fiche_registre(_demarche(), date(2026, 1, 15))
    assert [titre for titre, _ in fiche] == list(TITRES_REGISTRE)
    sections = dict(fiche)
    assert REGLES["responsable_traitement"] in sections["Nom et coordonnées du responsable du traitement"]
    assert (
        sections["Nom et coordonnées du délégué à la protection des données"] == REGLES["delegue_protection"]
    )
    assert "Finalité principale : Recueillir la parole" in sections["Finalité(s) du traitement effectué"]
    assert "Base légale : Mission d'intérêt public" in sections["Finalité(s) du traitement effectué"]
    assert "Données sensibles : pas collectées volontairement" in sections["Catégories de données collectées"]
    assert "des opinions" in sections["Catégories de données collectées"]
    assert sections["Transferts des données hors UE"].startswith("Aucun")
    assert "base de données de l'instance" in sections["Transferts des données hors UE"]
    assert "24 mois après la fin de la démarche (jusqu'au 30/09/2027)" in sections["Durées de conservation"]
    securite = sections["Mesures de sécurité"]
    for attendu in (
        "rôles",
        "CSRF",
        "10 caractères",
        "sessions",
        "journal",
        "masquées",
        "sauvegarde",
        "0600",
    ):
        assert attendu in securite, attendu
    assert (
        sections["Date de mise à jour de la fiche"]
        == "Fiche tirée des réglages de la démarche le 15/01/2026."
    )


# --- PDF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("format_", "taille"), [("A4", "595.276 x 841.89"), ("A5", "419.528 x 595.276")])
def test_la_notice_tient_sur_une_page(format_, taille, tmp_path):
    pdf = notice_pdf(_demarche(), format_)
    meta = infos(pdf, tmp_path)
    assert meta["Pages"] == "1" and meta["Page size"].startswith(taille)
    texte = texte_pdf(pdf, tmp_path, mode="raw")
    assert "Vos paroles, vos données" in texte
    for cle in (
        "responsable_traitement",
        "delegue_protection",
        "contact_droits",
        "finalite",
        "destinataires",
    ):
        assert _une_ligne(REGLES[cle]) in texte, cle
    assert "Jusqu'au 30/09/2027" in texte and "www.cnil.fr" in texte and A_COMPLETER not in texte


def test_la_notice_reste_sur_une_page_avec_des_reglages_tres_longs(tmp_path):
    long = _demarche(
        finalite="Recueillir la parole des habitant·es. " * 50,
        destinataires="Les partenaires de la démarche. " * 60,
        responsable_traitement="Ville de Vierzon, " * 16,
    )
    for format_ in ("A4", "A5"):
        assert infos(notice_pdf(long, format_), tmp_path)["Pages"] == "1", format_


def test_les_reglages_vides_s_impriment_a_completer(tmp_path):
    texte = texte_pdf(notice_pdf(Demarche(slug="vide", titre="Sans réglages"), "A5"), tmp_path, mode="raw")
    assert texte.count(A_COMPLETER) >= 6


def test_le_balisage_d_un_reglage_s_imprime_tel_quel(tmp_path):
    demarche = _demarche(**BALISES)
    for pdf in (notice_pdf(demarche, "A4"), notice_pdf(demarche, "A5"), registre_pdf(demarche)):
        texte = texte_pdf(pdf, tmp_path, mode="raw")
        for valeur in BALISES.values():
            assert valeur in texte, valeur


def test_la_fiche_pdf_porte_chaque_champ_de_la_cnil(tmp_path):
    pdf = registre_pdf(_demarche(), date(2026, 1, 15))
    assert pdf.startswith(b"%PDF")
    texte = texte_pdf(pdf, tmp_path, mode="raw")
    assert "Fiche de registre des activités de traitement" in texte
    for titre in TITRES_REGISTRE:
        assert titre in texte, titre
    assert _une_ligne(REGLES["finalite"]) in texte and "15/01/2026" in texte


# --- Pages et adresses ------------------------------------------------------------------------


def test_pages_et_pdf_exigent_un_compte(client, creer_demarche):
    creer_demarche("numerique")
    for adresse in ("/restitution/numerique/registre", "/restitution/numerique/registre.pdf"):
        reponse = client.get(adresse)
        assert reponse.status_code == 302 and "/comptes/connexion" in reponse.headers["Location"]
    assert client.get("/restitution/numerique/notice.pdf?format=A5").status_code == 302


def test_telecharger_la_notice_et_la_fiche(client, connecter, creer_demarche, tmp_path):
    creer_demarche("numerique", titre="Paroles de Vierzon", **REGLES)
    connecter("lecteur")
    for format_ in ("A4", "a5"):
        reponse = client.get(f"/restitution/numerique/notice.pdf?format={format_}")
        assert reponse.status_code == 200 and reponse.mimetype == "application/pdf"
        assert f"notice-numerique-{format_.upper()}.pdf" in reponse.headers["Content-Disposition"]
        assert infos(reponse.data, tmp_path)["Pages"] == "1"
    assert client.get("/restitution/numerique/notice.pdf?format=A3").status_code == 404
    assert client.get("/restitution/inconnue/notice.pdf").status_code == 404
    reponse = client.get("/restitution/numerique/registre.pdf")
    assert reponse.status_code == 200 and "registre-numerique.pdf" in reponse.headers["Content-Disposition"]
    assert "Mesures de sécurité" in texte_pdf(reponse.data, tmp_path, mode="raw")


def test_la_page_du_registre_liste_chaque_champ(client, connecter, creer_demarche):
    creer_demarche("numerique", date_fin=date(2025, 9, 30), **{**REGLES, **BALISES})
    connecter("lecteur")
    page = client.get("/restitution/numerique/registre").get_data(as_text=True)
    for titre in TITRES_REGISTRE:
        assert f"<h2>{titre}</h2>" in page, titre
    assert "&lt;b&gt;Gras&lt;/b&gt; &amp; Cie" in page and "<b>Gras</b>" not in page
    assert '<img src="/etc/passwd"/>' not in page and "&lt;img src=" in page
    assert unescape(page).count(BALISES["finalite"]) == 1
    assert "Encore à compléter" not in page and "Compléter les réglages" not in page  # lecteur, tout réglé
    assert 'href="/restitution/numerique/registre.pdf"' in page


def test_liens_depuis_la_demarche_et_la_restitution(client, connecter, creer_demarche):
    creer_demarche("numerique", titre="Paroles de Vierzon")
    connecter("animateur")
    fiche = client.get("/demarches/numerique").get_data(as_text=True)
    assert (
        "Encore à compléter pour la notice d'information et le registre : Responsable du traitement" in fiche
    )
    assert 'href="/demarches/numerique/modifier#donnees-personnelles"' in fiche
    restitution = client.get("/restitution/numerique").get_data(as_text=True)
    for page in (fiche, restitution):
        assert 'href="/restitution/numerique/notice.pdf?format=A4"' in page
        assert 'href="/restitution/numerique/notice.pdf?format=A5"' in page
        assert 'href="/restitution/numerique/registre"' in page
    registre = client.get("/restitution/numerique/registre").get_data(as_text=True)
    assert "Encore à compléter : Responsable du traitement" in registre


# --- Réglages dans le formulaire de la démarche -------------------------------------------------


def _formulaire(**champs) -> dict:
    return {"titre": "Paroles de Vierzon", **{k: str(v) for k, v in REGLES.items()}, **champs}


def test_le_formulaire_enregistre_les_reglages(client, connecter, session, creer_demarche):
    demarche = creer_demarche("numerique", titre="Paroles de Vierzon", commanditaire="Hub-Lo")
    connecter("animateur")
    page = client.get("/demarches/numerique/modifier").get_data(as_text=True)
    assert "<legend>Données personnelles (RGPD)</legend>" in page
    assert 'placeholder="Recueillir la parole des habitant·es sur « Paroles de Vierzon » pour' in page
    assert 'placeholder="Hub-Lo, adresse postale complète"' in page
    assert '<option value="consentement">Consentement (article 6.1.a du RGPD)</option>' in page
    assert 'type="number"' in page and 'min="1" max="120"' in page and 'value="24"' in page

    reponse = client.post("/demarches/numerique/modifier", data=_formulaire(conservation_mois="36"))
    assert reponse.status_code == 302
    session.refresh(demarche)
    assert demarche.finalite == REGLES["finalite"] and demarche.base_legale == "mission_interet_public"
    assert demarche.responsable_traitement == REGLES["responsable_traitement"]
    assert demarche.conservation_mois == 36

    client.post("/demarches/numerique/modifier", data=_formulaire(finalite="  ", base_legale=""))
    session.refresh(demarche)
    assert demarche.finalite == "" and demarche.base_legale == ""  # la suggestion n'est jamais enregistrée


@pytest.mark.parametrize(
    ("champs", "message"),
    [
        ({"conservation_mois": "0"}, "Durée de conservation : un nombre entier de mois, de 1 à 120."),
        ({"conservation_mois": "121"}, "Durée de conservation : un nombre entier de mois, de 1 à 120."),
        ({"conservation_mois": "deux ans"}, "Durée de conservation : un nombre entier de mois, de 1 à 120."),
        ({"conservation_mois": ""}, "Durée de conservation : un nombre entier de mois, de 1 à 120."),
        ({"base_legale": "contrat"}, "Base légale inconnue : choisissez-en une dans la liste."),
        ({"responsable_traitement": "x" * 301}, "Responsable du traitement : Le texte fait 301 caractères"),
        ({"finalite": "y" * 2001}, "Finalité : à quoi servent les paroles : Le texte fait 2"),
    ],
)
def test_un_reglage_refuse_garde_ce_qui_a_ete_tape(
    client, connecter, session, creer_demarche, champs, message
):
    demarche = creer_demarche("numerique", titre="Paroles de Vierzon")
    connecter("animateur")
    tape = {**_formulaire(finalite="Finalité tapée & <gardée>"), **champs}
    reponse = client.post("/demarches/numerique/modifier", data=tape)
    page = reponse.get_data(as_text=True)
    assert reponse.status_code == 200 and message in unescape(page)
    assert "Finalité tapée &amp; &lt;gardée&gt;" in page or "y" * 2001 in page
    assert re.search(r'id="conservation_mois"[^>]*value="' + re.escape(tape["conservation_mois"]) + '"', page)
    session.refresh(demarche)
    assert demarche.finalite == "" and demarche.conservation_mois == 24  # rien d'enregistré


def test_creer_une_demarche_avec_ses_reglages(client, connecter, session):
    connecter("animateur")
    page = client.get("/demarches/nouvelle").get_data(as_text=True)
    assert 'id="conservation_mois"' in page and 'value="24"' in page
    assert 'placeholder="Recueillir la parole des habitant·es sur … pour' in page
    reponse = client.post("/demarches/nouvelle", data=_formulaire(slug="vierzon", conservation_mois="12"))
    assert reponse.status_code == 302
    demarche = session.exec(select(Demarche).where(Demarche.slug == "vierzon")).one()
    assert demarche.conservation_mois == 12 and demarche.delegue_protection == REGLES["delegue_protection"]


def test_un_envoi_sans_les_reglages_ne_les_efface_pas(session, creer_demarche):
    demarche = creer_demarche("numerique", titre="Paroles de Vierzon", **REGLES)
    modifier_demarche(session, demarche, {"titre": "Nouveau titre"})  # import d'une feuille, autre appel
    session.refresh(demarche)
    assert demarche.titre == "Nouveau titre" and demarche.finalite == REGLES["finalite"]
    with pytest.raises(ErreurValidation) as erreur:
        modifier_demarche(session, demarche, {"titre": "Autre", "conservation_mois": 500})
    assert erreur.value.champ == "conservation_mois"


def test_un_lecteur_ne_modifie_pas_les_reglages(client, connecter, session, creer_demarche):
    demarche = creer_demarche("numerique", titre="Paroles de Vierzon")
    connecter("lecteur")
    assert client.post("/demarches/numerique/modifier", data=_formulaire()).status_code == 403
    session.refresh(demarche)
    assert demarche.finalite == ""
