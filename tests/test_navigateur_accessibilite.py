"""axe-core sur chaque page de l'application, dans un vrai Chromium, sur tablette et sur téléphone :
aucune violation grave (« serious ») ou critique (« critical »).

axe-core vient de npm (tests/navigateur/package.json, `npm ci` dans ce dossier) ; il est injecté dans
chaque page (la CSP de Parole l'interdirait : les contextes de test sont en bypass_csp). La liste des
pages vient d'`app.url_map` (tests/navigateur/pages.py)."""

import pytest

from tests.conftest import TABLETTE, TELEPHONE
from tests.navigateur import pages

pytestmark = pytest.mark.navigateur

GRAVES = ("serious", "critical")

# Violations graves de la page, avec le sélecteur et le résumé de chaque élément fautif.
LIRE_VIOLATIONS = """async (graves) => {
  const resultat = await axe.run(document, {resultTypes: ["violations"]});
  return resultat.violations.filter(v => graves.includes(v.impact)).map(v => ({
    regle: v.id,
    impact: v.impact,
    aide: v.help,
    noeuds: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + n.failureSummary.replace(/\\s+/g, " ")),
  }));
}"""


def test_chaque_route_get_est_visitee_ou_exclue_avec_sa_raison(app, monde):
    visites = pages.adresses(app, monde)
    assert pages.routes_oubliees(app, visites) == []
    assert pages.exclusions_perimees(app) == []
    assert len(visites) >= 30, visites  # la carte des routes n'est pas vide


@pytest.mark.parametrize("taille", [TABLETTE, TELEPHONE], ids=["tablette", "telephone"])
def test_aucune_violation_grave_d_axe_sur_chaque_page(
    app, monde, serveur_live, nouvelle_page, connecter_page, taille
):
    axe = pages.exiger_axe()
    page = nouvelle_page(viewport=taille, has_touch=True, is_mobile=taille is TELEPHONE)
    connecter_page(page, serveur_live, "admin")
    rapport = []
    attendu = dict(pages.PAGES_D_ERREUR)
    for route, adresse in pages.adresses(app, monde) + [("erreur", a) for a in attendu]:
        statut = pages.visiter(page, serveur_live + adresse)
        assert statut == attendu.get(adresse, 200), (route, adresse, statut)
        page.add_script_tag(path=str(axe))
        for violation in page.evaluate(LIRE_VIOLATIONS, list(GRAVES)):
            rapport.append(f"{adresse} [{violation['impact']}] {violation['regle']} : {violation['aide']}")
            rapport.extend(f"    {noeud}" for noeud in violation["noeuds"])
    assert rapport == [], "\n".join(rapport)


def test_la_page_de_connexion_et_les_erreurs_sans_compte(serveur_live, nouvelle_page):
    """Pages vues sans compte : connexion, page introuvable (gabarit erreur.html)."""
    axe = pages.exiger_axe()
    rapport = []
    for taille in (TABLETTE, TELEPHONE):
        page = nouvelle_page(viewport=taille)
        for adresse, attendu in (("/comptes/connexion", 200), ("/q/lien-inconnu", 404)):
            assert pages.visiter(page, serveur_live + adresse) == attendu, adresse
            page.add_script_tag(path=str(axe))
            for violation in page.evaluate(LIRE_VIOLATIONS, list(GRAVES)):
                rapport.append(f"{taille['width']} px {adresse} {violation['regle']} : {violation['noeuds']}")
    assert rapport == [], "\n".join(rapport)
