"""Appeal tasks: beat starts due appeals (and restarts quiet ones); senders each send a batch
on the bulk queue and hand themselves over again, so a long appeal is many short tasks."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from campaign.appeals import senders, sending
from campaign.core import jobs

log = logging.getLogger(__name__)


@shared_task(queue="mail.bulk")
def start_due_appeals() -> int:
    return sending.start_due_appeals()


@shared_task(bind=True, queue="mail.bulk", acks_late=True, reject_on_worker_lost=True)
def send_appeal_batch(self: Task, appeal_id: int, after: int = 0, round_: int | None = None) -> int:
    result = senders.send_batch(appeal_id, self.request.id or "in-process", after, round_)
    if result.again_in is not None:
        if self.request.is_eager:
            # In-process (no broker): keep going here while there is something to send
            # (a message to retry later waits for the next start of the appeal's senders).
            while result.again_in is not None and result.claimed:
                result = senders.send_batch(appeal_id, "in-process", result.last_id, round_)
            return result.claimed
        try:
            jobs.enqueue(
                send_appeal_batch, appeal_id, result.last_id, round_, countdown=result.again_in
            )
        except Exception as exc:  # kombu raises several kinds when Redis is unreachable
            log.warning(
                "appeal %s: next batch not handed over (%s); beat restarts it", appeal_id, exc
            )
    return result.claimed
