"""Commandes `parole analyse` et `parole themes suggerer`."""

from __future__ import annotations

import csv
import json
import sys

import click
from flask.cli import with_appcontext

from analyse import discours, suggestions
from analyse.chiffres import registre as registre_chiffres
from analyse.discours import classes_de_discours
from analyse.donnees import charger_corpus, compter_masquage
from analyse.masquage import A_LA_VOLEE_PAR_LECTURE
from analyse.rapport import rapport
from collecte.cli import choisir_demarche
from collecte.modele.db import get_session
from collecte.nombres import nombre_fr
from collecte.tableurs.ecriture import cellule_csv


@click.command("analyse")
@click.option("--demarche", "slug", help="Identifiant de la démarche (facultatif s'il n'y en a qu'une).")
@click.option(
    "--format", "format_", type=click.Choice(["texte", "json", "csv"]), default="texte", show_default=True
)
@click.option(
    "--lemmes",
    "n_lemmes",
    type=click.IntRange(1, 1000),
    default=30,
    show_default=True,
    help="Nombre de lemmes les plus fréquents.",
)
@click.option(
    "--classes",
    "n_classes",
    type=click.IntRange(discours.CLASSES_CHOIX.start, discours.CLASSES_CHOIX.stop - 1),
    help="Ajoute les classes de discours (méthode de Reinert) : au plus ce nombre de classes.",
)
@with_appcontext
def analyse_commande(slug, format_, n_lemmes, n_classes):
    """Chiffres clés, comptes, croisements, lemmes et spécificités d'une démarche ; avec --classes, ses
    classes de discours (méthode de Reinert)."""
    session = get_session()
    demarche = choisir_demarche(session, slug)
    corpus = charger_corpus(session, demarche.slug)
    resultat = rapport(corpus, n_lemmes=n_lemmes)
    if n_classes:
        resultat["classes_de_discours"] = classes_de_discours(corpus, n_classes)
    if format_ == "json":
        click.echo(json.dumps(resultat, ensure_ascii=False, indent=2, default=str))
    elif format_ == "csv":
        ecrire_csv(resultat, sys.stdout)
    else:
        click.echo(en_texte(resultat))
    en_attente = compter_masquage(session, demarche.id).en_attente
    if en_attente > A_LA_VOLEE_PAR_LECTURE:
        click.echo(
            f"Attention : {en_attente} paroles ne sont pas encore passées au détecteur de données "
            f"personnelles ; au-delà des {A_LA_VOLEE_PAR_LECTURE} premières, leurs mots sont laissés de côté "
            "(lemmes, spécificités) jusqu'à leur examen : lancez « parole examiner ».",
            err=True,
        )


def _lignes_csv(resultat: dict):
    for c in registre_chiffres():
        yield "chiffres", "", c.cle, "valeur", resultat["chiffres"][c.cle]
    for ligne in resultat["chiffres"]["par_territoire"]:
        for cle, valeur in ligne.items():
            if cle not in ("territoire", "territoire_id"):
                yield "chiffres_par_territoire", ligne["territoire"], cle, "valeur", valeur
    for critere, lignes in resultat["comptages"].items():
        for l in lignes:
            yield f"comptage_{critere}", "", l["modalite"], "contributions", l["contributions"]
            yield f"comptage_{critere}", "", l["modalite"], "part", l["part"]
    for nom, cellules in resultat["croisements"].items():
        for c in cellules:
            for mesure in ("contributions", "base", "part"):
                yield nom, c["colonne"], c["ligne"], mesure, c[mesure]
    for l in resultat["lemmes"]:
        yield "lemmes", "", l["lemme"], "frequence", l["frequence"]
    for critere, lignes in resultat["specificites"].items():
        for l in lignes:
            yield f"specificites_{critere}", l["groupe"], l["lemme"], "score", l["score"]
    for c in resultat.get("classes_de_discours", {}).get("classes", []):
        groupe = f"classe {c['classe']}"
        yield "classes_de_discours", groupe, "", "segments", c["segments"]
        yield "classes_de_discours", groupe, "", "paroles", c["paroles"]
        for l in c["lemmes"]:
            yield "classes_de_discours", groupe, l["lemme"], "chi2", l["chi2"]
        for m in c["modalites"]:
            yield f"classes_de_discours_{m['variable']}", groupe, m["modalite"], "chi2", m["chi2"]


def _cellule(valeur):
    # Seuls les textes saisis peuvent piéger un tableur ; un score négatif doit rester un nombre.
    return cellule_csv(valeur) if isinstance(valeur, str) else valeur


def ecrire_csv(resultat: dict, sortie) -> None:
    """CSV long (séparateur « ; ») : section ; groupe ; modalite ; mesure ; valeur. Un texte qui
    commence par =, +, -, @ est précédé d'une apostrophe, comme dans l'export du corpus."""
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\n")
    ecrivain.writerow(["section", "groupe", "modalite", "mesure", "valeur"])
    ecrivain.writerows([_cellule(v) for v in ligne] for ligne in _lignes_csv(resultat))


def en_texte(resultat: dict) -> str:
    lignes = [f"Démarche : {resultat['demarche']['titre']} ({resultat['demarche']['slug']})", ""]
    lignes += [
        f"  {resultat['chiffres'][c.cle]:>8}  {c.libelle_pour(resultat['chiffres'][c.cle])}"
        for c in registre_chiffres()
    ]
    for critere, titre in (
        ("dispositif", "Paroles par dispositif"),
        ("territoire", "Paroles par territoire"),
        ("theme", "Paroles par thème"),
        ("profil", "Paroles par profil"),
    ):
        lignes += ["", titre]
        lignes += [
            f"  {l['contributions']:>8}  {l['part']:>6.1%}  {l['libelle']}"
            for l in resultat["comptages"][critere]
        ]
    if resultat["lemmes"]:
        lignes += [
            "",
            "Lemmes les plus fréquents",
            "  " + ", ".join(f"{l['lemme']} ({l['frequence']})" for l in resultat["lemmes"]),
        ]
    specifiques = resultat["specificites"]["territoire"]
    if specifiques:
        lignes += ["", "Spécificités par territoire (score > 0 : sur-emploi)"]
        lignes += [f"  {l['groupe']} : {l['lemme']} {l['score']:+.1f}" for l in specifiques]
    if "classes_de_discours" in resultat:
        lignes += _classes_en_texte(resultat["classes_de_discours"])
    lignes += [""] + [f"Note : {m}" for m in resultat["messages"]]
    return "\n".join(lignes).rstrip()


def _classes_en_texte(discours: dict) -> list[str]:
    lignes = ["", "Classes de discours (méthode de Reinert ; chi² : sur-emploi dans la classe)"]
    if discours["message"]:
        lignes.append(f"  {discours['message']}")
    for c in discours["classes"]:
        part = nombre_fr(c["part"], 1, True)
        lignes.append(
            f"  Classe {c['classe']} : {c['segments']} segments ({part} des segments classés), "
            f"{c['paroles']} paroles"
        )
        lignes.append(
            "    mots : " + ", ".join(f"{l['lemme']} ({nombre_fr(l['chi2'], 1)})" for l in c["lemmes"])
        )
        if c["modalites"]:
            lignes.append("    sur-représentés : " + ", ".join(m["modalite"] for m in c["modalites"]))
        lignes += [f"    « {texte} »" for texte in c["segments_caracteristiques"]]
    return lignes


@click.command("suggerer")
@click.option("--demarche", "slug", help="Identifiant de la démarche (facultatif s'il n'y en a qu'une).")
@with_appcontext
def suggerer_commande(slug):
    """Lit un texte par ligne sur l'entrée standard ; écrit une ligne JSON par texte :
    {"texte": …, "suggestions": [{"theme": slug, "score": nombre}, …]} (au plus 3, meilleur d'abord)."""
    session = get_session()
    demarche = choisir_demarche(session, slug)
    modele = suggestions.modele_de_la_demarche(session, demarche.slug)
    for ligne in sys.stdin:
        texte = ligne.rstrip("\r\n")
        proposees = [{"theme": s, "score": score} for s, score in suggestions.suggerer(modele, texte)]
        click.echo(json.dumps({"texte": texte, "suggestions": proposees}, ensure_ascii=False))


COMMANDES = [analyse_commande]
SOUS_COMMANDES = {"themes": [suggerer_commande]}  # parole themes suggerer
