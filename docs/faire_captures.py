"""Refait les captures d'écran de la section « Sur le terrain sans réseau » du README.

    .venv/bin/python docs/faire_captures.py

Démarche d'exemple dans un dossier jetable, serveur local, Chromium de Debian (Playwright) ; le réseau
est coupé en arrêtant le serveur, comme dans les tests. Écrit docs/terrain-*.png.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))

TABLETTE = {"width": 1024, "height": 768}
TELEPHONE = {"width": 390, "height": 844}


def main() -> None:
    from playwright.sync_api import sync_playwright
    from sqlmodel import Session, select
    from werkzeug.serving import make_server

    dossier = Path(tempfile.mkdtemp(prefix="parole-captures-"))
    env = {
        **os.environ,
        "PAROLE_INSTANCE": str(dossier),
        "PAROLE_ENV": "developpement",
        "PAROLE_DATABASE_URL": f"sqlite:///{dossier / 'parole.sqlite'}",
    }
    sortie = subprocess.run(
        [str(Path(sys.executable).parent / "parole"), "demo", "--sans-serveur"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    mot_de_passe = re.search(r"Mot de passe\s*:\s*(\S+)", sortie).group(1)

    os.environ.update(env)
    from app import create_app
    from collecte.modele.models import TempsDeCollecte, Theme
    from collecte.themes import gestion as gestion_themes

    app = create_app()
    engine = app.extensions["parole_engine"]
    with Session(engine) as session:
        rue = session.exec(select(TempsDeCollecte).where(TempsDeCollecte.ref == "PDP-T2")).one()
        rue_id, demarche_id = rue.id, rue.demarche_id

    etat = {}

    def demarrer(port=0):
        etat["serveur"] = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=etat["serveur"].serve_forever, daemon=True).start()
        return etat["serveur"].server_port

    def couper():
        etat["serveur"].shutdown()
        etat["serveur"].server_close()

    port = demarrer()
    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        navigateur = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for nom, ecran in (("telephone", TELEPHONE), ("tablette", TABLETTE)):
            contexte = navigateur.new_context(
                viewport=ecran,
                locale="fr-FR",
                has_touch=True,
                is_mobile=ecran is TELEPHONE,
                device_scale_factor=1,
            )
            page = contexte.new_page()
            page.goto(f"{base}/comptes/connexion")
            page.get_by_label("Identifiant").fill("demo")
            page.get_by_label("Mot de passe").fill(mot_de_passe)
            page.get_by_role("button", name="Se connecter").click()
            page.wait_for_url(lambda url: "connexion" not in url)
            page.goto(f"{base}/collecte/temps/{rue_id}/parole")
            page.evaluate("navigator.serviceWorker.ready")
            page.wait_for_timeout(500)
            couper()
            for texte, profil, age, theme in (
                (
                    "Ma petite-fille m'a installé WhatsApp, mais les mises à jour, je n'y comprends rien.",
                    "Habitant·e",
                    "60+",
                    "Les plus âgés se sentent dépassés",
                ),
                (
                    "Au centre social on nous aide, mais il faut prendre rendez-vous deux semaines avant.",
                    "Habitant·e",
                    "40-59",
                    "Des ressources pas toujours identifiées",
                ),
            ):
                page.get_by_label("Ce que la personne a dit").fill(texte)
                page.locator("#puces-profil label").filter(has_text=profil).click()
                page.locator("#puces-tranche_age label").filter(has_text=age).click()
                page.locator("#puces-themes label").filter(has_text=theme).first.click()
                page.get_by_role("button", name="Enregistrer la parole").click()
                page.wait_for_function(
                    "t => document.getElementById('confirmation').textContent.includes(t)", arg=texte[:20]
                )
            page.get_by_label("Ce que la personne a dit").fill("Le forfait, c'est 20 euros, et le mois")
            page.locator("#puces-profil label").filter(has_text="Jeune").click()
            page.screenshot(path=str(RACINE / "docs" / f"terrain-saisie-{nom}.png"))
            if nom == "tablette":
                # Au bureau, un thème est supprimé : au retour du réseau, la parole qui le portait passe
                # « à corriger ».
                with Session(engine) as session:
                    theme = session.exec(
                        select(Theme).where(
                            Theme.demarche_id == demarche_id, Theme.slug == "ressources-non-identifiees"
                        )
                    ).one()
                    gestion_themes.supprimer(session, theme)
                page.get_by_label("Ce que la personne a dit").fill("")
                page.goto(f"{base}/collecte/appareil")
                page.get_by_role("heading", name="Sur cet appareil").wait_for()
                page.screenshot(path=str(RACINE / "docs" / "terrain-appareil.png"), full_page=True)
                demarrer(port)
                page.get_by_role("button", name="Envoyer maintenant").click()
                page.locator("form.correction").wait_for()
                page.wait_for_timeout(800)
                page.locator("#a-corriger").screenshot(path=str(RACINE / "docs" / "terrain-a-corriger.png"))
                page.get_by_role("button", name="Envoyer maintenant").click()
                couper()
            else:
                page.get_by_label("Ce que la personne a dit").fill("")
            contexte.close()
            demarrer(port)
        navigateur.close()
    couper()
    print(
        "Captures écrites dans docs/ :",
        ", ".join(sorted(p.name for p in (RACINE / "docs").glob("terrain-*.png"))),
    )


if __name__ == "__main__":
    main()
