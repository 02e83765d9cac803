"""Portal forms."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange
from wtforms.widgets import HiddenInput

from campaign.web.fields import MAX_ID, ChorusForm, ReadableText, check_website, strip

ROLE_CHOICES = [
    SelectChoice("partner_member", "Member"),
    SelectChoice("partner_admin", "Administrator"),
]


class EndorseForm(ChorusForm):
    statement = TextAreaField(
        "Your public statement (optional)",
        filters=[strip],
        validators=[
            Length(max=500, message="Keep the statement under 500 characters."),
            ReadableText(multiline=True),
        ],
    )
    submit = SubmitField("Endorse this campaign")


class ProfileForm(ChorusForm):
    mission = TextAreaField(
        "Your mission",
        filters=[strip],
        validators=[
            DataRequired("Describe your organization's mission."),
            Length(max=2000),
            ReadableText(multiline=True),
        ],
    )
    website = URLField(
        "Website",
        filters=[strip],
        validators=[DataRequired("Enter your website."), Length(max=300), ReadableText()],
    )
    # Not "logo": the form is filled from the partner, whose logo is the stored PNG bytes.
    new_logo = FileField("New logo (PNG, JPEG or WebP, up to 1 MB)")
    submit = SubmitField("Save the profile")

    def validate_website(self, field: URLField) -> None:
        check_website(field)


class InviteMemberForm(ChorusForm):
    name = StringField("Name", filters=[strip], validators=[Length(max=200), ReadableText()])
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[DataRequired("Enter their email address."), Length(max=254)],
    )
    role = SelectField("Role", choices=ROLE_CHOICES)
    submit = SubmitField("Send the invitation")


class RoleForm(ChorusForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    submit = SubmitField("Change the role")


class CoSignForm(ChorusForm):
    signatory_name = StringField(
        "Signatory's name",
        filters=[strip],
        validators=[
            DataRequired("Name the person signing for your organization."),
            Length(max=200),
            ReadableText(),
        ],
    )
    signatory_title = StringField(
        "Signatory's title",
        filters=[strip],
        validators=[DataRequired("Give the signatory's title."), Length(max=200), ReadableText()],
    )
    authorized = BooleanField(
        "I confirm this person is authorized to sign for our organization",
        validators=[DataRequired("Confirm that the signatory is authorized to sign.")],
    )
    # The version the partner read; a newer one must be read before it can be signed.
    version = IntegerField(
        widget=HiddenInput(),
        validators=[
            InputRequired("Reload the letter and co-sign again."),
            NumberRange(min=1, max=MAX_ID, message="Reload the letter and co-sign again."),
        ],
    )
    submit = SubmitField("Co-sign the letter")
