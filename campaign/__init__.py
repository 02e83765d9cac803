"""Chorus: the coalition advocacy platform."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from campaign import config as settings
from campaign.celery import celery_init_app
from campaign.extensions import csrf, db, login_manager, migrate

ROOT = settings.INSTANCE_DIR.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, Celery, blueprints, error pages, commands."""
    from campaign.web.app import Chorus

    app = Chorus(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(settings.INSTANCE_DIR),
    )
    app.config.update(settings.from_environment())
    app.config.update(config or {})
    # Cookies go only over https when the site is served over https.
    if "SESSION_COOKIE_SECURE" not in (config or {}):
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    configure_logging(app)
    if proxies := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    from campaign.web.guards import register_guards

    register_guards(app)  # before CSRF, which reads the form
    register_extensions(app)
    celery_init_app(app)
    register_blueprints(app)
    register_template_globals(app)
    from campaign.web.errors import register_errorhandlers

    register_errorhandlers(app)
    from campaign.cli import register_commands

    register_commands(app)
    return app


def configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


def register_models() -> None:
    """Import every feature's models, so the metadata (and Alembic) knows every table."""
    from campaign.accounts import models as _accounts  # noqa: F401
    from campaign.appeals import models as _appeals  # noqa: F401
    from campaign.campaigns import models as _campaigns  # noqa: F401
    from campaign.contacts import models as _contacts  # noqa: F401
    from campaign.core import audit as _audit  # noqa: F401
    from campaign.deliveries import models as _deliveries  # noqa: F401
    from campaign.letters import models as _letters  # noqa: F401
    from campaign.mail import models as _mail  # noqa: F401
    from campaign.mail import suppressions as _suppressions  # noqa: F401
    from campaign.partners import models as _partners  # noqa: F401
    from campaign.targets import models as _targets  # noqa: F401


def register_extensions(app: Flask) -> None:
    register_models()

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        settings.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    from campaign.mail import dispatcher

    dispatcher.install()
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Please sign in to see that page."

    from campaign.accounts.models import Account

    @login_manager.user_loader
    def load_account(session_id: str) -> Account | None:
        account_id, _, version = session_id.partition(":")
        if not (account_id.isdigit() and version.isdigit()):
            return None
        account = db.session.get(Account, int(account_id))
        if account is None or not account.is_active or account.session_version != int(version):
            return None
        return account


def register_blueprints(app: Flask) -> None:
    from campaign.web import auth, console, health, portal, public

    app.register_blueprint(public.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(console.bp, url_prefix="/console")
    app.register_blueprint(portal.bp, url_prefix="/portal")


def register_template_globals(app: Flask) -> None:
    from campaign.core.links import external_url
    from campaign.core.markup import render_markdown
    from campaign.core.places import state_name
    from campaign.web.pagination import page_url
    from campaign.web.templating import takes_focus

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["state_name"] = state_name
    app.jinja_env.globals["takes_focus"] = takes_focus
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.globals["page_url"] = page_url

    @app.context_processor
    def coalition() -> dict[str, str]:
        return {
            "coalition_name": app.config["COALITION_NAME"],
            "postal_address": app.config["POSTAL_ADDRESS"],
        }
