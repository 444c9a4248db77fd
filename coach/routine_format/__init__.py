"""The routine file format: reading a routine's YAML into the core's `Routine`, checking it with
every problem reported at once, and finding routines by name.

It sits beside the session engine rather than inside it: the engine runs on `coach.core.routine`
and never needs to know a file exists, so this package imports the core and never the reverse.
Like the core it imports no audio, recognition or display code; `tests/test_core_is_pure.py`
checks both rules.
"""
