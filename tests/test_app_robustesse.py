"""Chaque route, avec des paramètres malformés de chaque sorte : jamais de 500, jamais d'anglais.

Valeurs tirées de tests/donnees/parametres_malformes.txt : chiffres non ASCII (« ² », chiffres
arabes), entier démesuré, UTF-8 invalide et surrogat isolé, balises, octet nul. Chaque route est
appelée connectée en admin (pour tout atteindre), avec ces valeurs dans le chemin, dans tous les
paramètres de requête connus et dans le formulaire.
"""

import re
import urllib.parse
from pathlib import Path

import pytest

from collecte.modele.models import Demarche, TempsDeCollecte
from tests.test_app_securite import _routes

DONNEES = Path(__file__).parent / "donnees"
MALFORMES = [
    ligne
    for ligne in (DONNEES / "parametres_malformes.txt").read_text(encoding="utf-8").splitlines()
    if ligne and not ligne.startswith("#")
]
PARAMETRES = (
    "page",
    "temps",
    "territoire",
    "theme",
    "demarche",
    "dispositif",
    "profil",
    "q",
    "next",
    "retour",
    "format",
    "groupe",
    "lemme",
    "par",
    "debut",
    "fin",
    "masquees",
    "a_retenir",
    "imposition",
    "cible",
    "sens",
    "ids",
    "themes",
    "structures",
    "questionnaire",
    "expire_le",
    "valeur",
    "role",
    "actif",
)
ANGLAIS = re.compile(
    r"Internal Server Error|Bad Request|Method Not Allowed|Not Found|Forbidden|Too Many Requests|"
    r"Request Entity Too Large|Traceback|The server encountered|Unauthorized",
    re.I,
)


def _decoder(ligne: str) -> str:
    # Le fichier écrit les caractères impossibles à taper en séquences : \x00, \ud800.
    return ligne.encode("utf-8").decode("unicode_escape") if "\\" in ligne else ligne


@pytest.fixture
def admin(app, client, connecter, session):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # une exception devient la page d'erreur, comme en production
    connecter("admin")
    demarche = Demarche(slug="d", titre="D")
    session.add(demarche)
    session.flush()
    session.add(
        TempsDeCollecte(
            demarche_id=demarche.id,
            ref="T-1",
            dispositif="porteur_de_parole",
            date=__import__("datetime").date(2024, 3, 5),
        )
    )
    session.commit()
    return client


def _url(regle, valeur: str) -> str | None:
    valeurs = {}
    for convertisseur, options, argument in re.findall(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", regle.rule):
        if convertisseur == "any":
            valeurs[argument] = options.split(",")[0].strip().strip("'\"")
        elif convertisseur in ("int", "float"):
            valeurs[argument] = 1
        else:
            valeurs[argument] = valeur
    try:
        return regle.build(valeurs, append_unknown=False)[1]
    except Exception:  # noqa: BLE001 — une valeur que le convertisseur refuse : pas d'URL à tester
        return None


def _encoder(parametres: dict) -> str:
    # Un surrogat isolé ne s'écrit pas en UTF-8 : il arrive au serveur en octets invalides.
    return urllib.parse.urlencode(parametres, encoding="utf-8", errors="surrogatepass")


@pytest.mark.parametrize("brute", MALFORMES)
@pytest.mark.parametrize("contexte", ["tout_malforme", "demarche_valide"])
def test_aucune_route_ne_repond_500_ni_en_anglais(app, admin, brute, contexte):
    """Tous les paramètres malformés à la fois ; puis avec une démarche valide, pour aller au-delà du
    premier paramètre lu (chaque page lit alors tous les autres)."""
    valeur = _decoder(brute)
    base = {"demarche": "d"} if contexte == "demarche_valide" else {}
    echecs = []
    for regle, methode in _routes(app):
        if regle.endpoint in ("comptes.deconnexion", "static"):
            continue
        url = _url(regle, base.get("demarche", valeur) if "slug" in regle.rule else valeur)
        if url is None:
            continue
        parametres = _encoder({**dict.fromkeys(PARAMETRES, valeur), **base})
        if methode == "GET":
            reponse = admin.open(url, method="GET", query_string=parametres)
        else:
            reponse = admin.open(
                url,
                method=methode,
                data=parametres,
                content_type="application/x-www-form-urlencoded",
                query_string=_encoder({"next": valeur}),
            )
        texte = (
            reponse.get_data().decode("utf-8", "replace")
            if reponse.mimetype.startswith(("text/", "application/json"))
            else ""
        )
        reponse.close()  # un export en flux garde son fichier temporaire ouvert jusqu'ici
        if reponse.status_code >= 500 or ANGLAIS.search(texte):
            echecs.append((methode, regle.rule, reponse.status_code, texte[:120]))
    assert echecs == [], "\n".join(f"{m} {r} {c} {t!r}" for m, r, c, t in echecs)


@pytest.mark.parametrize("brute", MALFORMES)
def test_entiers_demesures_dans_les_chemins(app, admin, brute):
    """Les convertisseurs <int:…> acceptent des entiers de n'importe quelle taille : la base, non."""
    echecs = []
    for regle, methode in _routes(app):
        if "<int:" not in regle.rule or regle.endpoint == "comptes.deconnexion":
            continue
        url = re.sub(r"<int:\w+>", "99999999999999999999999", regle.rule)
        reponse = admin.open(url, method=methode)
        if reponse.status_code >= 500 or ANGLAIS.search(reponse.get_data(as_text=True)):
            echecs.append((methode, url, reponse.status_code))
    assert echecs == []


def test_api_json_profond_surrogat_et_types(admin):
    profond = "[" * 100_000 + "]" * 100_000
    for url in ("/api/contributions", "/api/contributions/lot"):
        reponse = admin.post(url, data=profond, content_type="application/json")
        assert reponse.status_code == 400, url
        assert reponse.is_json and "JSON" in reponse.get_json()["erreur"]
    surrogat = '{"client_uuid": "0d1f3c9e-5a8b-4f61-9a0e-2f7c1b5d9e11", "temps": 1, "texte": "a\\ud800b"}'
    reponse = admin.post("/api/contributions", data=surrogat, content_type="application/json")
    assert reponse.status_code == 400 and reponse.get_json()["champ"] == "texte"
