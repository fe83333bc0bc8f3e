"""Servers on 127.0.0.1 that fail as a provider's API can, below what an ASGI app can do:
one that reads each request whole and closes the connection without answering, one
whose connections never complete. Used by both providers' sender tests."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from tests.fakes.servers import free_socket


@dataclass
class HangingUp:
    url: str
    requests: list[bytes] = field(default_factory=list)
    """Each request as received (head and body), before the connection was closed."""


@contextmanager
def hanging_up() -> Iterator[HangingUp]:
    """An HTTP server that takes each request in whole, then closes the connection
    without a word: to the client, a request sent and never answered."""
    sock = free_socket()
    sock.listen(16)
    server = HangingUp(f"http://127.0.0.1:{sock.getsockname()[1]}")

    def serve() -> None:
        while True:
            try:
                connection, _ = sock.accept()
            except OSError:
                return  # closed: the test is over
            with connection:
                request = _read_request(connection)
                if request:
                    server.requests.append(request)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        thread.join(5)


def _read_request(connection: socket.socket) -> bytes:
    """The head and the Content-Length body, read whole so that closing sends a clean
    end of stream (closing with unread bytes would send a reset instead)."""
    connection.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@contextmanager
def never_connecting() -> Iterator[str]:
    """A base URL where connecting never completes: a listening socket whose queue of
    connections is already full, so that Linux drops new ones unanswered."""
    sock = free_socket()
    sock.listen(0)
    address = sock.getsockname()
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(address)
        fillers.append(filler)
    try:
        yield f"http://127.0.0.1:{address[1]}"
    finally:
        for filler in fillers:
            filler.close()
        sock.close()
