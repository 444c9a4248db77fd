"""The coaching core: the session engine (session state, holds, pressure, commands) and the
routine data it runs on. Reading routine files is `coach.routine_format`, which imports this
package and never the reverse.

Nothing in this package may import audio, recognition or display libraries: it is driven by
events and a clock that callers pass in, so a twenty-minute session runs in milliseconds in tests.
`tests/test_core_is_pure.py` enforces this.
"""
