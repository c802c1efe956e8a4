"""SSC v1 messages: JSON objects whose nested keys form an address tree.

Everything here takes device input and never raises on it: oversized,
malformed or oddly typed messages become ``None`` / empty results.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
import json
import math
from typing import Any
import unicodedata

#: Larger datagrams are dropped unread (real replies to a monitor are a few KiB).
MAX_MESSAGE_BYTES = 16 * 1024
#: Deeper trees are not walked (the deepest real address has five levels).
MAX_DEPTH = 8
#: Leaves taken from one message at most.
MAX_LEAVES = 512
#: Longest key kept (longer keys cannot be addresses this library knows).
MAX_KEY = 64

type Path = tuple[str, ...]

#: Status codes (HTTP-like) that matter to a client.
SUBSCRIPTION_ENDED = 310
NOT_FOUND = frozenset({404, 454})
TX_ABSENT = 424


def encode(message: dict[str, Any]) -> bytes:
    """One request as compact JSON text."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def decode(data: bytes) -> dict[str, Any] | None:
    """One datagram as a JSON object, or ``None`` when it is not one."""
    if not data or len(data) > MAX_MESSAGE_BYTES:
        return None
    try:
        message = json.loads(data.decode("utf-8").strip("\x00\r\n\t "))
    except ValueError, RecursionError:
        return None
    return message if isinstance(message, dict) else None


def tree(paths: Iterable[Path], value: Any = None) -> dict[str, Any]:
    """Build a nested object holding ``value`` at every path."""
    root: dict[str, Any] = {}
    for path in paths:
        node = root
        for key in path[:-1]:
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            node = child
        node[path[-1]] = value
    return root


def leaves(message: dict[str, Any], *, skip_osc: bool = True) -> list[tuple[Path, Any]]:
    """Every ``(address, value)`` in a message; lists are values, not branches."""
    out: list[tuple[Path, Any]] = []
    _walk(message, (), out, skip_osc=skip_osc)
    return out


def _walk(
    node: dict[str, Any], prefix: Path, out: list[tuple[Path, Any]], *, skip_osc: bool
) -> None:
    if len(prefix) >= MAX_DEPTH:
        return
    for key, value in node.items():
        if len(out) >= MAX_LEAVES:
            return
        if (
            not isinstance(key, str)
            or len(key) > MAX_KEY
            or (skip_osc and not prefix and key == "osc")
        ):
            continue
        path = (*prefix, key)
        if isinstance(value, dict):
            _walk(value, path, out, skip_osc=False)
        else:
            out.append((path, value))


def osc(message: dict[str, Any]) -> dict[str, Any]:
    """The message's ``osc`` object (empty when absent or not an object)."""
    value = message.get("osc")
    return value if isinstance(value, dict) else {}


def xid(message: dict[str, Any]) -> int | None:
    """The correlation id echoed by the device, if any."""
    value = osc(message).get("xid")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def errors(message: dict[str, Any]) -> list[tuple[Path, int]]:
    """``(address, code)`` for every failing leaf of an ``osc/error`` reply.

    Accepts the full ``[code, {"desc": …}]`` leaves, bare ``[code]`` and a bare
    number; the error may be a list of trees (as documented) or one tree.
    """
    error = osc(message).get("error")
    trees = error if isinstance(error, list) else [error]
    out: list[tuple[Path, int]] = []
    for item in trees[:MAX_LEAVES]:
        if isinstance(item, dict):
            for path, value in leaves(item, skip_osc=False):
                if (code := error_code(value)) is not None:
                    out.append((path, code))
    return out[:MAX_LEAVES]


def error_code(value: Any) -> int | None:
    """The status code of an error leaf (``[424, {...}]``, ``[424]`` or ``424``)."""
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 999:
        return value
    return None


# --- values in human units ------------------------------------------------


def clean_text(value: Any, width: int) -> str | None:
    """Device text without control or format characters, cut to ``width``."""
    if not isinstance(value, str):
        return None
    kept = "".join(
        char for char in value[: width * 4] if unicodedata.category(char) not in _DROPPED
    )
    text = kept.strip()[:width].strip()
    return text or None


_DROPPED = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def integer(value: Any, low: int, high: int) -> int | None:
    """A whole number within ``low…high`` (floats with no fraction accepted)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and low <= value <= high:
        return value
    return None


def real(value: Any, low: float, high: float) -> float | None:
    """A finite number within ``low…high``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        return None
    return round(number, 2)


def flag(value: Any) -> bool | None:
    """A boolean (numbers 0/1 tolerated)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return None


def words(value: Any, *, limit: int = 16, width: int = 32) -> tuple[str, ...] | None:
    """A list of short strings (warnings, active transmitters), bounded."""
    if not isinstance(value, list):
        return None
    out: list[str] = []
    for item in value[:limit]:
        if (text := clean_text(item, width)) is not None:
            out.append(text)
    return tuple(out)


def numbered(key: str, prefix: str, high: int) -> int | None:
    """``rx3`` → 3 for prefix ``rx`` when 1 ≤ 3 ≤ ``high``."""
    if not key.startswith(prefix):
        return None
    digits = key[len(prefix) :]
    if not digits.isascii() or not digits.isdigit() or len(digits) > 2:
        return None
    number = int(digits)
    return number if 1 <= number <= high else None


def chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive slices of ``size`` items (the last one may be short)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
