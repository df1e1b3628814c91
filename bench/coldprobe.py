"""The cold-start probe, run by path in a fresh `python -I -S` process (so: standard library only).

    coldprobe.py OUT HANDLER EVENT COLLECT DEPS NPATHS PATH... MODULE...

Puts PATH... first on sys.path (as Lambda does with /var/task and /opt/python), imports MODULE... in
order and times it (with a `::` among them, the modules before it are imported first and timed apart:
the paired own-code measurement); with HANDLER (an attribute of the last module, "-" for none) calls
`handler(event, context)` once with the JSON event in the file EVENT and times that. Writes one JSON
object to OUT, then leaves with os._exit: a Lambda environment is never torn down between its init
and its first answer, so interpreter teardown is not part of the number.
With BENCH_SNAPSTART=1 in the environment it runs SnapStart's before-snapshot hooks after the import (what
init does before Lambda takes the snapshot), then times the restore: the after-restore hooks plus the first
invocation (`restore_s`, `restore_cpu_s`), as a restored environment would run them.
With COLLECT=1 it also lists the modules loaded from DEPS by the import (top-level packages and every
module) and the packages the first invocation loads on top.
"""
import os
import sys
import time


class _Context:
    function_name = "bench"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    aws_request_id = "bench-request"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:000000000000:function:bench"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _location(module: object) -> str:
    where = getattr(module, "__file__", None)
    if where:
        return str(where)
    path = getattr(module, "__path__", None)
    return str(next(iter(path), "")) if path else ""


def _third_party(deps: str) -> dict[str, object]:
    """The modules loaded from DEPS: their top-level packages and every module, in the order they came."""
    deps_prefix = os.path.join(os.path.abspath(deps), "")
    top_level, every = [], []
    for name, module in list(sys.modules.items()):
        if _location(module).startswith(deps_prefix):
            every.append(name)
            top = name.partition(".")[0]
            if top not in top_level:
                top_level.append(top)
    return {"third_party_top_level": top_level, "third_party_modules": every, "module_count": len(sys.modules)}


def _import(modules: "list[str]", failures: "list[str]") -> None:
    for name in modules:
        try:
            __import__(name)
        except Exception as exc:  # a third-party submodule that cannot be imported on its own is reported
            failures.append(f"{name}: {exc.__class__.__name__}: {exc}")


def main() -> None:
    out, handler_name, event_path, collect, deps = sys.argv[1:6]
    count = int(sys.argv[6])
    paths = sys.argv[7:7 + count]
    modules = sys.argv[7 + count:]
    sys.path[0:0] = paths

    failures: "list[str]" = []
    result: "dict[str, object]" = {}
    if "::" in modules:  # paired: import the modules before "::" first, timed apart
        first, modules = modules[:modules.index("::")], modules[modules.index("::") + 1:]
        started, started_cpu = time.perf_counter(), time.process_time()
        _import(first, failures)
        result.update(pre_import_s=time.perf_counter() - started, pre_import_cpu_s=time.process_time() - started_cpu)
    started, started_cpu = time.perf_counter(), time.process_time()
    _import(modules, failures)
    result.update(import_s=time.perf_counter() - started, import_cpu_s=time.process_time() - started_cpu,
                  failures=failures)
    if collect == "1":
        result.update(_third_party(deps))
        before_invocation = set(sys.modules)

    if handler_name != "-":
        import json

        handler = getattr(sys.modules[modules[-1]], handler_name)
        with open(event_path) as stream:
            event = json.load(stream)
        restored = os.environ.get("BENCH_SNAPSTART") == "1"
        if restored:
            from shared.core import snapstart

            started = time.perf_counter()
            snapstart.before_snapshot()
            result["before_snapshot_s"] = time.perf_counter() - started
        sys.stderr.write("bench-probe: first invocation\n")  # splits -X importtime's output
        sys.stderr.flush()
        started, started_cpu = time.perf_counter(), time.process_time()
        if restored:
            snapstart.after_restore()
            result["restore_hooks_s"] = time.perf_counter() - started
        answer = handler(event, _Context())
        result["invoke_s"] = time.perf_counter() - started
        result["invoke_cpu_s"] = time.process_time() - started_cpu
        result["status"] = answer.get("statusCode") if isinstance(answer, dict) else None
        if collect == "1":
            loaded = [name for name in sys.modules if name not in before_invocation]
            result["loaded_at_first_invocation"] = sorted({name.partition(".")[0] for name in loaded})

    # ru_maxrss survives execve on Linux (a child started from a 70 MB parent reports >= 70 MB whatever
    # it does), so the peak comes from the kernel's high-water mark of this process's own memory map.
    with open("/proc/self/status") as stream:
        status = dict(line.split(":", 1) for line in stream if ":" in line)
    result["maxrss_kb"] = int(status["VmHWM"].split()[0])
    result["rss_kb"] = int(status["VmRSS"].split()[0])
    import json

    with open(out, "w") as stream:
        json.dump(result, stream)
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
