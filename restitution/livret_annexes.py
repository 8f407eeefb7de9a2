"""Annexes du livret : questionnaires utilisés, questions affichées pendant les temps de collecte,
et note de méthode générée (ce qui a été compté, comment, et ce qui a été écarté)."""

from __future__ import annotations

from reportlab.platypus import Paragraph

from analyse import reinert
from analyse.afc import SEUIL as SEUIL_AFC
from analyse.chiffres import registre
from analyse.discours import VARIABLES
from collecte.modele.models import DISPOSITIFS
from collecte.nombres import nombre_fr
from restitution.contenu import MINIMUM_PAR_THEME
from restitution.mise_en_page import echapper, nombre, paragraphes
from restitution.selection import PAR_ENCADRE


def _questionnaire(g, definition) -> list:
    st = g.st
    recit = [
        Paragraph(f"Questionnaire : {echapper(definition.titre)}", g.st["Section"]),
        Paragraph(f"Version {definition.version}.", st["Note"]),
    ]
    for question in definition.questions:
        recit.append(Paragraph(f"<b>{question.numero}.</b> {echapper(question.intitule)}", st["Corps"]))
        if question.choix:
            recit.append(Paragraph("Choix : " + echapper(" · ".join(question.choix)), st["Note"]))
    return recit


def _questions_des_temps(g, temps) -> list:
    comptes: dict[str, dict[str, int]] = {}
    for dispositif, liste in zip(temps["dispositif"], temps["questions"]) if len(temps) else []:
        for question in liste or []:
            if question:
                par_question = comptes.setdefault(dispositif, {})
                par_question[question] = par_question.get(question, 0) + 1
    if not comptes:
        return []
    recit = [Paragraph("Questions affichées pendant les temps de collecte", g.st["Section"])]
    for dispositif, questions in comptes.items():
        recit.append(Paragraph(f"<b>{echapper(DISPOSITIFS.get(dispositif, dispositif))}</b>", g.st["Corps"]))
        recit += [
            Paragraph(f"{echapper(q)} <font size='8'>({n} temps)</font>", g.st["Puce"], bulletText="–")
            for q, n in questions.items()
        ]
    return recit


def _donnees_personnelles(masquage) -> str:
    """La ligne de la note de méthode sur les données personnelles repérées que personne n'a examinées."""
    n = masquage.reperages
    if not n:
        return (
            "<b>Données personnelles.</b> Avant l'impression, chaque parole est relue par un repérage "
            "automatique des données personnelles (noms, téléphones, courriels, adresses…) ; aucune donnée "
            "repérée n'est restée sans examen de l'équipe."
        )
    accords = (
        ("donnée personnelle repérée et non examinée a été remplacée", "sa")
        if n == 1
        else ("données personnelles repérées et non examinées ont été remplacées", "leur")
    )
    return (
        f"<b>Données personnelles.</b> {nombre(n)} {accords[0]} par {accords[1]} nature "
        f"({echapper(', '.join(masquage.natures))}) dans les paroles citées et les nuages de mots."
    )


def _methode_structure(contenu) -> str:
    """La ligne de la note de méthode sur « Ce qui structure les paroles » (classes, similitudes, AFC)."""
    structure = contenu.structure
    echantillon = structure.discours["message"] if structure.discours["classes"] else ""
    if contenu.echantillon:
        echantillon += " Ces trois analyses portent sur l'échantillon de paroles décrit ci-dessous."
    return (
        "<b>Ce qui structure les paroles.</b> Les paroles sont découpées en segments d'environ "
        f"{reinert.TAILLE_SEGMENT} mots, coupés de préférence à une ponctuation ; chaque segment est décrit "
        "par les lemmes (formes de dictionnaire) des mots pleins qu'il contient. Une classification "
        "descendante hiérarchique (méthode de Reinert, comme le logiciel IRaMuTeQ) coupe en deux, "
        "plusieurs fois, l'ensemble des segments là où leurs vocabulaires s'opposent le plus, jusqu'à "
        f"{structure.options.classes} classes au plus. Un mot, un territoire, un profil, un dispositif ou "
        "un thème est dit caractéristique d'une classe quand il y est plus présent qu'ailleurs au test du "
        f"chi² (chi² d'au moins {nombre_fr(reinert.SEUIL_CHI2, 2)}, soit p &lt; 0,05) ; les passages "
        "typiques sont ceux qui contiennent le plus de mots caractéristiques, jamais pris dans une parole "
        f"« à ne pas citer ». {echapper(echantillon)} Le graphe de similitudes relie les lemmes les plus "
        "fréquents par l'arbre de leurs plus fortes cooccurrences dans une même parole. L'analyse des "
        f"correspondances croise les lemmes employés au moins {SEUIL_AFC} fois et les "
        f"{echapper(VARIABLES[structure.options.variable])}s."
    )


def _note_methode(contenu, g) -> list:
    st, exclues = g.st, contenu.exclues
    recit = [
        Paragraph("Note de méthode", st["Section"]),
        Paragraph(
            "<b>Ce qui est compté.</b> Les chiffres de ce livret sont calculés à partir des "
            "saisies de l'équipe :",
            st["Corps"],
        ),
    ]
    recit += [
        Paragraph(f"<i>{echapper(c.libelle)}</i> : {echapper(c.definition)} ;", st["Puce"], bulletText="–")
        for c in registre()
    ]
    recit.append(
        Paragraph(
            (
                "<b>Thèmes.</b> Chaque parole a reçu un ou plusieurs thèmes du livre de codes : elle "
                "compte dans chacun. Dans un chapitre, la part d'un territoire ou d'un profil se rapporte "
                "à toutes les paroles de ce territoire ou de ce profil."
            ),
            st["Corps"],
        )
    )
    recit.append(
        Paragraph(
            (
                f"<b>Paroles citées.</b> Chaque encadré reprend d'abord, au plus {PAR_ENCADRE}, les paroles "
                "que l'équipe a marquées « à retenir », puis des paroles représentatives choisies par "
                "l'analyse : celles dont les mots sont les plus caractéristiques du thème, en variant les "
                "territoires et les profils et en écartant les redites. Les paroles sont reproduites "
                "telles que saisies ; « […] » marque une coupe. Une parole n'est jamais signée d'un nom : "
                "seulement sa ville, ou sa structure pour un·e professionnel·le."
            ),
            st["Corps"],
        )
    )
    recit.append(
        Paragraph(
            (
                f"<b>Paroles écartées.</b> {nombre(exclues['ne_pas_citer'])} parole(s) « à ne pas citer » "
                f"sont comptées dans les chiffres mais jamais citées ; {nombre(exclues['masquees'])} "
                "parole(s) masquées à la modération ne sont ni comptées ni citées."
            ),
            st["Corps"],
        )
    )
    recit.append(Paragraph(_donnees_personnelles(contenu.masquage), st["Corps"]))
    if contenu.structure is not None:
        recit.append(Paragraph(_methode_structure(contenu), st["Corps"]))
    recit.append(
        Paragraph(
            (
                "<b>Nuages de mots.</b> Les mots sont ramenés à leur forme de dictionnaire (lemme) ; les "
                "mots vides (articles, pronoms…) et ceux que l'équipe a écartés sont retirés. La taille "
                "d'un mot suit sa fréquence dans les paroles du thème."
            ),
            st["Corps"],
        )
    )
    if contenu.echantillon:
        recit.append(
            Paragraph(
                (
                    f"<b>Échantillon.</b> Cette démarche compte {nombre(len(contenu.corpus.contributions))} "
                    "paroles. Tous les chiffres portent sur l'ensemble ; les nuages de mots et le choix "
                    "des paroles représentatives sont calculés sur un échantillon reproductible de "
                    f"{nombre(contenu.echantillon)} paroles (tirées dans un ordre pseudo-aléatoire fixe, au "
                    f"moins {nombre(MINIMUM_PAR_THEME)} par thème), qui contient toujours les paroles "
                    "« à retenir » imprimées."
                ),
                st["Corps"],
            )
        )
    return recit + paragraphes(contenu.textes["methode"].contenu, st["Corps"])


def annexes(contenu, g) -> list:
    recit = [Paragraph("Annexes", g.st["Chapitre"])]
    for definition in contenu.questionnaires_utilises:
        recit += _questionnaire(g, definition)
    for nom in contenu.questionnaires_inconnus:
        recit.append(
            Paragraph(
                f"Questionnaire « {echapper(nom)} » : sa définition n'est plus disponible.", g.st["Vide"]
            )
        )
    recit += _questions_des_temps(g, contenu.corpus.temps)
    if len(recit) == 1:
        recit.append(
            Paragraph("Aucun questionnaire ni aucune question affichée pendant cette démarche.", g.st["Vide"])
        )
    return recit + _note_methode(contenu, g)
