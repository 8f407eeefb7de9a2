"""Section facultative du livret « Ce qui structure les paroles » : classes de discours (méthode de
Reinert), graphe de similitudes et plan de l'analyse des correspondances, pour un public non spécialiste.

Le calcul est celui du tableau de bord (`analyse.discours`) : `calculer` le fait une fois, depuis
`restitution.contenu.preparer`, sur les paroles dont le livret lit le texte (toutes, ou l'échantillon
lexical d'une grande démarche) ; `section` met le résultat en page. Les segments typiques viennent déjà
sans les paroles « ne pas citer » ; les masquées ne sont pas dans le corpus ; aucun n'est signé.

Images : PNG rendus à `DPI` points par pouce, posés à leur taille naturelle (police du dessin lisible),
réduits si besoin pour tenir dans le cadre de la page ; en A5, le dessin étroit du tableau de bord.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image as ImagePIL
from reportlab.platypus import KeepTogether, PageBreak, Paragraph

from analyse import discours
from analyse.afc import figure_afc
from analyse.similitudes import figure_similitudes
from collecte.modele.validation import ErreurValidation
from restitution.mise_en_page import FOND_TUILE, ImagePNG, citation, citer, echapper, nombre_part
from restitution.polices import ESPACE_INSECABLE

TITRE = "Ce qui structure les paroles"
VARIABLE_AFC = discours.VARIABLE_AFC_PAR_DEFAUT  # celle du tableau de bord
DPI = 200  # assez fin pour l'impression (les nuages de mots sont à environ 140)
PART_HAUTEUR = 0.62  # une image occupe au plus cette part de la hauteur du cadre (titre et légende à côté)
MOTS_PAR_CLASSE = 8
MODALITES_PAR_COTE = 3
MOTS_PAR_COTE = 4


@dataclass(frozen=True)
class OptionsStructure:
    """Ce que l'équipe choisit : nombre de classes demandé, variable croisée par l'AFC."""

    classes: int = discours.CLASSES_PAR_DEFAUT
    variable: str = VARIABLE_AFC


@dataclass
class Structure:
    """Résultats de `analyse.discours` pour le livret ; chaque `*_message` dit pourquoi une partie manque."""

    options: OptionsStructure
    discours: dict
    afc: object  # ResultatAFC ou None
    afc_message: str
    axes: list[dict]
    graphe: object  # GrapheSimilitudes ou None
    graphe_message: str


def lire_options(classes, variable) -> OptionsStructure:
    """Options venues d'un formulaire ou de la ligne de commande (textes) → `OptionsStructure`, ou
    ErreurValidation en français."""
    choix = discours.CLASSES_CHOIX
    bornes = f"un nombre entier de {choix.start} à {choix.stop - 1}"
    try:
        nombre = int(str(classes).strip())
    except ValueError:
        raise ErreurValidation(f"Nombre de classes « {classes} » : {bornes}.", "classes") from None
    if nombre not in choix:
        raise ErreurValidation(f"Nombre de classes « {classes} » : {bornes}.", "classes")
    if variable not in discours.VARIABLES:
        noms = ", ".join(discours.VARIABLES)
        raise ErreurValidation(f"Variable « {variable} » inconnue pour l'AFC : {noms}.", "variable")
    return OptionsStructure(nombre, variable)


def calculer(corpus, options: OptionsStructure) -> Structure:
    """Classes de discours, AFC lemmes × `options.variable` et graphe de similitudes de `corpus`."""
    resultat_afc, message_afc = discours.afc_du_corpus(corpus, options.variable)
    graphe, message_graphe = discours.graphe_du_corpus(corpus)
    return Structure(
        options=options,
        discours=discours.classes_de_discours(corpus, options.classes),
        afc=resultat_afc,
        afc_message=message_afc,
        axes=discours.contributions_afc(resultat_afc) if resultat_afc is not None else [],
        graphe=graphe,
        graphe_message=message_graphe,
    )


# --- Images ---------------------------------------------------------------------------------------------


def _png(figure) -> ImagePNG:
    tampon = io.BytesIO()
    figure.savefig(tampon, format="png", bbox_inches="tight", dpi=DPI)
    donnees = tampon.getvalue()
    largeur, hauteur = ImagePIL.open(io.BytesIO(donnees)).size
    return ImagePNG(donnees, largeur, hauteur)


def image(figure, g):
    """La figure en PNG, à sa taille naturelle, réduite pour tenir dans la largeur du cadre et dans
    `PART_HAUTEUR` de sa hauteur."""
    png = _png(figure)
    naturelle = png.largeur_px / DPI * 72  # points
    largeur = min(naturelle, g.largeur, g.hauteur * PART_HAUTEUR * png.largeur_px / png.hauteur_px)
    return png.flowable(largeur)


# --- Phrases --------------------------------------------------------------------------------------------


def _liste(elements: list[str]) -> str:
    return elements[0] if len(elements) == 1 else ", ".join(elements[:-1]) + " et " + elements[-1]


def phrase_modalites(modalites: list[dict]) -> str:
    """« Plus présents ici qu'ailleurs : le thème « A », les dispositifs « B » et « C ». » ou ""."""
    groupes: dict[str, list[str]] = {}
    for m in modalites:
        groupes.setdefault(m["variable_libelle"], []).append(citer(m["modalite"]))
    morceaux = [
        f"{'le' if len(noms) == 1 else 'les'} {echapper(variable)}{'' if len(noms) == 1 else 's'} "
        + _liste(noms)
        for variable, noms in groupes.items()
    ]
    return f"Plus présents ici qu'ailleurs{ESPACE_INSECABLE}: {_liste(morceaux)}." if morceaux else ""


def _cote(axe: dict, signe: int) -> tuple[list[str], list[str]]:
    modalites = [m["libelle"] for m in axe["modalites"] if m["coordonnee"] * signe > 0]
    mots = [l["libelle"] for l in axe["lemmes"] if l["coordonnee"] * signe > 0]
    return modalites[:MODALITES_PAR_COTE], mots[:MOTS_PAR_COTE]


def _decrire_cote(modalites: list[str], mots: list[str]) -> str:
    texte = _liste([citer(m) for m in modalites])
    return texte + (f" (avec les mots {_liste([echapper(m) for m in mots])})" if mots else "")


def phrase_axe1(axes: list[dict], variable: str) -> str:
    """Ce que l'axe 1 oppose, tiré de `contributions_afc` : les modalités et les mots qui y contribuent
    le plus, de chaque côté du centre."""
    if not axes:
        return ""
    axe = axes[0]
    droite, gauche = _cote(axe, 1), _cote(axe, -1)
    debut = (
        f"L'axe horizontal résume {nombre_part(axe['part'])} des différences de vocabulaire entre "
        f"{echapper(discours.VARIABLES[variable])}s."
    )
    if not droite[0] or not gauche[0]:
        return debut
    return f"{debut} Il oppose, à droite, {_decrire_cote(*droite)} et, à gauche, {_decrire_cote(*gauche)}."


# --- Mise en page ---------------------------------------------------------------------------------------


def _introduction(g, structure: Structure) -> list:
    st, resultat = g.st, structure.discours
    recit = [
        Paragraph(
            "Un logiciel a relu les paroles, découpées en courts passages d'une quarantaine de mots, "
            "sans rien savoir des thèmes. Il a rassemblé les passages qui emploient les mêmes mots en "
            "« classes de discours » : des familles de paroles qui parlent de la même chose, avec le même "
            "vocabulaire. C'est la méthode de Reinert, celle du logiciel de recherche IRaMuTeQ. Chaque "
            "classe est décrite par ses mots caractéristiques, quelques passages typiques et les "
            "territoires, profils, dispositifs ou thèmes où elle revient le plus.",
            st["Corps"],
        )
    ]
    if resultat["classes"]:
        recit.append(
            Paragraph(
                f"{len(resultat['classes'])} classes ont été trouvées ; elles rassemblent "
                f"{resultat['segments_classes']} passages sur {resultat['segments']}.",
                st["Corps"],
            )
        )
    return recit


def _classe(g, classe: dict) -> list:
    st = g.st
    mots = [echapper(l["lemme"]) for l in classe["lemmes"][:MOTS_PAR_CLASSE]]
    recit = [
        Paragraph(
            f"Classe {classe['classe']}{ESPACE_INSECABLE}: {nombre_part(classe['part'])} des passages",
            st["TitreEncadre"],
        ),
        Paragraph(
            f"<b>Mots caractéristiques{ESPACE_INSECABLE}:</b> {', '.join(mots)}."
            if mots
            else "Aucun mot ne la caractérise nettement.",
            st["Corps"],
        ),
    ]
    phrase = phrase_modalites(classe["modalites"])
    recit += [Paragraph(phrase, st["Corps"])] if phrase else []
    typiques = [citation(st, texte, "", FOND_TUILE) for texte in classe["segments_caracteristiques"]]
    if typiques:  # le titre de la classe ne reste jamais seul en bas de page
        recit += [Paragraph(f"Passages typiques{ESPACE_INSECABLE}:", st["Note"]), typiques[0]]
    return [KeepTogether(recit)] + typiques[1:]


def _graphe(g, structure: Structure) -> list:
    st = g.st
    titre = Paragraph("Les mots employés ensemble", st["Section"])
    if structure.graphe is None:
        return [titre, Paragraph(echapper(structure.graphe_message), st["Vide"])]
    lecture = Paragraph(
        "Comment lire ce graphe : chaque mot fréquent est relié au mot avec lequel il apparaît le plus "
        "souvent dans une même parole. Plus un mot est gros, plus il est employé ; plus un trait est "
        "épais, plus les deux mots vont souvent ensemble. Les branches dessinent les grands sujets.",
        st["Corps"],
    )
    return [KeepTogether([titre, lecture, image(figure_similitudes(structure.graphe, _etroit(g)), g)])]


def _afc(g, structure: Structure) -> list:
    st, variable = g.st, structure.options.variable
    nom = discours.VARIABLES[variable]
    titre = Paragraph(f"Ce qui distingue les {echapper(nom)}s", st["Section"])
    if structure.afc is None:
        return [titre, Paragraph(echapper(structure.afc_message), st["Vide"])]
    lecture = Paragraph(
        f"Comment lire ce plan (analyse des correspondances) : les carrés sont les {echapper(nom)}s, les "
        f"ronds les mots qui les distinguent le plus. Un mot proche d'un carré est davantage employé dans "
        f"les paroles de ce {echapper(nom)} ; le centre est le vocabulaire partagé par tous.",
        st["Corps"],
    )
    axe = Paragraph(phrase_axe1(structure.axes, variable), st["Corps"])
    return [KeepTogether([titre, lecture, axe, image(figure_afc(structure.afc, _etroit(g)), g)])]


def _etroit(g) -> bool:
    return g.format_ != "A4"


def section(contenu, g) -> list:
    """La section « Ce qui structure les paroles » : introduction, une sous-partie par classe, graphe de
    similitudes, plan de l'AFC ; corpus trop petit : la phrase qui dit pourquoi."""
    st, structure = g.st, contenu.structure
    recit = [Paragraph(TITRE, st["Chapitre"])] + _introduction(g, structure)
    resultat = structure.discours
    recit.append(Paragraph("Les classes de discours", st["Section"]))
    if resultat["message"]:
        recit.append(Paragraph(echapper(resultat["message"]), st["Note" if resultat["classes"] else "Vide"]))
    for classe in resultat["classes"]:
        recit += _classe(g, classe)
    return recit + _graphe(g, structure) + _afc(g, structure) + [PageBreak()]
