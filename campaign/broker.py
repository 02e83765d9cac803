"""The Redis transport Celery uses here, with one repair to kombu 5.7.0 and one saving.

When a worker loses Redis while it holds unacknowledged (late-ack) messages and is waiting
on BRPOP, Celery's consumer calls `connection.collect()`, which drops the transport but
keeps the default channel, and then `connection.close()`, which closes that channel again.
The second close tries to put the unacknowledged messages back and builds a Redis client
from the dropped transport: `AttributeError: 'NoneType' object has no attribute 'hostname'`,
which Celery treats as unrecoverable, and the worker exits. Here that step raises a
connection error instead, which the close path expects and ignores. The messages stay in
Redis's unacked set (redelivered after the visibility timeout); their outbox rows are still
queued in the database, so the relay hands them over again long before that.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    """Publishes through one Redis client per channel: kombu builds a new one for every
    message, and building a redis-py client (its table of response callbacks) cost more
    CPU than the LPUSH it sends. The client is a handle on the channel's connection pool,
    safe to share between threads; a new pool (after a lost broker) gets a new client."""

    _publisher: redis.Redis | None = None

    @contextmanager
    def conn_or_acquire(self, client: redis.Redis | None = None) -> Iterator[redis.Redis]:
        if client is not None:
            yield client
            return
        publisher = self._publisher
        if publisher is None or publisher.connection_pool is not self.pool:
            publisher = self._publisher = self._create_client()
        yield publisher

    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        transport = self.connection
        if transport is None or transport.client is None:
            raise RedisConnectionError("the broker connection is already closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
