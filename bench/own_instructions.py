"""Own code's import in instructions, not time: repeatable on a loaded machine (a development aid, not a bench).

    .venv/bin/python -m bench.own_instructions ListReviewsFunction CreateReviewFunction ...   # ~30 s each

For each function, in the Lambda-like tree of bench.cold_start (CodeUri copy, shared layer copy, runtime
dependencies, all compiled): one fresh process imports the function's third-party closure, then the function
inside `functools.reduce`, under `valgrind --tool=callgrind --toggle-collect=functools_reduce`, so that only
the function's own import is counted (the closure's imports are not: nothing else calls reduce in between).
`--closure` also counts the closure itself (a second run), for the ratio. PYTHONHASHSEED is fixed; two runs
of the same code agree to ~0.1 %. Needs valgrind.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile

from bench import lambda_tree
from bench.cold_start import Variant, probe_command, run_once
from bench.common import PYTHON, WORK, lambda_environment, template_functions

SCRIPT = """
import functools, sys
paths, closure, module, closure_counted = sys.argv[1].split(":"), sys.argv[2].split(","), sys.argv[3], sys.argv[4]

def load(_, name):
    try:
        __import__(name)
    except Exception:
        pass

sys.path[0:0] = paths
if closure_counted == "1":
    functools.reduce(load, closure, None)
else:
    for name in closure:
        load(None, name)
    functools.reduce(lambda _, name: __import__(name), [module], None)
"""


def count(paths: list[str], closure: list[str], module: str, env: dict[str, str], *, closure_only: bool) -> float:
    """Millions of instructions inside functools.reduce: the function's import, or the closure's."""
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", "--toggle-collect=functools_reduce",
             f"--callgrind-out-file={scratch}/callgrind.out", PYTHON, "-S", "-c", SCRIPT,
             ":".join(paths), ",".join(closure), module, "1" if closure_only else "0"],
            env=env | {"PYTHONHASHSEED": "0"}, cwd=scratch, capture_output=True, text=True, check=True,
        )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(done.stderr[-2000:])
    return int(found.group(1)) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("functions", nargs="+", help="logical ids from template.yaml")
    parser.add_argument("--closure", action="store_true", help="also count the third-party closure (the ratio)")
    options = parser.parse_args()
    tree = lambda_tree.build()
    chosen = {function.logical_id: function for function in template_functions()}
    for logical_id in options.functions:
        function = chosen[logical_id]
        env = lambda_environment(logical_id)
        paths = tree.sys_path(function)
        out = WORK / f"instructions-{logical_id}.json"
        run_once(Variant("collect", probe_command(tree, out, paths, [function.module], collect=True), env, tree.cwd,
                         out))
        closure: list[str] = json.loads(out.read_text())["third_party_modules"]
        own = count(paths, closure, function.module, env, closure_only=False)
        line = f"{logical_id}: own code {own:.1f} M instructions"
        if options.closure:
            third_party = count(paths, closure, function.module, env, closure_only=True)
            line += f", closure {third_party:.1f} M ({own / third_party:.1%})"
        print(line, flush=True)


if __name__ == "__main__":
    main()
