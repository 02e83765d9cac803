"""Portal forms."""

from __future__ import annotations

from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from campaign.web.fields import ChorusForm, ReadableText, strip


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
