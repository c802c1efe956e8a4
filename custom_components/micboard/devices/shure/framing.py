"""Stream framing for Shure command strings.

Bracket families frame each message as ``< … >`` with nothing after ``>``
(PSM1000 adds CRLF).  Segments may split a message or carry several, braces
carry right-padded free text that may itself contain ``<`` or ``>``, and
garbage may appear between messages.  UHF-R sends ``* … *`` datagrams.

Nothing here raises on device input: what cannot be framed is counted and
skipped.  The cost is linear in the bytes received (a scan position is kept,
nothing is searched again from the start) and every message, datagram and
buffer is bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
import re

#: Longest message, delimiters included, however it arrives; longer input is garbage.
MAX_MESSAGE = 1024
#: Longest braced text (the widest field is 32 characters plus padding).
MAX_BRACE = 128
#: Longest UHF-R datagram read (one short message each); longer ones are ignored.
MAX_DATAGRAM = 2048
#: Most digits of a channel index (larger numbers are not channels).
MAX_INDEX_DIGITS = 3

_END_OR_BRACE = re.compile(rb"[>{]")
_OPEN_BRACE = ord("{")
_SHORTEST_BODY = len("REP X")

VERBS = frozenset({"REP", "REPORT", "SAMPLE", "GET", "SET", "METER"})


@dataclass(frozen=True, slots=True)
class Message:
    """One parsed message.

    ``index`` is the channel (``None`` for device properties, ``0`` for all
    channels); ``args`` holds the tokens after the parameter name, with braced
    text as one trimmed token.
    """

    verb: str
    index: int | None
    param: str
    args: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        """Whether this is the device's ``< REP ERR >``."""
        return self.param == "ERR" and not self.args


def parse_body(body: str) -> Message | None:
    """Parse the text between the delimiters, or return ``None`` if malformed."""
    open_brace = body.find("{")
    if open_brace < 0:
        tokens = body.split()
    else:
        close_brace = body.find("}", open_brace + 1)
        if close_brace < 0:
            tokens = [*body[:open_brace].split(), body[open_brace + 1 :].strip()]
        else:
            tokens = [
                *body[:open_brace].split(),
                body[open_brace + 1 : close_brace].strip(),
                *body[close_brace + 1 :].split(),
            ]
    if len(tokens) < 2:
        return None
    verb = tokens[0].upper()
    if verb not in VERBS:
        return None
    position = 1
    index: int | None = None
    if tokens[1].isascii() and tokens[1].isdigit():
        if len(tokens[1]) > MAX_INDEX_DIGITS:
            return None
        index = int(tokens[1])
        position = 2
        if len(tokens) == 2:
            return None
    param = tokens[position]
    if not param or not param.replace("_", "").replace(".", "").isalnum():
        return None
    return Message(verb, index, param.upper(), tuple(tokens[position + 1 :]))


class BracketParser:
    """Incremental parser for ``< … >`` streams, linear in the bytes received.

    The parser keeps a scan position: no byte is examined again when more
    data arrives, except the (bounded) text of a brace that never closed.
    Every message is at most :data:`MAX_MESSAGE` bytes, delimiters included,
    however it arrives; the buffer never holds more than one such message.
    """

    __slots__ = (
        "_brace",
        "_buffer",
        "_plain_until",
        "_pos",
        "_start",
        "discarded",
        "malformed",
    )

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self._buffer = b""
        #: Next offset of ``_buffer`` to examine.
        self._pos = 0
        #: Offset of the ``<`` of the message being read, ``-1`` between messages.
        self._start = -1
        #: Offset of an open ``{`` of the current message, ``-1`` if none.
        self._brace = -1
        #: Braces before this offset are plain characters (one never closed).
        self._plain_until = 0
        #: Bytes (other than white space) thrown away outside any message.
        self.discarded = 0
        #: Framed messages whose content could not be parsed (or too long).
        self.malformed = 0

    @property
    def buffered(self) -> int:
        """Bytes held while waiting for the end of a message."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Message]:
        """Add received bytes and return every complete message in order."""
        buffer = self._buffer + data if self._buffer else bytes(data)
        length = len(buffer)
        messages: list[Message] = []
        pos, start, brace, plain_until = self._pos, self._start, self._brace, self._plain_until
        while pos < length:
            if start < 0:
                # Between messages: skip to the next "<".
                start = buffer.find(b"<", pos)
                self._skip(buffer, pos, length if start < 0 else start)
                if start < 0:
                    pos = length
                    break
                pos, brace, plain_until = start + 1, -1, 0
                continue
            cap = start + MAX_MESSAGE  # the ">" must come before this offset
            if brace >= 0:
                limit = min(brace + 1 + MAX_BRACE, cap)
                high = min(limit, length)
                close = buffer.find(b"}", pos, high)
                if close >= 0:
                    brace, pos = -1, close + 1
                elif high < limit:
                    pos = high  # wait for more
                elif limit < cap:
                    # Never closed: the "{" was an ordinary character.
                    plain_until, pos, brace = limit, brace + 1, -1
                else:
                    pos, start, brace = self._too_long(start, cap)
                continue
            high = min(length, cap)
            if pos < plain_until:
                stop = min(high, plain_until)
                found = buffer.find(b">", pos, stop)
                segment_end = stop if found < 0 else found
            else:
                match = _END_OR_BRACE.search(buffer, pos, high)
                found = -1 if match is None else match.start()
                segment_end = high if found < 0 else found
            # A "<" before the end means the message was cut short: the last
            # one starts the message (a whole run of them costs one search).
            last_open = buffer.rfind(b"<", pos, segment_end)
            if last_open >= 0:
                self.malformed += buffer.count(b"<", pos, segment_end)
                start = last_open
            if found < 0:
                pos = segment_end
                if pos >= start + MAX_MESSAGE:
                    pos, start, brace = self._too_long(start, pos)
                continue
            if buffer[found] == _OPEN_BRACE:
                brace, pos = found, found + 1
                continue
            if found - start <= _SHORTEST_BODY:
                message = None  # too short for any message ("REP X")
            else:
                message = parse_body(buffer[start + 1 : found].decode("latin-1"))
            if message is None:
                self.malformed += 1
            else:
                messages.append(message)
            pos, start, plain_until = found + 1, -1, 0
        keep = pos if start < 0 else start
        if keep >= length:
            self._buffer, self._pos = b"", 0
        else:
            self._buffer, self._pos = buffer[keep:], pos - keep
        self._start = start - keep if start >= 0 else -1
        self._brace = brace - keep if brace >= 0 else -1
        self._plain_until = max(0, plain_until - keep)
        return messages

    def _skip(self, buffer: bytes, begin: int, end: int) -> None:
        if end > begin and (skipped := buffer[begin:end].strip()):
            self.discarded += len(skipped)

    def _too_long(self, start: int, cap: int) -> tuple[int, int, int]:
        """Give up a message that reached :data:`MAX_MESSAGE` without its ``>``."""
        self.malformed += 1
        self.discarded += cap - start
        return cap, -1, -1


def parse_star_datagram(data: bytes) -> list[Message]:
    """Parse a UHF-R datagram of ``* … *`` messages (nothing if oversized)."""
    if len(data) > MAX_DATAGRAM:
        return []
    text = data.decode("latin-1")
    messages: list[Message] = []
    for piece in text.split("*"):
        if piece.strip() and (message := parse_body(piece)) is not None:
            messages.append(message)
    return messages
