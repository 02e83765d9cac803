"""Partner logos: only PNG, JPEG or WebP up to 1 MB, decoded and re-encoded by us, so what we
serve is a plain PNG whatever was uploaded (SVG and anything else are refused)."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from campaign.core.errors import Refused

MAX_BYTES = 1024 * 1024
MAX_SIDE = 400
# MPO is the JPEG variant many phone cameras write.
ALLOWED_FORMATS = {"PNG", "JPEG", "MPO", "WEBP"}


class LogoRefused(Refused):
    """The upload cannot be a logo; the text says why."""

    status = 400


def prepare_logo(data: bytes) -> bytes:
    """The upload as a PNG at most MAX_SIDE pixels on its longer side."""
    if len(data) > MAX_BYTES:
        raise LogoRefused("The logo must be 1 MB or smaller.")
    if not data:
        raise LogoRefused("Choose an image file.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise LogoRefused("The logo must be a PNG, JPEG or WebP image.")
            if image.width * image.height > 40_000_000:
                raise LogoRefused("That image is too large.")
            image.load()
    except LogoRefused:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise LogoRefused("The logo must be a PNG, JPEG or WebP image.") from exc
    logo = image.convert("RGBA")
    logo.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    logo.save(out, format="PNG", optimize=True)
    return out.getvalue()
