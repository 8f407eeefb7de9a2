"""Collecte : tout ce qui fait entrer et tenir la parole dans Parole.

Les pièces (voir ARCHITECTURE.md) :

- `modele/` : les tables et leurs vocabulaires (`models`), le registre des champs d'une parole
  (`champs`), la base (`db`, migrations Alembic), les validateurs partagés (`validation`), les sauvegardes ;
- `terrain/` : temps de collecte, saisie des paroles (seules ou par lots), photos ;
- `tableurs/` : lire et écrire des CSV et des classeurs, importer une démarche entière ;
- `themes/` : le livre de codes (thèmes : gestion, formats YAML, CSV, REFI-QDA) ;
- `demarches`, `revue`, `comptes` : démarches et structures, revue des paroles, comptes d'équipe ;
- `views/` (blueprints), `web` (garde-fous d'accès des vues), `cli` (commandes `parole`).
"""
