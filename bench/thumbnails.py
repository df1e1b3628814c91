"""Thumbnail making (issue 17): time to turn an upload into each WebP thumbnail, by source size and thumbnail size.

`python -m bench.thumbnails [--runs N]`. Sources are generated once (a gradient with noise, so the encoders
have real work; JPEG quality 90, as a camera or a phone writes it): 1200x800, 3000x2000, 6000x4000 (24 MP).
Per source and target it times `functions.thumbnails.make_thumbnails.render` for that one size (decode,
JPEG at the smallest 1/2^n scale that covers it; EXIF orientation; Lanczos resize; WebP encode), and for
both of a tour image's sizes at once (what one upload event costs), in this process, N runs after one
warm-up, and records the thumbnail's bytes. No S3 and no database: those are the same for every size. Writes
`bench/results/thumbnails.json`.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import random
import time
from typing import Any

from bench import stats
from bench.common import log, write_result

SOURCES = ((1200, 800), (3000, 2000), (6000, 4000))


def source(width: int, height: int) -> bytes:
    from PIL import Image

    rng = random.Random(width * height)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.frombytes("RGB", (width // 8, height // 8), rng.randbytes(width // 8 * (height // 8) * 3))
    image = Image.blend(image, noise.resize((width, height)), 0.35)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def run(runs: int = 10) -> dict[str, Any]:
    import PIL

    from functions.thumbnails.make_thumbnails import render
    from shared.thumbnails.services import Target

    targets = {"320 (tour)": Target((320,), square=False), "800 (tour)": Target((800,), square=False),
               "256 (avatar, square)": Target((256,), square=True),
               "320 + 800 (a tour image's event)": Target((320, 800), square=False)}
    report: dict[str, Any] = {"pillow": PIL.__version__, "python": platform.python_version(), "runs": runs,
                              "loadavg_1m_start": round(os.getloadavg()[0], 2), "sources": {}}
    for width, height in SOURCES:
        data = source(width, height)
        per_target: dict[str, Any] = {}
        for label, target in targets.items():
            render(data, target)  # warm-up: codecs loaded
            timings: list[float] = []
            made: dict[int, bytes] = {}
            for _ in range(runs):
                started = time.perf_counter()
                made = render(data, target)
                timings.append(time.perf_counter() - started)
            per_target[label] = {"ms": stats.summary(timings, scale=1000), "webp_bytes": len(next(iter(made.values())))}
            log(f"thumbnails {width}x{height} -> {label}: median {per_target[label]['ms']['median']} ms")
        report["sources"][f"{width}x{height}"] = {"jpeg_bytes": len(data), "targets": per_target}
    report["loadavg_1m_end"] = round(os.getloadavg()[0], 2)
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.thumbnails", description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    options = parser.parse_args()
    print(write_result("thumbnails", run(runs=options.runs)))
