"""Checking a browser's websocket frame before anything parses it.

A dashboard page talks to its kernel over one websocket, in the Jupyter "v1" kernel protocol
(``v1.kernel.websocket.jupyter.org``). Each message is one binary frame laid out as::

    n                  8 bytes, little-endian: how many offsets follow
    offset_0 … offset_{n-1}   8 bytes each: where each part starts; the last one is the frame's end
    channel            bytes offset_0 … offset_1 ("shell", "control" or "stdin")
    header, parent_header, metadata, content       one JSON object each
    buffers            zero or more raw parts (an uploaded file, say)

The server's own parser trusts ``n`` and the offsets: a frame that claims 2^64 offsets makes it loop
for ever, which freezes the whole server for every visitor. ``check_frame`` reads the layout with
every number checked against the frame's real length, and the four JSON parts, before the frame goes
on. It imports nothing from Jupyter, so tests and the fuzz test can call it directly.
"""

import json

PROTOCOL = "v1.kernel.websocket.jupyter.org"
CHANNELS = ("shell", "control", "stdin")      # the channels a page may send on
JSON_PARTS = ("header", "parent_header", "metadata", "content")
MAX_BUFFERS = 16                              # a widget message carries a few; an upload one
MAX_OFFSETS = 2 + len(JSON_PARTS) + MAX_BUFFERS
# The only comm a dashboard page opens: ipywidgets' control comm, which asks for the widgets' state. A
# page that opened "jupyter.widget" comms could make the kernel build any number of widgets of any size.
PAGE_COMM_TARGETS = ("jupyter.widget.control",)


class FrameError(ValueError):
    """A frame that does not follow the v1 layout; the words say what is wrong (never its bytes)."""


def _u64(frame: bytes, position: int) -> int:
    return int.from_bytes(frame[position:position + 8], "little")


def split_frame(frame) -> list[bytes]:
    """The parts of a v1 frame (channel, header, parent_header, metadata, content, buffers...), with
    every number of its layout checked against the frame's length; ``FrameError`` otherwise."""
    if not isinstance(frame, (bytes, bytearray, memoryview)):
        raise FrameError("a text frame: this server speaks only the binary v1 protocol")
    frame = bytes(frame)
    if len(frame) < 8:
        raise FrameError(f"{len(frame)} bytes: too short to hold the offset count")
    # 1. The offset count, checked against the frame's length before it is used to read anything.
    n = _u64(frame, 0)
    if not 2 + len(JSON_PARTS) <= n <= MAX_OFFSETS:
        raise FrameError(f"{n} offsets: a message has from {2 + len(JSON_PARTS)} to {MAX_OFFSETS}")
    table_end = 8 * (1 + n)
    if table_end > len(frame):
        raise FrameError(f"its offset table needs {table_end} bytes, the frame has {len(frame)}")
    # 2. The offsets: the first right after the table, never decreasing, the last at the frame's end.
    offsets = [_u64(frame, 8 * (1 + i)) for i in range(n)]
    if offsets[0] != table_end:
        raise FrameError("its first part does not start right after the offset table")
    if any(b < a for a, b in zip(offsets, offsets[1:])):
        raise FrameError("its offsets go backwards")
    if offsets[-1] != len(frame):
        raise FrameError("its last offset is not the frame's end")
    return [frame[a:b] for a, b in zip(offsets, offsets[1:])]


def check_frame(frame, allowed_types=None, comm_targets=PAGE_COMM_TARGETS) -> tuple[str, dict]:
    """Check one frame from a browser; return its channel and header, or raise ``FrameError``.

    Args:
        frame: the websocket message as received (a text frame is refused: v1 frames are binary).
        allowed_types: message types the page may send (``header.msg_type``); None allows any.
        comm_targets: the comms a page may open (``comm_open``'s ``target_name``); None allows any.
    """
    parts = split_frame(frame)
    # 3. The channel and the four JSON objects.
    try:
        channel = parts[0].decode("utf-8")
    except UnicodeDecodeError:
        raise FrameError("its channel is not text") from None
    if channel not in CHANNELS:
        raise FrameError(f"channel {channel[:20]!r} is not one a page sends on")
    decoded = {name: json_object(part, name) for name, part in zip(JSON_PARTS, parts[1:])}
    msg_type = decoded["header"].get("msg_type")
    if not isinstance(msg_type, str):
        raise FrameError("its header has no message type")
    if allowed_types is not None and msg_type not in allowed_types:
        raise FrameError(f"message type {msg_type[:40]!r} is not allowed here")
    target = decoded["content"].get("target_name")
    if msg_type == "comm_open" and comm_targets is not None and target not in comm_targets:
        raise FrameError(f"a page may not open a {str(target)[:40]!r} comm")
    return channel, decoded["header"]


def json_object(part: bytes, name: str) -> dict:
    """One JSON part of a frame, which must be an object; ``FrameError`` otherwise."""
    try:
        value = json.loads(part)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FrameError(f"its {name} is not JSON") from None
    if not isinstance(value, dict):
        raise FrameError(f"its {name} is not a JSON object")
    return value


def make_frame(channel: str, header: dict, content: dict, buffers=(), parent_header=None,
               metadata=None) -> bytes:
    """A well-formed v1 frame (what the page's own JavaScript sends); for tests and the fuzz test."""
    parts = [channel.encode()] + [json.dumps(p).encode() for p in
                                  (header, parent_header or {}, metadata or {}, content)] + list(buffers)
    n = len(parts) + 1
    offsets = [8 * (1 + n)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    return b"".join([n.to_bytes(8, "little")] + [o.to_bytes(8, "little") for o in offsets] + parts)
