"""Console forms."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from campaign.campaigns.authoring import MAX_GOAL, SLUG
from campaign.web.fields import ChorusForm, ReadableText, check_website, record_id, strip


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


class LetterForm(ChorusForm):
    title = StringField(
        "Title",
        filters=[strip],
        validators=[DataRequired("Give the letter a title."), Length(max=200), ReadableText()],
    )
    body = TextAreaField(
        "Text of the letter (Markdown)",
        filters=[strip],
        validators=[
            DataRequired("Write the letter."),
            Length(max=20000),
            ReadableText(multiline=True),
        ],
    )
    targets = SelectMultipleField("Addressed to", coerce=record_id)
    target_list = SelectField("And everyone on a named list", coerce=record_id, default=0)
    deadline = DateField(
        "Co-signing deadline (the end of this day, UTC)",
        validators=[DataRequired("Give the deadline as a date.")],
    )
    campaign = SelectField("Goes with the petition (optional)", coerce=record_id, default=0)
    submit = SubmitField("Save the letter")

    def validate_targets(self, field: SelectMultipleField) -> None:
        if not field.data and not self.target_list.data:
            raise ValidationError("Choose at least one target.")

    def validate_deadline(self, field: DateField) -> None:
        latest = date.today() + timedelta(days=3 * 365)
        if field.data and not date(2000, 1, 1) <= field.data <= latest:
            raise ValidationError("Choose a deadline within the next three years.")


class ResponseForm(ChorusForm):
    target = SelectField(
        "Who answered", coerce=record_id, validators=[DataRequired("Choose who answered.")]
    )
    responded_on = DateField(
        "Date of the answer", validators=[DataRequired("Give the date as a date.")]
    )
    summary = TextAreaField(
        "What they said",
        filters=[strip],
        validators=[
            DataRequired("Summarize the answer."),
            Length(max=2000),
            ReadableText(multiline=True),
        ],
    )
    link = URLField(
        "Link to the answer (optional)",
        filters=[strip],
        validators=[Length(max=500), ReadableText()],
    )
    submit = SubmitField("Record the answer")

    def validate_link(self, field: URLField) -> None:
        if field.data:
            check_website(field)


class CampaignTargetsForm(ChorusForm):
    targets = SelectMultipleField("Addressed to", coerce=record_id)
    target_list = SelectField("And everyone on a named list", coerce=record_id, default=0)
    submit = SubmitField("Save the targets")


class TargetForm(ChorusForm):
    name = StringField(
        "Name",
        filters=[strip],
        validators=[DataRequired("Enter the name."), Length(max=200), ReadableText()],
    )
    title = StringField(
        "Title",
        filters=[strip],
        validators=[DataRequired("Enter the title."), Length(max=200), ReadableText()],
    )
    office = StringField(
        "Body or office",
        filters=[strip],
        validators=[
            DataRequired("Enter the body or office, like U.S. Senate."),
            Length(max=200),
            ReadableText(),
        ],
    )
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[DataRequired("Enter the email address."), Length(max=254)],
    )
    state = StringField(
        "State (two letters, optional)", filters=[strip], validators=[Length(max=2), ReadableText()]
    )
    district = StringField(
        "District (optional)", filters=[strip], validators=[Length(max=20), ReadableText()]
    )
    submit = SubmitField("Save the target")


class CampaignForm(ChorusForm):
    title = StringField(
        "Title",
        filters=[strip],
        validators=[DataRequired("Give the campaign a title."), Length(max=200), ReadableText()],
    )
    slug = StringField(
        "Address: /campaigns/…",
        filters=[strip],
        validators=[Length(max=120), ReadableText()],
    )
    summary = StringField(
        "Summary (one line, shown in lists and where the page is shared)",
        filters=[strip],
        validators=[DataRequired("Write a one-line summary."), Length(max=500), ReadableText()],
    )
    ask = TextAreaField(
        "The ask: what the petition asks for",
        filters=[strip],
        validators=[
            DataRequired("Write the ask: what the petition asks for."),
            Length(max=5000),
            ReadableText(multiline=True),
        ],
    )
    rationale = TextAreaField(
        "Why it matters (Markdown, optional)",
        filters=[strip],
        validators=[Length(max=20000), ReadableText(multiline=True)],
    )
    goal = IntegerField(
        "Signature goal",
        validators=[
            InputRequired("Give the goal as a whole number of signatures."),
            NumberRange(1, MAX_GOAL, f"The goal must be between 1 and {MAX_GOAL:,} signatures."),
        ],
    )
    extra_milestones = StringField(
        "Extra milestones (optional)",
        filters=[strip],
        validators=[Length(max=200), ReadableText()],
    )
    closes_on = DateField("Closes at the end of this day, UTC (optional)", validators=[Optional()])
    targets = SelectMultipleField("Addressed to", coerce=record_id)
    target_list = SelectField("And everyone on a named list", coerce=record_id, default=0)
    share_image = FileField("Share image (PNG, JPEG or WebP, optional)")
    preview = SubmitField("Preview")
    submit = SubmitField("Save the campaign")

    def validate_slug(self, field: StringField) -> None:
        if field.data and not SLUG.fullmatch(field.data):
            raise ValidationError("Use lowercase letters, digits and single hyphens.")

    def validate_extra_milestones(self, field: StringField) -> None:
        self.milestones = []
        for part in (field.data or "").replace(";", ",").split(","):
            value = part.strip().replace("_", "")
            if not value:
                continue
            if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_GOAL:
                raise ValidationError(
                    "List signature counts separated by commas, like 2500, 10000."
                )
            self.milestones.append(int(value))

    def validate_closes_on(self, field: DateField) -> None:
        if field.data and not date.today() <= field.data <= date.today() + timedelta(days=5 * 365):
            raise ValidationError("Choose a closing date from today to five years from now.")


class AppealForm(ChorusForm):
    audience = RadioField(
        "Who gets it",
        choices=[
            SelectChoice("supporters", "Supporters who asked for coalition updates (an appeal)"),
            SelectChoice("partners", "The administrators of approved partners (a partner notice)"),
        ],
        default="supporters",
    )
    subject = StringField(
        "Subject",
        filters=[strip],
        validators=[DataRequired("Write a subject line."), Length(max=200), ReadableText()],
    )
    body = TextAreaField(
        "Message (Markdown)",
        filters=[strip],
        validators=[
            DataRequired("Write the message: the body is empty."),
            Length(max=20000),
            ReadableText(multiline=True),
        ],
    )
    campaign = SelectField("The campaign to sign", coerce=record_id, default=0)
    states = SelectMultipleField("Only in these states (optional)")
    signed = SelectMultipleField("Only people who signed (optional)", coerce=record_id)
    not_signed = SelectMultipleField("Leaving out people who signed (optional)", coerce=record_id)
    rate_per_minute = IntegerField(
        "At most this many messages a minute (0: no limit)",
        default=0,
        validators=[
            InputRequired("Give the rate as a whole number; 0 means no limit."),
            NumberRange(0, 100_000, "The rate is from 0 (no limit) to 100,000 a minute."),
        ],
    )
    preview = SubmitField("Preview")
    submit = SubmitField("Save the appeal")


class AppealSendForm(ChorusForm):
    when = DateTimeLocalField(
        "Send at (UTC; leave empty to send now)",
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
    )
    submit = SubmitField("Send…")
