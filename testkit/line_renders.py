"""Every line the coach can say, rendered by the real TTS in the background for the whole test
run: the material of tests/test_own_voice.py.

Why in the background from the start of the run: rendering all ~770 lines is ~220 s of CPU
with Piper (0.28 s a line), more than the listening that checks them. Started when that test
module began, it left the suite waiting on it for ~4 minutes. Started with the run, in two
processes at the lowest priority, it uses the CPU the other tests leave idle (the audio
end-to-end tests mostly wait on real time), and by the time the own-voice tests run most of
their lines are ready. The renders are exactly those of before: the same back-end, Piper's
variation off (`STEADY_VOICE_ENV`), one renderer per process (Piper's voice is not safe to run
from two threads, hence processes).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor

from coach.routine_format.library import available
from coach.routine_format.loader import load_routine
from coach.voice.speech.piper_tts import STEADY_VOICE_ENV
from testkit.coach_lines import routine_text, spoken_lines

RENDER_BATCH = 20  # lines per job: a test starts listening as soon as its own lines are rendered
OWN_LINES = "session's own lines"


@functools.lru_cache(maxsize=1)
def all_lines() -> list[str]:
    """Every line the coach can say over every shipped routine (testkit/coach_lines.py)."""
    lines: set[str] = set()
    for info in available():
        lines |= spoken_lines(load_routine(info.path))
    return sorted(lines)


@functools.lru_cache(maxsize=1)
def own_lines() -> list[str]:
    """The session's own lines: prompts, help lists, answers, cues said as words, summaries."""
    text: set[str] = set()
    for info in available():
        text |= routine_text(load_routine(info.path))
    return sorted(set(all_lines()) - text)


def lines_for(which: str) -> list[str]:
    """The lines of one half: the routines' text, or the session's own lines."""
    own = own_lines()
    return own if which == OWN_LINES else sorted(set(all_lines()) - set(own))


@functools.lru_cache(maxsize=None)
def _worker_renderer(tts: str):  # noqa: ANN202 - a started Renderer
    """One started renderer per back-end in a render process, closed when the process ends."""
    from multiprocessing.util import Finalize

    from coach.voice.speech.tts_select import make_renderer

    renderer = make_renderer(tts)
    renderer.start()
    Finalize(renderer, renderer.close, exitpriority=10)
    return renderer


def _render_in_worker(tts: str, lines: list[str]) -> list:
    return [_worker_renderer(tts).render(line) for line in lines]


def _worker_start() -> None:
    """Lowest priority, so the tests that run meanwhile get the CPU first; Piper steady."""
    os.nice(19)
    os.environ[STEADY_VOICE_ENV] = "1"


class LineRenders:
    """The render jobs for each (speech back-end, half) asked for, in the order given."""

    def __init__(self, wanted: Iterable[tuple[str, str]]) -> None:
        self.pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_worker_start)
        self.jobs: dict[tuple[str, str], list[Future]] = {}
        for tts, which in wanted:
            lines = lines_for(which)
            self.jobs[(tts, which)] = [
                self.pool.submit(_render_in_worker, tts, lines[i:i + RENDER_BATCH])
                for i in range(0, len(lines), RENDER_BATCH)]

    def rendered(self, tts: str, which: str) -> list:
        """Every line of that half, rendered (waits for the jobs still running)."""
        return [line for batch in self.jobs[(tts, which)] for line in batch.result()]

    def close(self) -> None:
        for batch in self.jobs.values():
            for future in batch:
                future.cancel()
        self.pool.shutdown(wait=True, cancel_futures=True)
