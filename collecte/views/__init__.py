"""Blueprints web du paquet collecte : chacun lit la requête, appelle une fonction de `collecte.*`
et rend une page. `app.create_app` enregistre ceux de `BLUEPRINTS` (voir `app.PAQUETS`).
"""

from collecte.views import api, comptes, demarches, imports, revue, saisie, temps, terrain, themes

BLUEPRINTS = [m.bp for m in (comptes, demarches, temps, saisie, api, terrain, revue, themes, imports)]
