"""A minimal SMTP server on loopback for worker processes: records every message it accepts.

``hold_first`` keeps the first ``DATA`` command unanswered until ``release`` is set, so a
test can kill a worker in the middle of sending. A message counts as received only once
its whole body arrived, which a killed sender never achieves.
"""

from __future__ import annotations

import email
import email.message
import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    server: socketserver.ThreadingTCPServer
    messages: list[email.message.Message] = field(default_factory=list)
    hold_first: bool = False
    data_started: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def env(self) -> dict[str, str]:
        return {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(self.port), "EMAIL_USE_TLS": "0"}

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def start(*, hold_first: bool = False) -> Mailbox:
    holder: dict[str, Mailbox] = {}

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")
            self.wfile.flush()

        def handle(self) -> None:
            box = holder["box"]
            try:
                self.reply("220 localhost test SMTP")
                while line := self.rfile.readline():
                    command = line.decode(errors="replace").strip().upper()
                    if command.startswith(("EHLO", "HELO")):
                        self.reply("250 localhost")
                    elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                        self.reply("250 OK")
                    elif command == "DATA":
                        first = not box.data_started.is_set()
                        box.data_started.set()
                        if first and box.hold_first:
                            box.release.wait(60)
                        self.reply("354 end with <CRLF>.<CRLF>")
                        lines = []
                        while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n"):
                            if not chunk:
                                return  # the sender died mid-message: nothing was delivered
                            lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                        box.messages.append(email.message_from_bytes(b"".join(lines)))
                        self.reply("250 OK queued")
                    elif command == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not implemented")
            except OSError:
                return  # the sender was killed

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    box = Mailbox(server, hold_first=hold_first)
    holder["box"] = box
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return box
