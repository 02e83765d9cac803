"""Choosing targets in console forms: a few by name, or everyone on a named list, so the
forms stay usable after an import of many thousands."""

from __future__ import annotations

from sqlalchemy import or_, select

from campaign.extensions import db
from campaign.targets.models import Target, TargetList, target_list_members

SHOWN = 500


def target_choices(selected: list[int]) -> list[tuple[int, str]]:
    """The first SHOWN targets by name, and any already chosen."""
    rows = db.session.scalars(
        select(Target)
        .where(
            or_(
                Target.id.in_(selected or [0]),
                Target.id.in_(
                    select(Target.id).order_by(Target.name).limit(SHOWN).scalar_subquery()
                ),
            )
        )
        .order_by(Target.name)
    )
    return [(t.id, f"{t.name}, {t.title}, {t.office}") for t in rows]


def list_choices() -> list[tuple[int, str]]:
    lists = db.session.scalars(select(TargetList).order_by(TargetList.name))
    return [(0, "No list")] + [(t.id, t.name) for t in lists]


def chosen_targets(target_ids: list[int] | None, list_id: int | None) -> list[int]:
    """The targets picked by name plus everyone on the chosen list."""
    ids = set(target_ids or [])
    if list_id:
        ids.update(
            db.session.scalars(
                select(target_list_members.c.target_id).where(
                    target_list_members.c.list_id == list_id
                )
            )
        )
    return sorted(ids)
