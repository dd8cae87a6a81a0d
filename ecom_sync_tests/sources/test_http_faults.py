"""The shared client under faults that persist or leave the answer unknown (issue 13):
an unreadable body that keeps coming fails with a clear message after the attempts, and a
create whose answer was lost is handed back to the caller, not sent twice."""

from __future__ import annotations

import pytest

from ecom_sync.sources.bigcommerce import PLATFORM
from ecom_sync.sources.http import SourceError, UnansweredRequest

from .conftest import BC, CONN_NAME


@pytest.mark.parametrize("kind", ["invalid_json", "truncated_json"])
def test_r_m4_an_unreadable_body_that_persists_fails_clearly_and_lands_nothing(
    bc: BC, kind: str
) -> None:
    """A 200 whose body is not JSON is retried like a 5xx; when every attempt gets one the
    extract fails naming the store, the request and what was wrong (never the token),
    and no window folder is committed."""
    bc.sandbox.faults.add_spec({"kind": kind, "count": 50, "path": "/v3/customers"})
    with pytest.raises(SourceError) as info:
        bc.extract("customers", conn=bc.conn(http={"max_attempts": 3}))
    message = str(info.value)
    assert CONN_NAME in message and "GET /v3/customers" in message
    assert "not valid JSON" in message
    assert bc.store.token not in message
    assert bc.served.count(200) == 3, "exactly max_attempts tries"
    assert not list((bc.home / "landing" / CONN_NAME / "customers").iterdir())


@pytest.mark.parametrize("kind", ["drop", "slow", "truncated_json"])
def test_a_create_whose_answer_was_lost_is_not_sent_again(bc: BC, kind: str) -> None:
    """A POST that may have been served (its answer lost) raises ``UnansweredRequest``
    after one try: repeating it could create the object twice (here: a second webhook
    registration). The hook was made once; the caller looks it up."""
    conn = bc.conn(http={"timeout_s": 0.3})
    bc.sandbox.faults.add_spec({"kind": kind, "count": 1, "seconds": 0.6,
                                "path": "/v3/hooks"})
    body = {"scope": "store/cart/abandoned", "destination": "https://sync.example/hook",
            "is_active": True, "headers": {}}
    with PLATFORM.api(conn) as api, pytest.raises(UnansweredRequest) as info:
        api.request("POST", "/v3/hooks", json=body)
    assert "not repeated" in str(info.value)
    assert len(bc.store.hooks) == 1
    posts = [p for _, p, _ in bc.requests if p == "/v3/hooks"]
    assert len(posts) == 1
