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

What a kernel is sent is bounded too, from what the dashboard's page sends (read from the widgets it
uses, not yet measured frame by frame in Chromium: a control's ``update``, an upload's file metadata,
ipywidgets' ``request_states``, ipycanvas' pointer events, each a few hundred bytes of JSON and a few
levels deep; only an upload carries a buffer, its file):

* the channels: ``shell`` and ``control`` only. A dashboard kernel never reads ``stdin`` (it asks no
  questions), so every frame sent there waited in its queue: forty 10 MB frames left it 380 MB larger,
  for good;
* the JSON parts: at most ``MAX_JSON_BYTES`` together and ``MAX_DEPTH`` levels of nesting, both checked
  by a byte scan *before* ``json.loads``: a 10 MB content of ``[{},{},...]`` took the server's event loop
  seconds to parse (every visitor waited); within these bounds a parse takes about a millisecond;
* buffers: only on a ``comm_msg`` (a widget update, an upload's file), at most ``MAX_BUFFERS``; their size
  is the websocket's message limit (``memlab.data.image_files.WEBSOCKET_LIMIT_BYTES``).
"""

import json

PROTOCOL = "v1.kernel.websocket.jupyter.org"
CHANNELS = ("shell", "control")  # the channels a page may send on (never stdin: see above)
JSON_PARTS = ("header", "parent_header", "metadata", "content")
MAX_BUFFERS = 16  # a widget message carries a few; an upload one
MAX_OFFSETS = 2 + len(JSON_PARTS) + MAX_BUFFERS
MAX_JSON_BYTES = 16 * 1024  # the four JSON parts together (a page's: a few hundred bytes)
MAX_DEPTH = 20  # nesting of [ ] and { } (a page's messages: 6 levels)
MAX_CONTAINERS = 256  # objects and arrays in one part (a page's: under 20)
BUFFERS_ALLOWED_ON = ("comm_msg",)  # an upload's file travels as a comm_msg's buffer
# The only comm a dashboard page opens: ipywidgets' control comm, which asks for the widgets' state. A
# page that opened "jupyter.widget" comms could make the kernel build any number of widgets of any size.
PAGE_COMM_TARGETS = ("jupyter.widget.control",)


class FrameError(ValueError):
    """A frame that does not follow the v1 layout; the words say what is wrong (never its bytes)."""


def _u64(frame: bytes, position: int) -> int:
    return int.from_bytes(frame[position : position + 8], "little")


def split_frame(frame) -> list[bytes]:
    """The parts of a v1 frame (channel, header, parent_header, metadata, content, buffers...), with
    every number of its layout checked against the frame's length; ``FrameError`` otherwise."""
    frame = bytes(frame) if isinstance(frame, (bytearray, memoryview)) else frame
    return [frame[a:b] for a, b in part_bounds(frame)]


def part_bounds(frame) -> list[tuple[int, int]]:
    """Where each part of a v1 frame starts and ends, every number checked against the frame's length
    (nothing is copied: a 10 MB frame costs no more than a small one); ``FrameError`` otherwise."""
    if not isinstance(frame, (bytes, bytearray, memoryview)):
        raise FrameError("a text frame: this server speaks only the binary v1 protocol")
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
    return list(zip(offsets, offsets[1:]))


def frame_part(frame: bytes, index: int) -> bytes:
    """Part ``index`` of a frame the server itself wrote to a page (0: channel, 1: header, ... 4:
    content), read without the limits of a page's frames: a kernel's message may carry any number of
    buffers (ipycanvas sends one per drawing command, a widget state reply one per image). Only the
    offsets needed are read, each checked against the frame's length; ``FrameError`` otherwise."""
    if len(frame) < 8 * (3 + index) or not 0 <= index < _u64(frame, 0) - 1:
        raise FrameError(f"it has no part {index}")
    start, end = _u64(frame, 8 * (1 + index)), _u64(frame, 8 * (2 + index))
    if not start <= end <= len(frame):
        raise FrameError(f"its part {index} lies outside the frame")
    return frame[start:end]


def check_frame(frame, allowed_types=None, comm_targets=PAGE_COMM_TARGETS) -> tuple[str, dict]:
    """Check one frame from a browser; return its channel and header, or raise ``FrameError``.

    Args:
        frame: the websocket message as received (a text frame is refused: v1 frames are binary).
        allowed_types: message types the page may send (``header.msg_type``); None allows any.
        comm_targets: the comms a page may open (``comm_open``'s ``target_name``); None allows any.
    """
    bounds = part_bounds(frame)
    parts = [memoryview(frame)[a:b] for a, b in bounds]  # views: no part is copied before it is checked
    # 3. The channel, and the four JSON parts: their sizes and nesting before any parse, then each parsed.
    channel = bytes(parts[0][:20]).decode("utf-8", "replace")
    if len(parts[0]) > 20 or channel not in CHANNELS:
        raise FrameError(f"channel {channel!r} is not one a page sends on")
    json_parts = parts[1 : 1 + len(JSON_PARTS)]
    check_json_bounds(json_parts)
    decoded = {name: json_object(bytes(part), name) for name, part in zip(JSON_PARTS, json_parts)}
    msg_type = decoded["header"].get("msg_type")
    if not isinstance(msg_type, str):
        raise FrameError("its header has no message type")
    if allowed_types is not None and msg_type not in allowed_types:
        raise FrameError(f"message type {msg_type[:40]!r} is not allowed here")
    if len(parts) > 1 + len(JSON_PARTS) and msg_type not in BUFFERS_ALLOWED_ON:
        raise FrameError(f"a {msg_type[:40]!r} message carries no buffers")
    target = decoded["content"].get("target_name")
    if msg_type == "comm_open" and comm_targets is not None and target not in comm_targets:
        raise FrameError(f"a page may not open a {str(target)[:40]!r} comm")
    return channel, decoded["header"]


def check_json_bounds(json_parts) -> None:
    """Refuse JSON parts too large, too many-sided or too deeply nested to parse on the server's event
    loop, from a scan at the speed of ``bytes.replace``, whatever the parts hold (``FrameError``)."""
    size = sum(len(part) for part in json_parts)
    if size > MAX_JSON_BYTES:
        raise FrameError(f"its JSON parts are {size:,} bytes; a page sends at most {MAX_JSON_BYTES:,}")
    for name, part in zip(JSON_PARTS, json_parts):
        brackets = json_brackets(part)
        if brackets.count(b"[") > MAX_CONTAINERS:  # each one a Python object for the garbage collector
            raise FrameError(f"its {name} holds more than {MAX_CONTAINERS} objects and arrays")
        if nesting(brackets) > MAX_DEPTH:
            raise FrameError(f"its {name} is nested more than {MAX_DEPTH} levels deep")


def json_brackets(part: bytes) -> bytes:
    """The brackets of a JSON text outside its strings, each written "[" or "]", found without parsing
    it, by whole-bytes operations (C speed, never a Python loop over the bytes; a regular expression over
    the strings took 5 ms on 16 kB of quotes).

    1. Escapes go (``\\\\`` first, then ``\\"``), so every quote left opens or closes a string.
    2. The text between quotes is dropped: brackets inside strings do not nest.
    3. "{" and "}" become "[" and "]"; anything else goes.
    """
    unescaped = bytes(part).replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = b"".join(unescaped.split(b'"')[::2])
    return outside_strings.translate(_AS_SQUARE, _NOT_A_BRACKET)


def nesting(brackets: bytes) -> int:
    """How deeply ``brackets`` (from ``json_brackets``) nest: each pass removes the innermost "[]" pairs,
    one level. The count stops one past ``MAX_DEPTH``; unbalanced brackets are left for ``json.loads``
    to refuse (a part that is not JSON)."""
    depth = 0
    while b"[]" in brackets and depth <= MAX_DEPTH:
        brackets = brackets.replace(b"[]", b"")
        depth += 1
    return depth


_AS_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_object(part: bytes, name: str) -> dict:
    """One JSON part of a frame, which must be an object; ``FrameError`` otherwise."""
    try:
        value = json.loads(part)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FrameError(f"its {name} is not JSON") from None
    if not isinstance(value, dict):
        raise FrameError(f"its {name} is not a JSON object")
    return value


def make_frame(channel: str, header: dict, content: dict, buffers=(), parent_header=None, metadata=None) -> bytes:
    """A well-formed v1 frame (what the page's own JavaScript sends); for tests and the fuzz test."""
    parts = (
        [channel.encode()]
        + [json.dumps(p).encode() for p in (header, parent_header or {}, metadata or {}, content)]
        + list(buffers)
    )
    n = len(parts) + 1
    offsets = [8 * (1 + n)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    return b"".join([n.to_bytes(8, "little")] + [o.to_bytes(8, "little") for o in offsets] + parts)
