"""The last resort of salvage: reading table rows straight off the file's pages.

When an interior page of a table's b-tree is damaged, SQLite cannot reach the leaf pages under
it, although every one of them may be intact (the sqlite3 shell's `.recover` still finds them).
This reads the file page by page, takes each leaf table page (type 0x0D), decodes its cells
(following overflow pages) into rows, and tells which of our tables a page belongs to by the
shape of its rows: how many columns, and what kind of value each holds. Only the tables whose
b-tree walk failed ask for these rows, and they are inserted only where the row is missing, so a
stale copy on a free page never replaces a row that was read normally.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from coach.app.history.schema import SQLITE_HEADER

log = logging.getLogger(__name__)

_LEAF_TABLE = 0x0D
DEFAULT_PAGE_SIZE = 4096
MAX_SCAN_BYTES = 256 * 1024 * 1024  # a history is a few MB; a bigger file is not scanned
_INT = (int,)
_NUM = (int, float)
_TEXT = (str,)
_NONE = (type(None),)


def _known(*kinds: tuple[type, ...]) -> Callable[[list[Any]], bool]:
    def check(row: list[Any]) -> bool:
        return len(row) == len(kinds) and all(isinstance(v, k) for v, k in zip(row, kinds))
    return check


def _event(row: list[Any]) -> bool:
    return _known(_NONE, _INT, _NUM, _TEXT, _TEXT)(row) and row[4].startswith("{") \
        and row[3].replace("_", "").isalpha()


# The shape of each table's rows (an INTEGER PRIMARY KEY column is stored as NULL: it is the
# rowid). Ordered so that the stricter test of two same-width tables comes first.
SHAPES: dict[str, Callable[[list[Any]], bool]] = {
    "sessions": _known(_NONE, _TEXT, _TEXT, _TEXT + _NONE, _TEXT, _NUM, _NUM + _NONE, _INT,
                       _TEXT + _NONE),
    "events": _event,
    "notes": lambda row: not _event(row) and _known(_NONE, _INT, _NUM, _TEXT + _NONE,
                                                    _TEXT)(row),
    "steps": _known(_INT, _INT, _TEXT + _NONE, _TEXT + _NONE, _TEXT + _NONE, _NUM + _NONE,
                    _NUM + _NONE, _NUM),
    "heard": _known(_NONE, _INT, _NUM, _INT, _TEXT + _NONE, _TEXT, _NUM + _NONE, _TEXT),
    "pressure_changes": _known(_NONE, _INT, _NUM, _INT, _INT + _NONE, _TEXT + _NONE),
    "receiver_pressure": _known(_TEXT, _TEXT, _INT, _NUM),
    "receiver_notes": _known(_NONE, _TEXT, _TEXT, _TEXT, _TEXT, _NUM, _INT + _NONE),
    "recoveries": _known(_NONE, _NUM, _TEXT, _TEXT),
}


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for index in range(9):
        byte = data[at + index]
        if index == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + index + 1
    raise IndexError  # pragma: no cover - the loop returns


def _values(record: bytes) -> list[Any]:
    header_size, at = _varint(record, 0)
    types = []
    while at < header_size:
        serial, at = _varint(record, at)
        types.append(serial)
    body = header_size
    values: list[Any] = []
    for serial in types:
        if serial == 0:
            values.append(None)
        elif 1 <= serial <= 6:
            size = (1, 2, 3, 4, 6, 8)[serial - 1]
            values.append(int.from_bytes(record[body: body + size], "big", signed=True))
            body += size
        elif serial == 7:
            values.append(struct.unpack(">d", record[body: body + 8])[0])
            body += 8
        elif serial in (8, 9):
            values.append(serial - 8)
        elif serial >= 12:
            size = (serial - 12) // 2
            raw = record[body: body + size]
            if len(raw) < size:
                raise ValueError("cut short")
            values.append(raw.decode("utf-8") if serial % 2 else bytes(raw))
            body += size
        else:
            raise ValueError("reserved serial type")
    return values


class PageScan:
    """The rows on every leaf table page of one SQLite file, grouped by the table they fit."""

    def __init__(self, path: Path) -> None:
        self.rows: dict[str, dict[int, list[Any]]] = {name: {} for name in SHAPES}
        try:
            if path.stat().st_size > MAX_SCAN_BYTES:
                return
            data = path.read_bytes()
        except OSError as error:
            log.info("page scan of %s: %s", path, error)
            return
        if len(data) < 100:
            return
        if data.startswith(SQLITE_HEADER):
            size = struct.unpack(">H", data[16:18])[0]
            self.page_size = 65536 if size == 1 else size
            self.usable = self.page_size - data[20]
        else:  # the first page itself is damaged: assume SQLite's (and our) default layout
            self.page_size = self.usable = DEFAULT_PAGE_SIZE
        self.data = data
        if self.page_size < 512 or self.usable < 480:
            return
        for number in range(1, len(data) // self.page_size + 1):
            try:
                self._page(number)
            except (IndexError, ValueError, struct.error, UnicodeDecodeError):
                continue  # a damaged page: its rows are what was lost

    def _page(self, number: int) -> None:
        start = (number - 1) * self.page_size
        header = start + (100 if number == 1 else 0)
        if self.data[header] != _LEAF_TABLE:
            return
        cells = struct.unpack(">H", self.data[header + 3: header + 5])[0]
        found: list[tuple[int, list[Any]]] = []
        for index in range(cells):
            pointer = struct.unpack(">H", self.data[header + 8 + 2 * index:
                                                    header + 10 + 2 * index])[0]
            try:
                found.append(self._cell(start + pointer))
            except (IndexError, ValueError, struct.error, UnicodeDecodeError):
                continue
        for table, fits in SHAPES.items():
            matching = [(rowid, row) for rowid, row in found if fits(row)]
            if matching and len(matching) * 2 > len(found):  # most of the page fits: ours
                for rowid, row in matching:
                    self.rows[table].setdefault(rowid, row)
                return

    def _cell(self, at: int) -> tuple[int, list[Any]]:
        payload, at = _varint(self.data, at)
        rowid, at = _varint(self.data, at)
        if rowid >= 1 << 63:
            rowid -= 1 << 64
        local = self._local_size(payload)
        record = bytearray(self.data[at: at + local])
        if local < payload:
            overflow = struct.unpack(">I", self.data[at + local: at + local + 4])[0]
            for _ in range(payload // (self.usable - 4) + 2):
                if not overflow or len(record) >= payload:
                    break
                page = (overflow - 1) * self.page_size
                overflow = struct.unpack(">I", self.data[page: page + 4])[0]
                record += self.data[page + 4: page + self.usable]
        if len(record) < payload:
            raise ValueError("overflow chain cut short")
        return rowid, _values(bytes(record[:payload]))

    def _local_size(self, payload: int) -> int:
        most = self.usable - 35
        if payload <= most:
            return payload
        least = (self.usable - 12) * 32 // 255 - 23
        local = least + (payload - least) % (self.usable - 4)
        return local if local <= most else least

    @property
    def found_history(self) -> bool:
        """True when pages of our sessions or events were found: the file was our history."""
        return bool(self.rows["sessions"] or self.rows["events"])

    def table(self, name: str) -> Iterator[tuple[int, list[Any]]]:
        """(rowid, values) for each row found that fits `name`."""
        yield from sorted(self.rows.get(name, {}).items())
