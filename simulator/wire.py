"""Wire-level helpers: number padding, braced text, tokenizing and framing.

Everything here is pure (no I/O) so the family engines and the tests can share it.
"""

from __future__ import annotations

from dataclasses import dataclass
import re

__all__ = [
    "BracketFramer",
    "Frame",
    "Malformed",
    "Unknown",
    "WireError",
    "braced",
    "num",
    "parse_int",
    "parse_text",
    "split_star",
    "tokenize",
    "unbrace",
]

MAX_BUFFER = 8192


class WireError(ValueError):
    """A command the simulated receiver rejects."""


class Malformed(WireError):
    """Malformed command or out-of-range value: always answered with the error reply."""


class Unknown(WireError):
    """Unknown name, wrong index or read-only SET: error reply or silence (option)."""


def num(value: int, width: int) -> str:
    """Zero-pad a non-negative integer to a fixed width (``num(7, 3) == "007"``)."""
    return f"{max(0, int(value)):0{width}d}"


def braced(text: str, width: int) -> str:
    """Braced free text right-padded with spaces: ``braced("Vox", 5) == "{Vox  }"``."""
    return "{" + text[:width].ljust(width) + "}"


def unbrace(token: str) -> str:
    """Strip one pair of braces and surrounding blanks from a token."""
    text = token.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    return text.strip()


def tokenize(body: str) -> list[str]:
    """Split a message body on blanks, keeping ``{…}`` groups (with spaces) as one token."""
    tokens: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        c = body[i]
        if c.isspace():
            i += 1
            continue
        if c == "{":
            j = body.find("}", i)
            if j < 0:
                raise Malformed("unterminated brace")
            tokens.append(body[i : j + 1])
            i = j + 1
            continue
        j = i
        while j < n and not body[j].isspace() and body[j] not in "{}":
            j += 1
        if j == i:  # a stray closing brace
            raise Malformed("stray brace")
        tokens.append(body[i:j])
        i = j
    return tokens


def parse_int(token: str, lo: int, hi: int, *, signed: bool = False) -> int:
    """Parse a padded or unpadded decimal number and range-check it."""
    text = token.strip()
    digits = text[1:] if signed and text[:1] in "+-" else text
    if not digits.isdigit() or not digits.isascii():
        raise Malformed(f"not a number: {token!r}")
    value = int(text)
    if not lo <= value <= hi:
        raise Malformed(f"out of range: {value}")
    return value


_TEXT_OK = re.compile(r"^[\x20-\x7e]*$")


def parse_text(tokens: list[str], max_len: int) -> str:
    """Parse a SET text value: one braced token or plain words."""
    if not tokens:
        raise Malformed("missing value")
    if len(tokens) == 1 and tokens[0].startswith("{"):
        text = unbrace(tokens[0])
    else:
        if any(t.startswith("{") for t in tokens):
            raise Malformed("mixed braced and plain text")
        text = " ".join(tokens)
    if len(text) > max_len or not _TEXT_OK.match(text) or "{" in text or "}" in text:
        raise Malformed("bad text value")
    return text


@dataclass(frozen=True, slots=True)
class Frame:
    """One framed message from the input stream; ``accepted`` is False for ignored input."""

    text: str
    accepted: bool = True


class BracketFramer:
    """Reassemble ``< … >`` messages from a TCP byte stream.

    Scans for ``>`` like the real clients do. Input split across segments is buffered; several
    messages in one segment are all returned; CR/LF and blanks between messages are ignored.
    With ``require_crlf`` (PSM1000) a message is only accepted when ``>`` is directly followed
    by CR LF; otherwise it is returned with ``accepted=False``.
    """

    def __init__(self, *, require_crlf: bool = False, limit: int = MAX_BUFFER) -> None:
        """Create an empty framer."""
        self._buf = ""
        self._require_crlf = require_crlf
        self._limit = limit

    @property
    def pending(self) -> str:
        """Bytes received but not yet framed (decoded as latin-1)."""
        return self._buf

    def feed(self, data: bytes) -> list[Frame]:
        """Add received bytes; return every complete message in order."""
        self._buf += data.decode("latin-1")
        out: list[Frame] = []
        while True:
            end = self._buf.find(">")
            if end < 0:
                if len(self._buf) > self._limit:
                    out.append(Frame(self._buf.strip()))
                    self._buf = ""
                elif not self._buf.strip():
                    self._buf = ""
                break
            chunk = self._buf[: end + 1]
            accepted = True
            if self._require_crlf:
                after = self._buf[end + 1 : end + 3]
                if after == "\r\n":
                    self._buf = self._buf[end + 3 :]
                elif "\r\n".startswith(after):
                    break  # CR/LF may still arrive in the next segment
                else:
                    accepted = False
                    self._buf = self._buf[end + 1 :]
            else:
                self._buf = self._buf[end + 1 :]
            start = chunk.rfind("<")
            if start > 0 and chunk[:start].strip():
                out.append(Frame(chunk[:start].strip(), accepted))
                chunk = chunk[start:]
            out.append(Frame(chunk.strip(), accepted))
        return out


_STAR = re.compile(r"\*[^*]*\*")


def split_star(datagram: bytes) -> list[str]:
    """Split a UHF-R datagram into ``* … *`` messages (garbage is returned as-is)."""
    text = datagram.decode("latin-1").strip()
    found = _STAR.findall(text)
    if not found and text:
        return [text]
    return [m.strip() for m in found]
