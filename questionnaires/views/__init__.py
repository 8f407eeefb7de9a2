"""Blueprints des questionnaires : côté équipe (inviter, suivre, lire) et formulaire public (sans compte,
derrière le jeton d'une invitation ; débit limité par `app`)."""

from questionnaires.views import equipe, public

BLUEPRINTS = [equipe.bp, public.bp]
