"""Email: outbox rows written in the transaction, handed to Celery after commit, sent once."""
