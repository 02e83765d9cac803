"""Console searches match text anywhere, ignoring case, with % and _ taken literally, on
SQLite as on PostgreSQL."""

import pytest
from sqlalchemy import select

from campaign import create_app
from campaign.core.db import contains
from campaign.extensions import db
from campaign.targets.models import Target


@pytest.fixture
def targets():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        db.create_all()
        for name in ("50% Club", "5000 Club", "Ann_Lee", "AnnXLee"):
            db.session.add(
                Target(name=name, title="t", office="o", email=f"{len(name)}{name}@x.org")
            )
        db.session.commit()
        yield lambda text: sorted(
            db.session.scalars(select(Target.name).where(contains(Target.name, text)))
        )


def test_percent_and_underscore_are_literal(targets):
    assert targets("50%") == ["50% Club"]
    assert targets("n_L") == ["Ann_Lee"]
    assert targets("club") == ["50% Club", "5000 Club"]
