"""Several short utterances through one Whisper decoder call (and one encoder call, or one
per utterance).

faster-whisper's ``WhisperModel.transcribe`` takes one audio at a time, and its
``BatchedInferencePipeline`` batches the VAD chunks of one long audio. This decodes N
independent utterances (each at most one 30 s window) together through the same
CTranslate2 model, reproducing what ``transcribe`` does for a single window with the
options ``FasterWhisperStt`` uses (greedy at temperature 0, no timestamps, no previous
text): the same features, prompt, suppressed tokens and acceptance tests. An utterance
that ``transcribe`` would re-decode at a higher temperature (too repetitive, or too
unlikely) comes back as None: the caller runs it through the single path.

The encoder always sees a whole 30 s window per utterance (padded, as in ``transcribe``),
so its cost is per utterance whatever the batch: on the CPU a batched encoder call measured
1.1-1.3x the single calls (int8 whisper-base, 2 cores), while the batched decoder saves
about a quarter. ``stack_encoder=False`` therefore encodes one utterance at a time and
stacks the encoder outputs for the one decoder call; True encodes them in one call (the
better choice where the encoder gains from a batch, such as a GPU).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from vona.vad import Float32Array

__all__ = ["decode_batch", "window_samples"]

# WhisperModel.transcribe's defaults (faster-whisper 1.2), which the single path uses.
_COMPRESSION_RATIO_THRESHOLD = 2.4
_LOG_PROB_THRESHOLD = -1.0
_NO_SPEECH_THRESHOLD = 0.6
_MAX_INITIAL_TIMESTAMP_S = 1.0


def window_samples(model: Any) -> int:
    """The longest audio one encoder window holds, in samples at the model's rate."""
    fe = model.feature_extractor
    # The feature extractor pads 160 samples and keeps one frame per hop; transcribe's
    # window holds nb_max_frames content frames (the extra last frame is dropped).
    return int(fe.nb_max_frames * fe.hop_length)


def _features(model: Any, audio: Float32Array) -> Any:
    from faster_whisper.audio import pad_or_trim

    fe = model.feature_extractor
    features = fe(audio)
    content = features.shape[-1] - 1
    return pad_or_trim(features[:, : min(fe.nb_max_frames, content)])


def _encode(model: Any, features: list[Any], stack: bool) -> Any:
    if stack or len(features) == 1:
        return model.encode(np.stack(features))
    import ctranslate2

    outputs = [np.asarray(model.encode(f[np.newaxis])) for f in features]
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(np.concatenate(outputs)))


def decode_batch(
    model: Any,
    audios: Sequence[Float32Array],
    *,
    beam_size: int,
    language: str | None,
    stack_encoder: bool = False,
) -> list[str | None]:
    """Transcripts of non-empty utterances of one window each (None: needs the single
    path). ``model`` is a faster-whisper ``WhisperModel``."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

    encoded = _encode(model, [_features(model, a) for a in audios], stack_encoder)
    multilingual = bool(model.model.is_multilingual)
    if not multilingual:
        language = "en"
    tokenizer = Tokenizer(
        model.hf_tokenizer, multilingual, task="transcribe", language=language or "en"
    )
    prompt = model.get_prompt(tokenizer, [], without_timestamps=True)
    prompts = [list(prompt) for _ in audios]
    if language is None:
        # The single path detects the language on the same window; do it per utterance.
        index = prompt.index(tokenizer.language)
        for p, found in zip(prompts, model.model.detect_language(encoded), strict=True):
            p[index] = tokenizer.tokenizer.token_to_id(found[0][0])
    results = model.model.generate(
        encoded,
        prompts,
        beam_size=beam_size,
        patience=1,
        length_penalty=1,
        repetition_penalty=1,
        no_repeat_ngram_size=0,
        max_length=model.max_length,
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
        max_initial_timestamp_index=round(_MAX_INITIAL_TIMESTAMP_S / model.time_precision),
    )
    texts: list[str | None] = []
    for result in results:
        tokens = result.sequences_ids[0]
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        text = tokenizer.decode(tokens).strip()
        silence = result.no_speech_prob > _NO_SPEECH_THRESHOLD
        unlikely = avg_logprob < _LOG_PROB_THRESHOLD
        repetitive = get_compression_ratio(text) > _COMPRESSION_RATIO_THRESHOLD
        if (repetitive or unlikely) and not (silence and unlikely):
            texts.append(None)  # transcribe would fall back to a higher temperature
        elif silence and not avg_logprob > _LOG_PROB_THRESHOLD:
            texts.append("")  # transcribe skips a window it judges silent
        else:
            texts.append(text)
    return texts
