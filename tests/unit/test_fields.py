import pytest
from wtforms import Form, StringField, TextAreaField

from campaign.web.fields import ReadableText


class _Form(Form):
    name = StringField(validators=[ReadableText()])
    note = TextAreaField(validators=[ReadableText(multiline=True)])


@pytest.mark.parametrize("value", ["Ann\x00Lee", "Ann\ufffd", "Ann\nLee", "bell\x07"])
def test_single_line_text_refuses_control_and_unreadable_characters(value):
    form = _Form(data={"name": value})
    assert not form.validate()
    assert form.name.errors


def test_multiline_text_allows_line_breaks_but_not_nul():
    assert _Form(data={"note": "line one\r\nline two\ttabbed"}).validate()
    assert not _Form(data={"note": "x\x00"}).validate()


def test_ordinary_names_pass():
    assert _Form(data={"name": "Zoë O'Brien-Núñez 李"}).validate()
