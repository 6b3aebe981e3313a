"""Run every fuzz_*.py harness in this folder under atheris for N seconds each.

    python tests/native/fuzz/run_all.py --seconds 60 [--only ogg_reader]

Each harness runs in its own subprocess (a crash or leak in one does not stop the others),
starting from a seed corpus written by the harness's ``seeds()`` into build/fuzz/<name>/
(kept between runs, so the corpus grows). Crash inputs are written to build/fuzz/crashes/.
The harnesses: fuzz_audio_frame (the audio-frame parser), fuzz_cbor_loads,
fuzz_frame_reader, fuzz_g711 (the G.711 decoders), fuzz_ogg_reader, fuzz_opus_decoder,
fuzz_sidecar_http (the sidecar's HTTP request path, httptools to the routes).
Exits non-zero if any harness fails. Without atheris (it ships for Linux x86_64 only) it
says so and exits 0: the pytest smoke test still runs every harness's TestOneInput.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
OUT = ROOT / "build" / "fuzz"


def harnesses(only: str | None) -> list[Path]:
    found = sorted(HERE.glob("fuzz_*.py"))
    if only:
        found = [p for p in found if only in p.stem]
    return found


def write_seeds(path: Path, corpus: Path) -> int:
    """Load the harness module and write its seeds() into the corpus folder."""
    spec = importlib.util.spec_from_file_location(f"_seed_{path.stem}", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seeds = getattr(module, "seeds", lambda: [])()
    corpus.mkdir(parents=True, exist_ok=True)
    for i, seed in enumerate(seeds):
        (corpus / f"seed-{i}").write_bytes(seed)
    return len(seeds)


def run_one(path: Path, seconds: int) -> bool:
    corpus = OUT / path.stem
    crashes = OUT / "crashes"
    crashes.mkdir(parents=True, exist_ok=True)
    count = write_seeds(path, corpus)
    cmd = [
        sys.executable,
        str(path),
        f"-max_total_time={seconds}",
        "-rss_limit_mb=2048",
        "-timeout=10",
        "-max_len=65536",
        f"-artifact_prefix={crashes}/{path.stem}-",
        str(corpus),
    ]
    print(f"== {path.stem}: {seconds}s, {count} seeds, corpus {corpus}", flush=True)
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 120)
    except subprocess.TimeoutExpired:
        print(f"FAIL {path.stem}: did not stop within {seconds + 120}s")
        return False
    tail = "\n".join((proc.stderr or "").strip().splitlines()[-6:])
    ok = proc.returncode == 0
    verdict = "ok" if ok else f"FAIL (exit {proc.returncode})"
    print(f"{verdict} {path.stem} after {time.monotonic() - start:.1f}s\n{tail}\n", flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="fuzzing time per harness")
    parser.add_argument("--only", help="run only harnesses whose name contains this")
    parser.add_argument(
        "--require-atheris",
        action="store_true",
        help="fail instead of skipping when atheris is missing (the release gate uses this)",
    )
    args = parser.parse_args()
    try:
        import atheris  # noqa: F401
    except ImportError:
        print(
            "run_all: atheris is not installed (Linux x86_64 only); nothing fuzzed. "
            "tests/native/fuzz/test_fuzz_smoke.py still exercises every harness."
        )
        return 1 if args.require_atheris else 0
    paths = harnesses(args.only)
    if not paths:
        print("run_all: no fuzz_*.py harness matched")
        return 1
    failed = [p.stem for p in paths if not run_one(p, args.seconds)]
    if failed:
        print(f"run_all: {len(failed)} of {len(paths)} harnesses failed: {', '.join(failed)}")
        return 1
    print(f"run_all: {len(paths)} harnesses ran {args.seconds}s each without a failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
