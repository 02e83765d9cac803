"""Console forms."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from campaign.web.fields import ChorusForm, ReadableText, strip


class RejectForm(ChorusForm):
    reason = TextAreaField(
        "Reason (sent to the applicant)",
        filters=[strip],
        validators=[
            DataRequired("Give the reason; it is sent to the applicant."),
            Length(max=2000),
            ReadableText(multiline=True),
        ],
    )
    submit = SubmitField("Reject the application")


class InviteCoordinatorForm(ChorusForm):
    name = StringField("Name", filters=[strip], validators=[Length(max=200), ReadableText()])
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[DataRequired("Enter their email address."), Length(max=254)],
    )
    submit = SubmitField("Send the invitation")


class ImportTargetsForm(ChorusForm):
    file = FileField("CSV file of targets")
    list_name = StringField(
        "Add them to a named list (optional)",
        filters=[strip],
        validators=[Length(max=120), ReadableText()],
    )
    submit = SubmitField("Check the file")
