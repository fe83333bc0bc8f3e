"""A minimal SMTP server on 127.0.0.1 for tests: accepts every message, keeps it."""

from __future__ import annotations

import email
import email.policy
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 fake-smtp ready")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250-fake-smtp")
                self._say("250 8BITMIME")
            elif verb == "MAIL":
                sender = command.partition(":")[2].strip(" <>")
                self._say("250 OK")
            elif verb == "RCPT":
                recipients.append(command.partition(":")[2].strip(" <>"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                message = email.message_from_bytes(data, policy=email.policy.default)
                with self.server.lock:
                    self.server.messages.append((sender, recipients, message))  # type: ignore[arg-type]
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("250 OK")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.lock = threading.Lock()


@contextmanager
def fake_smtp() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def port_of(server: socketserver.TCPServer) -> int:
    address = server.server_address
    assert isinstance(address, tuple)
    return int(address[1])


__all__ = ["fake_smtp", "port_of", "socket"]
