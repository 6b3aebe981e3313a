"""``vona talk`` on a real sound server: a PulseAudio daemon of the test's own with two
null sinks. The question is played into sink ``mic``, whose monitor is the microphone
``vona talk`` records from (PortAudio -> ALSA -> PulseAudio); the reply goes to sink
``out``, whose monitor the test records and transcribes with Whisper."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from vona.backends.cascade.wer import word_error_rate

QUESTION = "What is the weather in Paris today?"
ANSWER = "Right now in Paris it is sunny and 21 degrees."

# make installs pulseaudio on Linux: missing there is a failure, not a skip
pytestmark = pytest.mark.skipif(
    sys.platform != "linux"
    and (shutil.which("pulseaudio") is None or shutil.which("pactl") is None),
    reason="needs PulseAudio (make installs Debian's on Linux)",
)


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private PulseAudio daemon; yields the environment its clients need."""
    run = tmp_path / "pulse"
    run.mkdir()
    env = {
        **os.environ,
        "HOME": str(run),
        "XDG_RUNTIME_DIR": str(run),
        "PULSE_SERVER": f"unix:{run}/native",
    }
    daemon = subprocess.Popen(
        [
            "pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no",
            f"--load=module-native-protocol-unix socket={run}/native auth-anonymous=1",
            "--load=module-null-sink sink_name=mic rate=16000 channels=1",
            "--load=module-null-sink sink_name=out rate=16000 channels=1",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(100):
            ok = subprocess.run(["pactl", "info"], env=env, capture_output=True).returncode == 0
            if ok:
                break
            assert daemon.poll() is None, daemon.stderr.read() if daemon.stderr else b""
            time.sleep(0.1)
        else:
            pytest.fail("PulseAudio did not start")
        yield {**env, "PULSE_SOURCE": "mic.monitor", "PULSE_SINK": "out"}
    finally:
        daemon.terminate()
        daemon.wait(10)


def write_wav(path: Path, pcm: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.astype("<i2").tobytes())


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.int16), w.getframerate()


def test_vona_talk_hears_the_microphone_and_answers_on_the_speaker(
    pulse: dict[str, str], tmp_path: Path, model_cache: Path, hibari: Any, whisper: Any, client: Any
) -> None:
    question = tmp_path / "question.wav"
    write_wav(question, client.pcm16(client.to_16k(hibari.synthesize(QUESTION), 24000)), 16000)
    heard = tmp_path / "heard.wav"
    recorder = subprocess.Popen(
        ["parecord", "--device=out.monitor", "--rate=16000", "--channels=1",
         "--format=s16le", "--file-format=wav", str(heard)],
        env=pulse,
    )  # fmt: skip
    vona = [str(Path(sys.executable).with_name("vona"))]
    talk = subprocess.Popen(
        [*vona, "talk", "--cache-dir", str(model_cache), "--seconds", "18"],
        env=pulse, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert talk.stdout is not None
        first = talk.stdout.readline()  # printed once the models are loaded
        assert "listening" in first, first + (talk.stderr.read() if talk.stderr else "")
        time.sleep(0.5)
        subprocess.run(["paplay", "--device=mic", str(question)], env=pulse, check=True)
        out, err = talk.communicate(timeout=120)
    finally:
        talk.kill()
        recorder.terminate()
        recorder.wait(10)
    assert talk.returncode == 0, err
    lines = [line.strip() for line in out.splitlines()]
    said = [line.removeprefix("you:").strip() for line in lines if line.startswith("you:")]
    replied = [line.removeprefix("vona:").strip() for line in lines if line.startswith("vona:")]
    assert said, out
    assert word_error_rate(QUESTION, said[0]) <= 0.1, out
    assert replied, out
    assert replied[0].startswith(ANSWER), out
    # The reply really came out of the speaker: transcribe what the sink played.
    pcm, rate = read_wav(heard)
    assert rate == 16000
    voiced = np.flatnonzero(np.abs(pcm) > 500)
    assert voiced.shape[0] > 8000, "no reply audio reached the speaker"
    spoken = pcm[voiced[0] : voiced[-1] + 1].astype(np.float32) / 32768.0
    words = whisper.transcribe(spoken).split()
    assert word_error_rate(ANSWER, " ".join(words[: len(ANSWER.split())])) <= 0.15, words
