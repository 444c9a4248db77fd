"""OnAir: which of the coach's lines were on the air at a given moment."""

from coach.voice.audio.on_air import OnAir


def test_overlap_includes_the_guard_and_still_playing_lines():
    on_air = OnAir(guard_seconds=0.3)
    on_air.started("first line", at=10.0)
    on_air.finished(at=12.0)
    assert [a.text for a in on_air.overlapping(12.2, 12.25)] == ["first line"]
    assert on_air.overlapping(12.4, 13.0) == []
    on_air.started("second line", at=20.0)
    assert on_air.speaking(at=100.0)  # still playing: no end yet
    # a line never reported finished (a crashed speaker) stops counting after any line's length
    assert not on_air.speaking(at=20.0 + OnAir.MAX_LINE_SECONDS + 1)
    assert [a.text for a in on_air.overlapping(9.0, 21.0)] == ["first line", "second line"]


def test_a_long_session_remembers_every_recent_line():
    on_air = OnAir(guard_seconds=0.3)
    for index in range(600):  # a whole session registered ahead, as replay tests do
        on_air.started(f"line {index}", at=index * 5.0)
        on_air.finished(at=index * 5.0 + 4.0)
    assert [a.text for a in on_air.overlapping(1.0, 1.5)] == ["line 0"]
    assert [a.text for a in on_air.overlapping(2001.0, 2002.0)] == ["line 400"]
