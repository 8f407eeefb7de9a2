"""Nombres à la française, un seul endroit pour toute l'application : « 12 345 », « 3,5 », « 42 % ».

Filtre Jinja `nombre` de tous les gabarits (enregistré par `app.py`) et formateur des graphiques de
l'analyse (`analyse.graphiques`)."""

from __future__ import annotations

ESPACE_FINE = "\u202f"  # espace fine insécable : milliers, avant « % »


def nombre_fr(valeur, decimales: int = 0, pourcent: bool = False, espace: str = ESPACE_FINE) -> str:
    """Espaces fines insécables pour les milliers et avant « % », virgule décimale ; une part de 0 à 1
    avec `pourcent=True`. Une valeur absente (None, NaN) donne « — » ; jamais « -0 ». `espace` : l'espace
    des milliers et du « % » (le livret prend l'insécable U+00A0, que reportlab ne coupe pas)."""
    if valeur is None or valeur != valeur:  # None ou NaN
        return "—"
    nombre = float(valeur) * 100 if pourcent else float(valeur)
    texte = f"{nombre:,.{decimales}f}".replace(",", espace).replace(".", ",")
    if texte.lstrip("-").strip(f"0,{espace}") == "":
        texte = texte.lstrip("-")
    return texte + (espace + "%" if pourcent else "")
