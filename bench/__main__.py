"""`python -m bench`: the voice-loop benchmark, one markdown table per engine.

    python -m bench --quick            # stratified subset, a few minutes
    python -m bench                    # everything (see bench/README.md for the size)
    python -m bench --size tiny --out /tmp/x   # smoke test size (tests/test_bench.py)

Streams audio through the real `Listener` (coach.voice.listen.listener) with the real recognizers and
prints, per engine, accuracy, false accepts, latency and cost against the project's targets, and
writes the same table to bench/results/<date>-<engine>.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time
from pathlib import Path

from bench import corpus
from bench.cost import make_listener
from bench.report import RESULTS, SIZES, Row, Size, machine, side_by_side, table, verdict
from bench.side_rows import cost_rows, far_field_rows, music_rows, phrasing_rows
from bench.measure import (Totals, median, own_voice_stream, percentile, phase_contexts,
                           realtime_latencies, routine_lines, run_clips, stream, supports_context)
from coach.voice.asr.engines import NAMES as ENGINE_NAMES
from coach.voice.asr.engines import VOSK, engine_named
from coach.voice.speech.backends import NAMES as TTS_NAMES
from testkit.write_guard import private_run

log = logging.getLogger("bench")


# ------------------------------------------------------------------------------------ English

def english_rows(engine: str, size: Size, say) -> tuple[list[Row], list[str]]:  # noqa: ANN001
    """Every row for an English engine; returns (rows, notes)."""
    listener, description = make_listener(engine)
    notes = [f"model/settings: {description}",
             f"listener: vad {listener.endpointer.classifier.name}, thresholds "
             + ", ".join(f"{k.value} {v}" for k, v in listener.thresholds.items())
             + f", partial {listener.partial_threshold} x{listener.stable_partials}",
             "grammar per utterance: " + ("the session phase context (`Listener.set_context`)"
                                          if supports_context(listener) else
                                          "all phrases (this listener has no `set_context` yet)")]
    rows: list[Row] = []
    totals = Totals()

    say("real commands")
    run_clips(listener, corpus.real_commands(size.real_per_word), totals)
    real = totals.tallies["real"]
    per_word = ", ".join(f"{w} {c}/{n}" for w, (c, n) in real.by_label.items())
    rows.append(Row("Accuracy, real people (speech-commands: stop go yes no left right)", str(real.n),
                    f"{real.pct():.1f} %", ">= 97 %", verdict(real.pct() >= 97)))
    rows.append(Row("  per word", "", per_word, "", "-"))
    speakers = sorted(real.by_speaker.items(), key=lambda item: item[1][0] / item[1][1])
    rows.append(Row("  per speaker (worst first)", str(len(speakers)),
                    ", ".join(f"{s[:4]} {c}/{n}" for s, (c, n) in speakers), "", "-"))

    items = (corpus.synth_grid() if size.synth_per_condition is None
             else corpus.stratified(corpus.synth_grid(), size.synth_per_condition))
    say(f"synthesized commands: {len(items)} clips")
    run_clips(listener, corpus.synth_commands(items), totals)
    targets = {"synth clean": 95.0, "synth 10 dB": 90.0}  # issue 11: espeak-ng and Piper voices
    for group in ["synth clean", *(f"synth {s:g} dB" for s in corpus.SNRS)]:
        t = totals.tallies.get(group)
        if t is None:
            continue
        by_noise: dict[str, list[int]] = {}
        for label, (c, n) in t.by_label.items():
            kind = label.split()[0]
            acc = by_noise.setdefault(kind, [0, 0])
            acc[0] += c
            acc[1] += n
        split = "" if group == "synth clean" else " (" + ", ".join(
            f"{k} {100 * c / n:.0f} %" for k, (c, n) in sorted(by_noise.items())) + ")"
        target = targets.get(group)
        rows.append(Row(f"Accuracy, synthesized, {group.removeprefix('synth ')}", str(t.n),
                        f"{t.pct():.1f} %{split}", f">= {target:g} %" if target else "-",
                        verdict(t.pct() >= target if target else None)))

    say("non-command utterances")
    run_clips(listener, corpus.real_distractors(size.distractors_per_word), totals)
    run_clips(listener, corpus.chatter_clips(corpus.ta.VOICES[:size.chatter_voices], size.chatter_lines),
              totals)
    neg_groups = ["real distractor words", "real sentences", "synth chatter"]
    n_neg = fired = 0
    for group in neg_groups:
        t = totals.tallies.get(group)
        if t is None:
            continue
        n_neg += t.n
        fired += t.fired
        per100 = 100 * t.fired / t.n
        rows.append(Row(f"False accepts per 100, {group}", str(t.n), f"{per100:.1f}", "<= 1",
                        verdict(per100 <= 1)))
    if n_neg:
        per100 = 100 * fired / n_neg
        rows.append(Row("False accepts per 100, all non-command utterances", str(n_neg),
                        f"{per100:.1f}", "<= 1", verdict(per100 <= 1)))

    rows += far_field_rows(listener, size, say, totals)
    rows += phrasing_rows(listener, size, say)

    say(f"continuous chatter stream: {size.stream_seconds:.0f} s")
    audio = corpus.chatter_stream(size.stream_seconds)
    cpu = time.process_time()
    heard = stream(listener, audio)
    stream_cpu = time.process_time() - cpu
    totals.cpu_seconds += stream_cpu
    totals.audio_seconds += len(audio) / corpus.ta.SAMPLE_RATE
    hours = len(audio) / corpus.ta.SAMPLE_RATE / 3600
    n_fired = sum(h.fired for h in heard)
    rows.append(Row("False accepts per hour, continuous non-command speech",
                    f"{hours * 60:.1f} min", f"{n_fired / hours:.1f} ({n_fired} fired)", "-", "-"))
    # Issue 21: every non-command utterance may now run Whisper base too; this is its cost.
    stream_rtf = stream_cpu / (len(audio) / corpus.ta.SAMPLE_RATE)
    rows.append(Row("  real-time factor over that continuous chatter (CPU s per audio s)",
                    f"{hours * 60:.1f} min", f"{stream_rtf:.3f}", "<= 0.25",
                    verdict(stream_rtf <= 0.25)))

    lines = routine_lines()[: size.own_lines]
    from coach.voice.listen.listener import Listener

    for tts in TTS_NAMES:  # the coach's voices, default first, in the registry's order
        say(f"coach's own voice: {len(lines)} routine lines through the real TTS ({tts})")
        own = own_voice_stream(lines, tts=tts)
        own_listener = Listener(listener.recognizer, on_air=own.on_air)
        cpu = time.process_time()
        heard = stream(own_listener, own.samples)
        totals.cpu_seconds += time.process_time() - cpu
        hours = len(own.samples) / corpus.ta.SAMPLE_RATE / 3600
        n_fired = sum(h.fired for h in heard)
        fired_what = ", ".join(sorted({h.event.text for h in heard if h.fired}))
        for h in heard:
            if h.fired:  # which line it was, for whoever chases it
                lines_on_air = [a.text for a in own.on_air.overlapping(h.speech_started,
                                                                       h.speech_ended)]
                log.warning("own voice (%s) fired %r (confidence %.2f, %s) at %.2f-%.2f s over %s",
                            tts, h.event.text, h.confidence, "partial" if h.partial else "final",
                            h.speech_started, h.speech_ended, lines_on_air or "no line")
        rows.append(Row(f"False accepts from the coach's own voice (on air; {own.lines} lines, "
                        f"{own.engine})", f"{hours * 60:.1f} min",
                        f"{n_fired} = {n_fired / hours:.1f} per hour"
                        + (f" ({fired_what})" if fired_what else ""),
                        "0", verdict(n_fired == 0)))

    from bench.barge_in import sweep

    say(f"barge-in: stop and ouch every {size.barge_in_step} s of a long line, through the canceller")
    for result in sweep(listener.recognizer, size.barge_in_step, context=phase_contexts()["step"]):
        missed = ", ".join(f"{at:g}" for at in result.missed_at)
        rows.append(Row(f'"{result.word}" said over a long line (every {size.barge_in_step:g} s of '
                        "it, through the echo canceller)", str(result.tries),
                        f"{result.heard} of {result.tries}" + (f" (missed at {missed} s)" if missed
                                                              else ""),
                        ">= 98 % (49 of 50)", verdict(result.heard >= 0.98 * result.tries)))

    rows += music_rows(listener, size, say)

    say(f"latency at real-time pace: {size.latency_clips} clips")
    lat_items = corpus.stratified(corpus.synth_grid(), max(1, size.latency_clips // 2), seed=23)
    lat_clips = [c for c in corpus.synth_commands(i for i in lat_items if i[4] is None)]
    lat_clips += list(corpus.real_commands(max(1, size.latency_clips // 12)))
    lat_clips = lat_clips[: size.latency_clips]
    latencies, missed = realtime_latencies(listener, lat_clips)
    p50, p95 = median(latencies), percentile(latencies, 95)
    n_lat = f"{len(latencies)} (+{missed} missed)"
    rows.append(Row("Latency p50, end of speech to command out", n_lat, f"{1000 * p50:.0f} ms",
                    "<= 250 ms", verdict(p50 <= 0.25)))
    rows.append(Row("Latency p95", n_lat, f"{1000 * p95:.0f} ms", "<= 450 ms", verdict(p95 <= 0.45)))

    rows += cost_rows(engine, size, say, totals)
    return rows, notes


# ------------------------------------------------------------------------------------ Korean

def korean_rows(size: Size, say) -> tuple[list[Row], list[str]]:  # noqa: ANN001
    """vosk with the Korean model: engine cost and latency only."""
    listener, description = make_listener("vosk-ko")
    notes = [f"model/settings: {description}",
             "**Korean model: engine cost/latency only; English accuracy not measurable here.** "
             "Korean words (espeak-ng -v ko) come out of the listener as not-understood decisions "
             "(the command table is English), so latency is end of speech to the listener's "
             "decision on the utterance."]
    clips = list(corpus.korean_clips(size.korean_clips))
    say(f"korean latency: {len(clips)} clips at real-time pace")
    from coach.voice.audio.chunk import AudioChunk
    from coach.voice.pipeline import VoicePipeline
    from testkit import testaudio as ta

    latencies = []
    heard_right = 0
    for clip in clips:
        listener.reset()
        pcm = ta.to_pcm(clip.samples)
        t0 = time.perf_counter()
        decided = None
        pipeline = VoicePipeline(listener)
        for piece, at in ta.chunks(pcm):
            delay = t0 + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            out = pipeline.push(AudioChunk(piece, at))
            if out and decided is None:
                decided = time.perf_counter() - t0 - clip.speech_end
                heard_right += out[0].event.text == clip.truth
        if decided is not None:
            latencies.append(decided)
    rows = [Row("Korean words decoded to the spoken word (sanity, not accuracy)", str(len(clips)),
                f"{heard_right}/{len(clips)}", "-", "-"),
            Row("Latency p50, end of speech to listener decision", str(len(latencies)),
                f"{1000 * median(latencies):.0f} ms", "<= 250 ms", verdict(median(latencies) <= 0.25)),
            Row("Latency p95", str(len(latencies)), f"{1000 * percentile(latencies, 95):.0f} ms",
                "<= 450 ms", verdict(percentile(latencies, 95) <= 0.45))]
    rows += cost_rows("vosk-ko", size, say, startup=False)
    rows.append(Row("Launch to first spoken word", "", "not measurable: `coach run` refuses the "
                    "Korean model for English commands (see load time above)", "<= 2 s", "-"))
    return rows, notes


# ------------------------------------------------------------------------------------ output

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="stratified subset (a few minutes)")
    parser.add_argument("--size", choices=sorted(SIZES), help="tiny | quick | full (default full)")
    parser.add_argument("--engines", default=",".join(ENGINE_NAMES),
                        help=f"comma-separated: {', '.join(ENGINE_NAMES)} (default all of them)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for the result files")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[1]
    allowed = (str(args.out.resolve().relative_to(root)),) \
        if args.out.resolve().is_relative_to(root) else ()
    with private_run(root, allowed) as guard:  # a private HOME: the run writes only its results
        status = run(args, parser)
        escaped = guard.report()
    if escaped:
        print(f"The benchmark wrote outside its temporary folders: {escaped}", file=sys.stderr)
        return 1
    return status


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """Every engine's table, written to `args.out`."""
    size = SIZES[args.size or ("quick" if args.quick else "full")]
    today = dt.date.today().isoformat()

    def say(what: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)

    english_tables: dict[str, list[Row]] = {}
    for engine in [e.strip() for e in args.engines.split(",") if e.strip()]:
        started = time.perf_counter()
        header = [f"- machine: {machine()}", f"- run: `{size.name}`, {today}"]
        if engine not in ENGINE_NAMES:
            parser.error(f"unknown engine {engine!r}; choose from {', '.join(ENGINE_NAMES)}")
        if engine != VOSK.name:
            rows, notes = english_rows(engine, size, say)
            title = engine_named(engine).label
        else:  # only a Korean vosk model is installable offline: measured on Korean clips too
            from coach.voice.asr.model_locations import find_english_model, search_dirs

            english = find_english_model()
            rows, notes = korean_rows(size, say)
            if english is not None:
                en_rows, en_notes = english_rows(VOSK.name, size, say)
                rows, notes = en_rows + rows, en_notes + notes
            else:
                where = ", ".join(str(p) for _, p in search_dirs())
                notes.append(f"English vosk: **not measured**: no English vosk model is installed "
                             f"(searched {where}); no registry ships one and this machine is offline "
                             "(`massage-coach models download` fetches one when online).")
            title = "vosk" + (" (English + Korean model)" if english else " (Korean model)")
        elapsed = time.perf_counter() - started
        header += [f"- {n}" for n in notes]
        header.append(f"- contexts: {', '.join(phase_contexts())}; benchmark wall time {elapsed / 60:.1f} min")
        text = table(title, header, rows)
        print(text)
        (args.out / f"{today}-{engine}.md").write_text(text)
        if engine != VOSK.name or any(r.metric.startswith("Accuracy, real") for r in rows):
            english_tables[engine] = rows
    if len(english_tables) > 1:
        text = side_by_side(english_tables, size.name, today)
        print(text)
        (args.out / f"{today}-side-by-side.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
