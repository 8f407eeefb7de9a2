"""Terrain sans réseau, dans un vrai Chromium : aucune parole tapée n'est perdue.

Le réseau est simulé côté serveur (`reseau` : serveur arrêté pour de vrai, réponses ralenties ou
qui pendent), parce que `context.set_offline` ne coupe pas les requêtes du service worker. Chaque
test compte les paroles tapées et les lignes stockées, et exige l'égalité (chacune une seule fois).
"""

import pytest
from sqlmodel import select

from collecte.modele.models import Contribution, TempsDeCollecte, Theme
from collecte.terrain.saisie import theme_ids_de
from collecte.themes import gestion as gestion_themes
from tests.conftest import TABLETTE, TELEPHONE

pytestmark = pytest.mark.navigateur


@pytest.fixture
def terrain(session, creer_demarche, creer_territoire, creer_temps, creer_theme):
    demarche = creer_demarche()
    territoire = creer_territoire(demarche, "Vierzon", "Clos du Roy")
    themes = {
        slug: creer_theme(demarche, slug, label, rang)
        for rang, (slug, label) in enumerate(
            [
                ("parentalite", "La parentalité numérique"),
                ("maitrise-technique", "Maîtrise technique"),
                ("manque-moyens", "Manque de moyens"),
                ("moyens-financiers", "Moyens financiers"),
            ]
        )
    }
    rue = creer_temps(
        demarche,
        "PDP-1",
        territoire=territoire,
        lieu="Place du marché",
        questions=["Le numérique, c'est compliqué ?"],
    )
    autre = creer_temps(
        demarche,
        "PDP-2",
        territoire=territoire,
        lieu="Parvis de la gare",
        questions=["Quel rapport avez-vous au numérique ?"],
    )
    return rue, autre, themes


def _paroles(session, temps_id=None):
    session.expire_all()
    requete = select(Contribution).order_by(Contribution.id)
    if temps_id is not None:
        requete = requete.where(Contribution.temps_id == temps_id)
    return session.exec(requete).all()


def _ouvrir_saisie(page, reseau, temps):
    page.goto(f"{reseau.url}/collecte/temps/{temps.id}/parole")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'texte'")


def _pret_hors_ligne(page, temps):
    """Attend que le service worker soit actif et que les écrans du temps soient gardés sur l'appareil."""
    page.evaluate(
        """async (id) => {
      await navigator.serviceWorker.ready;
      for (let i = 0; i < 100; i++) {
        if (await window.ParoleBoite.pageGardee(`/collecte/temps/${id}/parole`)
            && await window.ParoleBoite.pageGardee('/collecte/appareil')) return;
        await new Promise(r => setTimeout(r, 100));
      }
      throw new Error('écrans non gardés');
    }""",
        temps.id,
    )


def _saisir(page, texte, *puces):
    page.get_by_label("Ce que la personne a dit").fill(texte)
    for puce in puces:
        page.locator("#form-saisie label.puce").filter(has_text=puce).first.tap()
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator("#confirmation").filter(has_text="Gardée sur l'appareil").filter(
        has_text=texte[:30]
    ).wait_for()
    assert page.get_by_label("Ce que la personne a dit").input_value() == ""


def _en_attente(page, n):
    """Attend que la file de l'appareil (relue) compte n paroles à envoyer, et aucun envoi en cours."""
    page.wait_for_function(
        "n => { const e = window.ParoleBoite.etat; return e.pret && e.attente === n && !e.envoiEnCours; }",
        arg=n,
    )


def _tout_envoye(page):
    page.wait_for_function("""() => { const e = window.ParoleBoite.etat;
      return e.pret && e.attente === 0 && e.annulations === 0 && !e.envoiEnCours; }""")


def _a_corriger(page, n):
    page.wait_for_function(
        "n => window.ParoleBoite.etat.pret && window.ParoleBoite.etat.aCorriger === n", arg=n
    )


def test_recharger_hors_ligne_puis_tout_arrive_une_fois(
    reseau, nouvelle_page, connecter_page, session, terrain
):
    rue, _, themes = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    _pret_hors_ligne(page, rue)

    reseau.couper()
    tapees = [
        "Ici le réseau passe mal",
        "Deuxième parole sans réseau",
        "Troisième, « avec » des <balises> & co",
    ]
    _saisir(page, tapees[0], "Habitant·e", "La parentalité numérique")
    page.reload()  # hors ligne : l'écran revient du cache, la file est intacte
    page.get_by_label("Ce que la personne a dit").wait_for()
    _en_attente(page, 1)
    assert page.locator("#file-attente").inner_text() == "1 sur l'appareil"
    assert page.locator("#compteur").inner_text() == "1"
    for texte in tapees[1:]:
        _saisir(page, texte, "Jeune")
    _en_attente(page, 3)
    assert _paroles(session) == []

    reseau.retablir()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _en_attente(page, 0)
    page.locator("#file-attente").wait_for(state="hidden")
    stockees = _paroles(session)
    assert [c.texte for c in stockees] == tapees  # dans l'ordre, chacune une fois
    assert theme_ids_de(session, stockees[0].id) == [themes["parentalite"].id]
    assert page.locator("#compteur").inner_text() == "3"


def test_ouverture_a_froid_sans_reseau(reseau, nouvelle_page, connecter_page, session, terrain):
    """Emporter un temps avec du réseau ; plus tard, sans réseau, ouvrir l'appareil, saisir, lister."""
    rue, autre, _ = terrain
    page = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    connecter_page(page, reseau.url)
    page.goto(f"{reseau.url}/collecte/temps/?demarche=demarche-test")
    page.locator(f'[data-emporter="{autre.id}"]').tap()
    page.get_by_text("✓ Sur cet appareil, utilisable sans réseau").wait_for()
    page.evaluate("navigator.serviceWorker.ready")
    contexte = page.context
    page.close()

    reseau.couper()
    froide = contexte.new_page()
    froide.goto(f"{reseau.url}/collecte/appareil")  # l'écran d'accueil de l'application installée
    froide.get_by_role("heading", name="Sur cet appareil").wait_for()
    froide.locator("#liste-temps").get_by_text("PDP-2 · Porteur de parole").wait_for()
    froide.get_by_text("✓ Utilisable sans réseau").wait_for()
    froide.get_by_role("link", name="Saisir des paroles").tap()
    froide.get_by_label("Ce que la personne a dit").wait_for()
    assert (
        froide.locator(".question-unique").inner_text() == "Question : Quel rapport avez-vous au numérique ?"
    )
    tapees = ["Ouverte sans réseau", "Et une autre"]
    for texte in tapees:
        _saisir(froide, texte)
    # Une page qui n'a pas été emportée : une page claire qui mène aux écrans gardés.
    froide.goto(f"{reseau.url}/analyse/")
    froide.get_by_text("Cette page n'a pas été emportée sur cet appareil").wait_for()
    froide.get_by_role("link", name="Voir ce qui est sur cet appareil").tap()
    froide.locator("#liste-attente li").nth(1).wait_for()
    assert "Ouverte sans réseau" in froide.locator("#liste-attente").inner_text()

    reseau.retablir()
    froide.get_by_role("button", name="Envoyer maintenant").tap()
    _en_attente(froide, 0)
    assert [(c.texte, c.temps_id) for c in _paroles(session)] == [(t, autre.id) for t in tapees]


def test_session_perdue_la_file_attend_la_reconnexion(
    reseau, nouvelle_page, connecter_page, session, terrain
):
    rue, _, _ = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    moi = connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    page.context.clear_cookies()  # session expirée (ou cookie effacé) pendant la tournée
    tapees = ["Parole après expiration", "Encore une"]
    for texte in tapees:
        _saisir(page, texte)
    bandeau = page.locator("#bandeau-boite")
    bandeau.get_by_text("Reconnectez-vous pour envoyer 2 paroles gardées sur cet appareil.").wait_for()
    assert _paroles(session) == []
    _en_attente(page, 2)  # rien n'a été jeté

    # Se reconnecter depuis le bandeau ramène à l'écran de saisie ; la file part toute seule.
    page.get_by_role("link", name="Se reconnecter").tap()
    page.get_by_text("2 paroles attendent sur cet appareil").wait_for()
    page.get_by_label("Identifiant").fill(moi.identifiant)
    page.get_by_label("Mot de passe").fill("mot-de-passe-de-test")
    page.get_by_role("button", name="Se connecter").tap()
    page.wait_for_url(f"**/collecte/temps/{rue.id}/parole")
    _en_attente(page, 0)
    stockees = _paroles(session)
    assert [c.texte for c in stockees] == tapees
    assert {c.saisie_par_id for c in stockees} == {moi.id}


def test_jeton_csrf_perime_renouvele_sans_rien_perdre(
    app, reseau, nouvelle_page, connecter_page, session, terrain
):
    rue, _, _ = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    # Le jeton de la page ne vaut plus (session renouvelée ailleurs) : le cookie garde la connexion
    # mais perd son secret CSRF.
    serialiseur = app.session_interface.get_signing_serializer(app)
    cookie = next(c for c in page.context.cookies() if c["name"] == app.config["SESSION_COOKIE_NAME"])
    contenu = serialiseur.loads(cookie["value"])
    contenu.pop("csrf_token")
    page.context.add_cookies([{**cookie, "value": serialiseur.dumps(contenu)}])
    _saisir(page, "Parole au jeton périmé")
    _en_attente(page, 0)
    assert [c.texte for c in _paroles(session)] == ["Parole au jeton périmé"]


def test_theme_fusionne_ou_supprime_pendant_l_attente(
    reseau, nouvelle_page, connecter_page, session, terrain
):
    rue, autre, themes = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    _pret_hors_ligne(page, rue)
    reseau.couper()
    _saisir(page, "Le forfait coûte trop cher", "Manque de moyens")
    _saisir(page, "Mon fils m'aide pour l'ENT", "La parentalité numérique", "Maîtrise technique")
    _saisir(page, "Une parole à supprimer", "La parentalité numérique")

    # Pendant ce temps, au bureau : « manque-moyens » fusionné dans « moyens-financiers »,
    # « parentalite » supprimé.
    gestion_themes.fusionner(session, themes["manque-moyens"], themes["moyens-financiers"])
    gestion_themes.supprimer(session, session.get(Theme, themes["parentalite"].id))
    reseau.retablir()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _en_attente(page, 0)
    _a_corriger(page, 2)
    fusionnee = _paroles(session)
    assert [c.texte for c in fusionnee] == ["Le forfait coûte trop cher"]
    assert theme_ids_de(session, fusionnee[0].id) == [
        themes["moyens-financiers"].id
    ]  # redirigée vers la cible

    page.locator("#bandeau-boite").get_by_text("2 paroles sont à corriger sur cet appareil").wait_for()
    page.get_by_role("link", name="Voir et corriger").tap()
    correction = page.locator("form.correction").filter(has_text="Mon fils m'aide pour l'ENT")
    correction.get_by_text("Thème « parentalite » inconnu").wait_for()
    assert correction.get_by_label("Texte").input_value() == "Mon fils m'aide pour l'ENT"
    assert (
        correction.locator("label.puce").filter(has_text="Maîtrise technique").locator("input").is_checked()
    )
    assert (
        not correction.locator("label.puce")
        .filter(has_text="parentalite (n'existe plus)")
        .locator("input")
        .is_checked()
    )
    correction.get_by_label("Texte").fill("Mon fils m'aide pour l'ENT, heureusement")
    correction.get_by_role("button", name="Renvoyer").tap()
    _a_corriger(page, 1)
    _en_attente(page, 0)

    # Supprimer demande confirmation ; refuser garde la parole.
    a_supprimer = page.locator("form.correction").filter(has_text="Une parole à supprimer")
    page.once("dialog", lambda d: d.dismiss())
    a_supprimer.get_by_role("button", name="Supprimer de l'appareil").tap()
    assert page.evaluate("window.ParoleBoite.etat.aCorriger") == 1
    page.once("dialog", lambda d: d.accept())
    a_supprimer.get_by_role("button", name="Supprimer de l'appareil").tap()
    _a_corriger(page, 0)

    stockees = _paroles(session)
    assert [c.texte for c in stockees] == [
        "Le forfait coûte trop cher",
        "Mon fils m'aide pour l'ENT, heureusement",
    ]
    assert theme_ids_de(session, stockees[1].id) == [themes["maitrise-technique"].id]


def test_temps_supprime_pendant_l_attente(reseau, nouvelle_page, connecter_page, session, terrain):
    rue, autre, _ = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, autre)  # l'autre temps est aussi sur l'appareil
    _ouvrir_saisie(page, reseau, rue)
    _pret_hors_ligne(page, rue)
    reseau.couper()
    _saisir(page, "Dite au marché")
    session.delete(session.get(TempsDeCollecte, rue.id))
    session.commit()
    reseau.retablir()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _a_corriger(page, 1)
    page.goto(f"{reseau.url}/collecte/appareil")
    correction = page.locator("form.correction")
    correction.get_by_text("Temps de collecte inconnu").wait_for()
    correction.get_by_label("Temps de collecte (l'ancien n'existe plus)").select_option(
        label="PDP-2 (Porteur de parole, 05/03/2024)"
    )
    correction.get_by_role("button", name="Renvoyer").tap()
    _a_corriger(page, 0)
    _en_attente(page, 0)
    assert [(c.texte, c.temps_id) for c in _paroles(session)] == [("Dite au marché", autre.id)]


def test_reseau_lent_la_saisie_suivante_n_est_jamais_effacee(
    app, reseau, nouvelle_page, connecter_page, session, terrain
):
    rue, _, _ = terrain
    app.config["TERRAIN_DELAI_RESEAU_MS"] = 10_000  # le délai réel : 4 s de latence restent en dessous
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    reseau.ralentir(4, "/api/contributions/lot")
    _saisir(page, "Première, envoyée lentement")
    # Pendant les 4 s d'attente, on tape pour la personne suivante.
    page.get_by_label("Ce que la personne a dit").type("Deuxième personne, en cours de frappe")
    page.locator("#puces-profil label").filter(has_text="Jeune").tap()
    page.locator(".etat-parole.envoyee").first.wait_for(timeout=15_000)
    assert (
        page.get_by_label("Ce que la personne a dit").input_value() == "Deuxième personne, en cours de frappe"
    )
    assert page.locator("#puces-profil input:checked").get_attribute("value") == "jeune"
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator("#confirmation").filter(has_text="Deuxième personne").wait_for()
    page.locator(".etat-parole.envoyee").nth(1).wait_for(timeout=15_000)
    _tout_envoye(page)
    assert [c.texte for c in _paroles(session)] == [
        "Première, envoyée lentement",
        "Deuxième personne, en cours de frappe",
    ]


def test_requete_qui_pend_puis_rechargement(reseau, nouvelle_page, connecter_page, session, terrain):
    rue, _, _ = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    _pret_hors_ligne(page, rue)
    reseau.suspendre("/api/contributions/lot")  # le serveur reçoit, mais ne répond jamais
    _saisir(page, "Envoyée dans le vide")
    page.wait_for_function("window.ParoleBoite.etat.envoiEnCours > 0")
    page.reload()
    page.get_by_label("Ce que la personne a dit").wait_for()
    _en_attente(page, 1)  # toujours sur l'appareil après le rechargement
    _saisir(page, "Tapée pendant que ça pend")
    _en_attente(page, 2)
    reseau.relacher()  # les requêtes suspendues aboutissent enfin côté serveur…
    _en_attente(page, 0)  # …et les renvois sont reconnus : rien en double
    assert [c.texte for c in _paroles(session)] == ["Envoyée dans le vide", "Tapée pendant que ça pend"]


def test_deux_onglets_une_seule_file(reseau, nouvelle_page, connecter_page, session, terrain):
    rue, autre, _ = terrain
    premier = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(premier, reseau.url)
    second = premier.context.new_page()
    _ouvrir_saisie(premier, reseau, rue)
    _ouvrir_saisie(second, reseau, autre)
    _pret_hors_ligne(premier, rue)
    reseau.couper()
    tapees = []
    for rang in range(6):
        onglet, temps = (premier, rue) if rang % 2 == 0 else (second, autre)
        texte = f"Parole {rang + 1} de l'onglet {'un' if onglet is premier else 'deux'}"
        _saisir(onglet, texte)
        tapees.append((texte, temps.id))
    # Chaque onglet voit toute la file de l'appareil.
    _en_attente(premier, 6)
    _en_attente(second, 6)
    assert premier.locator(".lien-appareil [data-boite-compte]").inner_text() == "6"
    reseau.retablir()
    for onglet in (premier, second):
        onglet.evaluate("window.dispatchEvent(new Event('online'))")
    _en_attente(premier, 0)
    _en_attente(second, 0)
    assert sorted((c.texte, c.temps_id) for c in _paroles(session)) == sorted(tapees)
    assert len(_paroles(session)) == 6


def test_annuler_hors_ligne(reseau, nouvelle_page, connecter_page, session, terrain):
    rue, _, _ = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    _pret_hors_ligne(page, rue)
    _saisir(page, "Première, qui reste")
    _en_attente(page, 0)
    _saisir(page, "Celle qu'on garde un temps")
    _en_attente(page, 0)
    reseau.couper()
    _saisir(page, "Jamais partie, annulée sur l'appareil")
    page.get_by_role("button", name="Annuler la dernière").tap()
    page.locator("#confirmation").filter(has_text="Dernière saisie annulée : « Jamais partie").wait_for()
    _en_attente(page, 0)  # retirée de la file (une tentative d'envoi a pu partir : le serveur en sera averti)
    annulations = page.evaluate("window.ParoleBoite.etat.annulations")
    # Celle-ci est sur le serveur : son annulation attend le réseau.
    page.get_by_role("button", name="Annuler la dernière").tap()
    page.locator("#confirmation").filter(
        has_text="Dernière saisie annulée : « Celle qu'on garde un temps »"
    ).wait_for()
    assert page.evaluate("window.ParoleBoite.etat.annulations") == annulations + 1
    assert page.locator("#compteur").inner_text() == "1"
    reseau.retablir()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _tout_envoye(page)
    assert [c.texte for c in _paroles(session)] == ["Première, qui reste"]
    assert page.locator("#compteur").inner_text() == "1"


def test_quitter_avec_des_paroles_en_attente_previent(
    reseau, nouvelle_page, connecter_page, session, terrain
):
    rue, _, _ = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    _pret_hors_ligne(page, rue)
    reseau.couper()
    _saisir(page, "Pas encore partie")
    dialogues = []

    def noter(dialogue):
        dialogues.append(dialogue.type)
        dialogue.dismiss()  # « rester sur la page »

    page.on("dialog", noter)
    page.evaluate("location.reload()")
    page.wait_for_timeout(500)
    assert dialogues == ["beforeunload"]
    assert page.get_by_label("Ce que la personne a dit").is_visible()


def test_navigation_privee_sans_stockage(reseau, nouvelle_page, connecter_page, session, terrain):
    """Un navigateur qui refuse IndexedDB : chaque parole reste dans le champ jusqu'à l'accord du serveur."""
    rue, _, _ = terrain
    page = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    page.add_init_script("Object.defineProperty(window, 'indexedDB', {value: undefined})")
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    page.get_by_text("Cet appareil ne peut pas garder les paroles hors ligne").wait_for()
    texte = page.get_by_label("Ce que la personne a dit")
    reseau.couper()
    texte.fill("Gardée dans le champ faute de stockage")
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator("#confirmation").filter(has_text="elle reste dans le champ").wait_for()
    assert texte.input_value() == "Gardée dans le champ faute de stockage"
    reseau.retablir()
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator("#confirmation").filter(has_text="Parole enregistrée").wait_for()
    assert texte.input_value() == ""
    assert [c.texte for c in _paroles(session)] == ["Gardée dans le champ faute de stockage"]


def test_stockage_plein(reseau, nouvelle_page, connecter_page, session, terrain):
    rue, _, _ = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    # La mémoire de l'appareil est pleine : toute écriture dans la file échoue.
    page.add_init_script("""IDBObjectStore.prototype.add = function () {
      throw new DOMException('Quota atteint', 'QuotaExceededError'); };""")
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    texte = page.get_by_label("Ce que la personne a dit")
    reseau.couper()
    texte.fill("Sans place sur l'appareil")
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator("#confirmation").filter(has_text="elle reste dans le champ").wait_for()
    assert texte.input_value() == "Sans place sur l'appareil"
    reseau.retablir()
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator("#confirmation").filter(has_text="Parole enregistrée").wait_for()
    assert [c.texte for c in _paroles(session)] == ["Sans place sur l'appareil"]


def test_horloge_fausse(reseau, nouvelle_page, connecter_page, session, terrain):
    """L'ordre et l'envoi ne dépendent pas de l'heure de l'appareil (ici : cinq ans de retard)."""
    rue, _, _ = terrain
    page = nouvelle_page(viewport=TABLETTE, has_touch=True)
    page.add_init_script("""(() => { const Vrai = Date, decalage = -5 * 365 * 86400000;
      class Faux extends Vrai { constructor(...a) { super(...(a.length ? a : [Vrai.now() + decalage])); }
                                static now() { return Vrai.now() + decalage; } }
      window.Date = Faux; })();""")
    connecter_page(page, reseau.url)
    _ouvrir_saisie(page, reseau, rue)
    _pret_hors_ligne(page, rue)
    reseau.couper()
    tapees = [f"Parole {n} à l'heure fausse" for n in range(1, 4)]
    for texte in tapees:
        _saisir(page, texte)
    reseau.retablir()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _en_attente(page, 0)
    assert [c.texte for c in _paroles(session)] == tapees
