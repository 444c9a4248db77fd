"""The coach's own folders on disk, resolved in one place.

Why one place: the README promises the coach keeps everything in its own folders, and
`$MASSAGE_COACH_DATA` moves them. Before this module the history honoured the variable but the
Whisper checksum stamp did not (it went to `~/.cache/massage-coach/` regardless), so a test or
a user who pointed the coach elsewhere still got a file in their home.

* `data_dir()`: `$MASSAGE_COACH_DATA`, else the user data directory
  (`~/.local/share/massage-coach` on Linux, honouring `$XDG_DATA_HOME`).
* `cache_dir()`: things that may be thrown away (the Whisper stamp): `$MASSAGE_COACH_DATA/cache`
  when the variable is set, else the user cache directory (`~/.cache/massage-coach`,
  honouring `$XDG_CACHE_HOME`).

Nothing is created here; whoever writes makes the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "MASSAGE_COACH_DATA"  # a directory; everything the coach keeps goes inside it
APP = "massage-coach"


def data_dir() -> Path:
    """Where the coach keeps what matters (the history): `$MASSAGE_COACH_DATA` or the user's."""
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """Where the coach keeps what can be recomputed: `$MASSAGE_COACH_DATA/cache` when set."""
    override = os.environ.get(DATA_ENV)
    if override:
        return Path(override).expanduser() / "cache"
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP, appauthor=False))
