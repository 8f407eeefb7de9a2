"""Petite démarche de test partagée par les tests du livret et des affiches, et lecture des PDF."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from collecte.modele.models import ReponseQuestionnaire, maintenant
from tests.conftest import exiger_outil

RETENUE = "Mon fils m'a fait mon compte Ameli […] il râle à chaque fois mais il le fait. Œuvre d'É. ’"
BALISAGE = "Je tape <b>gras</b> & « ça marche » <i>pas</i> & < > &amp; sur l'écran"
PRO = "Au quotidien : créer une adresse mail, retrouver un mot de passe, imprimer une attestation. En boucle."
NE_PAS_CITER = "SECRETNEPASCITER mon voisin m'a tout raconté sur sa dette"
MASQUEE = "SECRETMASQUEE parole retirée par la modération"
AUTRES = [
    "Les enfants savent tout faire sur le téléphone, moi je suis perdue avec les applications de l'école.",
    "Le contrôle parental, je ne sais pas l'installer, alors je regarde par-dessus son épaule.",
    "Ma fille me montre comment faire les papiers de la CAF, c'est le monde à l'envers.",
    "On m'a appelé pour me dire que mon compte était bloqué, j'ai failli donner mon code.",
    "J'ai peur des arnaques par SMS, je ne clique plus sur rien du tout maintenant.",
]


@dataclass
class Campagne:
    demarche: object
    themes: dict


def creer_campagne(
    session,
    creer_demarche,
    creer_territoire,
    creer_structure,
    creer_theme,
    creer_temps,
    creer_contribution,
    slug="livret-test",
) -> Campagne:
    demarche = creer_demarche(
        slug,
        titre="Paroles du Clos & des Tilleuls",
        commanditaire="Hub régional",
        partenaires="Ligue de l'enseignement | Coopérative Paroles",
        date_debut=date(2023, 2, 1),
        date_fin=date(2023, 7, 31),
        description="Six mois d'écoute dans deux quartiers.",
    )
    vierzon = creer_territoire(demarche, "Vierzon", "Clos du Roy")
    tours = creer_territoire(demarche, "Tours", "Europe")
    tunnel = creer_structure(
        demarche,
        "Centre social du Tunnel",
        vierzon,
        "a_mission",
        offre_numerique="Atelier « mails » le mardi & le jeudi",
    )
    media = creer_structure(
        demarche, "Médiathèque Europe", tours, "proposante", offre_numerique="Postes en accès libre"
    )
    creer_structure(demarche, "Mission Locale", vierzon, "confrontee")
    themes = {
        "parentalite": creer_theme(
            demarche,
            "parentalite",
            "La parentalité numérique",
            0,
            introduction="Les parents se sentent dépassés par leurs enfants.",
        ),
        "arnaques": creer_theme(demarche, "arnaques", "Peur des arnaques et du piratage", 1),
        "vide": creer_theme(demarche, "vide", "Un thème sans parole", 2),
    }
    pdp = creer_temps(
        demarche,
        "PDP-1",
        "porteur_de_parole",
        vierzon,
        tunnel,
        personnes_rencontrees=26,
        dont_professionnels=2,
        questions=["Est-ce que le numérique ça simplifie la vie ?"],
    )
    atelier = creer_temps(
        demarche,
        "AT-1",
        "atelier_echange",
        tours,
        media,
        personnes_rencontrees=12,
        dont_professionnels=3,
        date=date(2023, 4, 2),
    )
    creer_temps(demarche, "VID-1", "atelier_video", tours, None, personnes_rencontrees=5)
    p, a = themes["parentalite"], themes["arnaques"]
    creer_contribution(pdp, RETENUE, [p], a_retenir=True, profil="habitant")
    creer_contribution(pdp, BALISAGE, [a], a_retenir=True, profil="habitant")
    creer_contribution(atelier, PRO, [p, a], a_retenir=True, profil="professionnel")
    creer_contribution(pdp, NE_PAS_CITER, [p, a], a_retenir=True, ne_pas_citer=True, profil="habitant")
    creer_contribution(pdp, MASQUEE, [p, a], a_retenir=True, masquee=True, profil="habitant")
    for i, texte in enumerate(AUTRES):
        creer_contribution(atelier if i % 2 else pdp, texte, [p] if i < 3 else [a], profil="habitant")
    session.add(
        ReponseQuestionnaire(
            demarche_id=demarche.id,
            structure_id=tunnel.id,
            questionnaire="professionnel",
            statut="soumise",
            soumise_le=maintenant(),
        )
    )
    session.commit()
    return Campagne(demarche, themes)


def texte_pdf(pdf: bytes, tmp_path: Path, mode: str = "layout", page: int | None = None) -> str:
    """Texte du PDF (pdftotext -layout, ou -raw : ordre de dessin, chaque nombre de l'infographie
    suivi de son libellé), espaces insécables et sauts de ligne ramenés à une espace simple."""
    chemin = tmp_path / "lu.pdf"
    chemin.write_bytes(pdf)
    options = [f"-{mode}"] + (["-f", str(page), "-l", str(page)] if page else [])
    brut = subprocess.run(
        [exiger_outil("pdftotext"), *options, str(chemin), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(brut.replace("\u202f", " ").replace("\xa0", " ").split())


def polices(pdf: bytes, tmp_path: Path) -> list[tuple[str, str]]:
    """(nom, incorporée oui/non) de chaque police (pdffonts)."""
    chemin = tmp_path / "polices.pdf"
    chemin.write_bytes(pdf)
    lignes = subprocess.run(
        [exiger_outil("pdffonts"), str(chemin)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    return [(l.split()[0], l.split()[-5]) for l in lignes if l.strip()]


def infos(pdf: bytes, tmp_path: Path) -> dict[str, str]:
    chemin = tmp_path / "infos.pdf"
    chemin.write_bytes(pdf)
    sortie = subprocess.run(
        [exiger_outil("pdfinfo"), str(chemin)], capture_output=True, text=True, check=True
    ).stdout
    return {cle.strip(): valeur.strip() for cle, _, valeur in (l.partition(":") for l in sortie.splitlines())}
