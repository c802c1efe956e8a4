"""Server-Sent Events, parsed incrementally from raw bytes and bounded.

Lines may end in CR LF, LF or a lone CR (also when the pair is split
between chunks); ``data:`` is accepted with or without the space, several
``data`` lines of one event are joined with LF, comments (``:``) are
skipped.  A line longer than :data:`MAX_LINE` is dropped unread, and so is
the whole event it belongs to; nothing here raises on device input.
"""

from __future__ import annotations

from dataclasses import dataclass
import re

#: Longest line kept (a Spectera mobile-device list is a few KiB).
MAX_LINE = 256 * 1024
#: Most data one event may carry.
MAX_EVENT = 1024 * 1024
#: Longest event name kept.
MAX_NAME = 64

_NEWLINE = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Event:
    """One dispatched event (``name`` is ``message`` when the stream gave none)."""

    name: str
    data: str


class Parser:
    """Feed chunks, get complete events."""

    def __init__(self, max_line: int = MAX_LINE, max_event: int = MAX_EVENT) -> None:
        """Start with an empty buffer."""
        self._max_line = max_line
        self._max_event = max_event
        self._line = bytearray()
        self._skipping = False
        self._pending_cr = False
        self._name = ""
        self._data: list[str] = []
        self._size = 0
        self._oversized = False
        #: Lines or events dropped because they were too long.
        self.dropped = 0

    def feed(self, chunk: bytes) -> list[Event]:
        """Parse ``chunk``; return the events it completed."""
        events: list[Event] = []
        start = 0
        if self._pending_cr and chunk[:1] == b"\n":
            start = 1  # the LF of a CR LF split between two chunks
        self._pending_cr = False
        for match in _NEWLINE.finditer(chunk, start):
            self._append(chunk[start : match.start()])
            self._end_line(events)
            start = match.end()
            if match.group() == b"\r" and start == len(chunk):
                self._pending_cr = True
        self._append(chunk[start:])
        return events

    def _append(self, piece: bytes) -> None:
        if self._skipping or not piece:
            return
        if len(self._line) + len(piece) > self._max_line:
            self._line.clear()
            self._skipping = True
            self.dropped += 1
            return
        self._line += piece

    def _end_line(self, events: list[Event]) -> None:
        if self._skipping:
            self._skipping = False
            self._oversized = True
            return
        line = self._line.decode("utf-8", errors="replace")
        self._line.clear()
        if not line:
            self._dispatch(events)
            return
        if line.startswith(":"):
            return
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "data":
            self._size += len(value) + 1
            if self._size > self._max_event:
                if not self._oversized:
                    self.dropped += 1
                self._oversized = True
                self._data.clear()
            elif not self._oversized:
                self._data.append(value)
        elif field == "event":
            self._name = value[:MAX_NAME].strip()

    def _dispatch(self, events: list[Event]) -> None:
        if not self._oversized and (self._data or self._name):
            events.append(Event(self._name or "message", "\n".join(self._data)))
        self._name = ""
        self._data = []
        self._size = 0
        self._oversized = False
