"""Stream framing for Shure command strings.

Bracket families frame each message as ``< … >`` with nothing after ``>``
(PSM1000 adds CRLF).  Segments may split a message or carry several, braces
carry right-padded free text that may itself contain ``<`` or ``>``, and
garbage may appear between messages.  UHF-R sends ``* … *`` datagrams.

Nothing here raises on device input: what cannot be framed is counted and
skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Longest message kept while waiting for its ``>``; longer input is garbage.
MAX_MESSAGE = 1024
#: Longest braced text (the widest field is 32 characters plus padding).
MAX_BRACE = 128

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
        index = int(tokens[1])
        position = 2
        if len(tokens) == 2:
            return None
    param = tokens[position]
    if not param or not param.replace("_", "").replace(".", "").isalnum():
        return None
    return Message(verb, index, param.upper(), tuple(tokens[position + 1 :]))


class BracketParser:
    """Incremental parser for ``< … >`` streams."""

    __slots__ = ("_buffer", "discarded", "malformed")

    def __init__(self) -> None:
        """Start with an empty buffer."""
        self._buffer = b""
        #: Bytes (other than white space) thrown away outside any message.
        self.discarded = 0
        #: Framed messages whose content could not be parsed.
        self.malformed = 0

    def feed(self, data: bytes) -> list[Message]:
        """Add received bytes and return every complete message in order."""
        buffer = self._buffer + data if self._buffer else data
        messages: list[Message] = []
        position = 0
        length = len(buffer)
        while position < length:
            start = buffer.find(b"<", position)
            if start < 0:
                self.discarded += len(buffer[position:].strip())
                position = length
                break
            if start > position:
                self.discarded += len(buffer[position:start].strip())
            end = self._find_end(buffer, start)
            if end is None:
                position = start
                break
            if end < 0:
                # A new "<" before this one's ">": the first was cut short.
                self.malformed += 1
                position = -end
                continue
            body = buffer[start + 1 : end].decode("latin-1")
            if (message := parse_body(body)) is None:
                self.malformed += 1
            else:
                messages.append(message)
            position = end + 1
        rest = buffer[position:]
        if len(rest) > MAX_MESSAGE:
            self.discarded += len(rest)
            rest = b""
        self._buffer = rest
        return messages

    @staticmethod
    def _find_end(buffer: bytes, start: int) -> int | None:
        """Find the ``>`` closing the message at ``start``.

        Returns its offset, ``None`` when more data is needed, or the negated
        offset of a new ``<`` that starts before the message ended.
        """
        end = buffer.find(b">", start + 1)
        brace = buffer.find(b"{", start + 1, end if end >= 0 else len(buffer))
        if brace >= 0:
            close = buffer.find(b"}", brace + 1, brace + 1 + MAX_BRACE)
            if close >= 0:
                stray = buffer.find(b"<", start + 1, brace)
                if stray >= 0:
                    return -stray
                if end < close:
                    end = buffer.find(b">", close + 1)
                if end < 0:
                    return None
                stray = buffer.find(b"<", close + 1, end)
                return -stray if stray >= 0 else end
            if len(buffer) - brace <= MAX_BRACE:
                if end < 0:
                    return None
                # Unclosed brace within reach of ">": wait for the "}" only
                # while nothing else suggests the message ended.
                if buffer.find(b"<", end + 1) < 0:
                    return None
        if end < 0:
            stray = buffer.find(b"<", start + 1)
            return -stray if stray >= 0 else None
        stray = buffer.find(b"<", start + 1, end)
        if stray >= 0:
            return -stray
        return end


def parse_star_datagram(data: bytes) -> list[Message]:
    """Parse a UHF-R datagram of ``* … *`` messages."""
    text = data.decode("latin-1")
    messages: list[Message] = []
    for piece in text.split("*"):
        if piece.strip() and (message := parse_body(piece)) is not None:
            messages.append(message)
    return messages
