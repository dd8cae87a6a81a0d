"""``/_sandbox/...`` admin endpoints every stand-in serves the same way (activity, faults,
touch, summary, save) and the lifespan that saves the state on shutdown. Each app adds
its platform's own admin routes next to these."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ecom_sandbox.faults import FaultList

ParseNow = Callable[[str | None], datetime | None]
"""A body's ``now`` (absent or empty → None) to a datetime; raises on a bad date."""

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


class SavesState(Protocol):
    def save(self, path: Path | str) -> None: ...


class AdminSandbox(SavesState, Protocol):
    """What the shared admin endpoints use of a sandbox; the first argument of ``touch``
    is the store (BigCommerce store hash, Shopify shop name)."""

    faults: FaultList[Any]

    def add_activity(self, now: datetime | None = None, **options: Any) -> dict[str, Any]: ...

    def touch(self, store: str, kind: str, record_id: Any, now: datetime | None = None,
              /, **changes: Any) -> dict[str, Any]: ...

    def summary(self) -> dict[str, Any]: ...


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; an empty body is ``{}`` so bare POSTs work."""
    raw = await request.body()
    return json.loads(raw) if raw else {}


def faults_route(faults: FaultList[Any]) -> Route:
    """``/_sandbox/faults``: GET lists the active faults (and how many requests each kind
    answered so far, ``injected``); POST adds one (a fault spec as the body), several
    (``{"faults": [...]}``) or clears them first (``{"clear": true}``). Every stand-in
    serves it."""

    async def admin_faults(request: Request) -> Response:
        if request.method == "POST":
            body = await json_body(request)
            try:
                if body.get("clear"):
                    faults.clear()
                for spec in body.get("faults", [] if "clear" in body else [body]):
                    faults.add_spec(spec)
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"active": faults.active(), "injected": dict(faults.injected),
                             "catalogue": list(faults.catalogue())})

    return Route("/_sandbox/faults", admin_faults, methods=["GET", "POST"])


def _as_sent(value: Any) -> Any:
    return value


def shared_admin_routes(
    sandbox: AdminSandbox,
    state_path: Path | None,
    *,
    store_field: str,
    parse_now: ParseNow,
    bad_now: type[Exception],
    record_id: Callable[[Any], Any] = _as_sent,
) -> list[Route]:
    """The admin routes both stand-ins share. ``store_field`` names the store in a
    ``touch`` body, ``record_id`` converts its ``id`` and ``parse_now`` its ``now``; a
    ``now`` that raises ``bad_now`` makes ``activity`` answer 400."""

    async def admin_activity(request: Request) -> Response:
        body = await json_body(request)
        try:
            now = parse_now(body.pop("now", None))
        except bad_now as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return JSONResponse({"counts": sandbox.add_activity(now, **body)})

    async def admin_touch(request: Request) -> Response:
        body = await json_body(request)
        try:
            record = sandbox.touch(body[store_field], body["kind"], record_id(body["id"]),
                                   parse_now(body.get("now")), **body.get("changes", {}))
        except (KeyError, AttributeError) as exc:
            return JSONResponse({"error": f"unknown record: {exc}"}, status_code=404)
        return JSONResponse({"id": record["id"]})

    async def admin_summary(request: Request) -> Response:
        return JSONResponse(sandbox.summary())

    async def admin_save(request: Request) -> Response:
        body = await json_body(request)
        target = body.get("path") or state_path
        if not target:
            return JSONResponse({"error": "no state path"}, status_code=400)
        await run_in_threadpool(sandbox.save, Path(target))
        return JSONResponse({"saved": str(target)})

    return [
        Route("/_sandbox/activity", admin_activity, methods=["POST"]),
        faults_route(sandbox.faults),
        Route("/_sandbox/touch", admin_touch, methods=["POST"]),
        Route("/_sandbox/summary", admin_summary, methods=["GET"]),
        Route("/_sandbox/save", admin_save, methods=["POST"]),
    ]


def saving_lifespan(
    sandbox: SavesState,
    state_path: Path | None,
    background: Callable[[], Coroutine[Any, Any, None]] | None = None,
) -> Lifespan:
    """A lifespan that runs ``background`` as a task while the app serves and, with
    ``state_path``, saves the state there on shutdown so a restart picks it up."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(background()) if background is not None else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if state_path is not None:
                sandbox.save(state_path)

    return lifespan
