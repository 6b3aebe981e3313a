"""The native step loop: the per-frame path between a transport and a backend.

``StepLoop`` reframes and resamples transport audio into backend frames, resamples
backend output back to the transport rate into a playout ring, and keeps the turn
accounting a session driver needs (first audio, turn latency, underruns, and the
position actually played when the user interrupts). With a native backend the whole
path runs in one C call per chunk. See ``StepLoop``'s docstring for the full API.
"""

from __future__ import annotations

from vona._native._step_loop import PlayoutCut, StepLoop

# The former name of ``PlayoutCut``, kept for existing imports; ``vona.events.Interruption``
# is the control event a backend receives, a different thing.
Interruption = PlayoutCut

__all__ = ["Interruption", "PlayoutCut", "StepLoop"]
