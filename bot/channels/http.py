"""The HTTP client the senders call their provider with (Twilio's Messages API, the
Telegram Bot API's sending pool): one aiohttp session per sender, made in the running
loop, its keep-alive connections pooled; and what a failed request means for the
message: never sent (try again) or sent with no answer (reconcile).

aiohttp rather than httpx: the fan-out bench found the worker spending most of its time
in httpx and anyio, and posting 5,000 messages to a fake Twilio on loopback took 0.95 ms
of CPU per message with httpx, 0.15 ms with aiohttp (issue 15, docs/channels.md). What
httpx did by itself is kept: the same timeout for each stage of a request, a proxy named
by the environment, and the same certificate authorities.
"""

from __future__ import annotations

import base64
import functools
import os
import ssl
from collections.abc import Mapping
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
import certifi

__all__ = [
    "FAILURES",
    "FORM",
    "POOL_SIZE",
    "HttpClient",
    "basic_auth",
    "sent_without_answer",
    "timeouts",
]

POOL_SIZE = 64
"""Connections one sender keeps open to its provider, at most: the dispatcher sends eight rows at
a time and the webhooks' replies a few more, far below it even at Telegram's 30 a second
with answers a second late; beyond it a request waits for a free connection (counted in
its connect timeout)."""

KEEPALIVE_SECONDS = 5.0
"""How long an idle connection is kept (httpx's default): the longer it stays, the more
likely the server closes it just as a request goes out on it, which reads as a request
sent without an answer."""

FAILURES = (aiohttp.ClientError, TimeoutError, OSError)
"""What a request can fail with, short of a bug. Raise ours `from None`: aiohttp's
messages quote the URL, which holds a bot token or a phone number."""
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def timeouts(seconds: float) -> aiohttp.ClientTimeout:
    """`seconds` for each stage of a request, as httpx's `Timeout(seconds)`: getting a
    connection (a free one from the pool, or a new one: `connect`; connecting alone:
    `sock_connect`), then each wait for the answer's bytes once the request is written
    (`sock_read`). httpx also bounded each write; aiohttp cannot, so the whole request
    is bounded instead, by the three stages' sum (`total`): an upload to a connection
    that stopped reading ends as one that went out unanswered."""
    return aiohttp.ClientTimeout(
        total=3 * seconds, connect=seconds, sock_connect=seconds, sock_read=seconds
    )


def basic_auth(user: str, password: str) -> dict[str, str]:
    """The Authorization header for HTTP basic auth, encoded as httpx did (UTF-8);
    aiohttp's BasicAuth is deprecated."""
    pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {pair}"}


def sent_without_answer(exc: BaseException) -> bool:
    """The request went out and no whole answer came back: a read timeout, the
    connection closed before the answer, or an answer cut short. The provider may have
    acted on it, so the row is reconciled, not sent again. Any other failure (a refused
    connection, a connect timeout or no free connection in time, a connection reset)
    is an ordinary one, tried again later. A bare TimeoutError is the whole request's
    bound, reached once connected (`timeouts`: it outlasts the connect timeout)."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return False  # not connected: nothing went out
    return isinstance(
        exc,
        aiohttp.ServerTimeoutError  # SocketTimeoutError: no byte within sock_read
        | aiohttp.ServerDisconnectedError
        | aiohttp.ClientPayloadError
        | TimeoutError,
    )


class HttpClient:
    """The session one sender posts with, made on first use inside the running loop
    (aiohttp binds a session to its loop, and senders are built before any runs), and
    made again after `aclose`."""

    def __init__(
        self,
        base_url: str,
        timeout: float,
        *,
        headers: Mapping[str, str] | None = None,
        pool_size: int = POOL_SIZE,
    ) -> None:
        self.timeout = timeouts(timeout)
        self._headers = dict(headers or {})
        self._pool_size = pool_size
        self._proxy = _proxy_for(base_url)
        self._https = base_url.startswith("https:")
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size,
                limit_per_host=self._pool_size,  # one host: the same bound
                keepalive_timeout=KEEPALIVE_SECONDS,
                ssl=_ssl_context() if self._https else True,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                timeout=self.timeout,
                headers=self._headers,
                proxy=self._proxy,
                # The proxy is read once above: trust_env would read the environment
                # again, in a thread, at every request.
                trust_env=False,
            )
            self._session = session
        return session

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY;
    none when NO_PROXY lists its host), as httpx used it."""
    parts = urlsplit(url)
    if not parts.hostname or proxy_bypass(parts.hostname):
        return None
    proxies = getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy:
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """The certificate authorities httpx trusted: SSL_CERT_FILE or SSL_CERT_DIR when
    set, else certifi's bundle (a slim image may have no system ones). Built once per
    process: loading the bundle takes tens of milliseconds."""
    if os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    return ssl.create_default_context(cafile=certifi.where())
