"""Gestionnaires des feuilles themes, territoires, structures et temps d'un import de classeur.

Chaque ligne est retrouvée par sa clé naturelle (slug, ville + quartier, nom, ref) : créée si
elle manque, mise à jour si une valeur diffère, sinon comptée « inchangée ». Les temps, qui
peuvent se compter par dizaines de milliers, s'écrivent par insertions et mises à jour groupées.
"""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, select, update

from collecte.demarches import valider_structure
from collecte.modele.models import Structure, TempsDeCollecte, TempsTheme, Territoire, Theme, maintenant
from collecte.modele.validation import ErreurValidation, valider_slugs_themes, valider_texte
from collecte.tableurs.contexte import ContexteImport
from collecte.tableurs.lecture import Feuille
from collecte.terrain.temps import valider_temps
from collecte.themes import gestion as gestion_themes

TAILLE_LOT = 5_000
CHAMPS_TEMPS = (
    "dispositif",
    "date",
    "date_fin",
    "lieu",
    "evenement",
    "animateurs",
    "notes",
    "questions",
    "personnes_rencontrees",
    "dont_professionnels",
    "territoire_id",
    "structure_id",
)


def lire_lieu(ligne: dict, requis: bool) -> tuple[str, str]:
    """(ville, quartier) d'une ligne ; un quartier sans ville est ignoré."""
    ville = valider_texte(ligne.get("ville"), "ville", 120, requis=requis)
    return ville, valider_texte(ligne.get("quartier"), "quartier", 200, requis=False) if ville else ""


def _message_theme(erreur: ErreurValidation) -> str:
    # Le livre de codes nomme déjà le lieu (« Feuille themes, ligne 4, label : … ») : on ajoute « colonne ».
    message = erreur.message
    if erreur.champ and f", {erreur.champ} : " in message:
        return message.replace(f", {erreur.champ} : ", f", colonne {erreur.champ} : ", 1)
    return message if message.startswith("Feuille") else f"Feuille themes : {message}"


def etat_des_themes(session, demarche_id: int) -> dict[str, tuple]:
    """Slug → valeurs d'un thème, pour savoir ensuite lesquels un import a vraiment modifiés."""
    c = Theme.__table__.c
    colonnes = (c.label, c.description, c.mots_cles, c.couleur, c.ordre, c.parent_id)
    return {
        slug: tuple(valeurs)
        for slug, *valeurs in session.execute(select(c.slug, *colonnes).where(c.demarche_id == demarche_id))
    }


def compter_themes(rapport, session, demarche_id: int, avant: dict[str, tuple], resultat) -> None:
    """Créés, vraiment modifiés, et inchangés (réécrits à l'identique) ; `resultat` : `RapportThemes`."""
    apres = etat_des_themes(session, demarche_id)
    modifies = sum(avant.get(slug) != apres.get(slug) for slug in resultat.mis_a_jour)
    rapport.compter("themes", "creees", len(resultat.crees))
    rapport.compter("themes", "mises_a_jour", modifies)
    rapport.compter("themes", "inchangees", len(resultat.mis_a_jour) - modifies)


def traiter_themes(ctx: ContexteImport, feuille: Feuille) -> None:
    lignes = [{**ligne, "_lieu": f"Feuille themes, ligne {n}"} for n, ligne in ctx.lignes(feuille)]
    avant = etat_des_themes(ctx.session, ctx.demarche.id)
    try:
        resultat = gestion_themes.importer_themes(ctx.session, ctx.demarche.id, lignes, commit=False)
    except ErreurValidation as erreur:
        ctx.erreurs.append(_message_theme(erreur))
        return
    ctx.session.flush()
    compter_themes(ctx.rapport, ctx.session, ctx.demarche.id, avant, resultat)
    ctx.recharger_themes()


def traiter_territoires(ctx: ContexteImport, feuille: Feuille) -> None:
    table = Territoire.__table__
    codes = dict(
        ctx.session.execute(
            select(table.c.id, table.c.code_qpv).where(table.c.demarche_id == ctx.demarche.id)
        ).all()
    )
    for numero, ligne in ctx.lignes(feuille):
        try:
            cle = lire_lieu(ligne, True)
            code = valider_texte(ligne.get("code_qpv"), "code_qpv", 20, requis=False)
        except ErreurValidation as erreur:
            ctx.erreur("territoires", numero, erreur)
            continue
        nouveau = cle not in ctx.territoires
        ident = ctx.territoire(*cle)
        if code and code != codes.get(ident, ""):
            ctx.session.execute(update(table).where(table.c.id == ident).values(code_qpv=code))
            codes[ident] = code
            if not nouveau:
                ctx.compter("territoires", "mises_a_jour")
        elif not nouveau:
            ctx.compter("territoires", "inchangees")


def _valider_structure(ctx: ContexteImport, ligne: dict, vues: set[str]) -> dict:
    champs = valider_structure(ligne)
    if champs["nom"] in vues:
        raise ErreurValidation(f"La structure « {champs['nom']} » apparaît deux fois dans la feuille.", "nom")
    vues.add(champs["nom"])
    ville, quartier = lire_lieu(ligne, False)
    if ville:
        champs["territoire_id"] = ctx.territoire(ville, quartier)
    return champs


def traiter_structures(ctx: ContexteImport, feuille: Feuille) -> None:
    table = Structure.__table__
    existantes = {
        r["nom"]: r
        for r in ctx.session.execute(select(table).where(table.c.demarche_id == ctx.demarche.id)).mappings()
    }
    vues: set[str] = set()
    for numero, ligne in ctx.lignes(feuille):
        try:
            champs = _valider_structure(ctx, ligne, vues)
        except ErreurValidation as erreur:
            ctx.erreur("structures", numero, erreur, ligne.get("nom"))
            continue
        existante = existantes.get(champs["nom"])
        if existante is None:
            ident = ctx.session.execute(
                insert(table).values(demarche_id=ctx.demarche.id, **champs).returning(table.c.id)
            ).scalar_one()
            ctx.structures[champs["nom"]] = ident
            ctx.compter("structures", "creees")
        else:
            ident = existante["id"]
            changes = {k: v for k, v in champs.items() if existante[k] != v}
            if changes:
                ctx.session.execute(update(table).where(table.c.id == ident).values(**changes))
            ctx.compter("structures", "mises_a_jour" if changes else "inchangees")
        ctx.territoire_de_structure[ident] = champs.get(
            "territoire_id", existante and existante["territoire_id"]
        )


def _valider_temps(ctx: ContexteImport, ligne: dict, vues: set[str]) -> tuple[str, dict, list[int] | None]:
    ref = valider_texte(ligne.get("ref"), "ref", 80)
    if ref in vues:
        raise ErreurValidation(f"La référence « {ref} » apparaît deux fois dans la feuille.", "ref")
    vues.add(ref)
    nom_structure = valider_texte(ligne.get("structure"), "structure", 300, requis=False)
    if (
        nom_structure
        and nom_structure not in ctx.structures
        and nom_structure not in ctx.refusees["structures"]
    ):
        raise ErreurValidation(
            f"Structure « {nom_structure} » absente de la feuille structures et de la démarche.", "structure"
        )
    ville, quartier = lire_lieu(ligne, False)
    champs = valider_temps(
        ctx.session, ctx.demarche.id, {**ligne, "territoire_id": None, "structure_id": None}
    )
    structure_id = ctx.structures.get(nom_structure)
    champs["structure_id"] = structure_id
    champs["territoire_id"] = (
        ctx.territoire(ville, quartier) if ville else ctx.territoire_de_structure.get(structure_id)
    )
    # Colonne themes absente : les thèmes proposés du temps ne sont pas touchés.
    themes = valider_slugs_themes(ligne.get("themes"), ctx.themes) if "themes" in ligne else None
    return ref, champs, themes


def traiter_temps(ctx: ContexteImport, feuille: Feuille) -> None:
    table = TempsDeCollecte.__table__
    existants = {
        r["ref"]: r
        for r in ctx.session.execute(select(table).where(table.c.demarche_id == ctx.demarche.id)).mappings()
    }
    proposes = _themes_proposes(ctx)
    nouveaux, modifies, vues, horodatage = [], [], set(), maintenant()
    themes_par_ref: dict[str, list[int]] = {}
    for numero, ligne in ctx.lignes(feuille):
        try:
            ref, champs, themes = _valider_temps(ctx, ligne, vues)
        except ErreurValidation as erreur:
            ctx.erreur("temps", numero, erreur, ligne.get("ref"))
            continue
        existant = existants.get(ref)
        if themes is not None:
            themes_par_ref[ref] = themes
        if existant is None:
            nouveaux.append({"demarche_id": ctx.demarche.id, "ref": ref, "cree_le": horodatage, **champs})
            ctx.compter("temps", "creees")
        elif any(existant[k] != v for k, v in champs.items()):
            modifies.append({"_id": existant["id"], **champs})
            ctx.compter("temps", "mises_a_jour")
        elif themes is not None and set(themes) != proposes.get(existant["id"], set()):
            ctx.compter("temps", "mises_a_jour")
        else:
            ctx.compter("temps", "inchangees")
    if ctx.ecriture_permise:
        _ecrire_temps(ctx, nouveaux, modifies)
        _ecrire_themes_proposes(ctx, themes_par_ref, proposes)
    else:  # rien ne sera écrit : on garde les refs pour valider les paroles sans fausse erreur
        ctx.temps.update({n["ref"]: 0 for n in nouveaux})


def _themes_proposes(ctx: ContexteImport) -> dict[int, set[int]]:
    t, tt = TempsDeCollecte.__table__.c, TempsTheme.__table__.c
    proposes: dict[int, set[int]] = {}
    for temps_id, theme_id in ctx.session.execute(
        select(tt.temps_id, tt.theme_id)
        .join(TempsDeCollecte.__table__, t.id == tt.temps_id)
        .where(t.demarche_id == ctx.demarche.id)
    ):
        proposes.setdefault(temps_id, set()).add(theme_id)
    return proposes


def _ecrire_themes_proposes(
    ctx: ContexteImport, themes_par_ref: dict[str, list[int]], proposes: dict[int, set[int]]
) -> None:
    table = TempsTheme.__table__
    changes = {
        ctx.temps[ref]: ids
        for ref, ids in themes_par_ref.items()
        if set(ids) != proposes.get(ctx.temps[ref], set())
    }
    if not changes:
        return
    ctx.session.execute(delete(table).where(table.c.temps_id.in_(list(changes))))
    lignes = [
        {"temps_id": temps_id, "theme_id": theme_id}
        for temps_id, ids in changes.items()
        for theme_id in dict.fromkeys(ids)
    ]
    if lignes:
        ctx.session.execute(insert(table), lignes)


def _ecrire_temps(ctx: ContexteImport, nouveaux: list[dict], modifies: list[dict]) -> None:
    table = TempsDeCollecte.__table__
    for debut in range(0, len(nouveaux), TAILLE_LOT):
        ctx.session.execute(insert(table), nouveaux[debut : debut + TAILLE_LOT])
    if nouveaux:  # identifiants attribués relus d'un coup (executemany natif, sans RETURNING)
        ctx.temps = dict(
            ctx.session.execute(
                select(table.c.ref, table.c.id).where(table.c.demarche_id == ctx.demarche.id)
            ).all()
        )
    if modifies:
        requete = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(c) for c in CHAMPS_TEMPS})
        )
        ctx.session.connection().execute(requete, modifies)
