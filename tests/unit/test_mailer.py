from campaign.mail.transport import PermanentFailure, TemporaryFailure, _failure


def test_5xx_answers_are_permanent_and_keep_the_servers_words():
    failure = _failure(550, b"5.1.1 Mailbox does not exist")
    assert isinstance(failure, PermanentFailure)
    assert str(failure) == "550 5.1.1 Mailbox does not exist"


def test_4xx_answers_are_temporary():
    assert isinstance(_failure(451, "4.3.0 Try again later"), TemporaryFailure)
