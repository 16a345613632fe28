"""A real SMTP server for the SDK contract tests: it accepts every message and keeps it.

    python smtp_sink.py PORT MAILDIR

Listens on 127.0.0.1:PORT (plain SMTP, no AUTH, no TLS: the server under test gets
`--smtp-url smtp://127.0.0.1:PORT`) and writes each message it accepts to MAILDIR as
`<n>.eml` (n = 1, 2, ...), the full RFC 822 text with a `Delivered-To:` line per envelope
recipient in front. Each file is written under a temporary name in the same directory and
renamed into place, so a reader that lists `*.eml` never sees half a message.

When the sink is listening it writes MAILDIR/.ready; it runs until SIGTERM or SIGINT.
tests/sdk/run.sh starts one per server, and the tests read the files through the
`wait_for_code` helpers (python/helpers.py, node/helpers.mjs).
"""

import asyncio
import itertools
import os
import signal
import sys

from aiosmtpd.controller import Controller


class Maildir:
    """The aiosmtpd handler: every DATA command becomes one numbered file."""

    def __init__(self, directory: str):
        self.directory = directory
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        number = next(self.numbers)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        header = b"".join(b"Delivered-To: " + rcpt.encode("utf-8") + b"\r\n"
                          for rcpt in envelope.rcpt_tos)
        final = os.path.join(self.directory, f"{number}.eml")
        temporary = os.path.join(self.directory, f".{number}.eml.tmp")
        with open(temporary, "wb") as f:
            f.write(header + content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(temporary, final)
        return "250 Message accepted for delivery"


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    port, directory = int(sys.argv[1]), sys.argv[2]
    os.makedirs(directory, exist_ok=True)

    controller = Controller(Maildir(directory), hostname="127.0.0.1", port=port,
                            # Latchkey's code mails are tiny; anything this large is a bug.
                            data_size_limit=10 * 1024 * 1024)
    controller.start()
    with open(os.path.join(directory, ".ready"), "w") as f:
        f.write(f"{os.getpid()}\n")

    loop = asyncio.new_event_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    try:
        loop.run_until_complete(stop)
    finally:
        controller.stop()
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
