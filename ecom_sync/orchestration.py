"""Drive Dagster from the CLI: start the webserver and daemon, launch backfills and runs
through the webserver's GraphQL API (the same calls the UI makes), wait for them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ecom_sync import paths

LOCATION = "ecom_sync"
REPOSITORY = "__repository__"
BACKFILL_POLL_SECONDS = "3"  # ECOM_SYNC_BACKFILL_POLL_SECONDS; Dagster's own pause is 30
DONE_BACKFILL = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}
DONE_RUN = {"SUCCESS", "FAILURE", "CANCELED"}


class DagsterError(RuntimeError):
    pass


def prepare_dagster_home() -> Path:
    """DAGSTER_HOME inside the state folder, with the project's instance config."""
    home = paths.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    template = paths.PROJECT_DIR / "dagster.yaml"
    if template.exists():
        shutil.copyfile(template, home / "dagster.yaml")
    # Same location as the repo's workspace.yaml, usable from any working directory.
    (home / "workspace.yaml").write_text(
        "load_from:\n  - python_module:\n      module_name: ecom_sync.definitions\n"
        f"      working_directory: {paths.PROJECT_DIR}\n      location_name: {LOCATION}\n"
    )
    return home


def service_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["ECOM_SYNC_HOME"] = str(paths.home())
    env["DAGSTER_HOME"] = str(prepare_dagster_home())
    env.setdefault("ECOM_SYNC_CONFIG", str(paths.config_path()))
    env.update(extra or {})
    return env


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def dagster_port(asked: int | None, default: int = 3000) -> int:
    """The port asked for; else Dagster's usual 3000, or a free one if that is taken."""
    if asked is not None:
        return asked
    return default if port_is_free("127.0.0.1", default) else free_port()


def run_dagster_daemon() -> None:
    """``dagster-daemon`` (same arguments), pausing ECOM_SYNC_BACKFILL_POLL_SECONDS between
    backfill iterations instead of 30 s.

    The backfill daemon plans a backfill's runs, and its next ones (canonical after the
    stores), only on its iterations, and Dagster has no setting for the pause between them
    (dagster-io/dagster#11860 proposes 2 s while backfills are active, #11649). A sync
    waited up to 30 s to start and again between its runs. ecom-sync's own services start
    the daemon through this; one started otherwise keeps Dagster's 30 s."""
    from dagster._daemon import controller
    from dagster._daemon.cli import main

    if hasattr(controller, "DEFAULT_DAEMON_INTERVAL_SECONDS"):
        controller.DEFAULT_DAEMON_INTERVAL_SECONDS = int(
            os.environ.get("ECOM_SYNC_BACKFILL_POLL_SECONDS", BACKFILL_POLL_SECONDS)
        )
    main()


def wait_for_ctrl_c() -> None:
    """Keep services up until the user presses Ctrl-C."""
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


class DagsterServices:
    """The webserver (UI + GraphQL) and the daemon (schedules, sensors, backfills, queue)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 3000, read_only: bool = False):
        self.url = f"http://{host}:{port}"
        self.host, self.port, self.read_only = host, port, read_only
        self.procs: list[subprocess.Popen[bytes]] = []
        self.log_dir = paths.home() / "logs"

    def start(self, timeout: float = 180) -> DagsterServices:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = service_env()
        # Create the instance's storage once, here: the webserver, its code server and the
        # daemon would otherwise race to migrate a fresh SQLite store ("more than one head").
        from dagster import DagsterInstance

        with DagsterInstance.from_config(env["DAGSTER_HOME"]):
            pass
        workspace = str(Path(env["DAGSTER_HOME"]) / "workspace.yaml")
        bindir = Path(sys.executable).parent
        web = [
            str(bindir / "dagster-webserver"),
            "-w",
            workspace,
            "-h",
            self.host,
            "-p",
            str(self.port),
        ]
        if self.read_only:
            web.append("--read-only")
        daemon = [sys.executable, "-c",
                  "from ecom_sync.orchestration import run_dagster_daemon; run_dagster_daemon()",
                  "run", "-w", workspace]
        for name, cmd in (("webserver", web), ("daemon", daemon)):
            log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the child
            self.procs.append(
                subprocess.Popen(
                    cmd,
                    env=env,
                    stdout=log,
                    stderr=log,
                    cwd=paths.PROJECT_DIR,
                    start_new_session=True,
                )
            )
        client = DagsterGraphQL(self.url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(p.poll() is not None for p in self.procs):
                self.stop()
                raise DagsterError(f"Dagster failed to start; see {self.log_dir}")
            loaded, error = client.location_state()
            if loaded:
                return self
            if error:
                self.stop()
                raise DagsterError(f"ecom_sync definitions failed to load: {error}")
            time.sleep(1)
        self.stop()
        raise DagsterError(f"Dagster did not answer on {self.url} within {timeout:.0f}s")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs = []

    def __enter__(self) -> DagsterServices:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_LAUNCH_BACKFILL = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}"""
_BACKFILL = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill { id status numPartitions runs { id status } }
    ... on Error { message }
  }
}"""
_LAUNCH_RUN = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on Error { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""
_RUN = """
query($id: ID!) {
  runOrError(runId: $id) {
    __typename
    ... on Run { runId status }
    ... on Error { message }
  }
}"""
_RUNS = """
query($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs { results { runId status creationTime endTime tags { key value } } }
    ... on Error { message }
  }
}"""
_WORKSPACE = """
query { workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
_ASSETS = """
query { assetNodes { assetKey { path } groupName isPartitioned } }"""
@dataclass
class BackfillResult:
    backfill_id: str
    status: str
    runs: list[dict[str, Any]]

    @property
    def succeeded(self) -> bool:
        return self.status in {"COMPLETED", "COMPLETED_SUCCESS"} and all(
            r["status"] == "SUCCESS" for r in self.runs
        )


class DagsterGraphQL:
    def __init__(self, url: str, timeout: float = 60) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(timeout=timeout)

    def ready(self) -> bool:
        """The code location is loaded, without a load error."""
        return self.location_state()[0]

    def location_state(self) -> tuple[bool, str | None]:
        """(loaded, load error) of the ecom_sync code location, from one query; (False,
        None) while the webserver does not answer yet."""
        try:
            data = self.query(_WORKSPACE)
        except (httpx.HTTPError, DagsterError):
            return False, None
        for e in data["workspaceOrError"].get("locationEntries", []):
            if e["name"] != LOCATION:
                continue
            found = e.get("locationOrLoadError") or {}
            if found.get("__typename") == "PythonError":
                return False, found.get("message")
            return e["loadStatus"] == "LOADED" and found.get("__typename") == (
                "RepositoryLocation"), None
        return False, None

    def query(self, text: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post(
            f"{self.url}/graphql", json={"query": text, "variables": variables or {}}
        )
        if response.status_code >= 500:
            raise DagsterError(f"{response.status_code} from {self.url}: {response.text[:2000]}")
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise DagsterError("; ".join(e.get("message", "?") for e in body["errors"]))
        return body["data"]

    def asset_nodes(self) -> list[dict[str, Any]]:
        return self.query(_ASSETS)["assetNodes"]

    def launch_backfill(
        self,
        partitioned: dict[tuple[str, ...], tuple[str, str]],
        unpartitioned: list[list[str]] | None = None,
        tags: dict[str, str] | None = None,
        title: str | None = None,
    ) -> str:
        """An asset backfill: each partitioned asset key with its (first, last) partition
        key, plus unpartitioned assets (built after their parents, once)."""
        by_asset: list[dict[str, Any]] = [
            {"assetKey": {"path": list(key)},
             "partitions": {"range": {"start": first, "end": last}}}
            for key, (first, last) in partitioned.items()
        ]
        by_asset += [{"assetKey": {"path": key}, "partitions": None} for key in unpartitioned or []]
        params = {
            "partitionsByAssets": by_asset,
            "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()],
            "title": title,
        }
        result = self.query(_LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            raise DagsterError(f"backfill not launched: {result.get('message', result)}")
        return result["backfillId"]

    def backfill(self, backfill_id: str) -> BackfillResult:
        data = self.query(_BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
        if data["__typename"] != "PartitionBackfill":
            raise DagsterError(data.get("message", str(data)))
        return BackfillResult(data["id"], data["status"], data["runs"])

    def wait_backfill(self, backfill_id: str, timeout: float = 1800) -> BackfillResult:
        deadline = time.monotonic() + timeout
        while True:
            result = self.backfill(backfill_id)
            unfinished = [r for r in result.runs if r["status"] not in DONE_RUN]
            if result.status in DONE_BACKFILL and not unfinished:
                return result
            if time.monotonic() > deadline:
                raise DagsterError(f"backfill {backfill_id} still {result.status} after {timeout}s")
            time.sleep(2)

    def launch_run(
        self, job: str, partition_key: str | None = None, tags: dict[str, str] | None = None
    ) -> str:
        all_tags = dict(tags or {})
        if partition_key:
            all_tags["dagster/partition"] = partition_key
        params = {
            "selector": {
                "repositoryLocationName": LOCATION,
                "repositoryName": REPOSITORY,
                "jobName": job,
            },
            "executionMetadata": {"tags": [{"key": k, "value": v} for k, v in all_tags.items()]},
        }
        result = self.query(_LAUNCH_RUN, {"params": params})["launchRun"]
        if result["__typename"] != "LaunchRunSuccess":
            raise DagsterError(f"run of {job} not launched: {result.get('message', result)}")
        return result["run"]["runId"]

    def runs(self, job: str, created_after: float) -> list[dict[str, Any]]:
        """Runs of ``job`` created after a Unix time (e.g. those a sensor launched), with
        their status, end time and tags."""
        data = self.query(_RUNS, {"filter": {"pipelineName": job,
                                             "createdAfter": created_after}})["runsOrError"]
        if data["__typename"] != "Runs":
            raise DagsterError(data.get("message", str(data)))
        return [{**r, "tags": {t["key"]: t["value"] for t in r["tags"]}}
                for r in data["results"]]

    def wait_run(self, run_id: str, timeout: float = 1800) -> str:
        deadline = time.monotonic() + timeout
        while True:
            data = self.query(_RUN, {"id": run_id})["runOrError"]
            if data["__typename"] != "Run":
                raise DagsterError(data.get("message", str(data)))
            if data["status"] in DONE_RUN:
                return data["status"]
            if time.monotonic() > deadline:
                raise DagsterError(f"run {run_id} still {data['status']} after {timeout}s")
            time.sleep(1)
