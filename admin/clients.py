"""Who is asking: the client's address and whether the request came over https, reading
X-Forwarded-For and X-Forwarded-Proto only from a reverse proxy named in
ORIENTA_TRUSTED_PROXIES (anyone else could write them to dodge throttling)."""

from __future__ import annotations

from starlette.requests import Request

__all__ = ["client_address", "over_https"]


def _peer(request: Request) -> str:
    return request.client.host if request.client else ""


def client_address(request: Request, trusted: frozenset[str]) -> str:
    """The address of the client: the peer, or, behind trusted proxies, the nearest
    address in X-Forwarded-For that is not one of them."""
    peer = _peer(request)
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return peer


def over_https(request: Request, trusted: frozenset[str]) -> bool:
    if request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return _peer(request) in trusted and proto == "https"
