"""Every fuzz_*.py harness's TestOneInput over a few thousand seeded random and mutated
inputs, so CI exercises the harnesses without atheris (run_all.py does the real fuzzing)."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent
HARNESSES = sorted(HERE.glob("fuzz_*.py"))
INPUTS = 2500


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_smoke_{path.stem}", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:  # flip a bit
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:  # set a byte to an interesting value
            buf[rng.randrange(len(buf))] = rng.choice([0, 1, 0x7F, 0x80, 0xFE, 0xFF])
        elif op == 2:  # insert random bytes
            buf[pos:pos] = rng.randbytes(rng.randint(1, 16))
        elif op == 3 and buf:  # delete a run
            del buf[pos : pos + rng.randint(1, 64)]
        elif op == 4:  # truncate
            del buf[pos:]
        elif op == 5:  # splice another input in
            other = rng.choice(pool)
            start = rng.randrange(len(other) + 1)
            buf[pos:pos] = other[start : start + rng.randint(1, 512)]
        else:  # duplicate a run
            buf[pos:pos] = buf[pos : pos + rng.randint(1, 128)]
    return bytes(buf)


@pytest.mark.parametrize("path", HARNESSES, ids=[p.stem for p in HARNESSES])
def test_harness_survives_random_and_mutated_inputs(path: Path) -> None:
    module = load(path)
    seeds = list(getattr(module, "seeds", list)()) or [b""]
    rng = random.Random(path.stem)
    for seed in seeds:
        module.TestOneInput(seed)
    for i in range(INPUTS):
        if i % 5 == 0:
            data = rng.randbytes(rng.randint(0, 300))
        else:
            data = mutate(rng, rng.choice(seeds), seeds)
        module.TestOneInput(data)


def test_harnesses_exist() -> None:
    names = {p.stem for p in HARNESSES}
    assert {
        "fuzz_ogg_reader",
        "fuzz_opus_decoder",
        "fuzz_cbor_loads",
        "fuzz_frame_reader",
        "fuzz_audio_frame",
        "fuzz_g711",
    } <= names


def test_runner_finds_harnesses_and_writes_seeds(tmp_path: Path) -> None:
    runner = load(HERE / "run_all.py")
    assert [p.stem for p in runner.harnesses(None)] == [p.stem for p in HARNESSES]
    assert [p.stem for p in runner.harnesses("ogg")] == ["fuzz_ogg_reader"]
    count = runner.write_seeds(HERE / "fuzz_ogg_reader.py", tmp_path / "corpus")
    written = sorted((tmp_path / "corpus").iterdir())
    assert count == len(written) > 0
    assert all(p.read_bytes() for p in written)
