"""`python -m local_gateway [serve|invoke|routes]`: the zero-set-up local stack, `sam local invoke`, the route table."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from local_gateway import template as sam
from local_gateway.runtime import MODES, FunctionError, LambdaContext, import_handler, release_clients

logger = logging.getLogger("local_gateway")
ROOT = sam.ROOT
EMBEDDED_PG = ROOT / ".data" / "pg"
# PostgreSQL connections each process of the inprocess gateway keeps (as many as the requests it may have in flight
# under a load of 32 connections, however its processes share them), and the ones it may open beyond them for a
# burst (closed on their return): 40 with one process, 80 with two, within a default server's 100.
GATEWAY_CONNECTIONS, GATEWAY_BURST_CONNECTIONS = 32, 8


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0].startswith("-") and args[0] not in ("-h", "--help")):
        args.insert(0, "serve")  # serving is the default command
    parser = _parser()
    options = parser.parse_args(args)
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")  # the embedded PostgreSQL's platformdirs, harmless
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logger.setLevel(logging.INFO)
    command: int = options.run(options)
    return command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m local_gateway", description=__doc__)
    parser.add_argument("--template", type=Path, default=sam.DEFAULT_TEMPLATE, help="the SAM template")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_ = commands.add_parser("serve", help="serve the API (the default command)")
    serve_.add_argument("--mode", choices=MODES, default=os.environ.get("GATEWAY_MODE", "inprocess"),
                        help="inprocess: on the gateway's loop (default); isolated: warm execution environments "
                             "(GATEWAY_MODE)")
    serve_.add_argument("--workers", type=int, default=int(os.environ.get("GATEWAY_WORKERS") or 4),
                        help="execution environments in isolated mode (GATEWAY_WORKERS)")
    serve_.add_argument("--processes", type=int, default=int(os.environ.get("GATEWAY_PROCESSES") or 1),
                        help="gateway processes sharing the port, each with its own functions, engine and metrics "
                             "(GATEWAY_PROCESSES, default 1); concurrent Lambda environments run in parallel, and "
                             "one Python process uses one core")
    serve_.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve_.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000),
                        help="the port to listen on (PORT, default 8000)")
    serve_.add_argument("--trusted-proxies", default=os.environ.get("GATEWAY_TRUSTED_PROXIES", ""),
                        metavar="ADDRESSES",
                        help="proxies whose X-Forwarded-For names the client, comma-separated addresses or networks "
                             "(GATEWAY_TRUSTED_PROXIES, default none: the client is the socket's peer)")
    serve_.add_argument("--no-schedules", dest="schedules", action="store_false", help="do not fire Schedule events")
    serve_.add_argument("--no-queues", dest="queues", action="store_false", help="do not poll SQS queues")
    serve_.add_argument("--schedule-scale", type=float, default=None, metavar="FACTOR",
                        help="multiply schedule periods, e.g. 0.1 fires rate(1 minute) every 6 s "
                             "(GATEWAY_SCHEDULE_SCALE, default 1)")
    serve_.add_argument("--template", type=Path, default=argparse.SUPPRESS)
    serve_.set_defaults(run=serve)

    invoke_ = commands.add_parser("invoke", help="invoke one function with an event, like `sam local invoke`")
    invoke_.add_argument("function", metavar="LogicalId")
    invoke_.add_argument("--event", "-e", type=Path,
                         help="an event JSON file (default: the function's sample, events/<module>.json, else {})")
    invoke_.add_argument("--as", dest="as_email", metavar="EMAIL",
                         help="send a fresh access token of this existing user (local only)")
    invoke_.add_argument("--template", type=Path, default=argparse.SUPPRESS)
    invoke_.set_defaults(run=invoke)

    prepare_ = commands.add_parser(
        "prepare", help="migrate, load the demo data and create the uploads bucket, then exit (compose's migrate)"
    )
    prepare_.set_defaults(run=prepare)

    routes_ = commands.add_parser("routes", help="print the route table")
    routes_.add_argument("--template", type=Path, default=argparse.SUPPRESS)
    routes_.set_defaults(run=routes)
    return parser


# -- serve ---------------------------------------------------------------------------------------------------


def serve(options: argparse.Namespace) -> int:
    import uvicorn

    from local_gateway.app import create_app, proxy_options

    template = sam.load(options.template)
    with ExitStack() as stack:
        started = stack.enter_context(embedded_services(aws=True))
        if options.mode == "inprocess":
            # Every request shares its process's engine here, unlike one-request-at-a-time Lambda: the pool keeps as
            # many connections as the requests in flight use (each holds one from its first statement to its
            # write), or every connection past it is closed on its return and the next one opened again (asyncpg's
            # type introspection, statements prepared anew: a tenth of a booking's CPU at 32 in flight on 10).
            os.environ.setdefault("DB_POOL_SIZE", str(GATEWAY_CONNECTIONS))
            os.environ.setdefault("DB_POOL_OVERFLOW", str(GATEWAY_BURST_CONNECTIONS))
        os.environ.setdefault("COOKIE_SECURE", "false")  # http://127.0.0.1: a Secure cookie would never come back
        _reset_settings()
        prepare_database()
        prepare_bucket()
        _banner(options, template, started)
        # uvicorn shuts down gracefully, then re-raises the signal it caught: SIGTERM (docker stop, a bench)
        # must not kill the process before the embedded services are stopped, so it ends like Ctrl-C.
        signal.signal(signal.SIGTERM, _interrupt)
        if options.processes > 1:
            _serve_processes(options, stack)
            print("local gateway stopped", file=sys.stderr)
            return 0
        app = create_app(template, mode=options.mode, workers=options.workers, schedules=options.schedules,
                         queues=options.queues, schedule_time_scale=options.schedule_scale)
        config = uvicorn.Config(app, host=options.host, port=options.port, log_level="warning", access_log=False,
                                lifespan="on", **proxy_options(options.trusted_proxies))
        server = uvicorn.Server(config)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    print("local gateway stopped", file=sys.stderr)
    return 0


def _serve_processes(options: argparse.Namespace, stack: ExitStack) -> None:
    """uvicorn's worker processes on one socket; each builds its app with `app.from_environment`."""
    import tempfile

    import uvicorn

    from local_gateway.app import proxy_options

    lock = stack.enter_context(tempfile.NamedTemporaryFile(prefix="tourbook-gateway-", suffix=".lock"))
    os.environ.update({
        "GATEWAY_MODE": options.mode, "GATEWAY_WORKERS": str(options.workers),
        "GATEWAY_SCHEDULES": "1" if options.schedules else "0", "GATEWAY_QUEUES": "1" if options.queues else "0",
        "GATEWAY_BACKGROUND_LOCK": lock.name, "GATEWAY_TEMPLATE": str(options.template),
    })
    if options.schedule_scale is not None:
        os.environ["GATEWAY_SCHEDULE_SCALE"] = str(options.schedule_scale)
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.run("local_gateway.app:from_environment", factory=True, workers=options.processes,
                    host=options.host, port=options.port, log_level="warning", access_log=False, lifespan="on",
                    **proxy_options(options.trusted_proxies))


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt()


@contextmanager
def embedded_services(*, aws: bool) -> Iterator[list[str]]:
    """PostgreSQL unless DATABASE_URL is set, moto unless AWS_ENDPOINT_URL is set; stopped on exit."""
    started: list[str] = []
    with ExitStack() as stack:
        if not _configured("database_url"):
            from local_gateway import embedded

            os.environ["DATABASE_URL"] = embedded.start_postgres(EMBEDDED_PG)
            stack.callback(embedded.stop_postgres, EMBEDDED_PG)
            started.append("postgres")
        if aws and not _configured("aws_endpoint_url"):
            os.environ["AWS_ENDPOINT_URL"] = _start_moto(stack)
            os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
            os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
            os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
            started.append("moto")
        _reset_settings()
        yield started


def _configured(field: str) -> bool:
    """Whether the environment (or .env) sets this setting, even to its default value."""
    from shared.core.settings import get_settings

    _reset_settings()
    settings = get_settings()
    return field in settings.model_fields_set and bool(getattr(settings, field))


def _start_moto(stack: ExitStack) -> str:
    from moto.server import ThreadedMotoServer

    from local_gateway import embedded

    embedded.speed_up_sqs_receive()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's web server logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # 0: a free port
    server.start()
    stack.callback(server.stop)
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


def prepare(options: argparse.Namespace) -> int:
    """Everything `serve` does before it listens, against the configured (not embedded) services."""
    with embedded_services(aws=True):
        _reset_settings()
        prepare_database()
        prepare_bucket()
    logger.info("database migrated, demo data loaded, uploads bucket ready")
    return 0


def prepare_database() -> None:
    """Migrate to head, restore the demo accounts and make sure the demo catalogue is there and bookable."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
    asyncio.run(_load_demo_data())


def prepare_bucket() -> None:
    """The uploads bucket, on the local S3 (moto or LocalStack), with the demo tours' pictures in it."""
    from shared.core import uploads

    uploads.ensure_bucket()
    asyncio.run(_load_demo_images())


async def _load_demo_images() -> None:
    from local_gateway.demo import load_demo_images
    from shared.core import cache, db
    from shared.core.uow import UnitOfWork

    try:
        async with UnitOfWork() as uow:
            put = await load_demo_images(uow)
        if put:
            logger.info("%d demo pictures (and their thumbnails) put in the uploads bucket", put)
    finally:
        await db.dispose_all()
        await cache.close()


async def _load_demo_data() -> None:
    from local_gateway.demo import load_demo_data
    from shared.core import cache, db
    from shared.core.uow import UnitOfWork

    try:
        async with UnitOfWork() as uow:
            await load_demo_data(uow)
    finally:
        await db.dispose_all()
        await cache.close()


def _banner(options: argparse.Namespace, template: sam.Template, started: list[str]) -> None:
    from shared.core.settings import get_settings

    settings = get_settings()
    url = f"http://{options.host}:{options.port}"
    database = settings.database_url.split("@")[-1]
    lines = [
        f"tourbook local gateway ({options.mode}" + (f", {options.workers} environments)" if
                                                     options.mode == "isolated" else ")"),
        f"  API          {url}/v1  ({len(template.routes)} routes, {len(template.functions)} functions)",
        f"  Swagger UI   {url}/v1/docs",
        f"  metrics      {url}/metrics",
        f"  database     {database}" + ("  (embedded PostgreSQL, .data/pg)" if "postgres" in started else ""),
        f"  cache        {settings.redis_url or 'in-process (REDIS_URL not set)'}",
        f"  AWS          {settings.aws_endpoint_url}" + ("  (in-process moto)" if "moto" in started else ""),
        f"  Pushgateway  {settings.pushgateway_url or 'off (PUSHGATEWAY_URL not set)'}",
        "  demo users   admin@example.com / admin-password, user@example.com / user-password",
        "Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


# -- invoke --------------------------------------------------------------------------------------------------


def invoke(options: argparse.Namespace) -> int:
    from shared.core.settings import get_settings

    template = sam.load(options.template)
    try:
        function = template.function(options.function)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 2
    event_path: Path | None = options.event or sample_event_path(function)
    try:
        event: dict[str, Any] = json.loads(event_path.read_text()) if event_path else {}
    except (OSError, ValueError) as exc:
        print(f"Cannot read the event {event_path}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(event, dict):
        print(f"The event {event_path} is not a JSON object", file=sys.stderr)
        return 2
    _log_to_stderr()  # stdout is for the result only
    if options.as_email and _production():
        print("--as mints tokens: it is refused when ENVIRONMENT=production", file=sys.stderr)
        return 2
    with embedded_services(aws=False) as started:
        if "postgres" in started:
            prepare_database()
        # One loop for the whole invocation, set as current: Mangum's handler runs on it, as on Lambda.
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            if options.as_email:
                token = loop.run_until_complete(mint_access_token(options.as_email))
                if token is None:
                    print(f"No active user {options.as_email}", file=sys.stderr)
                    return 2
                headers = event.setdefault("headers", {})
                for name in [name for name in headers if name.lower() == "authorization"]:
                    del headers[name]
                headers["authorization"] = f"Bearer {token}"
            try:
                handler = import_handler(function)
            except FunctionError as exc:
                print(exc, file=sys.stderr)
                return 1
            try:
                result = handler(event, LambdaContext(function, region=get_settings().aws_region))
                if asyncio.iscoroutine(result):  # an `async def` handler, as the gateway accepts too
                    result = loop.run_until_complete(result)
            except Exception:
                logger.exception("%s raised", function.logical_id)
                return 1
        finally:
            loop.run_until_complete(release_clients())
            loop.close()
            asyncio.set_event_loop(None)
    print(json.dumps(result, indent=2))
    status = result.get("statusCode", 200) if isinstance(result, dict) else 200
    return 0 if int(status) < 500 else 1


def sample_event_path(function: sam.Function) -> Path | None:
    """events/<module>.json, the function's sample (`python -m local_gateway.samples`), if there is one."""
    path = ROOT / "events" / f"{function.name}.json"
    return path if path.is_file() else None


async def mint_access_token(email: str) -> str | None:
    """A fresh token family (one login) for `email` and an access token naming it."""
    from sqlalchemy import select

    from shared.core import tokens
    from shared.core.orm import utcnow
    from shared.core.uow import UnitOfWork
    from shared.users.models import TokenFamily, User

    async with UnitOfWork() as uow:
        user = await uow.session.scalar(
            select(User).where(User.email == email.strip().lower(), User.is_active)
        )
        if user is None:
            return None
        family = TokenFamily(user_id=user.id)
        uow.session.add(family)
        await uow.commit()
        return tokens.issue_access_token(user_id=user.id, family_id=family.id, role=user.role, now=utcnow())


def _production() -> bool:
    from shared.core.settings import get_settings

    if os.environ.get("ENVIRONMENT", "").strip().lower() == "production":
        return True
    try:
        return get_settings().environment == "production"
    except ValueError:  # settings that do not even load are no place to mint tokens
        return True


def _log_to_stderr() -> None:
    from shared.core import logs

    tourbook = logging.getLogger("tourbook")
    if not tourbook.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logs.JsonFormatter())
        tourbook.addHandler(handler)
        tourbook.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
        tourbook.propagate = False


# -- routes --------------------------------------------------------------------------------------------------


def routes(options: argparse.Namespace) -> int:
    template = sam.load(options.template)
    rows = [(route.method, route.path, function.logical_id, f"{function.module}.{function.attribute}")
            for function, route in template.routes]
    rows += [("SCHEDULE", schedule.expression, function.logical_id, f"{function.module}.{function.attribute}")
             for function in template.functions for schedule in function.schedules]
    rows += [("SQS", trigger.queue_name, function.logical_id, f"{function.module}.{function.attribute}")
             for function in template.functions for trigger in function.queues]
    widths = [max([len(header), *(len(row[i]) for row in rows)])
              for i, header in enumerate(("METHOD", "PATH", "FUNCTION", "HANDLER"))]
    for row in [("METHOD", "PATH", "FUNCTION", "HANDLER"), *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def _reset_settings() -> None:
    from shared.core.settings import reset_settings

    reset_settings()
