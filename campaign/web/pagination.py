"""One page of a query's rows, for the long lists of the console and the directory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for
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


def page_url(number: int) -> str:
    """This page's address at another page number, with its own filters (and only them: a
    query key that is not a plain filter name is dropped, never handed to url_for)."""
    view_args = request.view_args or {}
    filters = {
        key: value
        for key, value in request.args.items()
        if key != "page"
        and key not in view_args
        and key.isidentifier()
        and key[0] != "_"
        and key != "endpoint"
    }
    values: dict[str, Any] = {**view_args, **filters, "page": number}
    return url_for(request.endpoint or "public.home", **values)
