"""What every bench shares: paths, the machine, the template's functions, results files."""
from __future__ import annotations

import datetime as dt
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / ".work"
RESULTS = BENCH / "results"
PYTHON = sys.executable
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+asyncpg://tourbook:tourbook@127.0.0.1:5432/tourbook")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PUSHGATEWAY_URL = os.environ.get("BENCH_PUSHGATEWAY_URL", "http://127.0.0.1:9091")
JWT_SECRET = "bench-secret-not-used-anywhere-else-0123456789abcdef"


def lambda_environment(function: str, **overrides: str) -> dict[str, str]:
    """The variables a deployed function sees (template Globals), pointed at the local services.

    Nothing from this shell leaks in (no VIRTUAL_ENV, no PYTHON*): a Lambda environment has none of it.
    """
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "ENVIRONMENT": "production",
        "DATABASE_URL": DATABASE_URL,
        "JWT_SECRET": JWT_SECRET,
        "DB_POOLER_SAFE": "true",  # the template's default (RDS Proxy): NullPool
        "DB_POOL_SIZE": "1",
        "REDIS_URL": REDIS_URL,
        "PUSHGATEWAY_URL": "",
        "METRICS_JOB": "tourbook-bench",
        "AWS_REGION": "eu-west-1",
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_LOG_STREAM_NAME": f"bench-{function}-{os.getpid()}",
        "LOG_LEVEL": "INFO",
    }
    env.update(overrides)
    return env


# -- the machine ---------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
        "when": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def stop(process: subprocess.Popen[Any]) -> None:
    """Stop a server the bench started: SIGTERM, then SIGKILL if it has not gone within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@dataclass(frozen=True)
class Started:
    pid: int
    status: int  # what the probe URL answered first
    stderr: IO[bytes]


@contextmanager
def started(name: str, command: list[str], probe_url: str, env: dict[str, str], *,
            timeout: float = 120.0) -> Iterator[Started]:
    """Start a server, wait until `probe_url` answers (any status), stop it by its own pid on the way out."""
    stderr = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server never blocks on a full pipe
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + timeout
        status: int | None = None
        while status is None:
            if process.poll() is not None:
                stderr.seek(0)
                text = stderr.read().decode(errors="replace")
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{text[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer within {timeout:.0f} s")
            try:
                with urllib.request.urlopen(probe_url, timeout=5) as response:
                    status = int(response.status)
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError:
                time.sleep(0.3)
        yield Started(process.pid, status, stderr)
    finally:
        stop(process)
        stderr.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# -- the template --------------------------------------------------------------------------------------------


class _TemplateLoader(yaml.SafeLoader):
    """Loads CloudFormation's short intrinsic tags (!Ref, !Sub, ...) as plain values."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


_TemplateLoader.add_multi_constructor("!", _intrinsic)


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_uri: str  # relative to the project root, e.g. "functions/auth/"
    handler: str  # "get_me.handler"
    memory_size: int
    method: str | None
    path: str | None

    @property
    def module(self) -> str:
        return self.handler.rpartition(".")[0]

    @property
    def attribute(self) -> str:
        return self.handler.rpartition(".")[2]

    @property
    def source(self) -> Path:
        return ROOT / self.code_uri / (self.module.replace(".", "/") + ".py")

    @property
    def package_module(self) -> str:
        """The module's dotted name from the project root (`functions.auth.get_me`)."""
        return ".".join([*Path(self.code_uri).parts, self.module])


def template_functions(template: Path = ROOT / "template.yaml") -> list[Function]:
    with template.open() as stream:
        document = yaml.load(stream, Loader=_TemplateLoader)  # noqa: S506 - a safe loader with tags added
    defaults = (document.get("Globals") or {}).get("Function") or {}
    found: list[Function] = []
    for logical_id, resource in (document.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = {**defaults, **(resource.get("Properties") or {})}
        method = path = None
        for event in (properties.get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                method = str(event["Properties"]["Method"]).upper()
                path = str(event["Properties"]["Path"])
                break
        found.append(Function(
            logical_id=logical_id, code_uri=str(properties["CodeUri"]).rstrip("/") + "/",
            handler=str(properties["Handler"]), memory_size=int(properties.get("MemorySize") or 128),
            method=method, path=path,
        ))
    return found


# -- results -------------------------------------------------------------------------------------------------


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"{name}.json"
    target.write_text(json.dumps(data, indent=2) + "\n")
    return target


def read_result(name: str) -> dict[str, Any] | None:
    target = RESULTS / f"{name}.json"
    if not target.exists():
        return None
    loaded: dict[str, Any] = json.loads(target.read_text())
    return loaded


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
