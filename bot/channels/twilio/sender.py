"""Sending through Twilio's Messages API (SMS or WhatsApp), and asking it what it sent.

Our idempotency key travels in the StatusCallback URL, so each status callback names the
row it is about, even when we crashed before recording the provider's id. Twilio's error
codes are read here and nowhere else. Requests go through `bot.channels.http` (aiohttp,
a pool of keep-alive connections), which says which failures may have reached Twilio.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from bot.channels.base import (
    PermanentSendError,
    SendError,
    TransientSendError,
    UncertainSendError,
)
from bot.channels.http import FAILURES, FORM, HttpClient, basic_auth, sent_without_answer
from bot.channels.registry import channel_type
from bot.messaging import Outbound

__all__ = ["OPTED_OUT_CODES", "UNREACHABLE_CODES", "TwilioSender", "is_opt_out"]

# Twilio error codes that mean "never send to this address again".
OPTED_OUT_CODES = {21610}  # the person replied STOP to the sender (Twilio's own list)
UNREACHABLE_CODES = {21211, 21214, 21217, 21407, 21612, 21614, 63003}  # not 21408: geo permission


"""The form is encoded here as httpx encoded it (`urlencode`, one MediaUrl field per
recording) and posted as bytes."""


def is_opt_out(error_code: str | int) -> bool:
    """Twilio says the person unsubscribed (with a word Orienta may not know)."""
    try:
        return int(error_code) in OPTED_OUT_CODES
    except ValueError:
        return False


class TwilioSender:
    """Sends outbox rows through Twilio's Messages API (SMS or WhatsApp)."""

    def __init__(
        self,
        channel: str,
        *,
        account_sid: str,
        auth_token: str,
        sender: str,
        public_base_url: str,
        api_base_url: str = "https://api.twilio.com",
        template_sid: str = "",
        timeout: float = 20.0,
    ) -> None:
        self.channel = channel
        self.template_sid = template_sid
        """WhatsApp: an approved template with one variable, for messages sent outside the
        24-hour window that opens each time the person writes."""
        self._sender = sender
        self._public_base_url = public_base_url
        self._messages_url = f"{api_base_url}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._http = HttpClient(api_base_url, timeout, headers=basic_auth(account_sid, auth_token))

    def _address(self, number: str) -> str:
        return f"whatsapp:{number}" if self.channel == "whatsapp" else number

    def body(self, payload: dict[str, Any]) -> str:
        return channel_type(self.channel).body(Outbound.from_payload(self.channel, "", payload))

    async def send(
        self, address: str, payload: dict[str, Any], *, key: str, template: bool = False
    ) -> str:
        data = {"To": self._address(address)}
        body = self.body(payload)
        media = payload.get("media", []) if self.channel == "whatsapp" else []
        if template:
            data["ContentSid"] = self.template_sid
            data["ContentVariables"] = json.dumps({"1": body}, ensure_ascii=False)
        elif body or not media:  # a recording goes alone, without a caption
            data["Body"] = body
        if self._sender.startswith("MG"):
            data["MessagingServiceSid"] = self._sender
        else:
            data["From"] = self._address(self._sender)
        if self._public_base_url:
            data["StatusCallback"] = (
                f"{self._public_base_url}/webhooks/twilio/status?{urlencode({'key': key})}"
            )
        form = urlencode([*data.items(), *(("MediaUrl", url) for url in media)])
        try:
            async with self._http.session().post(
                self._messages_url, data=form.encode(), headers=FORM
            ) as response:
                status, headers, answer = response.status, response.headers, await response.read()
        except FAILURES as exc:
            if sent_without_answer(exc):
                # The request went out; Twilio may have accepted it. Reconciliation decides.
                raise UncertainSendError(f"twilio: no answer ({type(exc).__name__})") from None
            raise TransientSendError(f"twilio unreachable: {type(exc).__name__}") from None
        if status in (200, 201):
            return str(json.loads(answer)["sid"])
        raise _send_error(status, headers, answer)

    async def find_sent(self, address: str, payload: dict[str, Any], since: datetime) -> str | None:
        """The sid of a message already accepted by Twilio for this row, if any: how a row
        left 'sending' by a crash is reconciled instead of sent twice."""
        # Newest first; no date filter, as a message still queued at Twilio has no
        # DateSent yet. A stale row is minutes old, far inside the first page.
        params = {"To": self._address(address), "PageSize": "200"}
        try:
            async with self._http.session().get(self._messages_url, params=params) as response:
                status, headers, answer = response.status, response.headers, await response.read()
        except FAILURES as exc:
            raise TransientSendError(f"twilio unreachable: {type(exc).__name__}") from None
        if status != 200:
            raise _send_error(status, headers, answer)
        body = self.body(payload)
        for message in json.loads(answer).get("messages", []):
            if message.get("body") == body:
                return str(message["sid"])
        return None

    async def aclose(self) -> None:
        await self._http.aclose()


def _send_error(status: int, headers: Mapping[str, str], answer: bytes) -> SendError:
    try:
        code = int(json.loads(answer).get("code") or 0)
    except (ValueError, AttributeError):
        code = 0
    reason = f"twilio {status} code {code}"
    if status in (401, 403) or status == 429 or (status >= 500):
        # 401/403: our credentials or account, not the person: retry once it is fixed.
        retry_after = headers.get("Retry-After")
        seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
        return TransientSendError(reason, retry_after=seconds)
    if code in OPTED_OUT_CODES:
        return PermanentSendError(reason, opted_out=True)
    return PermanentSendError(reason, unreachable=code in UNREACHABLE_CODES)
