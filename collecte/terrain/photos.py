"""Photos d'un temps de collecte (tableau, post-its, croquis).

Chaque image est ouverte avec Pillow (le contenu fait foi, pas l'extension) puis réencodée :
les métadonnées EXIF, dont la position GPS du téléphone, ne sont jamais conservées.
L'enregistrement est tout ou rien : un fichier sans ligne en base (ou l'inverse) ne reste jamais.
"""

from __future__ import annotations

import errno
import io
import os
import uuid
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session, select

from collecte.modele.db import unite_de_travail
from collecte.modele.models import Photo, TempsDeCollecte
from collecte.modele.validation import ErreurValidation, valider_texte

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
COTE_MAX = 4000  # px : au-delà, l'image est réduite (lisible sur un écran comme sur le livret)
# Vérifié avant de décoder : 50 mégapixels couvrent les capteurs de téléphone en pleine définition
# (8 160 × 6 120) et coûtent 200 Mo une fois décodés ; en JPEG, une photo plus grande pèse presque
# toujours plus que PHOTOS_TAILLE_MAX. Un PNG uni de 169 mégapixels, lui, tient en 20 Ko.
PIXELS_MAX = 50_000_000
_TROP_GRANDE = (
    f"Image trop grande (plus de {PIXELS_MAX // 1_000_000} mégapixels) : réduisez-la avant de l'envoyer."
)
_DISQUE_PLEIN = (errno.ENOSPC, errno.EDQUOT)


def _lire(flux: BinaryIO, taille_max: int) -> bytes:
    contenu = flux.read(taille_max + 1)
    if not contenu:
        raise ErreurValidation("Le fichier est vide.", "photos")
    if len(contenu) > taille_max:
        raise ErreurValidation(f"Photo trop lourde (plus de {taille_max // (1024 * 1024)} Mo).", "photos")
    return contenu


def _verifier_entete(image: Image.Image) -> None:
    """Format et nombre de pixels, lus dans l'en-tête : rien n'est encore décodé."""
    if image.format not in FORMATS:
        raise ErreurValidation(f"Format {image.format} non accepté : JPEG, PNG ou WebP.", "photos")
    if image.width * image.height > PIXELS_MAX:
        raise ErreurValidation(_TROP_GRANDE, "photos")


def _ouvrir(contenu: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(contenu))
        _verifier_entete(image)
        image.load()
    except (UnidentifiedImageError, OSError):
        raise ErreurValidation(
            "Ce fichier n'est pas une image lisible (JPEG, PNG ou WebP).", "photos"
        ) from None
    # Pillow refuse seul au-delà de 179 mégapixels ; au-delà de 89 il avertit, ce qui lève une erreur
    # quand les avertissements en sont (les tests) : sinon `_verifier_entete` refuse.
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ErreurValidation(_TROP_GRANDE, "photos") from None
    return image


def reencoder(contenu: bytes) -> tuple[bytes, str, str]:
    """Image nettoyée (sans EXIF, orientée, réduite si besoin) → (octets, type MIME, extension)."""
    image = _ouvrir(contenu)
    format_ = image.format
    image = ImageOps.exif_transpose(image)
    image.thumbnail((COTE_MAX, COTE_MAX))
    if format_ == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    sortie = io.BytesIO()
    image.save(sortie, format=format_, **({"quality": 88} if format_ in ("JPEG", "WEBP") else {}))
    type_mime, extension = FORMATS[format_]
    return sortie.getvalue(), type_mime, extension


def _ecrire(dossier: Path, nom: str, contenu: bytes) -> Path:
    """Écrit sous un nom provisoire puis renomme : le fichier final est complet ou absent."""
    provisoire, cible = dossier / f".{nom}.partiel", dossier / nom
    try:
        dossier.mkdir(parents=True, exist_ok=True)
        provisoire.write_bytes(contenu)
        os.replace(provisoire, cible)
    except OSError as erreur:
        provisoire.unlink(missing_ok=True)
        if erreur.errno in _DISQUE_PLEIN:
            raise ErreurValidation(
                "Plus de place sur le disque du serveur : la photo n'a pas été enregistrée. "
                "Prévenez la personne qui administre Parole.",
                "photos",
            ) from None
        raise
    return cible


def enregistrer_photo(
    session: Session, temps: TempsDeCollecte, flux: BinaryIO, dossier: str, taille_max: int, legende: str = ""
) -> Photo:
    """Tout est vérifié avant d'écrire le fichier ; s'il ne peut être inscrit en base, il est retiré."""
    legende = valider_texte(legende, "legende", 300, requis=False)
    propre, type_mime, extension = reencoder(_lire(flux, taille_max))
    chemin = _ecrire(Path(dossier), f"{uuid.uuid4().hex}.{extension}", propre)
    photo = Photo(
        temps_id=temps.id, fichier=chemin.name, type_mime=type_mime, taille=len(propre), legende=legende
    )
    try:
        with unite_de_travail(session):
            session.add(photo)
    except BaseException:
        chemin.unlink(missing_ok=True)
        raise
    return photo


def photos_du_temps(session: Session, temps_id: int) -> list[Photo]:
    return list(session.exec(select(Photo).where(Photo.temps_id == temps_id).order_by(Photo.id)))


def chemin_photo(dossier: str, photo: Photo) -> Path:
    return Path(dossier) / Path(photo.fichier).name


def supprimer_photo(session: Session, photo: Photo, dossier: str) -> None:
    """La ligne d'abord, le fichier ensuite : si la base refuse, la photo reste entière."""
    chemin = chemin_photo(dossier, photo)
    with unite_de_travail(session):
        session.delete(photo)
    chemin.unlink(missing_ok=True)
