"""The routine loader: real YAML files on disk, every kind of problem, exact positions.

Most tests write a file into tmp_path from a fixed HEADER (8 lines, so the first step starts on
line 9) plus the lines under test, then assert the problem's line, column, field path and kind.
"""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest

from coach.core.routine import Audience, CheckIn, Choice, Hold, Side
from coach.routine_format.loader import (
    KINDS,
    Problem,
    RoutineError,
    check_routine,
    describe_duration,
    describe_hold,
    load_routine,
    parse_duration,
    parse_routine,
    unsafe_phrases,
)

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample-routine.yaml"

HEADER = """\
id: t
title: Test routine
audience: partner
summary: A routine for tests.
contraindications:
  - {question: "Is this a test?", reason: Tests only.,
     read_back: not a test}
steps:
"""
STEP = """\
  - id: one
    title: Step one
    say: Do the thing.
"""


def write(tmp_path: Path, body: str, name: str = "t.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Problem]:
    routine, problems = check_routine(path)
    assert routine is None if problems else routine is not None
    return problems


def only(path: Path) -> Problem:
    problems = problems_of(path)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def where(problem: Problem) -> tuple[int, int, str, str]:
    return problem.line, problem.column, problem.field, problem.kind


# ----- the valid sample -----------------------------------------------------------------------


def test_sample_loads_every_field():
    routine = load_routine(SAMPLE)
    assert routine.id == "sample-routine"
    assert routine.audience is Audience.PARTNER
    assert routine.default_pressure == 2
    assert routine.equipment == ("a firm mat",)
    assert routine.cautions == ("Never press on the back of the knee.",)  # a single string
    assert routine.contraindications[0].question.endswith("clot in the leg?")
    assert routine.source_path == str(SAMPLE)
    warm, press = routine.steps
    assert warm.hold == Hold(30, 30, 30) and not warm.sides and warm.line == 15
    assert warm.say == ("Rub both calves gently with open hands.",)
    assert press.line == 19
    assert press.sides == (Side.LEFT, Side.RIGHT)
    assert press.hold == Hold(default=120, minimum=60, maximum=180, until_softened=True)
    assert press.cues.halfway and not press.cues.end_chime and press.cues.countdown == 5
    assert press.cues.remaining == (60, 30)
    assert sorted(press.pressure) == [1, 2, 3, 4, 5]
    assert press.alternative == ("Sit beside the {side} leg and use one palm.",)
    assert press.after == ("Slide your hands to the {other_side} calf.",)
    assert press.check_in == CheckIn("How is the pressure?",
                                     choices=(Choice.SOFTER, Choice.FIRMER, Choice.GOOD))
    assert press.warning == "Keep well below the knee."
    assert routine.total_seconds() == (30 + 2 * 60, 30 + 2 * 180)
    assert [run.side for run in routine.expanded_steps(Side.RIGHT)] == [None, Side.RIGHT, Side.LEFT]


def test_minimal_routine_gets_defaults(tmp_path):
    routine = load_routine(write(tmp_path, HEADER + STEP))
    step = routine.steps[0]
    assert step.hold is None and step.cues.countdown == 3 and step.pressure == {}
    assert routine.setup == () and routine.closing == () and routine.default_pressure == 3
    assert routine.area == ""


def test_area_names_the_body_part_worked(tmp_path):
    body = HEADER.replace("contraindications:", "area: the calves\ncontraindications:") + STEP
    assert load_routine(write(tmp_path, body)).area == "the calves"


def test_area_must_be_text(tmp_path):
    body = HEADER.replace("contraindications:", "area: [calves]\ncontraindications:") + STEP
    problem = only(write(tmp_path, body))
    assert where(problem) == (5, 7, "area", "type")


def test_folded_text_is_tidied(tmp_path):
    body = HEADER + "  - id: one\n    title: One\n    say: >\n      Two lines\n      of text.\n"
    assert load_routine(write(tmp_path, body)).steps[0].say == ("Two lines of text.",)


# ----- file-level problems --------------------------------------------------------------------


def test_missing_file(tmp_path):
    problem = only(tmp_path / "nope.yaml")
    assert where(problem) == (1, 1, "", "file")
    assert "existing routine file" in problem.expected and "nothing at this path" in problem.found


def test_directory(tmp_path):
    problem = only(tmp_path)
    assert problem.kind == "file" and problem.found == "a directory"


def test_empty_file(tmp_path):
    problem = only(write(tmp_path, ""))
    assert where(problem) == (1, 1, "", "empty")


def test_comments_only_is_empty(tmp_path):
    assert only(write(tmp_path, "# nothing yet\n")).kind == "empty"


def test_file_that_is_a_list(tmp_path):
    problem = only(write(tmp_path, "- id: t\n- title: x\n"))
    assert where(problem) == (1, 1, "(top level)", "type")
    assert problem.found == "a list"


def test_file_that_is_a_scalar(tmp_path):
    assert only(write(tmp_path, "just some words\n")).kind == "type"


def test_binary_junk(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_bytes(b"id: t\n\xff\xfe\x00\x81junk")
    problem = only(path)
    assert where(problem) == (2, 1, "", "file")
    assert "UTF-8" in problem.expected


def test_control_characters_are_a_syntax_problem(tmp_path):
    path = tmp_path / "t.yaml"
    path.write_bytes(b"id: t\ntitle: a\x00b\n")
    problem = only(path)
    assert (problem.line, problem.column, problem.kind) == (2, 9, "syntax")


def test_yaml_syntax_error_has_yamls_position(tmp_path):
    path = write(tmp_path, HEADER + STEP + '    title: "unclosed\n')
    problem = only(path)
    assert problem.kind == "syntax"
    assert problem.line == 13  # yaml reports where it gave up: the end of the file
    assert "syntax error" in problem.found


def test_bad_indentation_syntax_error(tmp_path):
    problem = only(write(tmp_path, "id: t\ntitle: x\n  audience: self\n"))
    assert (problem.line, problem.column, problem.kind) == (3, 11, "syntax")


def test_brace_in_flow_list_gets_a_specific_hint(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    after: [Go to the {side} leg.]\n"))
    assert problem.kind == "syntax" and problem.line == 12
    assert "'- ' lines" in problem.hint


def test_tabs_get_a_specific_hint(tmp_path):
    problem = only(write(tmp_path, "id: t\nsteps:\n\t- a\n"))
    assert problem.kind == "syntax" and "tabs" in problem.hint


def test_two_documents(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "---\nid: u\n"))
    assert problem.kind == "syntax" and problem.line == 12


# ----- keys -----------------------------------------------------------------------------------


def test_unknown_key_suggests_the_closest(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    hodl: 30s\n"))
    assert where(problem) == (12, 5, "steps[0].hodl", "unknown-key")
    assert problem.hint == "did you mean `hold`?"
    assert problem.found == "`hodl`"


def test_unknown_top_level_key(tmp_path):
    problems = problems_of(write(tmp_path, HEADER.replace("summary:", "sumary:") + STEP))
    assert [where(p) for p in problems] == [
        (1, 1, "summary", "missing"), (4, 1, "sumary", "unknown-key")]
    assert problems[1].hint == "did you mean `summary`?"


def test_key_at_the_wrong_level_points_to_its_home(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "hold: 30s\n"))
    assert where(problem) == (12, 1, "hold", "unknown-key")
    assert "belongs in a step" in problem.hint


def test_duplicate_key(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    say: Again.\n"))
    assert where(problem) == (12, 5, "steps[0].say", "duplicate-key")
    assert "line 11" in problem.expected


def test_missing_required_keys_are_all_reported(tmp_path):
    problems = problems_of(write(tmp_path, "id: t\ntitle: x\n"))
    assert {p.field for p in problems} == {"audience", "summary", "contraindications", "steps"}
    assert all(p.kind == "missing" and (p.line, p.column) == (1, 1) for p in problems)


def test_step_missing_say(tmp_path):
    problem = only(write(tmp_path, HEADER + "  - id: one\n    title: One\n"))
    assert where(problem) == (9, 5, "steps[0].say", "missing")


# ----- types and values -----------------------------------------------------------------------


def test_wrong_type_text_given_a_list(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    warning: [a, b]\n"))
    assert where(problem) == (12, 14, "steps[0].warning", "type")
    assert problem.expected == "text" and problem.found == "a list"


def test_yes_read_as_boolean_is_explained(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    after: [Yes]\n"))
    assert where(problem) == (12, 13, "steps[0].after[0]", "type")
    assert "true/false" in problem.found and 'quotes: "Yes"' in problem.hint


def test_colon_in_sentence_reads_as_mapping(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    after:\n      - Note: go slowly\n"))
    assert where(problem) == (13, 9, "steps[0].after[0]", "type")
    assert "quotes" in problem.hint


def test_bad_audience_suggests(tmp_path):
    problem = only(write(tmp_path, HEADER.replace("partner", "partnr") + STEP))
    assert where(problem) == (3, 11, "audience", "value")
    assert problem.hint == "did you mean `partner`?"


def test_bad_ids(tmp_path):
    body = HEADER + STEP.replace("id: one", "id: Step One")
    problem = only(write(tmp_path, body))
    assert where(problem) == (9, 9, "steps[0].id", "value")
    assert "'step-one'" in problem.hint


def test_id_must_match_file_name(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP, name="other-name.yaml"))
    assert where(problem) == (1, 5, "id", "id-mismatch")
    assert "'other-name'" in problem.expected and problem.found == "'t'"


def test_question_must_be_a_question(tmp_path):
    body = HEADER.replace("Is this a test?", "This is a test") + STEP
    problem = only(write(tmp_path, body))
    assert where(problem) == (6, 16, "contraindications[0].question", "value")


def test_contraindications_may_be_an_explicit_empty_list(tmp_path):
    body = HEADER.replace("contraindications:\n  - {question: \"Is this a test?\", reason: Tests "
                          "only.,\n     read_back: not a test}\n", "contraindications: []\n") + STEP
    assert load_routine(write(tmp_path, body)).contraindications == ()


def test_bad_sides(tmp_path):
    body = HEADER + STEP + "    sides: [left, middle, left]\n"
    problems = problems_of(write(tmp_path, body))
    assert [where(p) for p in problems] == [
        (12, 19, "steps[0].sides[1]", "value"), (12, 27, "steps[0].sides[2]", "value")]


def test_sides_both_is_explained(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    sides: both\n"))
    assert problem.field == "steps[0].sides" and "[left, right]" in problem.hint


# ----- steps ----------------------------------------------------------------------------------


@pytest.mark.parametrize("steps, column", [("steps: []\n", 8), ("steps:\n", 7)])
def test_empty_step_list(tmp_path, steps, column):
    problem = only(write(tmp_path, HEADER.replace("steps:\n", steps)))
    assert where(problem) == (8, column, "steps", "empty-steps")


def test_duplicate_step_ids(tmp_path):
    body = HEADER + STEP + STEP.replace("Step one", "Again")
    problem = only(write(tmp_path, body))
    assert where(problem) == (12, 9, "steps[1].id", "duplicate-id")
    assert "steps[0]" in problem.expected


# ----- holds and durations --------------------------------------------------------------------


@pytest.mark.parametrize("text, seconds", [
    (30, 30), (2.5, 2.5), ("30s", 30), ("2m", 120), ("1m30s", 90), ("1m 30s", 90), ("90", 90),
    ("2 minutes", 120), ("1.5m", 90), ("45 sec", 45)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "30x", "2h", "-5", "0", 0, True, "m", "1m30m"])
def test_parse_duration_refuses(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_hold_forms(tmp_path):
    body = HEADER + STEP + "    hold: 1m30s\n" + STEP.replace("one", "two") + \
        "    hold: {min: 2m, max: 5m}\n"
    first, second = load_routine(write(tmp_path, body)).steps
    assert first.hold == Hold(90, 90, 90)
    assert second.hold == Hold(default=120, minimum=120, maximum=300)  # default defaults to min


@pytest.mark.parametrize("value, column", [("30x", 11), ("'2h'", 11), ("0", 11), ("-1m", 11)])
def test_bad_duration(tmp_path, value, column):
    problem = only(write(tmp_path, HEADER + STEP + f"    hold: {value}\n"))
    assert where(problem) == (12, column, "steps[0].hold", "duration")


def test_bad_duration_inside_a_range(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    hold: {min: 2m, max: five}\n"))
    assert where(problem) == (12, 26, "steps[0].hold.max", "duration")


def test_absurd_hold_is_caught(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    hold: 45m\n"))
    assert problem.kind == "duration" and "seconds" in problem.hint


def test_min_above_max(tmp_path):
    body = HEADER + STEP + "    hold:\n      min: 6m\n      max: 5m\n"
    problem = only(write(tmp_path, body))
    assert where(problem) == (13, 12, "steps[0].hold.min", "hold-range")
    assert problem.expected == "at most the max (5 minutes)" and problem.found == "6 minutes"


def test_default_outside_range(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    hold: {min: 2m, max: 5m, default: 1m}\n"))
    assert where(problem) == (12, 39, "steps[0].hold.default", "hold-range")


def test_range_without_max_and_unknown_hold_key(tmp_path):
    problems = problems_of(write(tmp_path, HEADER + STEP + "    hold: {min: 2m, maks: 5m}\n"))
    assert [where(p) for p in problems] == [
        (12, 11, "steps[0].hold.max", "missing"), (12, 21, "steps[0].hold.maks", "unknown-key")]
    assert problems[1].hint == "did you mean `max`?"


def test_cues_checked(tmp_path):
    body = HEADER + STEP + "    hold: 1m\n    cues: {halfway: maybe, countdown: 20, remaining: [2m]}\n"
    problems = problems_of(write(tmp_path, body))
    assert [where(p) for p in problems] == [
        (13, 21, "steps[0].cues.halfway", "type"),
        (13, 39, "steps[0].cues.countdown", "value"),
        (13, 55, "steps[0].cues.remaining[0]", "value")]


def test_a_typo_inside_cues_is_refused_with_its_position(tmp_path):
    """An unknown key inside `cues:` is a typo that would silently drop the cue ("halfwy: true"
    and the halfway cue never said): refused at its line and column, with the close spelling,
    in block and flow style, next to a known key that is read normally. Seen failing with unknown
    cue keys dropped quietly (issue 25: no test put a typo inside `cues`)."""
    block = HEADER + STEP + "    hold: 1m\n    cues:\n      halfwy: true\n      countdown: 5\n"
    problem = only(write(tmp_path, block))
    assert where(problem) == (14, 7, "steps[0].cues.halfwy", "unknown-key")
    assert problem.hint == "did you mean `halfway`?" and problem.found == "`halfwy`"
    flow = HEADER + STEP + "    hold: 1m\n    cues: {countdown: 5, end_chiem: false}\n"
    problem = only(write(tmp_path, flow))
    assert where(problem) == (13, 26, "steps[0].cues.end_chiem", "unknown-key")
    assert problem.hint == "did you mean `end_chime`?"
    with pytest.raises(RoutineError):
        load_routine(tmp_path / "t.yaml")


def test_cues_without_hold(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    cues: {halfway: true}\n"))
    assert where(problem) == (12, 5, "steps[0].cues", "missing")


# ----- pressure -------------------------------------------------------------------------------

PRESSURE = "    pressure:\n" + "".join(f"      {n}: Level {n}.\n" for n in range(1, 6))


def test_pressure_level_outside_range(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + PRESSURE + "      6: Too much.\n"))
    assert where(problem) == (18, 7, "steps[0].pressure.6", "pressure")


def test_pressure_missing_levels(tmp_path):
    body = HEADER + STEP + PRESSURE.replace("      2: Level 2.\n", "").replace(
        "      4: Level 4.\n", "")
    problem = only(write(tmp_path, body))
    assert where(problem) == (13, 7, "steps[0].pressure", "pressure")
    assert problem.found == "no level 2 or 4"


def test_default_pressure_range(tmp_path):
    body = HEADER.replace("steps:\n", "default_pressure: 7\nsteps:\n") + STEP
    problem = only(write(tmp_path, body))
    assert where(problem) == (8, 19, "default_pressure", "pressure")


# ----- placeholders ---------------------------------------------------------------------------


def test_unknown_placeholder(tmp_path):
    body = HEADER + STEP + "    sides: [left, right]\n    after:\n      - Move to the {sdie} leg.\n"
    problem = only(write(tmp_path, body))
    assert where(problem) == (14, 9, "steps[0].after[0]", "placeholder")
    assert problem.found == "{sdie}" and problem.hint == "did you mean {side}?"


def test_side_in_a_step_without_sides(tmp_path):
    body = HEADER + "  - id: one\n    title: One\n    say:\n      - Fine.\n      - Kneel by the {side} leg.\n"
    problem = only(write(tmp_path, body))
    assert where(problem) == (13, 9, "steps[0].say[1]", "side-placeholder")
    assert "sides: [left, right]" in problem.hint


def test_side_outside_steps(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "closing: Rest the {other_side} leg.\n"))
    assert where(problem) == (12, 10, "closing", "side-placeholder")


def test_stray_brace(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    warning: Keep {side okay.\n"))
    assert where(problem) == (12, 14, "steps[0].warning", "placeholder")


# ----- every problem at once ------------------------------------------------------------------


def test_many_problems_reported_together_in_file_order():
    with pytest.raises(RoutineError) as caught:
        load_routine(DATA / "broken" / "many-problems.yaml")
    problems = caught.value.problems
    assert [(p.line, p.field, p.kind) for p in problems] == [
        (2, "id", "id-mismatch"),
        (4, "audience", "value"),
        (14, "steps[0].hodl", "unknown-key"),
        (19, "steps[2].id", "duplicate-id"),
        (22, "steps[2].say[0]", "side-placeholder"),
        (23, "steps[2].say[1]", "safety"),
        (24, "steps[2].hold.min", "hold-range"),
        (26, "steps[2].pressure", "pressure"),
    ]
    assert all(p.file.endswith("many-problems.yaml") for p in problems)
    text = str(caught.value)
    assert text.count("\n") == len(problems) - 1
    assert "many-problems.yaml:14:5: steps[0].hodl: expected one of the keys of a step, " \
           "found `hodl` (hint: did you mean `hold`?)" in text


def test_every_kind_is_documented():
    doc = (Path(__file__).parents[1] / "docs" / "routine-format.md").read_text()
    for kind in KINDS:
        assert f"`{kind}`" in doc, kind


@pytest.mark.parametrize("text", [
    "&a [*a]", "steps: &s [*s]", "? [a, b]\n: c", "!!python/object:os.system x",
    "title: !!set {a, b}", "id: .nan\ntitle: 1e400", "- " * 40, "{" * 50, "id: 2024-13-45\n"])
def test_strange_yaml_gives_problems_not_exceptions(text):
    routine, problems = parse_routine(text, "x.yaml", "x")
    assert routine is None and problems
    assert "internal" not in {p.kind for p in problems}


def test_mangled_files_never_crash_the_checker():
    """Random damage to a valid file: every result is a list of ordinary problems."""
    source = SAMPLE.read_text()
    rng = random.Random(7)
    for _ in range(400):
        text = list(source)
        for _ in range(rng.randint(1, 5)):
            pos = rng.randrange(len(text))
            if rng.random() < 0.5:
                del text[pos:pos + rng.randint(1, 8)]
            else:
                text.insert(pos, rng.choice(":-[]{}#&*!|>'\"\n \t?,%@0"))
        routine, problems = parse_routine("".join(text), "f.yaml", "sample-routine")
        assert (routine is None) == bool(problems)
        assert all(p.kind in KINDS and p.kind != "internal" and p.line >= 1 and p.column >= 1
                   for p in problems), [str(p) for p in problems]


# ----- safety lint ----------------------------------------------------------------------------

UNSAFE = [
    ("Sit on the knee.", "Sit on the knee"),
    ("Now lean your weight onto their kneecap.", "lean your weight onto their kneecap"),
    ("Press firmly down on the tailbone.", "Press firmly down on the tailbone"),
    ("Put your weight on the {side} knee.", "weight on the {side} knee"),
    ("Press along the spine with both thumbs.", "Press along the spine"),
    ("Kneel on the back of the knee.", "Kneel on the back of the knee"),
    ("Apply pressure to the shin bone.", "pressure to the shin bone"),
    ("Push into the elbow.", "Push into the elbow"),
    ("Press the kneecap.", "Press the kneecap"),
    ("Press with your palms on the spine.", "Press with your palms on the spine"),
    ("If it does not hurt, lean on the ankle.", "lean on the ankle"),
    ("Stand on the hip bone.", "Stand on the hip bone"),
    ("Sit on the vertebrae.", "Sit on the vertebrae"),
    ("Rest your full weight against the collarbone.", "weight against the collarbone"),
]
SAFE = [
    "Never sit on the knee.",
    "Sit on the thigh, never on the knee.",
    "Press beside the spine.",
    "Press along both sides of the spine.",
    "Press on either side of the spine.",
    "Press on each side of the spine.",
    "Sit on the thigh an inch above the knee.",
    "Stay an inch above the knee.",
    "Don't press on the spine.",
    "Avoid pressing on the elbow.",
    "Press your thumbs into the muscle beside the spine.",
    "Keep your weight off the knee.",
    "Press the knee toward the chest.",
    "Sit with your sit bones on their hamstrings.",
    "Let your whole seat settle onto the thigh.",
    "Press on the knee side of the thigh.",
    "Instead of pressing on the kneecap, press above it.",
    "Cross your {side} ankle over your {other_side} thigh, just above the knee.",
    "Rest your hands on the knee.",
    "Press into the calf just below the knee.",
    "Lean on your hands, not on the spine.",
]


@pytest.mark.parametrize("text, phrase", UNSAFE)
def test_lint_flags(text, phrase):
    assert unsafe_phrases(text) == [phrase]


@pytest.mark.parametrize("text", SAFE)
def test_lint_allows(text):
    assert unsafe_phrases(text) == []


def test_lint_reported_as_a_problem_with_position(tmp_path):
    body = HEADER + STEP + "    pressure:\n" + "".join(
        f"      {n}: Lean in.\n" for n in range(1, 5)) + "      5: Lean on the knee.\n"
    problem = only(write(tmp_path, body))
    assert where(problem) == (17, 10, "steps[0].pressure.5", "safety")
    assert problem.found == "'Lean on the knee'"


def test_lint_covers_routine_level_text_but_not_questions(tmp_path):
    body = HEADER.replace("Is this a test?", "Does pressing on the knee hurt?") + STEP + \
        "cautions: [Press on the spine first.]\n"
    problem = only(write(tmp_path, body))
    assert where(problem) == (12, 12, "cautions[0]", "safety")


# ----- words ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seconds, words", [
    (30, "30 seconds"), (1, "1 second"), (60, "1 minute"), (90, "1 minute 30 seconds"),
    (300, "5 minutes")])
def test_describe_duration(seconds, words):
    assert describe_duration(seconds) == words


@pytest.mark.parametrize("hold, words", [
    (Hold(30, 30, 30), "30 seconds"),
    (Hold(120, 120, 300, True), "2 to 5 minutes, until the tissue softens"),
    (Hold(180, 120, 300, True), "2 to 5 minutes, usually 3 minutes, until the tissue softens"),
    (Hold(45, 45, 120), "45 seconds to 2 minutes"),
    (Hold(20, 20, 40), "20 to 40 seconds")])
def test_describe_hold(hold, words):
    assert describe_hold(hold) == words


# ----- optional steps and a hold's own question -----------------------------------------------

KNOT_HOLD = """\
    hold:
      min: 30s
      max: 2m
      until_softened: true
      ask: Has the knot eased?
"""


def test_optional_step_and_hold_question_load(tmp_path):
    body = HEADER + STEP + "    optional: true\n" + KNOT_HOLD + STEP.replace("one", "two") + \
        "    optional: false\n    hold: {min: 1m, max: 2m, until_softened: true, " \
        "ask: \"Is it looser?\"}\n"
    first, second = load_routine(write(tmp_path, body)).steps
    assert first.optional and not second.optional
    assert first.hold == Hold(default=30, minimum=30, maximum=120, until_softened=True,
                              ask="Has the knot eased?")
    assert second.hold.ask == "Is it looser?"
    assert load_routine(write(tmp_path, HEADER + STEP)).steps[0].optional is False


def test_hold_question_may_name_the_side(tmp_path):
    body = HEADER + STEP + "    sides: [left, right]\n" + \
        KNOT_HOLD.replace("Has the knot eased?", "Has the {side} calf softened?")
    assert load_routine(write(tmp_path, body)).steps[0].hold.ask == "Has the {side} calf softened?"


def test_ask_without_until_softened(tmp_path):
    body = HEADER + STEP + KNOT_HOLD.replace("      until_softened: true\n", "")
    problem = only(write(tmp_path, body))
    assert where(problem) == (15, 7, "steps[0].hold.ask", "missing")
    assert problem.found == "ask but no until_softened"
    assert "until_softened: true" in problem.hint


def test_ask_with_until_softened_false(tmp_path):
    body = HEADER + STEP + KNOT_HOLD.replace("until_softened: true", "until_softened: false")
    problem = only(write(tmp_path, body))
    assert where(problem) == (16, 7, "steps[0].hold.ask", "missing")
    assert problem.found == "ask with until_softened: false"


def test_a_bad_until_softened_is_reported_once(tmp_path):
    body = HEADER + STEP + KNOT_HOLD.replace("until_softened: true", "until_softened: maybe")
    problem = only(write(tmp_path, body))
    assert where(problem) == (15, 23, "steps[0].hold.until_softened", "type")


def test_ask_must_be_a_question(tmp_path):
    body = HEADER + STEP + KNOT_HOLD.replace("Has the knot eased?", "Check the knot.")
    problem = only(write(tmp_path, body))
    assert where(problem) == (16, 12, "steps[0].hold.ask", "value")
    assert problem.expected == "a yes/no question ending in '?'"
    assert problem.found == "'Check the knot.'"


@pytest.mark.parametrize("ask, kind, column", [
    ("Can you press on the spine now?", "safety", 12),
    ("Has the {side} calf softened?", "side-placeholder", 12),
    ("Has the {knot} eased?", "placeholder", 12),
    ("[Has it eased, is it looser]", "type", 12),
    ("", "type", 11),
])
def test_ask_is_checked_like_other_spoken_text(tmp_path, ask, kind, column):
    body = HEADER + STEP + KNOT_HOLD.replace(" Has the knot eased?", f" {ask}".rstrip())
    problem = only(write(tmp_path, body))
    assert where(problem) == (16, column, "steps[0].hold.ask", kind)


def test_unquoted_question_in_a_flow_hold_gets_a_specific_hint(tmp_path):
    body = HEADER + STEP + "    hold: {min: 1m, max: 2m, until_softened: true, ask: Eased?}\n"
    problem = only(write(tmp_path, body))
    assert (problem.line, problem.kind) == (12, "syntax")
    assert "must be quoted" in problem.hint


def test_optional_must_be_true_or_false(tmp_path):
    problem = only(write(tmp_path, HEADER + STEP + "    optional: maybe\n"))
    assert where(problem) == (12, 15, "steps[0].optional", "type")


def test_optional_steps_count_only_in_the_longest_total(tmp_path):
    body = HEADER + STEP + "    hold: 1m\n" + STEP.replace("one", "two") + \
        "    optional: true\n    hold: 30s\n"
    assert load_routine(write(tmp_path, body)).total_seconds() == (60, 90)
