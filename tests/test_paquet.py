"""Une installation non éditable embarque gabarits, fichiers statiques et exemples (data-files)."""

import tomllib
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent


def test_chaque_dossier_de_ressources_est_declare_dans_pyproject():
    config = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))
    declares = {motif for motifs in config["tool"]["setuptools"]["data-files"].values() for motif in motifs}
    dossiers = set()
    for racine in ("templates", "static", "exemples"):
        for fichier in (RACINE / racine).rglob("*"):
            if fichier.is_file() and "__pycache__" not in fichier.parts:
                dossiers.add(fichier.parent.relative_to(RACINE).as_posix())
    oublies = {d for d in dossiers if not any(m.rsplit("/", 1)[0] == d for m in declares)}
    assert not oublies, f"dossiers absents de [tool.setuptools.data-files] : {sorted(oublies)}"
