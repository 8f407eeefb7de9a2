"""Photos d'un temps : images réencodées sans EXIF (GPS), refus clairs, accès réservé à l'équipe."""

import errno
import io
from pathlib import Path

import pytest
from PIL import Image, ImageFile
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from collecte.modele.models import Photo
from collecte.terrain.photos import enregistrer_photo


def _jpeg_avec_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Fabricant"  # Make
    exif[0x8825] = {1: "N", 2: (47.0, 13.0, 0.0), 3: "E", 4: (2.0, 4.0, 0.0)}  # GPSInfo
    sortie = io.BytesIO()
    image.save(sortie, "JPEG", exif=exif)
    return sortie.getvalue()


def _png() -> bytes:
    sortie = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 0, 255)).save(sortie, "PNG")
    return sortie.getvalue()


@pytest.fixture
def temps(creer_demarche, creer_temps):
    return creer_temps(creer_demarche(), "OP-1", "ordi_panneau")


def test_photo_enregistree_sans_exif(client, connecter, session, temps, app):
    original = _jpeg_avec_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)
    connecter()
    reponse = client.post(
        f"/collecte/temps/{temps.id}/photos",
        data={
            "photos": [(io.BytesIO(original), "tableau.jpg"), (io.BytesIO(_png()), "postits.png")],
            "legende": "Le tableau",
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = reponse.get_data(as_text=True)
    assert "Photo « tableau.jpg » ajoutée." in page and "Photo « postits.png » ajoutée." in page
    photos = session.exec(select(Photo).order_by(Photo.id)).all()
    assert [(p.type_mime, p.legende) for p in photos] == [
        ("image/jpeg", "Le tableau"),
        ("image/png", "Le tableau"),
    ]
    with client.get(f"/collecte/temps/photos/{photos[0].id}") as servie:
        assert servie.status_code == 200 and servie.mimetype == "image/jpeg"
        donnees = servie.data
    relue = Image.open(io.BytesIO(donnees))
    assert relue.size == (64, 48)
    assert not relue.getexif()
    client.post(f"/collecte/temps/photos/{photos[1].id}/supprimer")
    assert len(session.exec(select(Photo)).all()) == 1


@pytest.mark.parametrize(
    ("contenu", "nom", "message"),
    [
        (b"pas une image du tout", "faux.jpg", "pas une image lisible"),
        (_jpeg_avec_gps()[:200], "coupee.jpg", "pas une image lisible"),
        (b"", "vide.jpg", "Aucune photo"),
    ],
)
def test_fichiers_refuses(client, connecter, session, temps, contenu, nom, message):
    connecter()
    reponse = client.post(
        f"/collecte/temps/{temps.id}/photos",
        data={"photos": [(io.BytesIO(contenu), nom)]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert message in reponse.get_data(as_text=True)
    assert session.exec(select(Photo)).all() == []


def test_format_non_accepte_et_trop_lourde(client, connecter, session, temps, app):
    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, "GIF")
    connecter()
    reponse = client.post(
        f"/collecte/temps/{temps.id}/photos",
        data={"photos": [(io.BytesIO(gif.getvalue()), "anim.gif"), (io.BytesIO(_png()), "ok.png")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = reponse.get_data(as_text=True)
    assert "Format GIF non accepté" in page and "Photo « ok.png » ajoutée." in page
    app.config["PHOTOS_TAILLE_MAX"] = 100
    lourde = client.post(
        f"/collecte/temps/{temps.id}/photos",
        data={"photos": [(io.BytesIO(_jpeg_avec_gps()), "x.jpg")]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Photo trop lourde" in lourde.get_data(as_text=True)
    assert len(session.exec(select(Photo)).all()) == 1


def test_lecteur_voit_mais_n_ajoute_pas(client, connecter, temps):
    connecter("lecteur")
    assert client.post(f"/collecte/temps/{temps.id}/photos", data={}).status_code == 403
    assert client.get(f"/collecte/temps/{temps.id}").status_code == 200


DONNEES = Path(__file__).resolve().parent / "donnees"


def _fichiers_photos(app) -> list[str]:
    dossier = Path(app.config["PHOTOS_DIR"])
    return sorted(p.name for p in dossier.iterdir()) if dossier.exists() else []


def _envoyer(client, temps, contenu, nom="photo.png", legende=""):
    return client.post(
        f"/collecte/temps/{temps.id}/photos",
        data={"photos": [(io.BytesIO(contenu), nom)], "legende": legende},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.mark.parametrize("nom", ["pixels_64_mpx.png", "pixels_169_mpx.png"])
def test_bombe_de_pixels_refusee_avant_decodage(client, connecter, session, temps, app, monkeypatch, nom):
    def decodage_interdit(image, *args, **kwargs):
        raise AssertionError("l'image n'aurait pas dû être décodée")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decodage_interdit)
    connecter()
    reponse = _envoyer(client, temps, (DONNEES / nom).read_bytes(), nom)
    assert reponse.status_code == 200
    assert f"« {nom} » : Image trop grande (plus de 50 mégapixels)" in reponse.get_data(as_text=True)
    assert session.exec(select(Photo)).all() == [] and _fichiers_photos(app) == []


def test_legende_refusee_ne_laisse_aucun_fichier(client, connecter, session, temps, app):
    connecter()
    reponse = _envoyer(client, temps, _png(), legende="x" * 301)
    assert "la limite est de 300" in reponse.get_data(as_text=True)
    assert session.exec(select(Photo)).all() == [] and _fichiers_photos(app) == []


def test_disque_plein_message_et_ni_fichier_ni_ligne(client, connecter, session, temps, app, monkeypatch):
    ecrire = Path.write_bytes

    def disque_plein(chemin, contenu):
        ecrire(chemin, contenu[: len(contenu) // 2])  # le disque se remplit au milieu de l'écriture
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disque_plein)
    connecter()
    reponse = _envoyer(client, temps, _png())
    assert "« photo.png » : Plus de place sur le disque du serveur" in reponse.get_data(as_text=True)
    assert session.exec(select(Photo)).all() == [] and _fichiers_photos(app) == []


def test_echec_en_base_apres_l_ecriture_retire_le_fichier(session, temps, app, monkeypatch):
    def base_indisponible():
        raise OperationalError("INSERT INTO photo", {}, Exception("database is locked"))

    monkeypatch.setattr(session, "commit", base_indisponible)
    with pytest.raises(OperationalError):
        enregistrer_photo(
            session, temps, io.BytesIO(_png()), app.config["PHOTOS_DIR"], 1024 * 1024, "Le tableau"
        )
    session.rollback()
    assert session.exec(select(Photo)).all() == [] and _fichiers_photos(app) == []
