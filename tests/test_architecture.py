"""Sens des imports (voir ARCHITECTURE.md), vérifié en lisant le code avec `ast`.

app → */views → logique → modèles ; restitution → analyse → questionnaires → collecte ; collecte
n'importe ni analyse ni restitution, et de questionnaires seulement les définitions (qui n'importent
rien du projet) ; analyse ne lit la base que par analyse/donnees.py ; seuls app.py, les vues, les
commandes, les formulaires, collecte/web.py et collecte/modele/db.py importent flask.
"""

import ast
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
PAQUETS = ("collecte", "questionnaires", "analyse", "restitution")


def _modules():
    for paquet in PAQUETS:
        for fichier in sorted((RACINE / paquet).rglob("*.py")):
            if "migrations" in fichier.parts:
                continue
            yield fichier.relative_to(RACINE).as_posix(), fichier


def _imports(fichier: Path) -> set[str]:
    arbre = ast.parse(fichier.read_text(encoding="utf-8"))
    noms = set()
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Import):
            noms.update(alias.name for alias in noeud.names)
        elif isinstance(noeud, ast.ImportFrom) and noeud.module and noeud.level == 0:
            noms.add(noeud.module)
    return noms


def _racines(noms: set[str]) -> set[str]:
    return {nom.split(".")[0] for nom in noms}


def test_il_y_a_du_code_a_verifier():
    assert len(list(_modules())) >= 10


def test_collecte_n_importe_ni_analyse_ni_restitution():
    for chemin, fichier in _modules():
        if chemin.startswith("collecte/"):
            interdits = _racines(_imports(fichier)) & {"analyse", "restitution"}
            assert not interdits, f"{chemin} importe {interdits}"


def test_collecte_ne_prend_des_questionnaires_que_les_definitions():
    for chemin, fichier in _modules():
        if chemin.startswith("collecte/"):
            pris = {n for n in _imports(fichier) if n.split(".")[0] == "questionnaires"}
            assert pris <= {"questionnaires", "questionnaires.definitions"}, f"{chemin} importe {pris}"


def test_les_definitions_de_questionnaires_n_importent_rien_du_projet():
    for nom in ("questionnaires/__init__.py", "questionnaires/definitions.py"):
        assert not _racines(_imports(RACINE / nom)) & {"collecte", "analyse", "restitution", "app"}, nom


def test_questionnaires_n_importe_ni_analyse_ni_restitution():
    for chemin, fichier in _modules():
        if chemin.startswith("questionnaires/"):
            assert not _racines(_imports(fichier)) & {"analyse", "restitution"}, chemin


def test_analyse_n_importe_pas_restitution():
    for chemin, fichier in _modules():
        if chemin.startswith("analyse/"):
            assert "restitution" not in _racines(_imports(fichier)), chemin


def test_aucun_paquet_n_importe_app():
    for chemin, fichier in _modules():
        assert "app" not in _racines(_imports(fichier)), f"{chemin} importe app (import circulaire)"


def _est_couche_web(chemin: str) -> bool:
    nom = chemin.rsplit("/", 1)[-1]
    return (
        "/views/" in chemin
        or nom in ("views.py", "cli.py", "forms.py")
        or nom.startswith(
            "views_"
        )  # un blueprint de plus à côté de views.py (restitution/views_information.py)
        or chemin in ("collecte/modele/db.py", "collecte/web.py")
    )


def test_seules_les_couches_web_importent_flask():
    for chemin, fichier in _modules():
        racines = _racines(_imports(fichier))
        web = racines & {"flask", "flask_login", "flask_wtf", "flask_limiter", "werkzeug"}
        if web and not _est_couche_web(chemin):
            # werkzeug.security (hachage de mots de passe) n'est pas de la couche web.
            assert _imports(fichier) & {"werkzeug.security"} and web == {"werkzeug"}, (
                f"{chemin} importe {web}"
            )


# Modules de collecte sans base ni modèle, que toute l'analyse peut lire (mise en forme seulement).
# Modules de `collecte` qui ne touchent pas la base : l'analyse peut les importer.
COLLECTE_SANS_BASE = {"collecte.nombres", "collecte.confidentialite.detection"}


def test_analyse_ne_lit_la_base_que_par_donnees():
    acces_base = {"sqlalchemy", "sqlmodel", "collecte"}
    for chemin, fichier in _modules():
        if (
            chemin.startswith("analyse/")
            and chemin not in ("analyse/donnees.py",)
            and not _est_couche_web(chemin)
        ):
            touches = _racines(_imports(fichier) - COLLECTE_SANS_BASE) & acces_base
            assert not touches, (
                f"{chemin} lit la base directement ({touches}) : passer par analyse/donnees.py"
            )


def test_la_logique_n_importe_pas_les_vues():
    for chemin, fichier in _modules():
        if _est_couche_web(chemin):
            continue
        vues = {n for n in _imports(fichier) if n.endswith(".views") or ".views." in n}
        assert not vues, f"{chemin} importe des vues {vues}"


# --- Les vues traduisent HTTP ; les fonctions de logique tiennent l'écriture ----------------------------
# Une vue ne valide (commit) ni n'annule (rollback) ni n'ouvre de transaction, et n'écrit rien en session :
# elle appelle une fonction de logique qui ouvre son unité de travail (collecte.modele.db.unite_de_travail).
TRANSACTION = {"commit", "rollback", "begin", "begin_nested"}
ECRITURE = {"add", "add_all", "delete", "merge", "flush"}


def _modules_de_vues():
    for motif in (
        "collecte/views/*.py",
        "questionnaires/views/*.py",
        "restitution/views.py",
        "restitution/views_*.py",
        "analyse/views.py",
    ):
        yield from sorted(RACINE.glob(motif))


def _est_une_session(noeud: ast.expr) -> bool:
    """`session`, `self.session`, `ma_session`… ou `get_session()`."""
    if isinstance(noeud, ast.Call):
        return isinstance(noeud.func, ast.Name) and noeud.func.id == "get_session"
    nom = noeud.id if isinstance(noeud, ast.Name) else noeud.attr if isinstance(noeud, ast.Attribute) else ""
    return "session" in nom


def _transactions_dans(source: str, chemin: str) -> list[str]:
    fautes = []
    for noeud in ast.walk(ast.parse(source)):
        if isinstance(noeud, ast.Name) and noeud.id == "unite_de_travail":
            fautes.append((noeud.lineno, "ouvre une unité de travail"))
        if not (isinstance(noeud, ast.Call) and isinstance(noeud.func, ast.Attribute)):
            continue
        methode = noeud.func.attr
        if methode in TRANSACTION or (methode in ECRITURE and _est_une_session(noeud.func.value)):
            fautes.append((noeud.lineno, f"appelle .{methode}()"))
    return [f"{chemin}:{ligne} {faute}" for ligne, faute in sorted(fautes)]


def test_il_y_a_des_vues_a_verifier():
    noms = {f.relative_to(RACINE).as_posix() for f in _modules_de_vues()}
    assert {"collecte/views/revue.py", "questionnaires/views/public.py", "restitution/views.py"} <= noms


def test_la_verification_des_vues_voit_transactions_et_ecritures():
    source = (
        "def vue(session):\n    session.add(1)\n    get_session().commit()\n"
        "    with unite_de_travail(session):\n        pass\n    db.session.rollback()\n    vus.add(2)\n"
        "    engine.begin()\n    get_session().delete(x)\n"
    )
    assert _transactions_dans(source, "v.py") == [
        "v.py:2 appelle .add()",
        "v.py:3 appelle .commit()",
        "v.py:4 ouvre une unité de travail",
        "v.py:6 appelle .rollback()",
        "v.py:8 appelle .begin()",
        "v.py:9 appelle .delete()",
    ]


def test_aucune_vue_ne_tient_de_transaction():
    fautes = []
    for fichier in _modules_de_vues():
        fautes += _transactions_dans(
            fichier.read_text(encoding="utf-8"), fichier.relative_to(RACINE).as_posix()
        )
    assert not fautes, (
        "Une vue appelle une fonction de logique, qui ouvre son unité de travail ; elle ne valide, "
        "n'annule ni n'écrit elle-même :\n" + "\n".join(fautes)
    )
