"""Au clavier seul, dans un vrai Chromium : une saisie sur le terrain, une action de revue et un
questionnaire public, de bout en bout. Aucun clic : Tab, Maj+Tab, flèches, Espace, Entrée et la frappe.

À chaque arrêt de tabulation, l'élément qui a le focus est dans la fenêtre et rien ne le recouvre (ni la
barre d'enregistrement de la saisie, ni la barre collante des actions groupées de la revue)."""

import pytest
from sqlmodel import select

from collecte.modele.models import Contribution, ReponseQuestionnaire
from questionnaires import invitations
from tests.conftest import TABLETTE, TELEPHONE

pytestmark = pytest.mark.navigateur

REPONSE = "Des ateliers le mardi et de l'aide au guichet."

# Le focus est-il visible ? L'élément (ou l'étiquette d'une pastille dont la case est invisible) est dans la
# fenêtre, et le point en son centre lui appartient (aucune barre collante par-dessus).
FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "aucun focus";
  const cible = el.closest("label") || el;
  const r = cible.getBoundingClientRect();
  const x = Math.min(Math.max(r.left + r.width / 2, 0), innerWidth - 1);
  const y = r.top + Math.min(r.height / 2, 20);
  if (r.bottom <= 0 || r.top >= innerHeight) return "hors de la fenêtre : " + cible.outerHTML.slice(0, 80);
  const dessus = document.elementFromPoint(x, y);
  if (!dessus || !(cible.contains(dessus) || dessus.contains(cible))) {
    const qui = dessus ? dessus.outerHTML.slice(0, 80) : "rien";
    return "recouvert par " + qui + " : " + cible.outerHTML.slice(0, 80);
  }
  return "";
}"""


def _tab_jusqu_a(page, condition: str, arriere: bool = False, maximum: int = 120) -> None:
    """Tabule jusqu'à ce que `condition` (expression JS sur `el`, l'élément qui a le focus) soit vraie ;
    vérifie à chaque arrêt que le focus est visible."""
    vus = []
    for arret in range(maximum):
        page.keyboard.press("Shift+Tab" if arriere else "Tab")
        vus.append(page.evaluate("document.activeElement.outerHTML.slice(0, 60)"))
        if page.evaluate("document.activeElement === document.body"):
            continue  # entre la fin et le début du document : le focus passe par le navigateur
        assert page.evaluate(FOCUS_VISIBLE) == "", (condition, arret)
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({condition}); }})()"):
            return
    raise AssertionError(f"jamais atteint au clavier : {condition} ; arrêts : {vus[:20]}")


@pytest.mark.parametrize("ecran", [TABLETTE, TELEPHONE], ids=["tablette", "telephone"])
def test_une_saisie_au_clavier(
    serveur_live, nouvelle_page, connecter_page, session, creer_demarche, creer_temps, creer_theme, ecran
):
    demarche = creer_demarche()
    creer_theme(demarche, "arnaques", "Peur des arnaques", 0)
    temps = creer_temps(demarche, "PDP-1")
    page = nouvelle_page(viewport=ecran)
    connecter_page(page, serveur_live, "animateur")
    page.goto(f"{serveur_live}/collecte/temps/{temps.id}/parole")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'texte'")
    page.keyboard.type("On m'a appelé pour mon code, j'ai raccroché.")
    _tab_jusqu_a(page, "el.name === 'a_retenir'")
    page.keyboard.press("Space")
    _tab_jusqu_a(page, "el.name === 'profil'")
    _tab_jusqu_a(page, "el.value === 'arnaques'")
    page.keyboard.press("Space")
    _tab_jusqu_a(page, "el.type === 'submit' && el.form && el.form.id === 'form-saisie'")
    page.keyboard.press("Enter")
    page.locator("#compteur").filter(has_text="1").wait_for()
    page.locator(".etat-parole.envoyee").first.wait_for()
    parole = session.exec(select(Contribution)).one()
    assert parole.texte == "On m'a appelé pour mon code, j'ai raccroché." and parole.a_retenir
    assert page.evaluate("document.activeElement.id") == "texte"  # prêt pour la personne suivante


@pytest.mark.parametrize("ecran", [TABLETTE, TELEPHONE], ids=["tablette", "telephone"])
def test_une_action_de_revue_au_clavier(
    serveur_live,
    nouvelle_page,
    connecter_page,
    session,
    creer_demarche,
    creer_temps,
    creer_contribution,
    ecran,
):
    temps = creer_temps(creer_demarche())
    paroles = [creer_contribution(temps, f"Parole n° {i} sur les démarches en ligne.") for i in range(12)]
    cible = paroles[7]
    page = nouvelle_page(viewport=ecran)
    connecter_page(page, serveur_live, "animateur")
    page.goto(f"{serveur_live}/collecte/revue/")
    _tab_jusqu_a(page, f"el.name === 'ids' && el.value === '{cible.id}'")
    page.keyboard.press("Space")
    _tab_jusqu_a(page, "el.id === 'action'", arriere=True)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # ajouter, retirer le thème, puis « marquer à retenir »
    assert page.evaluate("document.activeElement.value") == "retenir"
    _tab_jusqu_a(page, "el.textContent.includes('Appliquer')")
    page.keyboard.press("Enter")
    page.locator(".messages").wait_for()
    session.expire_all()
    retenues = [p.id for p in session.exec(select(Contribution).order_by(Contribution.id)) if p.a_retenir]
    assert retenues == [cible.id]


def test_un_questionnaire_public_au_clavier(
    serveur_live, nouvelle_page, session, creer_demarche, creer_territoire, creer_structure
):
    demarche = creer_demarche()
    structure = creer_structure(demarche, "Centre social du Tunnel", creer_territoire(demarche))
    creees, _ = invitations.creer_invitations(
        session, demarche, invitations.definition("professionnel"), [structure.id]
    )
    page = nouvelle_page(viewport=TELEPHONE, has_touch=True, is_mobile=True)
    page.goto(f"{serveur_live}/q/{creees[0].jeton}")
    _tab_jusqu_a(page, "el.labels && el.labels[0] && el.labels[0].textContent.includes('fonction')")
    page.keyboard.type("Conseillère numérique")
    _tab_jusqu_a(page, "el.id === 'q-q1'")
    page.keyboard.type(REPONSE)
    _tab_jusqu_a(page, "el.textContent.includes('Envoyer mes réponses')")
    page.keyboard.press("Enter")
    page.get_by_text("Merci ! Vos réponses ont bien été envoyées").wait_for()
    reponse = session.exec(select(ReponseQuestionnaire)).one()
    session.refresh(reponse)
    assert reponse.statut == "soumise" and reponse.role_repondant == "Conseillère numérique"
    # La réponse libre devient une parole de la démarche.
    assert [c.texte for c in session.exec(select(Contribution))] == [REPONSE]
