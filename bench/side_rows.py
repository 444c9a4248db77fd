"""Rows measured beside the accuracy rows: the far field, music, natural phrasings, and the
listener's cost in a process of its own (issue 20, issue 21)."""

from __future__ import annotations

import logging

from bench import corpus, phrasings
from bench.cost import measure_cost, measure_startup
from bench.measure import Totals, run_clips
from bench.report import Row, Size, verdict

log = logging.getLogger("bench")


def far_field_rows(listener, size: Size, say, totals: Totals) -> list[Row]:  # noqa: ANN001
    """Issue 21: the real commands and distractors made distant and reverberant (-10 dB, sox
    reverb: `corpus.far_field_samples`), each its own utterance, as in the rows above."""
    say("far field: the real clips at -10 dB with room reverb")
    run_clips(listener, corpus.far_field(corpus.real_commands(size.real_per_word), "far-field real"),
              totals)
    run_clips(listener, corpus.far_field(corpus.real_distractors(size.far_distractors_per_word),
                                         "far-field distractors"), totals)
    real, neg = totals.tally("far-field real"), totals.tally("far-field distractors")
    per100 = 100 * neg.fired / neg.n if neg.n else 0.0
    return [Row("Accuracy, real people, far field (-10 dB, reverb)", str(real.n), f"{real.pct():.1f} %",
                ">= 92 %", verdict(real.pct() >= 92)),
            Row("  per word, far field", "",
                ", ".join(f"{w} {c}/{n}" for w, (c, n) in real.by_label.items()), "", "-"),
            Row("False accepts per 100, far-field distractors", str(neg.n), f"{per100:.1f}"
                + (f" ({', '.join(neg.errors)})" if neg.errors else ""), "<= 2", verdict(per100 <= 2))]


def music_rows(listener, size: Size, say) -> list[Row]:  # noqa: ANN001
    """Synthesized commands over music at 10 dB, played by the coach and by something else
    (bench/own_music.py): the share of the clips heard with no music that are still heard."""
    from bench.own_music import SNR_DB, over_music

    say(f"commands over music: {size.music_clips} clips x 3 cases")
    items = corpus.stratified(corpus.synth_grid(), size.music_clips, seed=31)
    clips = list(corpus.synth_commands(i for i in items if i[4] is None))[: size.music_clips]
    baseline, own, other = over_music(listener, clips)
    rows = []
    for result, how, target in ((own, "the coach's own music (in the echo reference)",
                                 ">= 90 %"),
                                (other, "music from something else (not in the reference)",
                                 "-")):
        kept, of = result.kept(baseline)
        share = 100.0 * kept / of if of else float("nan")
        rows.append(Row(f"Commands over {how}, {SNR_DB:g} dB: still heard, of those heard "
                        "with no music", str(of), f"{kept} of {of} = {share:.0f} % ("
                        f"{len(result.heard)} of {result.tries} in all; no music "
                        f"{len(baseline.heard)})", target,
                        verdict(share >= 90.0) if target != "-" else "-"))
    return rows


def phrasing_rows(listener, size: Size, say) -> list[Row]:  # noqa: ANN001
    """People's own words for stop, pain, warning signs and "softer" (bench/phrasings.py): every
    corpus line typed; the held-out lines spoken by Piper and en-us through the listener."""
    typed = phrasings.typed_score()
    n_spoken = size.phrasings_spoken
    say(f"natural phrasings spoken: {n_spoken or 'all held-out'} lines x "
        f"{len(phrasings.SPOKEN_VOICES)} voices")
    spoken = phrasings.spoken_score(listener, limit=n_spoken)
    rows = []
    for how, score, safety_target, all_target in (("typed, all", typed, 98.0, 95.0),
                                                   ("spoken, held-out, piper + en-us", spoken,
                                                    95.0, 90.0)):
        safety, overall = score.pct(score.safety), score.pct(score.overall)
        rows.append(Row(f"Natural phrasings understood, {how}: safety / all",
                        f"{score.safety[1]} / {score.overall[1]}",
                        f"{safety:.1f} % / {overall:.1f} %",
                        f">= {safety_target:g} / {all_target:g} %",
                        verdict(safety >= safety_target and overall >= all_target)))
        rows.append(Row(f"  negations firing stop/ouch/warning, {how}", "",
                        str(score.negations_protective), "0",
                        verdict(score.negations_protective == 0)))
    return rows


LAUNCH_ROW = "Launch to first spoken word (`python -m coach run`, virtual sink)"
STOP_ROW = "Stop to silence at the sink (`Speaker.stop()` well into a line, worst)"


def cost_rows(engine: str, size: Size, say, totals: Totals | None = None,  # noqa: ANN001
              startup: bool = True) -> list[Row]:
    rows: list[Row] = []
    say(f"cost subprocess: {size.cost_seconds:.0f} s of audio")
    try:
        cost = measure_cost(engine, size.cost_seconds)
        rows.append(Row("Real-time factor (CPU s per audio s, own process)",
                        f"{cost.audio_seconds:.0f} s", f"{cost.rtf:.3f}", "<= 0.15",
                        verdict(cost.rtf <= 0.15)))
        if totals is not None and totals.audio_seconds:
            rtf = totals.cpu_seconds / totals.audio_seconds
            rows.append(Row("  real-time factor over the whole benchmark", f"{totals.audio_seconds:.0f} s",
                            f"{rtf:.3f}", "-", "-"))
        rows.append(Row("Peak resident memory (VmHWM of that process)", "", f"{cost.peak_mb:.0f} MB",
                        "<= 600 MB", verdict(cost.peak_mb <= 600)))  # issue 21: both models
        rows.append(Row("  model + recognizer load time", "", f"{cost.load_seconds:.2f} s", "-", "-"))
    except Exception as error:  # noqa: BLE001 - a failed measurement is a row, not a crash
        log.warning("cost measurement failed", exc_info=True)
        rows.append(Row("Real-time factor / peak memory", "", f"not measured: {error}", "<= 0.15 / 600 MB", "MISS"))
    if startup:
        say("start-up under the virtual PulseAudio sink")
        try:
            seconds = measure_startup(engine)
            rows.append(Row(LAUNCH_ROW, "1",
                            f"{seconds:.2f} s", "<= 2 s", verdict(seconds <= 2)))
        except Exception as error:  # noqa: BLE001
            log.warning("start-up measurement failed", exc_info=True)
            rows.append(Row("Launch to first spoken word", "", f"not measured: {error}", "<= 2 s", "MISS"))
        say("stop to silence under the virtual PulseAudio sink")
        try:
            from bench.stop_latency import measure_stop_once

            stops = measure_stop_once()
            rows.append(Row(STOP_ROW, str(len(stops)), f"{1000 * max(stops):.0f} ms", "<= 150 ms",
                            verdict(max(stops) <= 0.15)))
        except Exception as error:  # noqa: BLE001
            log.warning("stop measurement failed", exc_info=True)
            rows.append(Row("Stop to silence at the sink", "", f"not measured: {error}",
                            "<= 150 ms", "MISS"))
    return rows
