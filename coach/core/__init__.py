"""The coaching core: routines, session state, holds, pressure and commands.

Nothing in this package may import audio, recognition or display libraries: it is driven by
events and a clock that callers pass in, so a twenty-minute session runs in milliseconds in tests.
`tests/test_core_is_pure.py` enforces this.
"""
