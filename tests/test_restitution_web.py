"""Page « Restitution » : écrire les textes du livret, voir les paroles qui seront imprimées,
télécharger le livret et les affiches ; rôles, CSRF, conflits d'écriture."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from collecte.modele.models import TexteRestitution
from collecte.modele.validation import ErreurValidation
from restitution import textes
from tests.donnees_livret import texte_pdf


def _version(page: str) -> str:
    return re.search(r'name="version" value="([^"]*)"', page).group(1)


def test_ecrire_la_synthese_puis_la_lire_dans_le_livret(client, connecter, campagne, tmp_path):
    connecter("animateur")
    page = client.get("/restitution/livret-test").get_data(as_text=True)
    a_ecrire = page[page.index("Encore à écrire") : page.index("Le livret se télécharge quand même")]
    assert 'href="#texte-synthese">Synthèse</a>' in a_ecrire and "les préconisations" in a_ecrire
    assert "Note de méthode" not in a_ecrire  # facultative : un ajout à la note générée
    formulaire = client.get("/restitution/livret-test/textes/synthese").get_data(as_text=True)
    reponse = client.post(
        "/restitution/livret-test/textes/synthese",
        data={
            "titre": "Ce que nous retenons",
            "version": _version(formulaire),
            "contenu": (
                "Les habitant·es veulent « un humain » & pas <b>une borne</b>.\n\nDeuxième paragraphe."
            ),
        },
    )
    assert reponse.status_code == 302 and reponse.headers["Location"].endswith(
        "/restitution/livret-test#textes"
    )
    page = client.get("/restitution/livret-test").get_data(as_text=True)
    assert "« Synthèse » enregistré." in page
    assert "Les habitant·es veulent « un humain » &amp; pas &lt;b&gt;une borne&lt;/b&gt;." in page
    with client.get("/restitution/livret-test/livret.pdf?format=A4") as pdf:
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.headers["Content-Disposition"].endswith("livret-livret-test-A4.pdf")
        texte = texte_pdf(pdf.data, tmp_path)
    assert "Ce que nous retenons" in texte
    assert "Les habitant·es veulent « un humain » & pas <b>une borne</b>." in texte


def test_ajouter_modifier_supprimer_un_axe(client, connecter, campagne, tmp_path):
    connecter("animateur")
    for titre in ("Aller vers", "Former les aidant·es"):
        page = client.get("/restitution/livret-test/textes/nouvel-axe").get_data(as_text=True)
        assert "Nouvel axe de préconisations" in page
        client.post(
            "/restitution/livret-test/textes/nouvel-axe",
            data={"titre": titre, "contenu": f"{titre} : première\n\n{titre} : seconde", "version": ""},
        )
    sans_titre = client.post(
        "/restitution/livret-test/textes/nouvel-axe",
        data={"titre": "", "contenu": "Une idée orpheline", "version": ""},
    )
    page = sans_titre.get_data(as_text=True)
    assert "Donnez un titre à cet axe de préconisations." in page and "Une idée orpheline" in page
    page = client.get("/restitution/livret-test").get_data(as_text=True)
    assert "<strong>Aller vers</strong> — 2 préconisations" in page
    assert "<strong>Former les aidant·es</strong> — 2 préconisations" in page
    texte = texte_pdf(client.get("/restitution/livret-test/livret.pdf").data, tmp_path)
    assert texte.index("Aller vers : première") < texte.index("Former les aidant·es : seconde")
    formulaire = client.get("/restitution/livret-test/textes/axe-01").get_data(as_text=True)
    assert "Supprimer cet axe" in formulaire
    client.post(
        "/restitution/livret-test/textes/axe-01", data={"supprimer": "1", "version": _version(formulaire)}
    )
    page = client.get("/restitution/livret-test").get_data(as_text=True)
    assert (
        "« Préconisations, axe 1 » supprimé." in page
        and "Aller vers" not in page
        and "Former les aidant·es" in page
    )


def test_nouvel_axe_envoye_deux_fois_n_est_pas_duplique(client, connecter, campagne):
    connecter("animateur")
    formulaire = {"titre": "Aller vers", "contenu": "Des permanences dans les halls", "version": ""}
    client.post("/restitution/livret-test/textes/nouvel-axe", data=formulaire)
    rejeu = client.post("/restitution/livret-test/textes/nouvel-axe", data=formulaire, follow_redirects=True)
    page = rejeu.get_data(as_text=True)
    assert (
        "« Aller vers » était déjà enregistré (formulaire envoyé deux fois) : rien n&#39;a été dupliqué."
        in page
    )
    assert page.count("<strong>Aller vers</strong> — 1 préconisation") == 1
    autre = client.post(
        "/restitution/livret-test/textes/nouvel-axe",
        data={"titre": " aller  VERS ", "contenu": "Une autre idée", "version": ""},
    )
    page = autre.get_data(as_text=True)
    assert (
        autre.status_code == 200
        and "Un axe s&#39;appelle déjà « Aller vers »" in page
        and "Une autre idée" in page
    )
    vide = client.post(
        "/restitution/livret-test/textes/nouvel-axe", data={"titre": "", "contenu": "", "version": ""}
    )
    assert "Donnez un titre à cet axe de préconisations." in vide.get_data(as_text=True)
    page = client.get("/restitution/livret-test").get_data(as_text=True)
    assert page.count("<strong>Aller vers</strong>") == 1 and "Une autre idée" not in page


def test_modification_concurrente_ne_perd_rien(client, connecter, campagne):
    connecter("animateur")
    formulaire = client.get("/restitution/livret-test/textes/angles_morts").get_data(as_text=True)
    version_lue = _version(formulaire)
    client.post(
        "/restitution/livret-test/textes/angles_morts",
        data={"titre": "Angles morts", "contenu": "Version de Samia", "version": version_lue},
    )
    reponse = client.post(
        "/restitution/livret-test/textes/angles_morts",
        data={"titre": "Angles morts", "contenu": "Version de Karim", "version": version_lue},
    )
    page = reponse.get_data(as_text=True)
    assert reponse.status_code == 200 and "modifié par quelqu&#39;un d&#39;autre" in page
    assert "Version de Samia" in page and ">Version de Karim</textarea>" in page
    client.post(
        "/restitution/livret-test/textes/angles_morts",
        data={"titre": "Angles morts", "contenu": "Version de Karim", "version": _version(page)},
    )
    assert "Version de Karim" in client.get("/restitution/livret-test").get_data(as_text=True)


def test_texte_refuse_garde_la_saisie(client, connecter, campagne):
    connecter("animateur")
    trop_long = "é" * 20_001
    reponse = client.post(
        "/restitution/livret-test/textes/synthese",
        data={"titre": "Synthèse", "contenu": trop_long, "version": ""},
    )
    page = reponse.get_data(as_text=True)
    assert reponse.status_code == 200 and "20000" in page.replace("\u202f", "").replace(" ", "")
    assert trop_long in page
    assert client.get("/restitution/livret-test/textes/inconnu").status_code == 404
    assert client.get("/restitution/inconnue/textes/synthese").status_code == 404


def test_chapeau_d_un_chapitre(client, connecter, campagne, tmp_path):
    connecter("animateur")
    formulaire = client.get("/restitution/livret-test/chapitres/arnaques").get_data(as_text=True)
    assert "Chapeau du chapitre « Peur des arnaques et du piratage »" in formulaire
    client.post(
        "/restitution/livret-test/chapitres/arnaques",
        data={"introduction": "Le téléphone sonne : « votre compte est bloqué » & on panique."},
    )
    page = client.get("/restitution/livret-test").get_data(as_text=True)
    assert "Le téléphone sonne : « votre compte est bloqué » &amp; on panique." in page
    texte = texte_pdf(client.get("/restitution/livret-test/livret.pdf").data, tmp_path)
    assert "Le téléphone sonne : « votre compte est bloqué » & on panique." in texte
    assert client.get("/restitution/livret-test/chapitres/inconnu").status_code == 404


def test_apercu_des_paroles_imprimees(client, connecter, campagne):
    connecter("lecteur")
    page = client.get("/restitution/livret-test/apercu").get_data(as_text=True)
    chapitre = page[page.index('id="theme-parentalite"') : page.index('id="theme-arnaques"')]
    assert chapitre.index("Paroles d&#39;habitants") < chapitre.index(
        "« Mon fils m&#39;a fait mon compte Ameli […]"
    )
    assert "— Vierzon – Clos du Roy · à retenir" in chapitre or "— Vierzon · à retenir" in chapitre
    assert "« Au quotidien : créer une adresse mail" in chapitre and "Médiathèque Europe (Tours)" in chapitre
    assert "choisie par l&#39;analyse" in chapitre
    assert "Je tape &lt;b&gt;gras&lt;/b&gt; &amp; « ça marche »" in page
    assert "SECRETNEPASCITER" not in page and "SECRETMASQUEE" not in page
    assert "<strong>1</strong> parole(s) « ne pas citer » ne seront jamais imprimées." in page
    vide = page[page.index('id="theme-vide"') :]
    assert "0 parole(s) sur ce thème" in vide and "Aucune parole citable" in vide
    assert "ouvrir dans la revue" not in page  # un·e lecteur·rice ne modifie pas


def test_lecteur_lit_et_telecharge_mais_n_ecrit_pas(client, connecter, campagne, tmp_path):
    connecter("lecteur")
    page = client.get("/restitution/livret-test").get_data(as_text=True)
    assert "Télécharger le livret (PDF)" in page and "Modifier" not in page and "Ajouter un axe" not in page
    assert client.get("/restitution/livret-test/textes/synthese").status_code == 403
    assert (
        client.post(
            "/restitution/livret-test/textes/synthese",
            data={"titre": "x", "contenu": "piraté", "version": ""},
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/restitution/livret-test/chapitres/arnaques", data={"introduction": "piraté"}
        ).status_code
        == 403
    )
    affiches = client.get("/restitution/livret-test/affiches.pdf")
    assert affiches.status_code == 200 and affiches.headers["Content-Disposition"].endswith(
        "affiches-livret-test-A3.pdf"
    )
    assert "Peur des arnaques et du piratage" in texte_pdf(affiches.data, tmp_path)
    assert "piraté" not in client.get("/restitution/livret-test").get_data(as_text=True)


def test_formats_du_livret(client, connecter, campagne, tmp_path):
    connecter("lecteur")
    a5 = client.get("/restitution/livret-test/livret.pdf?format=A5&imposition=1")
    assert a5.status_code == 200 and a5.headers["Content-Disposition"].endswith(
        "livret-livret-test-A5-impose.pdf"
    )
    refus = client.get("/restitution/livret-test/livret.pdf?format=A4&imposition=1", follow_redirects=True)
    assert "L&#39;imposition (livret plié agrafé) ne se fait qu&#39;en A5" in refus.get_data(as_text=True)
    inconnu = client.get("/restitution/livret-test/livret.pdf?format=Letter", follow_redirects=True)
    assert "Format « LETTER » inconnu : A4 ou A5." in inconnu.get_data(as_text=True)
    assert client.get("/restitution/inconnue/livret.pdf").status_code == 404


def test_sans_compte_rien(client, campagne):
    for url in (
        "/restitution/livret-test",
        "/restitution/livret-test/apercu",
        "/restitution/livret-test/livret.pdf",
        "/restitution/livret-test/affiches.pdf",
        "/restitution/livret-test/textes/synthese",
    ):
        reponse = client.get(url)
        assert reponse.status_code == 302 and "/comptes/connexion" in reponse.headers["Location"], url


def test_csrf_exige(app, campagne, creer_compte):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    compte = creer_compte("animateur")
    connexion = client.get("/comptes/connexion").get_data(as_text=True)
    jeton = re.search(r'name="csrf_token" value="([^"]+)"', connexion).group(1)
    client.post(
        "/comptes/connexion",
        data={"identifiant": compte.identifiant, "mot_de_passe": "mot-de-passe-de-test", "csrf_token": jeton},
    )
    sans_jeton = client.post(
        "/restitution/livret-test/textes/synthese",
        data={"titre": "Synthèse", "contenu": "sans jeton", "version": ""},
    )
    assert sans_jeton.status_code == 400
    formulaire = client.get("/restitution/livret-test/textes/synthese").get_data(as_text=True)
    jeton = re.search(r'name="csrf_token" value="([^"]+)"', formulaire).group(1)
    avec = client.post(
        "/restitution/livret-test/textes/synthese",
        data={"titre": "Synthèse", "contenu": "avec jeton", "version": "", "csrf_token": jeton},
    )
    assert avec.status_code == 302


# La logique du formulaire de texte, sans HTTP : elle valide ou annule elle-même.


def test_ecrire_texte_sans_http(session, campagne):
    ident = campagne.demarche.id
    assert textes.texte_a_ecrire(session, ident, textes.NOUVEL_AXE).cle == "axe-01"
    message = textes.ecrire_texte(session, ident, textes.NOUVEL_AXE, "Aller vers", "Des permanences", "")
    assert message == "« Préconisations, axe 1 » enregistré."
    rejeu = textes.ecrire_texte(session, ident, textes.NOUVEL_AXE, "Aller vers", "Des permanences", "")
    assert rejeu.startswith("« Aller vers » était déjà enregistré")
    version = textes.texte_a_ecrire(session, ident, "axe-01").version
    textes.ecrire_texte(session, ident, "axe-01", "Aller vers", "Version de Samia", version)
    with pytest.raises(textes.ConflitDeVersion) as conflit:
        textes.ecrire_texte(session, ident, "axe-01", "Aller vers", "Version de Karim", version)
    assert conflit.value.version == textes.texte_a_ecrire(session, ident, "axe-01").version != version
    assert "modifié par quelqu'un d'autre" in conflit.value.message
    with pytest.raises(ErreurValidation, match="20"):
        textes.ecrire_texte(session, ident, "synthese", "Synthèse", "é" * 20_001, "")
    assert not session.in_transaction()  # refus : la transaction est close, rien n'est resté en suspens
    assert textes.lire_textes(session, ident)["axe-01"].contenu == "Version de Samia"
    supprime = textes.ecrire_texte(
        session, ident, "axe-01", "ignoré", "ignoré", conflit.value.version, supprimer=True
    )
    assert supprime == "« Préconisations, axe 1 » supprimé." and "axe-01" not in textes.lire_textes(
        session, ident
    )
    with pytest.raises(textes.TexteInconnu):
        textes.texte_a_ecrire(session, ident, "inconnu")


def test_deux_premiers_enregistrements_simultanes(session, campagne):
    """L'autre écriture arrive entre la vérification de version et la nôtre : refus en français, rien
    d'écrasé."""
    ident = campagne.demarche.id

    def l_autre_d_abord(sess, _contexte, _instances):
        sess.add(TexteRestitution(demarche_id=ident, cle="synthese", titre="", contenu="Version de l'autre"))

    event.listen(session, "before_flush", l_autre_d_abord)
    try:
        with pytest.raises(ErreurValidation, match="enregistré par quelqu'un d'autre au même moment"):
            textes.ecrire_texte(session, ident, "synthese", "Synthèse", "Ma version", "")
    finally:
        event.remove(session, "before_flush", l_autre_d_abord)
    assert not textes.lire_textes(session, ident)["synthese"].ecrit
