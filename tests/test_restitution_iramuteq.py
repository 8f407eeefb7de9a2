"""Corpus IRaMuTeQ relu par un lecteur écrit d'après ../shared/formats.md §1 (pas le code d'IRaMuTeQ) :
une modalité par variable et par texte, une variable à deux modalités par thème, « thème seul »
mono-valué, collisions après réduction rendues uniques et nommées, paroles sans mot laissées dehors et
comptées, avertissements jusqu'à `parole export`."""

import io
import re
from collections import Counter

import pytest

from restitution import exports
from restitution.iramuteq import Modalites

BOM = b"\xef\xbb\xbf"
JETON = re.compile(r"^\*([a-z0-9]+)_([a-z0-9]+)$")  # règle prudente de formats.md


def lire_corpus(octets: bytes) -> list[dict]:
    """Lecture selon formats.md : une ligne qui commence par `****` ouvre un texte (ses variables
    étoilées suivent, séparées par des blancs) ; `-*` ouvre une partie ; toute autre ligne non vide est
    du texte, jointe par une espace ; un en-tête sans texte est abandonné. La variable d'un jeton
    `*variable_modalite` est ce qui précède le premier `_`."""
    assert not octets.startswith(BOM), "BOM : IRaMuTeQ ne reconnaîtrait pas le premier en-tête"
    textes, courant = [], None
    for ligne in octets.decode("utf-8").split("\n"):
        if ligne.startswith("****"):
            courant = {"entete": ligne, "jetons": ligne[4:].split(), "lignes": [], "parties": 0}
            textes.append(courant)
        elif ligne.startswith("-*"):
            assert courant is not None, "partie avant le premier texte"
            courant["parties"] += 1
        elif ligne.strip() and courant is not None:
            courant["lignes"].append(ligne)
    gardes = [t for t in textes if t["lignes"]]
    for texte in gardes:
        texte["corps"] = " ".join(texte["lignes"])
        texte["variables"] = Counter(jeton[1:].split("_", 1)[0] for jeton in texte["jetons"])
        texte["modalites"] = dict(jeton[1:].split("_", 1) for jeton in texte["jetons"])
    return gardes


def verifier_regles(textes: list[dict], nombre_de_textes_ecrits: int) -> None:
    """Les règles que tout corpus exporté doit tenir."""
    assert len(textes) == nombre_de_textes_ecrits  # aucun en-tête sans texte, aucun faux texte
    noms = None
    for texte in textes:
        assert all(JETON.match(j) for j in texte["jetons"]), texte["entete"]
        plusieurs = [v for v, n in texte["variables"].items() if n > 1]
        assert not plusieurs, f"plusieurs modalités pour {plusieurs} : {texte['entete']}"
        assert texte["parties"] == 0  # aucune partie `-*` ouverte par un texte d'habitant
        noms = noms or list(texte["variables"])
        assert list(texte["variables"]) == noms  # les mêmes variables, dans le même ordre, partout


def _exporter(session, slug, format_="iramuteq"):
    tampon = io.BytesIO()
    resultat = exports.exporter(session, slug, format_, tampon)
    return tampon.getvalue(), resultat


@pytest.fixture
def corpus(session, creer_demarche, creer_territoire, creer_theme, creer_temps, creer_contribution):
    demarche = creer_demarche(slug="bourges-2024", titre="Paroles de Bourges")
    nord = creer_territoire(demarche, "Bourges", "Bourges Nord")
    themes = {
        slug: creer_theme(demarche, slug, label, rang)
        for rang, (slug, label) in enumerate(
            [
                ("acces-droits", "Accès aux droits"),
                ("t-2", "Tiers lieu (ancien code T-2)"),
                ("t2", "Transports"),
                ("eme", "Un slug qui réduit à « theme »"),
            ]
        )
    }
    tiret = creer_temps(demarche, "T-2", territoire=nord)
    colle = creer_temps(demarche, "T2", "atelier_echange", territoire=nord)
    paroles = [
        (tiret, "La CAF ne répond plus au téléphone.", ["acces-droits", "t2"]),
        (tiret, "Le tiers lieu m'a aidée pour mes papiers.", ["t-2", "acces-droits", "t2"]),
        (tiret, "😅🙏 !!!", ["t2"]),
        (colle, "Le bus 4 passe toutes les heures.", ["t2"]),
        (colle, "…", []),
        (colle, "**** *faux_texte je ne sais pas", []),
        (colle, "Mon fils m'aide : 2 ordis pour 5.", ["eme"]),
    ]
    for temps, texte, slugs in paroles:
        creer_contribution(temps, texte, themes=[themes[s] for s in slugs])
    return demarche, paroles


def test_une_modalite_par_variable_et_par_texte(session, corpus):
    demarche, paroles = corpus
    contenu, resultat = _exporter(session, demarche.slug)
    textes = lire_corpus(contenu)
    verifier_regles(textes, resultat.paroles)
    avec_mots = [p for p in paroles if p[1] not in ("😅🙏 !!!", "…")]
    assert resultat.paroles == len(avec_mots) == 5
    par_corps = {t["corps"]: t["modalites"] for t in textes}
    # Une variable par thème, à deux modalités : 1 si la parole porte le thème, 0 sinon.
    for _temps, texte, slugs in avec_mots:
        modalites = par_corps[texte.replace("****", "* ***")]
        assert modalites["thaccesdroits"] == ("1" if "acces-droits" in slugs else "0")
        assert modalites["tht2"] == ("1" if "t-2" in slugs else "0")  # « t-2 », premier du livre de codes
        assert modalites["tht2x2"] == ("1" if "t2" in slugs else "0")  # « t2 » : suffixé
    # « theme » : le thème quand il est seul, sinon plusieurs ou aucun ; jamais deux modalités.
    seul = {t["corps"]: t["modalites"]["theme"] for t in textes}
    assert seul["La CAF ne répond plus au téléphone."] == "plusieurs"
    assert seul["Le bus 4 passe toutes les heures."] == "t2"
    assert seul["* *** *faux_texte je ne sais pas"] == "aucun"
    # Le thème de slug « eme » ne prend pas le nom de la variable « theme » : sa variable est « theme »
    # préfixée… donc suffixée.
    assert par_corps["Mon fils m'aide : 2 ordis pour 5."]["themex2"] == "1"
    assert Counter(t["modalites"]["tht2x2"] for t in textes) == {"1": 3, "0": 2}


def test_collisions_rendues_uniques_et_nommees(session, corpus):
    demarche, _ = corpus
    contenu, resultat = _exporter(session, demarche.slug)
    textes = lire_corpus(contenu)
    assert {t["modalites"]["temps"] for t in textes} == {"t2", "t2x2"}  # « T-2 » et « T2 » distincts
    par_temps = Counter(t["modalites"]["temps"] for t in textes)
    assert par_temps == {"t2": 2, "t2x2": 3}  # « 😅🙏 !!! » (T-2) et « … » (T2) sont dehors
    avertissements = "\n".join(resultat.avertissements)
    assert "variable temps : « T2 » et « T-2 » se réduisent à la même modalité" in avertissements
    assert "« T2 » devient *temps_t2x2" in avertissements
    assert "le thème « t2 » donnerait la même variable que « t-2 » ; il devient *tht2x2_1" in avertissements
    assert "le thème « eme » donnerait la même variable que « theme »" in avertissements


def test_paroles_sans_mot_laissees_dehors_et_comptees(session, corpus):
    demarche, _ = corpus
    contenu, resultat = _exporter(session, demarche.slug)
    texte = contenu.decode("utf-8")
    assert "😅" not in texte and "…" not in texte
    assert "\n\n\n" not in texte  # aucun texte vide
    assert any(
        a.startswith("2 parole(s) sans aucun mot (émojis ou ponctuation seulement) laissée(s) hors du corpus")
        for a in resultat.avertissements
    )


def test_avertissements_dans_le_terminal(runner, corpus, tmp_path):
    sortie = tmp_path / "corpus.txt"
    resultat = runner.invoke(args=["export", "--format", "iramuteq", "-o", str(sortie)])
    assert resultat.exit_code == 0, resultat.output
    assert "« T2 » devient *temps_t2x2" in resultat.output
    assert "2 parole(s) sans aucun mot" in resultat.output
    verifier_regles(lire_corpus(sortie.read_bytes()), 5)


def test_sans_collision_aucun_avertissement_de_collision(
    session, creer_demarche, creer_theme, creer_temps, creer_contribution
):
    demarche = creer_demarche(slug="sans-collision")
    theme = creer_theme(demarche, "parentalite", "Parentalité")
    creer_contribution(creer_temps(demarche, "PDP-1"), "Les écrans, à la maison.", themes=[theme])
    contenu, resultat = _exporter(session, demarche.slug)
    verifier_regles(lire_corpus(contenu), 1)
    assert "*theme_parentalite *thparentalite_1" in contenu.decode()
    assert not any("même modalité" in a or "même variable" in a for a in resultat.avertissements)
    assert not any("sans aucun mot" in a for a in resultat.avertissements)


def test_modalites_stables_et_uniques():
    temps = Modalites("temps")
    assert [temps("T-2"), temps("T2"), temps("T-2"), temps("t 2"), temps("T2x2")] == [
        "t2",
        "t2x2",
        "t2",
        "t2x3",
        "t2x2x2",  # la forme « t2x2 » était déjà prise par « T2 »
    ]
    assert [v for v, _, _ in temps.collisions] == ["T2", "t 2", "T2x2"]
    reservee = Modalites("thème", reservees=["theme"])
    assert reservee("eme", "theme") == "themex2"
