"""The CBOR and framing fuzz harnesses' TestOneInput over a few thousand seeded random and
mutated inputs, so CI exercises them without atheris (run_all.py does the real fuzzing)."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent
NAMES = ["fuzz_cbor_loads", "fuzz_frame_reader"]
INPUTS = 3000


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_smoke_{name}", HERE / f"{name}.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mutate(rng: random.Random, data: bytes, pool: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        pos = rng.randrange(len(buf) + 1)
        if op == 0 and buf:
            buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:
            buf[rng.randrange(len(buf))] = rng.choice([0x00, 0x18, 0x1B, 0x5F, 0x9F, 0xBF, 0xFF])
        elif op == 2:
            buf[pos:pos] = rng.randbytes(rng.randint(1, 8))
        elif op == 3 and buf:
            del buf[pos : pos + rng.randint(1, 16)]
        elif op == 4:
            other = rng.choice(pool)
            start = rng.randrange(len(other) + 1)
            buf[pos:pos] = other[start : start + rng.randint(1, 64)]
        else:
            buf[pos:pos] = buf[pos : pos + rng.randint(1, 32)]
    return bytes(buf)


@pytest.mark.parametrize("name", NAMES)
def test_harness_survives_random_and_mutated_inputs(name: str) -> None:
    module = load(name)
    seeds = module.seeds()
    rng = random.Random(name)
    for seed in seeds:
        module.TestOneInput(seed)
    for i in range(INPUTS):
        if i % 5 == 0:
            data = rng.randbytes(rng.randint(0, 200))
        else:
            data = mutate(rng, rng.choice(seeds), seeds)
        module.TestOneInput(data)
