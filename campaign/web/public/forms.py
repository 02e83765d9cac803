"""The petition form."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from campaign.services.emails import InvalidEmail, check_email
from campaign.services.places import US_ZIP, state_for_zip
from campaign.web.fields import ChorusForm, ReadableText


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class SignForm(ChorusForm):
    full_name = StringField(
        "Full name",
        filters=[_strip],
        validators=[
            DataRequired("Enter your full name."),
            Length(max=200, message="Keep your name under 200 characters."),
            ReadableText(),
        ],
    )
    email = EmailField(
        "Email address",
        filters=[_strip],
        validators=[
            DataRequired("Enter your email address; we send a link to confirm your signature."),
            Length(max=254, message="That email address is too long."),
            ReadableText(),
        ],
    )
    postal_code = StringField(
        "ZIP/postal code",
        filters=[_strip],
        validators=[DataRequired("Enter your ZIP code."), Length(max=10), ReadableText()],
    )
    comment = TextAreaField(
        "Why this matters to you (optional)",
        filters=[_strip],
        validators=[
            Length(max=1000, message="Keep your comment under 1,000 characters."),
            ReadableText(multiline=True),
        ],
    )
    consent_updates = BooleanField("Email me updates from the coalition about its campaigns")
    show_publicly = BooleanField("Show my first name and initial on this page")
    submit = SubmitField("Sign the petition")

    def validate_email(self, field: EmailField) -> None:
        try:
            field.data = check_email(field.data)
        except InvalidEmail as exc:
            raise ValidationError(f"Check your email address: {exc}") from exc

    def validate_postal_code(self, field: StringField) -> None:
        if not US_ZIP.match(field.data or ""):
            raise ValidationError("Enter a 5-digit US ZIP code, like 20005.")
        if state_for_zip(field.data) is None:
            raise ValidationError("We could not find that ZIP code. Please check it.")
