"""Uploaded images, decoded and re-encoded by us, so what we serve is a plain PNG or JPEG
whatever was uploaded (SVG and anything else are refused)."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from campaign.core.errors import Refused

# MPO is the JPEG variant many phone cameras write.
ALLOWED_FORMATS = {"PNG", "JPEG", "MPO", "WEBP"}
MAX_PIXELS = 40_000_000


class ImageRefused(Refused):
    """The upload cannot be used as this image; the text says why."""

    status = 400


def reencode(
    data: bytes,
    *,
    noun: str,
    max_bytes: int,
    max_side: int,
    to: str = "PNG",
    refusal: type[Refused] = ImageRefused,
) -> bytes:
    """The upload as a `to` image ("PNG" or "JPEG") at most max_side pixels on its longer
    side; refused (as `refusal`, naming the image by noun) unless it is a PNG, JPEG or WebP
    of at most max_bytes."""
    limit = f"{max_bytes // (1024 * 1024)} MB" if max_bytes >= 1024 * 1024 else f"{max_bytes} bytes"
    if len(data) > max_bytes:
        raise refusal(f"{noun.capitalize()} must be {limit} or smaller.")
    if not data:
        raise refusal("Choose an image file.")
    not_an_image = f"{noun.capitalize()} must be a PNG, JPEG or WebP image."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise refusal(not_an_image)
            if image.width * image.height > MAX_PIXELS:
                raise refusal("That image is too large.")
            image.load()
    except Refused:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise refusal(not_an_image) from exc
    converted = image.convert("RGBA" if to == "PNG" else "RGB")
    converted.thumbnail((max_side, max_side))
    out = io.BytesIO()
    if to == "PNG":
        converted.save(out, format="PNG", optimize=True)
    else:
        converted.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()
