"""One bulk email for many recipients, at the speed the wire takes them: the message is
built once per mailing (mail.skeleton) and each recipient's copy is filled in with their own
headers, links and bodies."""

from __future__ import annotations

from typing import Any

from flask import current_app

from campaign.mail import rendering
from campaign.mail.skeleton import NoSkeleton, Skeleton


class BulkMessages:
    """The template's message for every recipient of one mailing: same subject, sender and
    context; each copy with its recipient's own links, Message-ID and extra context."""

    def __init__(self, template: str, context: dict[str, Any], reply_to: str | None) -> None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        config = app.config
        self.context = {
            **context,
            "coalition_name": config["COALITION_NAME"],
            "postal_address": config["POSTAL_ADDRESS"],
            "base_url": config["BASE_URL"],
        }
        app.update_template_context(self.context)
        env = app.jinja_env
        self.text = env.get_template(f"email/{template}/body.txt")
        self.html = env.get_template(f"email/{template}/body.html")
        subject = env.get_template(f"email/{template}/subject.txt").render(self.context)
        self.template, self.reply_to = template, reply_to
        self.skeleton = Skeleton(subject, config["BULK_MAIL_FROM"], reply_to, list_headers=True)
        self.envelope_sender = self.skeleton.envelope_sender

    def copy_for(self, recipient: str, message_key: str, extra: dict[str, Any]) -> bytes:
        """The message for one recipient, as it goes on the wire (DKIM-signed if it is to be)."""
        links = rendering.bulk_links(recipient)
        context = {**self.context, **extra, **links}
        try:
            return self.skeleton.fill(
                recipient,
                message_key,
                self.text.render(context),
                self.html.render(context),
                unsubscribe=rendering.list_unsubscribe(links),
            )
        except NoSkeleton:  # an address the email package must lay out
            message = rendering.build_message(
                self.template,
                recipient,
                {**self.context, **extra},
                message_key,
                bulk=True,
                reply_to=self.reply_to,
            )
            return rendering.as_bytes(message)
