"""One page of a query's rows, for the long lists of the console and the directory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select, func, select

from campaign.extensions import db

PER_PAGE = 25


@dataclass
class Page:
    items: list[Any]
    number: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(query: Select) -> Page:
    """The page named by ?page= (bad or out-of-range numbers fall back to the nearest)."""
    raw = request.args.get("page", "1")
    number = int(raw) if raw.isdigit() and 0 < len(raw) < 7 else 1
    total = db.session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    number = max(1, min(number, max(1, -(-total // PER_PAGE))))
    items = list(db.session.scalars(query.limit(PER_PAGE).offset((number - 1) * PER_PAGE)))
    return Page(items, number, total)
