"""Partner logos: only PNG, JPEG or WebP up to 1 MB, decoded and re-encoded by us, so what we
serve is a plain PNG whatever was uploaded (SVG and anything else are refused)."""

from __future__ import annotations

from campaign.core.images import ImageRefused, reencode

MAX_BYTES = 1024 * 1024
MAX_SIDE = 400


class LogoRefused(ImageRefused):
    """The upload cannot be a logo; the text says why."""


def prepare_logo(data: bytes) -> bytes:
    """The upload as a PNG at most MAX_SIDE pixels on its longer side."""
    return reencode(
        data, noun="the logo", max_bytes=MAX_BYTES, max_side=MAX_SIDE, refusal=LogoRefused
    )
