"""Pages and jobs that list rows load them in a fixed number of queries: the count with a few
rows is the count with many (no query per co-signer, target, delivery or partner)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from campaign.accounts.models import Role
from campaign.campaigns.models import Signature
from campaign.core.audit import Actor
from campaign.core.db import utcnow
from campaign.deliveries import letters as letter_deliveries
from campaign.deliveries import petitions
from campaign.extensions import db
from campaign.letters import reminders
from campaign.mail.models import OutboundEmail
from tests.conftest import csrf_token
from tests.support.factories import (
    AccountFactory,
    CampaignFactory,
    EndorsementFactory,
    PartnerFactory,
    SignatureFactory,
    TargetFactory,
)
from tests.support.letters import co_signed_as, open_letter
from tests.support.web import sign, sign_in

pytestmark = pytest.mark.integration


@contextmanager
def counted(until_commit: bool = True) -> Iterator[list[str]]:
    """The statements sent to the database inside the block, up to its first commit (the
    emails then sent in-process are the mail path's, counted elsewhere), or all of them."""
    statements: list[str] = []
    committed = []

    def note(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if not committed:
            statements.append(statement)

    def commit(session: Session) -> None:
        if until_commit:
            committed.append(True)

    event.listen(db.engine, "before_cursor_execute", note)
    event.listen(Session, "after_commit", commit)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
        event.remove(Session, "after_commit", commit)


def queries(action: Callable[[], object]) -> int:
    db.session.expunge_all()  # nothing loaded beforehand: what the action needs, it queries
    with counted() as statements:
        action()
    return len(statements)


def reads(action: Callable[[], object]) -> int:
    """The SELECTs an action makes (what it writes grows with what it writes)."""
    db.session.expunge_all()
    with counted() as statements:
        action()
    return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))


def same_count_as_rows_grow(action: Callable[[], object], grow: Callable[[int], object]) -> None:
    grow(2)
    few = queries(action)
    grow(8)
    many = queries(action)
    assert few > 0, "nothing was counted"
    assert many == few, f"{few} queries with 2 rows, {many} with 10"


def partner_with_admin(**fields):  # type: ignore[no-untyped-def]
    partner = PartnerFactory(**fields)
    AccountFactory(role=Role.PARTNER_ADMIN, partner_id=partner.id)
    return partner


@pytest.fixture
def coordinator(client):
    account = AccountFactory(role=Role.COORDINATOR)
    assert sign_in(client, account.email).status_code == 303
    return account


def page(client, path: str) -> Callable[[], object]:
    def get() -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    return get


def co_signers_of(letter) -> Callable[[int], None]:
    def grow(n: int) -> None:
        for _ in range(n):
            co_signed_as(letter, partner_with_admin())

    return grow


def test_the_public_letter_page(app, client):
    letter = open_letter()
    same_count_as_rows_grow(page(client, f"/letters/{letter.slug}"), co_signers_of(letter))


def test_the_console_letter_page(app, client, coordinator):
    letter = open_letter()
    same_count_as_rows_grow(page(client, f"/console/letters/{letter.id}"), co_signers_of(letter))


def test_the_console_delivery_preview(app, client, coordinator):
    letter = open_letter()
    same_count_as_rows_grow(
        page(client, f"/console/letters/{letter.id}/deliver"), co_signers_of(letter)
    )


def test_a_delivered_letter_in_the_console(app, client, coordinator):
    def deliver_to(n: int) -> None:
        db.session.rollback()
        letter = open_letter(targets=[TargetFactory() for _ in range(n)])
        letter.slug = f"letter-{letter.id}"
        for _ in range(n):
            co_signed_as(letter, partner_with_admin())
        letter_deliveries.deliver_letter(Actor(coordinator.id), letter.id)
        paths.append(f"/console/letters/{letter.id}")

    paths: list[str] = []
    deliver_to(2)
    few = queries(page(client, paths[-1]))
    deliver_to(10)
    assert queries(page(client, paths[-1])) == few


def campaign_with_targets_and_endorsers():  # type: ignore[no-untyped-def]
    campaign = CampaignFactory()

    def grow(n: int) -> None:
        db.session.add(campaign)
        for _ in range(n):
            campaign.targets.append(TargetFactory())
            EndorsementFactory(partner_id=partner_with_admin().id, campaign_id=campaign.id)
        db.session.commit()

    return campaign, grow


def test_the_console_petition_pages(app, client, coordinator):
    campaign, grow = campaign_with_targets_and_endorsers()
    same_count_as_rows_grow(page(client, f"/console/campaigns/{campaign.id}/deliver"), grow)
    same_count_as_rows_grow(page(client, f"/console/campaigns/{campaign.id}"), grow)


def test_delivering_a_petition(app, coordinator):
    counts = []
    for n in (2, 10):
        campaign, grow = campaign_with_targets_and_endorsers()
        grow(n)
        counts.append(
            reads(lambda c=campaign: petitions.deliver_petition(Actor(coordinator.id), c.id))
        )
    # Each target's email row and delivery row are written, but nothing is read per target.
    assert counts[0] == counts[1], counts


def test_delivering_a_letter(app, coordinator):
    counts = []
    for n in (2, 10):
        letter = open_letter(targets=[TargetFactory() for _ in range(n)])
        letter.slug = f"letter-{letter.id}"
        for _ in range(n):
            co_signed_as(letter, partner_with_admin())
        counts.append(
            reads(lambda it=letter: letter_deliveries.deliver_letter(Actor(coordinator.id), it.id))
        )
    assert counts[0] == counts[1], counts


def test_reminders(app):
    letter = open_letter()
    letter.deadline = utcnow() + timedelta(days=1)  # within the reminder window
    db.session.commit()

    def grow(n: int) -> None:
        for _ in range(n):
            partner_with_admin()

    grow(2)
    few = reads(reminders.send_reminders)
    grow(8)
    assert reads(reminders.send_reminders) == few


def test_the_partner_directory_filters_in_the_database(app, client):
    def grow(n: int) -> None:
        for i in range(n):
            partner_with_admin(
                focus_areas=["family-support"], states_served=["OH" if i % 2 else "US"]
            )

    same_count_as_rows_grow(page(client, "/partners?focus=family-support&state=OH"), grow)


def test_the_console_signatures_page(app, client, coordinator):
    campaign = CampaignFactory()

    def grow(n: int) -> None:
        SignatureFactory.create_batch(n, campaign_id=campaign.id, comment="Because.")

    same_count_as_rows_grow(page(client, f"/console/campaigns/{campaign.id}/signatures"), grow)


def test_a_signature_and_its_confirmation_are_one_statement(app, client):
    """Signing is the hot path: the signature row and its email row are written by one
    INSERT (a writable CTE), not two round trips, and nothing else is written but the
    email's sending (done in-process here)."""
    campaign = CampaignFactory()
    url = f"/campaigns/{campaign.slug}"
    form = {"full_name": "Ann Lee", "email": "ann@example.org", "postal_code": "20005"}
    form["csrf_token"] = csrf_token(client, url)
    with counted(until_commit=False) as statements:
        assert client.post(f"{url}/sign", data=form).status_code == 303
    # (The test's savepoints are its own: each request runs inside one.)
    reads_and_savepoints = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK")
    writes = [s for s in statements if not s.lstrip().upper().startswith(reads_and_savepoints)]
    assert len([s for s in writes if "INSERT" in s.upper()]) == 1, writes
    assert all("outbound_emails" in s for s in writes), writes  # the rest is the sending
    assert "INSERT INTO signatures" in writes[0]
    assert "INSERT INTO outbound_emails" in writes[0]
    # Inside the CTE no Python-side column default is applied: the INSERT states them all.
    row = db.session.execute(select(Signature.__table__)).one()._mapping
    for column in Signature.__table__.c:
        if column.default is not None:
            assert row[column.name] is not None, column.name
    assert row["comment_shown"] is False
    assert sign(client, campaign, email="Ann@Example.org").status_code == 303  # a repeat
    templates = db.session.scalars(select(OutboundEmail.template).order_by(OutboundEmail.id))
    assert templates.all() == ["signature_confirm", "already_signed"]
