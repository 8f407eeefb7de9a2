"""Confidentialité : les données personnelles dans les paroles, et la démarche en règle (RGPD).

- `detection` : le détecteur, pur (ni base ni Flask) : `reperer`, `reperer_lot`, `masquer` ;
- `examen` : examen des paroles, repérages rangés en base, masquer ou écarter (revue) ;
- `journal` : journal des actions sensibles (qui, quand, quoi ; jamais le contenu) ;
- `conservation` : échéance et purge d'une démarche ;
- `information` : notice d'information des personnes rencontrées et fiche du registre des traitements.
"""
