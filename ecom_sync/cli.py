"""``ecom-sync``: demo, dev, sync, sandbox, webhooks, publish, reconcile, forget, status,
check."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from ecom_sync import paths
from ecom_sync.config import ConfigError
from ecom_sync.config_loader import load_config


def _cmd_demo(args: argparse.Namespace) -> int:
    from ecom_sync.demo.run import run_demo
    from ecom_sync.orchestration import dagster_port

    return run_demo(port=dagster_port(args.port), keep_running=args.keep_running)


def _cmd_dev(args: argparse.Namespace) -> int:
    from ecom_sync.demo.environment import demo_services
    from ecom_sync.orchestration import DagsterServices, dagster_port, wait_for_ctrl_c

    with demo_services(load_config()) as services, \
            DagsterServices(port=dagster_port(args.port)) as dagster:
        print(f"Stand-in stores and webhook receiver running; Dagster UI at {dagster.url}")
        if services.config.source_path != paths.config_path():
            print(f"Other commands: export ECOM_SYNC_CONFIG={services.config.source_path}")
        print("Ctrl-C to stop.", flush=True)
        wait_for_ctrl_c()
    return 0


def _cmd_sandbox(args: argparse.Namespace) -> int:
    from ecom_sync.demo.stand_in import serve_bigcommerce

    serve_bigcommerce(args.host, args.port, args.seed, args.state)
    return 0


def _cmd_webhooks(args: argparse.Namespace) -> int:
    import uvicorn

    from ecom_sync.sources.registry import get_platform
    from ecom_sync.sources.webhook_receiver import create_receiver, webhook_secrets
    from ecom_sync.sources.webhook_store import WebhookStore

    config = load_config()
    secrets = webhook_secrets(config)
    if args.register:
        for conn in config.enabled_connections:
            if conn.name in secrets:
                n = get_platform(conn.platform).register_webhooks(conn, secrets[conn.name])
                print(f"{conn.name}: {n} webhook(s) registered")
    app = create_receiver(config, WebhookStore(paths.webhook_store_path()), secrets)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def _cmd_sync(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from dagster import DagsterInstance

    from ecom_sync.orchestration import DagsterGraphQL, DagsterServices, prepare_dagster_home
    from ecom_sync.sync_modes import launch_syncs, resolve_range

    config = load_config()
    names = (
        [c.name for c in config.enabled_connections]
        if args.connection == "all"
        else [args.connection]
    )
    # What was synced matters to the other modes only; a historical sync starts sooner.
    with (nullcontext() if args.historical
          else DagsterInstance.from_config(str(prepare_dagster_home()))) as instance:
        ranges = [
            resolve_range(
                config.connection(name),
                historical=args.historical,
                since_last=args.since == "last",
                start=args.start,
                end=args.end,
                instance=instance,
            )
            for name in names
        ]
    for name in names:
        if not config.connection(name).enabled:
            raise ConfigError(f"connection '{name}' is disconnected (enabled: false)")
    client = DagsterGraphQL(args.dagster_url)
    services = None
    if not client.ready():
        print(f"No Dagster at {args.dagster_url}; starting one for this sync.", flush=True)
        services = DagsterServices(port=int(args.dagster_url.rsplit(":", 1)[-1])).start()
    try:
        ids = []
        for backfill_id, syncs in launch_syncs(client, config, ranges):
            for sync in syncs:
                print(f"{sync}: backfill {backfill_id}")
            print(f"  {args.dagster_url}/runs/b/{backfill_id}", flush=True)
            ids.append(backfill_id)
        if args.no_wait and services is None:
            return 0
        ok = True
        for backfill_id in ids:
            result = client.wait_backfill(backfill_id)
            print(f"backfill {backfill_id}: {result.status}")
            ok = ok and result.succeeded
        return 0 if ok else 1
    finally:
        if services is not None:
            services.stop()


def _cmd_publish(args: argparse.Namespace) -> int:
    import dagster as dg

    from ecom_sync.defs import build_definitions
    from ecom_sync.defs.publish import publish_job_name
    from ecom_sync.orchestration import prepare_dagster_home

    config = load_config()
    names = [d.name for d in config.destinations] if args.destination == "all" \
        else [config.destination(args.destination).name]
    defs = build_definitions(config)
    ok = True
    with dg.DagsterInstance.from_config(str(prepare_dagster_home())) as instance:
        for name in names:
            dest = config.destination(name)
            run_config = {"ops": {f"{name}__published": {"config": {
                "dry_run": args.dry_run, "fire_nothing": args.fire_nothing}}}}
            result = defs.resolve_job_def(publish_job_name(dest)).execute_in_process(
                run_config=run_config, instance=instance, raise_on_error=False)
            ok = ok and result.success
            for event in result.get_asset_materialization_events():
                meta = event.materialization.metadata
                if "summary" in meta:
                    print(f"{name}{' (dry run)' if args.dry_run else ''}:")
                    print(meta["summary"].value)
                    if args.dry_run and "samples" in meta:
                        import json

                        for kind, sample in meta["samples"].value.items():
                            if sample:
                                print(f"sample {kind}: {json.dumps(sample[0])[:400]}")
    return 0 if ok else 1


def _cmd_reconcile(args: argparse.Namespace) -> int:
    from ecom_sync.destinations.registry import get_destination
    from ecom_sync.publish.reconcile import reconcile_destination
    from ecom_sync.sources.http import SourceError

    config = load_config()
    dests = config.enabled_destinations if args.destination == "all" \
        else (config.destination(args.destination),)
    drift = 0
    for dest in dests:
        try:
            report = reconcile_destination(
                get_destination(dest.type), dest, paths.outbox_path(dest.name),
                paths.ledger_path(dest.name), sample=args.sample,
                max_requests=args.max_requests, repair=args.repair)
        except SourceError as exc:
            print(f"ecom-sync: {dest.name}: {exc}", file=sys.stderr)
            return 1
        print(report.text())
        if report.requeued:
            print(f"  run `ecom-sync publish {dest.name}` to send them")
        drift += report.drift
    return 3 if drift and not args.repair else 0


def _cmd_forget(args: argparse.Namespace) -> int:
    from ecom_sync.erasure import forget

    report = forget(load_config(), args.email)
    print(f"Forgot {args.email.strip()}.")  # the one place the address is shown
    print(report.text())
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from ecom_sync.report import warehouse_summary

    config = load_config()
    for conn in config.connections:
        state = "connected" if conn.enabled else "disconnected"
        print(
            f"{conn.name} ({conn.platform}, {conn.store_name}): {state}, "
            f"history from {conn.history_start}"
        )
    if paths.duckdb_path().exists():
        print(warehouse_summary())
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    config = load_config()
    problems = []
    for conn in config.connections:
        try:
            conn.token()
        except ConfigError as exc:
            problems.append(str(exc))
    for dest in config.destinations:
        problems += [f"destination '{dest.name}': environment variable {var} is not set"
                     for var in dest.secret_env_vars().values() if not os.environ.get(var)]
    for p in problems:
        print(p, file=sys.stderr)
    print(
        f"{len(config.connections)} connection(s), {len(config.destinations)} "
        f"destination(s) in {config.source_path}; "
        f"{len(problems)} problem(s)"
    )
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ecom-sync", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="sandbox + historical and active sync + summary")
    demo.add_argument("--port", type=int, default=None,
                      help="Dagster webserver port (default: 3000, or a free one if taken)")
    demo.add_argument("--keep-running", action="store_true", help="keep the UI up afterwards")
    demo.set_defaults(fn=_cmd_demo)

    dev = sub.add_parser("dev", help="stand-in stores, webhook receiver and the Dagster UI")
    dev.add_argument("--port", type=int, default=None,
                     help="Dagster webserver port (default: 3000, or a free one if taken)")
    dev.set_defaults(fn=_cmd_dev)

    sandbox = sub.add_parser("sandbox", help="serve the BigCommerce stand-in")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=18765)
    sandbox.add_argument("--seed", type=int, default=7)
    sandbox.add_argument("--state", type=Path, default=None, help="load/save state here")
    sandbox.set_defaults(fn=_cmd_sandbox)

    hooks = sub.add_parser("webhooks", help="receive store webhooks (abandoned carts)")
    hooks.add_argument("--host", default="127.0.0.1")
    hooks.add_argument("--port", type=int, default=18766)
    hooks.add_argument("--register", action="store_true", help="register hooks with stores")
    hooks.set_defaults(fn=_cmd_webhooks)

    sync = sub.add_parser("sync", help="manual or historical sync as a Dagster backfill")
    sync.add_argument("connection", help="connection name, or 'all'")
    mode = sync.add_mutually_exclusive_group(required=True)
    mode.add_argument("--historical", action="store_true", help="everything since history_start")
    mode.add_argument("--since", choices=["last"], help="from the last successful sync to today")
    mode.add_argument("--from", dest="start", type=date.fromisoformat, help="first day")
    sync.add_argument("--to", dest="end", type=date.fromisoformat, help="last day (default today)")
    sync.add_argument("--dagster-url", default="http://127.0.0.1:3000")
    sync.add_argument("--no-wait", action="store_true", help="return once launched")
    sync.set_defaults(fn=_cmd_sync)

    publish = sub.add_parser("publish", help="send what changed to a destination")
    publish.add_argument("destination", nargs="?", default="all")
    publish.add_argument("--dry-run", action="store_true", help="show what would be sent")
    publish.add_argument("--fire-nothing", action="store_true",
                         help="send every order as historical (no automations fire)")
    publish.set_defaults(fn=_cmd_publish)

    recon = sub.add_parser("reconcile", help="read a destination back and report drift")
    recon.add_argument("destination", nargs="?", default="all")
    recon.add_argument("--repair", action="store_true",
                       help="re-queue missing and different objects for the next publish")
    recon.add_argument("--sample", type=int, default=None, metavar="N",
                       help="look up N sent objects per kind instead of reading everything")
    recon.add_argument("--max-requests", type=int, default=None, metavar="N",
                       help="stop reading after N requests (what was not read is reported)")
    recon.set_defaults(fn=_cmd_reconcile)

    forget = sub.add_parser("forget", help="erase a person everywhere (GDPR), keep a tombstone")
    forget.add_argument("email", help="the person's e-mail address (any case)")
    forget.set_defaults(fn=_cmd_forget)

    status = sub.add_parser("status", help="connections and what the warehouse holds")
    status.set_defaults(fn=_cmd_status)

    check = sub.add_parser("check", help="validate the config and its environment variables")
    check.set_defaults(fn=_cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.fn(args)
    except ConfigError as exc:
        print(f"ecom-sync: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
