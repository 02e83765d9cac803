"""Email rows are handed to the workers once their transaction commits, and only then: a
rollback, of the transaction or of the savepoint that wrote them, forgets them."""

import pytest
from flask import current_app
from sqlalchemy import func, select

from campaign import create_app
from campaign.campaigns import signing
from campaign.campaigns.models import Signature
from campaign.campaigns.signing import SignatureRequest
from campaign.extensions import db
from campaign.mail import dispatcher, outbox
from campaign.mail.models import OutboundEmail
from tests.support.factories import CampaignFactory


@pytest.fixture
def handed(monkeypatch):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    calls: list[list[int]] = []
    monkeypatch.setattr(dispatcher, "dispatch", lambda emails: calls.append([e.id for e in emails]))
    with app.app_context():
        db.create_all()
        yield calls


def queue(to: str) -> int:
    return outbox.queue_email("signature_confirm", to, {}).id


def test_rows_go_after_the_commit_once(handed):
    first, second = queue("a@example.org"), queue("b@example.org")
    assert handed == []
    db.session.commit()
    assert handed == [[first, second]]
    db.session.commit()
    assert handed == [[first, second]]


def test_a_rollback_forgets_them(handed):
    queue("a@example.org")
    db.session.rollback()
    db.session.commit()
    assert handed == []


def test_a_released_savepoint_is_not_the_commit(handed):
    savepoint = db.session.begin_nested()
    queue("a@example.org")
    savepoint.commit()  # releases the savepoint only
    assert handed == []
    db.session.rollback()
    db.session.commit()
    assert handed == []


def test_a_rolled_back_savepoint_forgets_only_its_own_rows(handed):
    kept = queue("a@example.org")
    savepoint = db.session.begin_nested()
    queue("b@example.org")
    savepoint.rollback()
    db.session.commit()
    assert handed == [[kept]]


def test_on_sqlite_a_signature_and_its_email_are_two_statements_of_one_transaction(handed):
    """Without PostgreSQL's writable CTEs (make run's SQLite) signing writes the two rows one
    after the other; a repeat writes no second confirmation."""
    campaign = CampaignFactory()
    request = SignatureRequest("Ann Lee", "ann@example.org", "20005")
    with current_app.test_request_context():
        signing.sign_petition(campaign, request)
        signing.sign_petition(campaign, SignatureRequest("Ann Lee", "ANN@example.org", "20005"))
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 1
    templates = db.session.scalars(select(OutboundEmail.template).order_by(OutboundEmail.id))
    assert templates.all() == ["signature_confirm", "already_signed"]
    assert len(handed) == 2 and all(len(ids) == 1 for ids in handed)
