"""Flask commands: flask --app wsgi <command>."""

from __future__ import annotations

import click
from flask import Flask

from campaign import demo
from campaign.accounts import services as accounts
from campaign.core.addresses import InvalidEmail
from campaign.mail import outbox


def register_commands(app: Flask) -> None:
    @app.cli.command("create-coordinator")
    @click.option("--email", required=True)
    @click.option(
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="Prompted for when left out, which keeps it out of shell history.",
    )
    @click.option("--name", default="")
    def create_coordinator(email: str, password: str, name: str) -> None:
        """Create a coordinator account."""
        try:
            account = accounts.create_coordinator(email, password, name)
        except (accounts.AccountRefused, InvalidEmail) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Coordinator {account.email} created.")

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Add demo campaigns, targets, partners and a coordinator (safe to run again)."""
        password = demo.seed_demo()
        click.echo("Demo data is in place.")
        if password:
            click.echo(f"Coordinator:   {demo.DEMO_COORDINATOR}  password: {password}")
            click.echo(f"Partner admin: {demo.DEMO_PARTNER_ADMIN}  password: {password}")
        else:
            click.echo(f"Coordinator {demo.DEMO_COORDINATOR} already existed; password unchanged.")

    @app.cli.command("relay-outbox")
    @click.option("--grace", default=30.0, help="Only rows due at least this many seconds ago.")
    def relay_outbox(grace: float) -> None:
        """Hand queued emails over again (what beat does every 10 seconds)."""
        click.echo(f"{outbox.relay(grace_seconds=grace)} email(s) handed over.")
