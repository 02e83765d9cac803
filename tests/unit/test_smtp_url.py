from campaign.mail.transport import SmtpTransport


def test_plain_smtp_url():
    t = SmtpTransport("smtp://mail.internal:2525")
    assert (t.host, t.port, t.implicit_tls, t.starttls, t.username) == (
        "mail.internal",
        2525,
        False,
        False,
        None,
    )


def test_starttls_with_login():
    t = SmtpTransport("smtp://chorus%40example.org:p%40ss@mail.internal:587?starttls=1")
    assert (t.port, t.starttls, t.username, t.password) == (587, True, "chorus@example.org", "p@ss")


def test_implicit_tls_defaults_to_port_465():
    t = SmtpTransport("smtps://mail.internal")
    assert (t.port, t.implicit_tls) == (465, True)
