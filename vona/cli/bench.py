"""``vona bench``: run every benchmark script and regenerate docs/benchmark-results.md.

Benchmarks live in the source checkout (``benchmarks/bench_*.py``); each script times
Vona and its anchor in the same run and writes its own section of the results file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from vona.cli.output import print_json, print_table


def find_scripts(directory: Path, only: list[str] | None) -> list[Path]:
    scripts = sorted(directory.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in only]
    return scripts


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("bench", help="run the benchmark suite and write docs/benchmark-results.md")
    p.add_argument("--dir", type=Path, default=Path("benchmarks"), help="benchmark scripts folder")
    p.add_argument("--only", nargs="*", help="layer names to run, e.g. dsp codec")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    scripts = find_scripts(args.dir, args.only)
    if not scripts:
        if not args.dir.is_dir():
            print(
                f"vona bench: no {args.dir} folder here: the benchmarks ship with the source "
                "checkout, not the wheel; run it from a checkout (make bench) or pass --dir",
                file=sys.stderr,
            )
        else:
            print(f"vona bench: no benchmark scripts found in {args.dir}", file=sys.stderr)
        return 2
    results: list[dict[str, object]] = []
    try:
        from rich.progress import Progress
    except ImportError:
        progress = None
    else:
        progress = Progress(transient=False, disable=args.json)
    task = None
    if progress is not None:
        progress.start()
        task = progress.add_task("benchmarks", total=len(scripts))
    failed = 0
    for script in scripts:
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        elapsed = time.monotonic() - t0
        ok = proc.returncode == 0
        failed += not ok
        results.append({"script": script.name, "ok": ok, "seconds": round(elapsed, 1)})
        if not args.json:
            sys.stdout.write(proc.stdout)
            if not ok:
                sys.stdout.write(proc.stderr)
        if progress is not None and task is not None:
            progress.advance(task)
    if progress is not None:
        progress.stop()
    if args.json:
        print_json({"results": results, "failed": failed})
    else:
        rows = [[r["script"], "ok" if r["ok"] else "FAILED", r["seconds"]] for r in results]
        print_table("vona bench", ["script", "status", "seconds"], rows)
    return 1 if failed else 0
