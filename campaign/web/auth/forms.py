"""Account forms."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from campaign.accounts.services import MIN_PASSWORD_LENGTH
from campaign.web.fields import ChorusForm, ReadableText, strip


def _new_password(label: str = "New password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired("Choose a password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1000,
                message=f"Use at least {MIN_PASSWORD_LENGTH} characters.",
            ),
        ],
    )


def _repeat() -> PasswordField:
    return PasswordField(
        "Repeat the password",
        validators=[
            DataRequired("Repeat the password."),
            EqualTo("password", message="The two passwords differ."),
        ],
    )


class SignInForm(ChorusForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[DataRequired("Enter your email address."), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=1000)]
    )
    submit = SubmitField("Sign in")


class ResetRequestForm(ChorusForm):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[DataRequired("Enter your email address."), Length(max=254)],
    )
    submit = SubmitField("Email me a reset link")


class NewPasswordForm(ChorusForm):
    password = _new_password()
    repeat = _repeat()
    submit = SubmitField("Save the new password")


class AcceptInvitationForm(ChorusForm):
    name = StringField(
        "Your name",
        filters=[strip],
        validators=[DataRequired("Enter your name."), Length(max=200), ReadableText()],
    )
    password = _new_password("Choose a password")
    repeat = _repeat()
    submit = SubmitField("Create my account")


class EmailChangeForm(ChorusForm):
    new_email = EmailField(
        "New email address",
        filters=[strip],
        validators=[DataRequired("Enter the new address."), Length(max=254)],
    )
    password = PasswordField(
        "Your current password", validators=[DataRequired("Enter your password."), Length(max=1000)]
    )
    submit = SubmitField("Send a confirmation link")
