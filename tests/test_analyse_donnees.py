"""Chargement d'une démarche en tableaux (analyse.donnees)."""

from datetime import date

from analyse.donnees import Filtres, charger_corpus


def test_corpus_exclut_les_masquees_et_garde_ne_pas_citer(
    session, creer_demarche, creer_territoire, creer_structure, creer_temps, creer_contribution, creer_theme
):
    demarche = creer_demarche()
    vierzon = creer_territoire(demarche, "Vierzon", "Clos du Roy")
    tours = creer_territoire(demarche, "Tours", "Europe")
    tunnel = creer_structure(demarche, "Centre social Le Tunnel", vierzon)
    theme = creer_theme(demarche, "parentalite")
    t1 = creer_temps(
        demarche,
        "PDP-1",
        territoire=vierzon,
        structure=tunnel,
        personnes_rencontrees=12,
        questions=["C'est quoi être citoyen ?"],
    )
    t2 = creer_temps(demarche, "OP-1", "ordi_panneau", territoire=tours, date=date(2024, 4, 2))
    creer_contribution(t1, "Visible", themes=[theme])
    creer_contribution(t1, "Ne pas citer", ne_pas_citer=True)
    creer_contribution(t1, "Masquée", masquee=True, themes=[theme])
    creer_contribution(t2, "Post-it", nature="postit")

    corpus = charger_corpus(session, "demarche-test")
    assert sorted(corpus.contributions["texte"]) == ["Ne pas citer", "Post-it", "Visible"]
    visible = corpus.contributions.set_index("texte").loc["Visible"]
    assert (visible["territoire"], visible["structure"], visible["dispositif"]) == (
        "Vierzon – Clos du Roy",
        "Centre social Le Tunnel",
        "porteur_de_parole",
    )
    assert corpus.liens_themes["theme"].tolist() == ["parentalite"]
    assert corpus.temps.set_index("ref").loc["PDP-1", "questions"] == ["C'est quoi être citoyen ?"]

    filtre = charger_corpus(session, "demarche-test", Filtres(territoire_id=tours.id))
    assert filtre.contributions["texte"].tolist() == ["Post-it"]
    assert charger_corpus(session, "inconnue") is None
