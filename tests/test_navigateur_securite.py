"""La politique de sécurité du contenu (CSP) dans un vrai Chromium : en-tête présent, et aucune page,
utilisée comme le ferait l'équipe (listes qui s'envoient au changement, confirmations, pastilles de
couleur, saisie, questionnaire public), ne provoque la moindre violation."""

import pytest

from questionnaires import invitations
from tests.conftest import TABLETTE

pytestmark = pytest.mark.navigateur

ESPION = """document.addEventListener('securitypolicyviolation', e => {
  (window.__violations = window.__violations || [])
    .push(e.violatedDirective + ' ' + (e.blockedURI || e.sample));
});"""


@pytest.fixture
def campagne(
    creer_demarche, creer_territoire, creer_structure, creer_temps, creer_theme, creer_contribution, session
):
    demarche = creer_demarche()
    territoire = creer_territoire(demarche)
    theme = creer_theme(demarche, "parentalite", "La parentalité numérique", couleur="#1f77b4")
    temps = creer_temps(
        demarche, "PDP-1", territoire=territoire, questions=["Le numérique, c'est compliqué ?"]
    )
    creer_contribution(temps, "Mon fils m'aide pour l'ENT.", themes=[theme], profil="habitant")
    structure = creer_structure(demarche, territoire=territoire)
    creees, _ = invitations.creer_invitations(
        session, demarche, invitations.definition("professionnel"), [structure.id]
    )
    return demarche, temps, creees[0].jeton


def test_aucune_violation_de_la_politique(serveur_live, nouvelle_page, connecter_page, campagne):
    demarche, temps, jeton = campagne
    page = nouvelle_page(viewport=TABLETTE, has_touch=True, bypass_csp=False)
    page.add_init_script(ESPION)
    erreurs = []
    page.on(
        "console",
        lambda m: (
            erreurs.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None
        ),
    )
    violations = []

    def relever():
        violations.extend(page.evaluate("window.__violations || []"))

    reponse = page.goto(f"{serveur_live}/comptes/connexion")
    politique = reponse.headers["content-security-policy"]
    assert "script-src 'self'" in politique and "frame-ancestors 'none'" in politique
    connecter_page(page, serveur_live, "admin")
    relever()

    page.goto(f"{serveur_live}/collecte/temps/")
    with page.expect_navigation():  # la liste s'envoie au changement (commun.js, sans onchange en ligne)
        page.get_by_label("Démarche").select_option(demarche.slug)
    assert f"demarche={demarche.slug}" in page.url
    relever()
    page.goto(f"{serveur_live}/collecte/temps/{temps.id}/parole")
    page.get_by_label("Ce que la personne a dit").fill("Une parole tapée sous CSP stricte")
    page.get_by_role("button", name="Enregistrer la parole").click()
    page.locator(".etat-parole.envoyee").first.wait_for()
    relever()
    for adresse in (
        f"/collecte/temps/{temps.id}/postits",
        "/collecte/appareil",
        f"/collecte/temps/{temps.id}",
        f"/collecte/revue/?demarche={demarche.slug}",
        f"/analyse/?demarche={demarche.slug}",
        f"/restitution/{demarche.slug}",
        f"/questionnaires/{demarche.slug}",
        "/comptes/",
    ):
        page.goto(serveur_live + adresse)
        page.wait_for_load_state("networkidle")
        relever()
    page.goto(f"{serveur_live}/collecte/themes/?demarche={demarche.slug}")
    couleur = page.locator(".pastille").first.evaluate("el => getComputedStyle(el).backgroundColor")
    assert couleur == "rgb(31, 119, 180)"  # la couleur posée par script, pas par un attribut style
    page.once("dialog", lambda d: d.dismiss())
    page.get_by_role("button", name="Supprimer").first.click()  # la confirmation vient de commun.js
    assert page.locator(".pastille").count() == 1
    relever()

    public = nouvelle_page(viewport=TABLETTE, bypass_csp=False)
    public.add_init_script(ESPION)
    public.on(
        "console",
        lambda m: (
            erreurs.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None
        ),
    )
    public.goto(f"{serveur_live}/q/{jeton}")
    public.get_by_label("Votre fonction dans la structure").fill("Conseillère numérique")
    violations.extend(public.evaluate("window.__violations || []"))

    assert violations == [] and erreurs == []
