"""An SMTP sink for the benchmarks (aiosmtpd): accepts everything, keeps nothing but a count,
and writes the arrival time of every message to a signer (`signer-...`) to a log file, so
bench/appeals.py can time confirmations. Run: python bench/sink.py PORT LOGFILE"""

from __future__ import annotations

import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, log_path: str) -> None:
        self.log = open(log_path, "a", buffering=1)  # noqa: SIM115 - line-buffered, for the bench
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.count += 1
        for rcpt in envelope.rcpt_tos:
            if rcpt.startswith("signer-"):
                self.log.write(f"{time.time():.6f} {rcpt}\n")
        return "250 OK"


def main() -> None:
    port, log_path = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Handler(log_path), hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
