"""Small helpers the services share for rows: a free slug, a row locked for a decision."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from sqlalchemy import select

from campaign.extensions import db

Model = TypeVar("Model")


def unique_slug(model: Any, text: str, fallback: str) -> str:
    """A URL-safe slug from text that no row of model has yet (name, name-2, ...)."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:100] or fallback
    slug, n = base, 1
    while db.session.scalar(select(model.id).where(model.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def locked(model: type[Model], row_id: int) -> Model | None:
    """The row, locked until commit and read as it is now (not as first loaded), so two
    people deciding about it at once cannot both act on a stale state."""
    return db.session.scalar(
        select(model)
        .where(model.id == row_id)  # type: ignore[attr-defined]
        .with_for_update()
        .execution_options(populate_existing=True)
    )
