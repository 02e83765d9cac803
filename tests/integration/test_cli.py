from sqlalchemy import func, select

from campaign.accounts.models import Account, Role
from campaign.accounts.services import verify_password
from campaign.campaigns.models import Campaign
from campaign.extensions import db
from campaign.partners.models import Partner
from campaign.targets.models import Target


def test_create_coordinator_stores_an_argon2id_hash(app):
    result = app.test_cli_runner().invoke(
        args=["create-coordinator", "--email", "Kim@Example.org", "--password", "a long passphrase"]
    )
    assert result.exit_code == 0, result.output
    account = db.session.scalar(select(Account))
    assert (account.email, account.role) == ("kim@example.org", Role.COORDINATOR)
    assert account.password_hash.startswith("$argon2id$")
    assert verify_password(account.password_hash, "a long passphrase")
    assert not verify_password(account.password_hash, "wrong")


def test_create_coordinator_refuses_bad_input_with_a_message(app):
    runner = app.test_cli_runner()
    short = runner.invoke(
        args=["create-coordinator", "--email", "k@example.org", "--password", "x"]
    )
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    bad = runner.invoke(args=["create-coordinator", "--email", "nope", "--password", "x" * 12])
    assert bad.exit_code != 0 and "@-sign" in bad.output
    assert db.session.scalar(select(func.count()).select_from(Account)) == 0


def test_seed_demo_is_idempotent_and_prints_the_coordinator(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert "password:" in first.output
    counts = [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Campaign, Partner, Target, Account)
    ]
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "already existed" in second.output
    assert counts == [
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Campaign, Partner, Target, Account)
    ]
    assert counts[0] >= 3
