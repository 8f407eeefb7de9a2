"""Photos d'un temps de collecte (tableau, post-its, croquis).

Chaque image est ouverte avec Pillow (le contenu fait foi, pas l'extension) puis réencodée :
les métadonnées EXIF, dont la position GPS du téléphone, ne sont jamais conservées.
"""
from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel import Session, select

from collecte.models import Photo, TempsDeCollecte
from collecte.validation import ErreurValidation, valider_texte

FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
COTE_MAX = 4000  # px : au-delà, l'image est réduite (lisible, et pas de bombe de décompression)


def _lire(flux: BinaryIO, taille_max: int) -> bytes:
    contenu = flux.read(taille_max + 1)
    if not contenu:
        raise ErreurValidation("Le fichier est vide.", "photos")
    if len(contenu) > taille_max:
        raise ErreurValidation(f"Photo trop lourde (plus de {taille_max // (1024 * 1024)} Mo).", "photos")
    return contenu


def _ouvrir(contenu: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(contenu))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ErreurValidation("Ce fichier n'est pas une image lisible (JPEG, PNG ou WebP).", "photos") from None
    if image.format not in FORMATS:
        raise ErreurValidation(f"Format {image.format} non accepté : JPEG, PNG ou WebP.", "photos")
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


def enregistrer_photo(
    session: Session, temps: TempsDeCollecte, flux: BinaryIO, dossier: str, taille_max: int, legende: str = ""
) -> Photo:
    propre, type_mime, extension = reencoder(_lire(flux, taille_max))
    nom = f"{uuid.uuid4().hex}.{extension}"
    cible = Path(dossier)
    cible.mkdir(parents=True, exist_ok=True)
    (cible / nom).write_bytes(propre)
    photo = Photo(
        temps_id=temps.id, fichier=nom, type_mime=type_mime, taille=len(propre),
        legende=valider_texte(legende, "legende", 300, requis=False),
    )
    session.add(photo)
    session.commit()
    return photo


def photos_du_temps(session: Session, temps_id: int) -> list[Photo]:
    return list(session.exec(select(Photo).where(Photo.temps_id == temps_id).order_by(Photo.id)))


def chemin_photo(dossier: str, photo: Photo) -> Path:
    return Path(dossier) / Path(photo.fichier).name


def supprimer_photo(session: Session, photo: Photo, dossier: str) -> None:
    chemin_photo(dossier, photo).unlink(missing_ok=True)
    session.delete(photo)
    session.commit()
