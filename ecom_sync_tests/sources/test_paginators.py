"""The base stream's paginators on the shapes the next platforms need, over loopback HTTP:
a Square-style search (POST, the cursor in the JSON body, a cursor before an empty last
page, ``{}`` for no records, one walk per location slice), a Square-style list whose
cursor continues past an empty page, and a shop-site list (``page``/``per_page`` with
``meta.pages``). The endpoints are minimal, made for these
checks; BigCommerce and Shopify run them through the conformance suite.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ecom_sandbox.server import serve_in_thread
from ecom_sync.config import ConnectionConfig, HttpSettings
from ecom_sync.sources.http import ApiClient, SourceError
from ecom_sync.sources.landing import ExtractStats, LandingWriter, Window, utc_ts
from ecom_sync.sources.paginators import Cursor, PageNumber
from ecom_sync.sources.stream import Stream, bounds
from ecom_sync_tests.sources.conftest import landed_rows

T0 = datetime(2026, 3, 1, tzinfo=UTC)
RECORDS = [{"id": f"R{i:02d}", "location_id": "L1" if i < 10 else "L2",
            "updated_at": (T0 + timedelta(hours=i)).isoformat()} for i in range(23)]
PAGE = 5


def iso(ts: datetime) -> str:
    return ts.isoformat()


@dataclass
class Api:
    """The two endpoints and what they were asked."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    pages_asked: list[int] = field(default_factory=list)

    def in_range(self, lo: str, hi: str) -> list[dict[str, Any]]:
        return [r for r in RECORDS if utc_ts(lo) <= utc_ts(r["updated_at"]) <= utc_ts(hi)]

    async def search(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.bodies.append(body)
        when = body["query"]["filter"]["updated_at"]
        rows = [r for r in self.in_range(when["start_at"], when["end_at"])
                if r["location_id"] in body["location_ids"]]
        start = int(body.get("cursor", 0))
        page = rows[start:start + body["limit"]]
        out: dict[str, Any] = {"orders": page} if page else {}
        if start + body["limit"] <= len(rows):  # a cursor even when nothing is left
            out["cursor"] = str(start + body["limit"])
        return JSONResponse(out)

    async def sparse(self, request: Request) -> JSONResponse:
        """Five records, an empty page that still has a cursor, five more; ``stuck``
        answers its own cursor again."""
        cursor = request.query_params.get("cursor")
        if request.url.path.endswith("stuck"):
            return JSONResponse({"payments": [], "cursor": "same"})
        pages = {None: (RECORDS[:5], "a"), "a": ([], "b"), "b": (RECORDS[5:10], None)}
        rows, after = pages[cursor]
        return JSONResponse({"payments": rows, **({"cursor": after} if after else {})})

    async def customers(self, request: Request) -> JSONResponse:
        q = request.query_params
        rows = self.in_range(q["modified_since"], q["modified_until"])
        page, per_page = int(q["page"]), int(q["per_page"])
        self.pages_asked.append(page)
        pages = -(-len(rows) // per_page)
        # A row whose timestamp the site mangled rides along on the first page.
        bad = [{"id": "BAD", "updated_at": "31/02/2026 25:00"}] if page == 1 else []
        return JSONResponse({"data": bad + rows[(page - 1) * per_page:page * per_page],
                             "meta": {"page": page, "per_page": per_page,
                                      "total": len(rows), "pages": pages}})


@pytest.fixture
def served() -> Iterator[tuple[Api, str]]:
    api = Api()
    app = Starlette(routes=[Route("/v2/orders/search", api.search, methods=["POST"]),
                            Route("/v2/payments", api.sparse), Route("/v2/stuck", api.sparse),
                            Route("/customers", api.customers)])
    with serve_in_thread(app) as url:
        yield api, url


def extract(
    url: str, stream: Stream, window: Window, root: Path
) -> tuple[list[dict[str, Any]], ExtractStats]:
    conn = ConnectionConfig(name="site", platform="test", store_name="Site", token_env="UNUSED",
                            history_start=T0.date(), api_base_url=url)
    settings = HttpSettings(timeout_s=5, max_attempts=2, backoff_max_s=0.1)
    with (ApiClient(base_url=url, headers={}, settings=settings, label="test",
                    reconnect_hint="-") as api,
          LandingWriter(root, conn.name, stream.name, window) as writer):
        stats = stream.extract(api, conn, window, writer)
        return landed_rows(writer.commit()), stats


def test_cursor_in_a_post_body_one_walk_per_slice(
    served: tuple[Api, str], tmp_path: Path
) -> None:
    """Square: the cursor goes back in the body with the identical query; a cursor with
    an empty (``{}``) page after it ends the walk; each location slice walks alone."""
    api, url = served
    stream = Stream(
        "orders", ("id",), "updated_at", "square_orders", "", path="/v2/orders/search",
        method="POST", records="orders", max_page_size=PAGE,
        window_params=lambda lo, hi: {"query": {"filter": {"updated_at": {"start_at": iso(lo),
                                                                   "end_at": iso(hi)}}}},
        slices=lambda conn: [{"location_ids": ["L1"]}, {"location_ids": ["L2"]}],
        paginator=Cursor(next_cursor=lambda body: body.get("cursor")),
    )
    window = Window(T0, T0 + timedelta(days=5))
    rows, _stats = extract(url, stream, window, tmp_path)
    assert [r["id"] for r in rows] == [r["id"] for r in RECORDS]
    l1 = [b for b in api.bodies if b["location_ids"] == ["L1"]]
    assert [b.get("cursor") for b in l1] == [None, "5", "10"]  # 10 records: 5, 5, then {}
    assert all({k: v for k, v in b.items() if k != "cursor"} == l1[0] for b in l1)
    assert l1[0]["limit"] == PAGE


def test_a_cursor_is_followed_through_an_empty_page(
    served: tuple[Api, str], tmp_path: Path
) -> None:
    """Square: a cursor means more, even after an empty page (its page size is advisory),
    when the paginator is told so; a cursor that comes back unchanged is an error, not an
    endless walk."""
    _api, url = served
    paginator = Cursor(next_cursor=lambda body: body.get("cursor"), empty_page_ends=False)
    stream = Stream("payments", ("id",), "updated_at", "square_payments", "",
                    path="/v2/payments", records="payments", paginator=paginator)
    window = Window(T0, T0 + timedelta(days=5))
    rows, stats = extract(url, stream, window, tmp_path / "a")
    assert [r["id"] for r in rows] == [r["id"] for r in RECORDS[:10]]
    assert stats.pages == 3
    with pytest.raises(SourceError, match="does not advance"):
        extract(url, Stream("stuck", ("id",), "updated_at", "t", "", path="/v2/stuck",
                            records="payments", paginator=paginator), window, tmp_path / "b")


def test_page_numbers_stop_at_the_pages_the_body_reports(
    served: tuple[Api, str], tmp_path: Path
) -> None:
    """Shop site: ``page``/``per_page``, ``meta.pages`` says where the walk ends; the
    window stays half-open although ``modified_until`` is inclusive; a row with an
    unreadable timestamp lands as the API gave it (the API put it in this window; staging
    rejects it with the reason, issue 13)."""
    api, url = served
    stream = Stream(
        "customers", ("id",), "updated_at", "shopsite_customers", "", path="/customers",
        window_params=bounds("modified_since", "modified_until", iso), max_page_size=PAGE,
        paginator=PageNumber(size_param="per_page", total_pages="meta.pages",
                             total="meta.total", rewalk_when_total_moves=True),
    )
    window = Window(T0 + timedelta(hours=1), T0 + timedelta(hours=22))
    rows, stats = extract(url, stream, window, tmp_path)
    assert sorted(r["id"] for r in rows) == sorted(["BAD", *(r["id"] for r in RECORDS[1:22])])
    assert stats.skipped == {}
    assert api.pages_asked == [1, 2, 3, 4, 5]  # 22 records in the inclusive API range
