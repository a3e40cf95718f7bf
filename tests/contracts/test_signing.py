"""The contract's standard-library Standard Webhooks signatures (what the bot verifies the hub's
notices with) and the standardwebhooks library (what the hub signs with) accept each other."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook

from qaid import webhooks
from qaid_contracts import signing

SECRET = webhooks.new_secret()
BODY = b'{"type":"reply.available","data":{"reply_id":"rp_1","sender":"s"}}'


def test_a_library_signature_verifies_with_the_standard_library() -> None:
    headers = webhooks.headers("msg_1", [webhooks.new_secret(), SECRET], BODY)  # rotation: two signatures
    assert signing.verify(SECRET, BODY, headers) == "msg_1"


def test_a_standard_library_signature_verifies_with_the_library() -> None:
    Webhook(SECRET).verify(BODY, signing.headers("msg_2", SECRET, BODY))


@pytest.mark.parametrize(
    "change",
    [
        {"webhook-signature": "v1,AAAA"},
        {"webhook-id": "msg_other"},
        {"webhook-timestamp": str(int(time.time()) - 10 * 60)},
        {"webhook-signature": ""},
    ],
)
def test_a_changed_stale_or_unsigned_request_is_refused(change: dict[str, str]) -> None:
    headers = {**webhooks.headers("msg_3", [SECRET], BODY, datetime.now(UTC)), **change}
    with pytest.raises(signing.SignatureError):
        signing.verify(SECRET, BODY, headers)


def test_another_body_or_secret_is_refused() -> None:
    headers = signing.headers("msg_4", SECRET, BODY)
    with pytest.raises(signing.SignatureError):
        signing.verify(SECRET, BODY + b" ", headers)
    with pytest.raises(signing.SignatureError):
        signing.verify(webhooks.new_secret(), BODY, headers)
