"""The hosted engines as a whole: registry names, missing extras, key redaction, the CLI flags."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from pathlib import Path

import numpy as np
import pytest

from vona import registry
from vona.adapters.deepgram import DeepgramStt
from vona.adapters.deepgram.fake import DeepgramFake
from vona.adapters.elevenlabs import ElevenLabsTts
from vona.adapters.openai_chat import OpenAIChat
from vona.backends.cascade.protocols import ChatMessage, Responder, SpeechToText
from vona.backends.cascade.streaming import StreamingSpeechToText, StreamingTextToSpeech
from vona.errors import BackendError, ConfigError

ENGINES = {
    "openai-chat": ("responder", "openai"),
    "deepgram": ("stt", "deepgram"),
    "deepgram-flux": ("stt", "deepgram"),
    "deepgram-aura": ("tts", "deepgram"),
    "elevenlabs": ("tts", "elevenlabs"),
    "azure-speech": ("tts", "azure"),
    "azure-speech-stt": ("stt", "azure"),
}


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DEEPGRAM", "ELEVENLABS", "AZURE_SPEECH", "OPENAI"):
        monkeypatch.setenv(f"{name}_API_KEY" if name != "AZURE_SPEECH" else "AZURE_SPEECH_KEY", "k")
    monkeypatch.setenv("AZURE_SPEECH_REGION", "westeurope")
    monkeypatch.setenv("OPENAI_MODEL", "m")


@pytest.mark.usefixtures("keys")
@pytest.mark.parametrize("name", sorted(ENGINES))
def test_registry_builds_each_engine_of_its_kind(name: str) -> None:
    kind, extra = ENGINES[name]
    assert registry.engine(name).kind == kind
    assert registry.entry_extra(registry.ENGINES, name) == extra
    built = registry.build_engine(name, kind)  # type: ignore[arg-type]
    protocol = {
        "responder": Responder,
        "stt": SpeechToText if name == "azure-speech-stt" else StreamingSpeechToText,
        "tts": StreamingTextToSpeech,
    }[kind]
    assert isinstance(built, protocol)
    assert "'k'" not in repr(built)


async def test_missing_extra_is_a_config_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)
    llm = OpenAIChat("m", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match=r"vona\[openai\]"):
        [e async for e in llm.respond([ChatMessage("user", "hi")], [])]
    monkeypatch.setitem(sys.modules, "websockets", None)
    monkeypatch.setitem(sys.modules, "websockets.asyncio.client", None)
    with pytest.raises(ConfigError, match=r"vona\[elevenlabs\]"):
        await ElevenLabsTts(base_url="ws://127.0.0.1:9", api_key="k").open()


async def test_key_never_reaches_logs_reprs_or_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    secret = "dg-very-secret-key-0042"
    caplog.set_level(logging.DEBUG)
    async with DeepgramFake(api_key=secret) as fake:
        stream = await DeepgramStt(base_url=fake.base_url, api_key=secret).open()
        await stream.push(np.zeros(320, np.int16))
        await stream.close()
    async with DeepgramFake(api_key="other") as fake:
        stt = DeepgramStt(base_url=fake.base_url, api_key=secret)
        with pytest.raises(BackendError) as info:
            await stt.open()
    text = "".join(traceback.format_exception(info.value))
    assert "401" in text
    assert secret not in text
    assert secret not in repr(stt)
    assert secret not in str(stt)
    # the client side (not the fake server, which may print what a wrong client sent)
    client = [r for r in caplog.records if not r.name.startswith("websockets.server")]
    assert any(r.name == "websockets.client" for r in client)  # it logged the handshake
    assert all(secret not in r.getMessage() for r in client)


def _args(**kw: object) -> argparse.Namespace:
    base = {
        "llm": None,
        "llm_model": None,
        "responder": "rules",
        "ollama_model": None,
        "ollama_host": None,
    }
    base.update(kw)
    return argparse.Namespace(**base)


def test_cli_llm_flags_pick_a_registered_responder(monkeypatch: pytest.MonkeyPatch) -> None:
    from vona.cli.run import _responder

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    llm = _responder(_args(llm="openai-chat", llm_model="qwen2.5"))
    assert isinstance(llm, OpenAIChat)
    assert llm.model == "qwen2.5"
    assert _responder(_args(llm="openai-chat")) == "openai-chat"  # built by name: OPENAI_MODEL
    assert _responder(_args(responder="rules")) == "rules"
    with pytest.raises(ConfigError, match="unknown responder engine 'nope'"):
        _responder(_args(llm="nope", llm_model="x"))


def test_cli_unknown_engine_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vona.cli.run import run_main
    from vona.wavio import write_wav

    wav = tmp_path / "q.wav"
    write_wav(wav, np.zeros(1600, np.int16), 16000)
    code = run_main(["--input", str(wav), "--output", str(tmp_path / "r.wav"), "--stt", "nosuch"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "nosuch" in err
    assert "Traceback" not in err


def test_cli_run_picks_hosted_engines_by_name_over_the_fakes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``vona run --stt deepgram --llm openai-chat --llm-model M --tts elevenlabs`` with the
    endpoints redirected to the fakes (served from another thread's loop)."""
    import asyncio
    import json
    import threading

    from vona.adapters.elevenlabs.fake import ElevenLabsFake
    from vona.adapters.openai_chat.fake import ChatReply, OpenAIChatFake
    from vona.cli.run import run_main
    from vona.wavio import write_wav

    ready, urls, state = threading.Event(), {}, {}

    async def serve() -> None:
        state["stop"] = asyncio.Event()
        async with (
            DeepgramFake(transcripts=["what's the weather"]) as dg,
            OpenAIChatFake(replies=[ChatReply(["It is sunny."])]) as chat,
            ElevenLabsFake() as el,
        ):
            urls.update(dg=dg.base_url, chat=chat.base_url, el=el.base_url)
            state["chat"], state["el"] = chat, el
            state["loop"] = asyncio.get_running_loop()
            ready.set()
            await state["stop"].wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    for name, value in {
        "DEEPGRAM_BASE_URL": urls["dg"],
        "DEEPGRAM_API_KEY": "test-key",
        "ELEVENLABS_BASE_URL": urls["el"],
        "ELEVENLABS_API_KEY": "test-key",
        "OPENAI_BASE_URL": urls["chat"] + "/v1",
        "OPENAI_API_KEY": "test-key",
    }.items():
        monkeypatch.setenv(name, value)
    rate = 16000
    t = np.arange(int(0.4 * rate)) / rate
    speech = (8000 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)
    wav = tmp_path / "q.wav"
    write_wav(
        wav, np.concatenate([np.zeros(3200, np.int16), speech, np.zeros(rate, np.int16)]), rate
    )
    args = [
        "--input",
        str(wav),
        "--output",
        str(tmp_path / "a.wav"),
        "--json",
        "--realtime",  # a hosted STT answers after the audio: feed it at its pace
        "--vad",
        "energy",
        "--turn",
        "none",
        "--stt",
        "deepgram",
        "--llm",
        "openai-chat",
        "--llm-model",
        "gpt-x",
        "--tts",
        "elevenlabs",
    ]
    try:
        code = run_main(args)
    finally:
        import gc

        gc.collect()  # the sockets run_main's loop left open close now, not in a later test
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(30)
    assert not thread.is_alive()  # the fakes are down: nothing runs on into the next test
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["transcript"] == "what's the weather"
    assert state["chat"].bodies()[0]["model"] == "gpt-x"
    assert [t for _, t in state["el"].spoken] == ["It is sunny. "]
    assert report["output"]["sample_rate_hz"] == 24000
