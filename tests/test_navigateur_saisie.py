"""Saisie de terrain dans un vrai Chromium headless, sur tablette (1024×768) et téléphone (390×844).

Écran « nouvelle parole », transcription de post-its, annulation, et la mise en page pour une main :
le texte a le focus à l'ouverture, tout se touche avec au plus un défilement, la barre d'enregistrement
ne recouvre aucun contrôle, cibles d'au moins 44 px.
"""

import pytest
from sqlmodel import select

from collecte.modele.models import Contribution, TempsTheme
from collecte.terrain.saisie import theme_ids_de
from tests.conftest import TABLETTE, TELEPHONE

pytestmark = pytest.mark.navigateur

CITATION = (
    "Mon petit-fils m'a dit « mamie, c'est facile » […] mais <b>moi</b> j'y arrive pas & ça m'énerve 👵🏽"
)


@pytest.fixture
def terrain(session, creer_demarche, creer_territoire, creer_temps, creer_theme):
    demarche = creer_demarche()
    territoire = creer_territoire(demarche, "Vierzon", "Clos du Roy")
    themes = {
        "parentalite": creer_theme(demarche, "parentalite", "La parentalité numérique", 0),
        "maitrise-technique": creer_theme(demarche, "maitrise-technique", "Maîtrise technique", 1),
        "manque-moyens": creer_theme(demarche, "manque-moyens", "Manque de moyens", 2),
    }
    for rang, (slug, label) in enumerate(
        [
            ("arnaques", "Peur des arnaques"),
            ("langue", "La barrière de la langue"),
            ("seniors", "Les plus âgés dépassés"),
            ("jeux", "Jeux et écrans"),
            ("ent", "ENT et école"),
            ("caf", "Démarches CAF"),
        ],
        start=3,
    ):
        themes[slug] = creer_theme(demarche, slug, label, rang)
    rue = creer_temps(
        demarche,
        "PDP-1",
        territoire=territoire,
        lieu="Place du marché",
        questions=["Le numérique, c'est compliqué ?", "Est-ce que le numérique est un plaisir ?"],
    )
    for slug in ("parentalite", "maitrise-technique", "manque-moyens", "arnaques"):
        session.add(TempsTheme(temps_id=rue.id, theme_id=themes[slug].id))
    session.commit()
    panneau = creer_temps(
        demarche, "OP-1", "ordi_panneau", territoire=territoire, questions=["Qu'est-ce qui vous manque ?"]
    )
    return rue, panneau, themes


def _paroles(session):
    session.expire_all()
    return session.exec(select(Contribution).order_by(Contribution.id)).all()


@pytest.mark.parametrize("ecran", [TABLETTE, TELEPHONE], ids=["tablette", "telephone"])
def test_saisir_annuler_et_transcrire(reseau, nouvelle_page, connecter_page, session, terrain, ecran):
    rue, panneau, themes = terrain
    page = nouvelle_page(viewport=ecran, has_touch=True, is_mobile=ecran is TELEPHONE)
    connecter_page(page, reseau.url, "animateur")

    page.goto(f"{reseau.url}/collecte/temps/{rue.id}/parole")
    texte = page.get_by_label("Ce que la personne a dit")
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'texte'"
    )  # focus à l'ouverture
    page.get_by_text("Est-ce que le numérique est un plaisir ?").tap()
    texte.fill(CITATION)
    page.locator("#puces-tranche_age").get_by_text("60+").tap()
    page.get_by_text("Habitant·e").tap()
    page.get_by_text("La parentalité numérique").tap()
    page.get_by_text("Maîtrise technique").tap()
    page.get_by_text("★ À retenir").tap()
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator("#confirmation").filter(has_text="Gardée sur l'appareil").wait_for()
    assert texte.input_value() == ""  # vidé tout de suite pour la personne suivante
    assert page.get_by_label("Est-ce que le numérique est un plaisir ?").is_checked()  # question gardée
    assert (
        page.locator("#puces-profil input:checked").get_attribute("value") == "inconnu"
    )  # profil remis à zéro
    page.locator(".etat-parole.envoyee").first.wait_for()  # puis envoyée par la file
    # L'extrait affiché ne coupe pas l'émoji en deux.
    assert "👵🏽" in page.locator("#liste-recentes").inner_text()

    texte.fill("Je préfère le guichet, voilà.")
    page.get_by_text("Bénévole").tap()
    page.get_by_text("Ne pas citer").tap()
    page.get_by_text("Autres thèmes (5)").tap()
    page.get_by_text("Démarches CAF").tap()
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator("#compteur").filter(has_text="2").wait_for()

    texte.fill("Celle-ci sera annulée")
    page.get_by_role("button", name="Enregistrer la parole").tap()
    page.locator("#compteur").filter(has_text="3").wait_for()
    page.locator(".etat-parole.envoyee").nth(2).wait_for()
    page.get_by_role("button", name="Annuler la dernière").tap()
    page.locator("#confirmation").filter(
        has_text="Dernière saisie annulée : « Celle-ci sera annulée »"
    ).wait_for()
    page.locator("#compteur").filter(has_text="2").wait_for()
    page.wait_for_function("window.ParoleBoite.etat.annulations === 0")

    page.goto(f"{reseau.url}/collecte/temps/{panneau.id}/postits")
    zone = page.get_by_label("Texte du post-it")
    for postit in ("Plus d'ordis à la médiathèque", "Des cours gratuits le samedi", "Un humain au guichet !"):
        zone.fill(postit)
        zone.press("Enter")
        page.locator("#liste-postits li").filter(has_text=postit).first.wait_for()
        assert zone.input_value() == ""
    page.wait_for_function("window.ParoleBoite.etat.attente === 0")
    assert page.locator("#compteur").inner_text() == "3"

    paroles = _paroles(session)
    assert [c.texte for c in paroles] == [
        CITATION,
        "Je préfère le guichet, voilà.",
        "Plus d'ordis à la médiathèque",
        "Des cours gratuits le samedi",
        "Un humain au guichet !",
    ]
    premiere, seconde = paroles[0], paroles[1]
    assert (premiere.question, premiere.profil, premiere.tranche_age) == (
        "Est-ce que le numérique est un plaisir ?",
        "habitant",
        "60_plus",
    )
    assert premiere.a_retenir and not premiere.ne_pas_citer
    assert theme_ids_de(session, premiere.id) == sorted(
        [themes["parentalite"].id, themes["maitrise-technique"].id]
    )
    assert (seconde.profil, seconde.tranche_age, seconde.ne_pas_citer, seconde.a_retenir) == (
        "benevole",
        "inconnu",
        True,
        False,
    )
    assert theme_ids_de(session, seconde.id) == [themes["caf"].id]
    assert all(
        c.temps_id == panneau.id and c.nature == "postit" and c.question == "Qu'est-ce qui vous manque ?"
        for c in paroles[2:]
    )


# --- Mise en page pour une main ----------------------------------------------------------------

_MESURES = """() => {
  const zone = document.querySelector('main');
  const barre = document.querySelector('.barre-terrain').getBoundingClientRect();
  const controles = [...document.querySelectorAll(
    '#form-saisie .puce span, #form-saisie textarea, .barre-terrain button, .bandeau a, .bandeau summary')]
    .filter(el => el.offsetParent !== null);
  return {
    defilement: zone.scrollHeight, visible: zone.clientHeight, largeur: document.documentElement.scrollWidth,
    barre: {haut: barre.top, bas: barre.bottom},
    petits: controles.map(el => {
      const r = el.getBoundingClientRect();
      return [el.textContent.trim().slice(0, 30), Math.round(r.width), Math.round(r.height)];
    })
      .filter(([, l, h]) => l < 44 || h < 44),
  };
}"""

# Un contrôle est « touchable » s'il est dans la zone visible et que c'est bien lui qui reçoit le doigt.
_TOUCHABLE = """(el) => {
  const r = el.getBoundingClientRect();
  if (r.top < 0 || r.bottom > window.innerHeight) return false;
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const cible = document.elementFromPoint(x, y);
  return !!cible && (cible === el || el.contains(cible) || cible.contains(el)
    || el.closest('label') === cible.closest('label'));
}"""


@pytest.mark.parametrize(
    ("ecran", "defilements_max"), [(TABLETTE, 0), (TELEPHONE, 5)], ids=["tablette", "telephone"]
)
def test_cinq_paroles_d_une_main(
    reseau, nouvelle_page, connecter_page, session, terrain, ecran, defilements_max
):
    """Le parcours de cinq paroles (texte, profil, âge, un thème, enregistrer), compté en touchers et en
    défilements ; chaque contrôle est touché là où il est, jamais sous la barre."""
    rue, _, _ = terrain
    page = nouvelle_page(viewport=ecran, has_touch=True, is_mobile=ecran is TELEPHONE)
    connecter_page(page, reseau.url, "animateur")
    page.goto(f"{reseau.url}/collecte/temps/{rue.id}/parole")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'texte'")

    mesures = page.evaluate(_MESURES)
    assert mesures["largeur"] <= ecran["width"], "la page déborde horizontalement"
    assert mesures["petits"] == [], f"cibles de moins de 44 px : {mesures['petits']}"
    # Tout tient en au plus un défilement (une hauteur d'écran de plus).
    assert mesures["defilement"] <= 2 * mesures["visible"], mesures
    # La barre est hors de la zone qui défile : elle ne recouvre aucun champ.
    zone = page.locator("main").bounding_box()
    assert zone["y"] + zone["height"] <= mesures["barre"]["haut"] + 0.5

    touchers = defilements = 0

    def toucher(locator):
        nonlocal touchers, defilements
        element = locator.element_handle()
        if not page.evaluate(_TOUCHABLE, element):
            defilements += 1
            element.evaluate("el => el.scrollIntoView({block: 'center'})")
            assert page.evaluate(_TOUCHABLE, element), "toujours pas touchable après un défilement"
        locator.tap()
        touchers += 1

    paroles = [
        ("Le wifi de la médiathèque ne marche jamais", "Habitant·e", "26-39", "Manque de moyens"),
        ("Mes enfants m'aident pour les papiers", "Habitant·e", "60+", "La parentalité numérique"),
        ("On m'a arnaqué sur un faux site des impôts", "Habitant·e", "40-59", "Peur des arnaques"),
        ("Je ne sais pas allumer l'ordinateur", "Jeune", "−18", "Maîtrise technique"),
        ("Au centre social on nous aide", "Bénévole", "60+", "Manque de moyens"),
    ]
    for texte, profil, age, theme in paroles:
        # Le texte a le focus : on tape sans toucher la zone de texte.
        assert page.evaluate("document.activeElement.id") == "texte"
        page.keyboard.type(texte)
        toucher(page.locator("#puces-profil label").filter(has_text=profil))
        toucher(page.locator("#puces-tranche_age label").filter(has_text=age))
        toucher(page.locator("#puces-themes > label").filter(has_text=theme))
        toucher(page.get_by_role("button", name="Enregistrer la parole"))
        page.locator("#confirmation").filter(has_text=texte[:20]).wait_for()
        # Confirmation, compteur, file d'attente et « annuler » restent visibles près du bouton.
        for selecteur in ("#confirmation", "#compteur", "#form-annuler button"):
            assert page.evaluate(_TOUCHABLE, page.locator(selecteur).element_handle()), selecteur
    page.wait_for_function("window.ParoleBoite.etat.attente === 0")

    assert touchers == 4 * len(paroles)
    assert defilements <= defilements_max
    stockees = _paroles(session)
    assert [c.texte for c in stockees] == [p[0] for p in paroles]
    assert [c.profil for c in stockees] == ["habitant", "habitant", "habitant", "jeune", "benevole"]
