"""Forms of the public pages: the petition and the partner application."""

from __future__ import annotations

import us
from wtforms import (
    BooleanField,
    EmailField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from campaign.core.addresses import check_email
from campaign.core.errors import Refused
from campaign.core.places import US_ZIP, state_for_zip
from campaign.partners.statement import CONSTITUENCY_SIZES, FOCUS_AREAS
from campaign.web.fields import ChorusForm, ReadableText, check_website, strip


class SignForm(ChorusForm):
    full_name = StringField(
        "Full name",
        filters=[strip],
        validators=[
            DataRequired("Enter your full name."),
            Length(max=200, message="Keep your name under 200 characters."),
            ReadableText(),
        ],
    )
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[
            DataRequired("Enter your email address; we send a link to confirm your signature."),
            Length(max=254, message="That email address is too long."),
            ReadableText(),
        ],
    )
    postal_code = StringField(
        "ZIP/postal code",
        filters=[strip],
        validators=[DataRequired("Enter your ZIP code."), Length(max=10), ReadableText()],
    )
    comment = TextAreaField(
        "Why this matters to you (optional)",
        filters=[strip],
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
        except Refused as exc:
            raise ValidationError(f"Check your email address: {exc}") from exc

    def validate_postal_code(self, field: StringField) -> None:
        if not US_ZIP.match(field.data or ""):
            raise ValidationError("Enter a 5-digit US ZIP code, like 20005.")
        if state_for_zip(field.data) is None:
            raise ValidationError("We could not find that ZIP code. Please check it.")


def choices(options: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in options.items()]


STATES = choices(
    {"US": "Nationwide"}
    | {s.abbr: s.name for s in sorted(us.states.STATES_AND_TERRITORIES, key=lambda s: s.name)}
)


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ApplicationForm(ChorusForm):
    organization_name = StringField(
        "Organization name",
        filters=[strip],
        validators=[
            DataRequired("Enter your organization's name."),
            Length(max=200),
            ReadableText(),
        ],
    )
    website = URLField(
        "Website",
        filters=[strip],
        validators=[
            DataRequired("Enter your organization's website."),
            Length(max=300),
            ReadableText(),
        ],
    )
    description = TextAreaField(
        "What your organization does",
        filters=[strip],
        validators=[
            DataRequired("Tell us briefly what your organization does."),
            Length(max=2000, message="Keep this under 2,000 characters."),
            ReadableText(multiline=True),
        ],
    )
    focus_areas = CheckboxList(
        "Focus areas",
        choices=choices(FOCUS_AREAS),
        validators=[DataRequired("Choose at least one focus area.")],
    )
    states_served = SelectMultipleField(
        "States served",
        choices=STATES,
        validators=[DataRequired("Choose the states you serve, or Nationwide.")],
    )
    constituency_size = SelectField(
        "Approximate constituency size",
        choices=choices({"": "Choose one"} | CONSTITUENCY_SIZES),
        validators=[DataRequired("Choose the approximate size of your constituency.")],
    )
    contact_name = StringField(
        "Contact name",
        filters=[strip],
        validators=[
            DataRequired("Enter the name of the person we should contact."),
            Length(max=200),
            ReadableText(),
        ],
    )
    contact_title = StringField(
        "Contact's title",
        filters=[strip],
        validators=[DataRequired("Enter the contact's title."), Length(max=200), ReadableText()],
    )
    contact_email = EmailField(
        "Contact email",
        filters=[strip],
        validators=[
            DataRequired("Enter the contact's email address."),
            Length(max=254),
            ReadableText(),
        ],
    )
    agree = BooleanField(
        "I agree to the coalition statement above on behalf of my organization",
        validators=[DataRequired("Your organization must agree to the coalition statement.")],
    )
    submit = SubmitField("Send our application")

    def validate_website(self, field: URLField) -> None:
        check_website(field)

    def validate_contact_email(self, field: EmailField) -> None:
        try:
            field.data = check_email(field.data)
        except Refused as exc:
            raise ValidationError(f"Check the email address: {exc}") from exc


class PreferencesForm(ChorusForm):
    updates = BooleanField("Email me updates from the coalition: new petitions to sign")
    submit = SubmitField("Save my preferences")
