"""Session history and receiver profiles, kept in one SQLite file.

Why SQLite and why this shape:

* The laptop on the mat can be closed, run out of battery or be killed at any moment. Every event is
  its own small transaction, so a killed process loses at most the event being written. WAL mode
  makes each commit an append to the `-wal` file, and readers (`massage-coach history` in another
  terminal) never block the session that is writing.
* `synchronous=NORMAL`: in WAL mode a commit is still atomic and survives the *process* being
  killed (the data is in the OS page cache); only a power cut or OS crash can drop the last few
  commits, and even then the file stays consistent. FULL would add an fsync per event, which on a
  slow laptop disk can stall the voice loop for tens of milliseconds right when someone says
  "stop". Losing the last second of history in a power cut is the better trade.
* One append-only `events` table is the timeline (kind, time, JSON data), so kinds the engine adds
  later are kept without a schema change. The kinds we understand also fill typed tables (`steps`,
  `pressure_changes`, `heard`, `notes`) in the same transaction, for queries and exports.
* The history is the user's only copy, so it is never thrown away: commands that read change
  nothing, a busy file is waited for and never taken for a bad one, and a damaged file is salvaged
  row by row into a fresh one (see `coach.app.history.opening`). History must never stop a massage
  either: when it cannot be saved, the session runs and says so once at the start.

Times (`at`) are wall-clock seconds since the epoch (`time.time()`), because history is read by
people ("last Tuesday"); the engine's monotonic clock is only for timing holds.

The package, by job: `schema` (tables, migrations), `opening` (which file, read-only or not,
locked, damaged), `connections` (memory, read-only, writing), `errors` (damaged, busy or
neither), `recovery` and `page_scan` (salvage), `repair` (salvage beside, then swap), `store`
(`History`, the writer), `pending` (writes kept while the file is busy), `queries` (reading and
exports), `describe` (rows in words), `atomic` (replacing a file at once), `session_history`
(one running session's records and the receiver's profile, fed by the runner).
"""

from coach.app.history.describe import Entry, SessionInfo, format_seconds
from coach.app.history.opening import DATA_ENV, HistoryUnavailable, default_path
from coach.app.history.schema import DB_FILENAME, MIGRATIONS, SCHEMA_VERSION
from coach.app.history.store import History

__all__ = ["DATA_ENV", "DB_FILENAME", "MIGRATIONS", "SCHEMA_VERSION", "Entry", "History",
           "HistoryUnavailable", "SessionInfo", "default_path", "format_seconds"]
