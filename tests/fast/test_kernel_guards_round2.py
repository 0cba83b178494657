"""The public dashboard's kernel-side guards of the second review (issue 36), without a server (fast):
no stdin, JSON bounded before it is parsed, buffers only where an upload travels, a send budget per
websocket, every kernel message but errors reaching the page whatever its buffers, a drawing pad that
leaves no widgets behind, and uploads decoded only as PNG or JPEG. The same guards against a real server
and Chromium: tests/server/test_public_server_round2_kernel.py, tests/browser/test_pad_undo_browser.py."""

import gc
import io
import json
import re
import time

import numpy as np
import pytest
from PIL import Image

from memlab.data import image_files
from memlab.data.image_files import MAX_DECODE_BYTES, image_from_bytes
from memlab.server.frames import (
    MAX_CONTAINERS,
    MAX_DEPTH,
    MAX_JSON_BYTES,
    FrameError,
    check_frame,
    check_json_bounds,
    json_brackets,
    json_object,
    make_frame,
    nesting,
)
from memlab.server.kernel_socket import SEND_BUDGET_BYTES, SendBudget, hidden_from_page

ALLOWED = ["comm_msg", "comm_open", "comm_close", "comm_info_request", "kernel_info_request"]


def header(msg_type):
    return {"msg_id": "1", "msg_type": msg_type}


# ---- 1. no stdin; buffers only on a widget message ----------------------------------------------
@pytest.mark.parametrize(
    "frame, words",
    [
        (make_frame("stdin", header("kernel_info_request"), {}), "channel 'stdin'"),
        (
            make_frame("shell", header("kernel_info_request"), {}, buffers=[b"\0" * 1000]),
            "'kernel_info_request' message carries no buffers",
        ),
        (
            make_frame("control", header("comm_info_request"), {}, buffers=[b"x"]),
            "'comm_info_request' message carries no buffers",
        ),
    ],
)
def test_frames_a_page_never_sends_are_refused_with_words(frame, words):
    with pytest.raises(FrameError, match=re.escape(words)):
        check_frame(frame, ALLOWED)


def test_what_a_page_sends_still_passes():
    upload = {
        "comm_id": "x",
        "data": {
            "method": "update",
            "buffer_paths": [["value", 0, "content"]],
            "state": {"value": [{"name": "digit.png", "size": 3}]},
        },
    }
    assert check_frame(make_frame("shell", header("comm_msg"), upload, buffers=[b"abc"]), ALLOWED)[0] == "shell"
    assert check_frame(make_frame("control", header("kernel_info_request"), {}), ALLOWED)[0] == "control"


# ---- 2. JSON bounded before it is parsed --------------------------------------------------------
def test_json_too_large_or_too_deep_is_refused_before_parsing(monkeypatch):
    def no_parse(*args, **kwargs):
        raise AssertionError("json.loads ran on a part that the byte scan should have refused")

    heavy = {"comm_id": "x", "data": [{}] * (MAX_JSON_BYTES // 3)}  # the probe's [{},{},...]
    many = {"comm_id": "x", "data": [{}] * (MAX_CONTAINERS + 1)}
    deep = {"comm_id": "x", "data": json.loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))}
    frames = {
        "JSON parts are": make_frame("shell", header("comm_msg"), heavy),
        f"more than {MAX_CONTAINERS} objects and arrays": make_frame("shell", header("comm_msg"), many),
        f"nested more than {MAX_DEPTH} levels": make_frame("shell", header("comm_msg"), deep),
    }
    monkeypatch.setattr(json, "loads", no_parse)
    for words, frame in frames.items():
        with pytest.raises(FrameError, match=words):
            check_frame(frame, ALLOWED)


@pytest.mark.parametrize(
    "text, depth",
    [
        (b"{}", 1),
        (b'{"a": [[1], {"b": []}]}', 4),
        (b'{"a": "[[[[{{{{"}', 1),
        (b'{"a": "\\"[[[", "b": [1]}', 2),
        (b'{"a": "\\\\", "b": [[1]]}', 3),
        (b"[[],[[]]]", 3),
        (b"1", 0),
    ],
)
def test_the_byte_scan_counts_nesting_as_json_does(text, depth):
    assert nesting(json_brackets(text)) == depth
    json.loads(text)  # each is real JSON


def test_the_worst_json_within_the_bounds_parses_in_milliseconds():
    """What the bounds allow: the slowest contents found (numbers, objects, many strings)."""
    room = MAX_JSON_BYTES - 100
    worst = [
        b"[" + b"1e308," * (room // 6) + b"1]",
        b"[" + b"{}," * (MAX_CONTAINERS - 3) + b"{}]",
        b"[" + b'"",' * (room // 3) + b'""]',
        b'["' + b'\\"' * (room // 2) + b'"]',
    ]
    for part in worst:
        part = b'{"a": ' + part + b"}"
        assert len(part) <= MAX_JSON_BYTES
        started = time.perf_counter()
        for _ in range(10):
            check_json_bounds([part, b"{}", b"{}", b"{}"])
            json_object(part, "content")
        ms = (time.perf_counter() - started) / 10 * 1000
        print(f"{part[:12]!r}...: scan and parse {ms:.2f} ms")
        assert ms < 15, f"{ms:.1f} ms on the event loop"  # ~2.5 ms measured; room for a busy CPU


# ---- the send budget --------------------------------------------------------------------------
def test_the_send_budget_passes_a_burst_then_holds_to_its_rate():
    now = [0.0]
    budget = SendBudget(capacity=30, window_s=60, clock=lambda: now[0])
    assert budget.spend(20) and budget.spend(10) and not budget.spend(1)  # the burst, then nothing
    now[0] = 20.0  # 20 s refill 10 bytes
    assert budget.spend(10) and not budget.spend(1)
    now[0] = 1000.0
    assert budget.spend(30) and not budget.spend(1)  # never more than capacity
    assert SEND_BUDGET_BYTES >= 3 * image_files.WEBSOCKET_LIMIT_BYTES  # three largest uploads at once


# ---- 8. every message but errors reaches the page ----------------------------------------------------
def test_kernel_messages_with_many_buffers_reach_the_page():
    many = [b"\0" * 10] * 40  # ipycanvas: a buffer per command; request_states: per image
    for msg_type in ("comm_msg", "comm_open"):
        assert not hidden_from_page(make_frame("iopub", header(msg_type), {"data": {}}, buffers=many))
    assert hidden_from_page(make_frame("iopub", header("error"), {"traceback": []}, buffers=many))
    assert hidden_from_page(make_frame("iopub", header("stream"), {"name": "stderr", "text": "x"}))
    assert not hidden_from_page(make_frame("iopub", header("stream"), {"name": "stdout", "text": "x"}))
    assert hidden_from_page(b"\xff" * 8) and hidden_from_page(b"")  # unreadable: kept here


# ---- 9. the drawing pad leaves no widgets behind ----------------------------------------------------
def test_a_thousand_strokes_add_no_widgets():
    from ipywidgets import Widget

    from memlab.dashboard.widgets.own_image import OwnImagePanel

    panel = OwnImagePanel()
    try:
        rng = np.random.default_rng(0)
        before = len(Widget.widgets)
        for _ in range(1000):
            x, y = rng.uniform(20, 260, 2)
            panel._pen_start(x, y)
            for step in range(5):
                panel._pen_move(x + 8 * step, y + 3 * step)
            panel._pen_end()
        gc.collect()
        added = len(Widget.widgets) - before
        print(f"1 000 strokes: {added:+d} widgets")
        assert added == 0
        assert panel.preview_image.value == image_files_png(panel)
    finally:
        panel.close()


def image_files_png(panel):
    from memlab.dashboard.widgets.tiles import png

    return png(panel.drawing.image(), 84)


def test_pen_moves_that_change_nothing_are_not_stored_or_sent():
    from memlab.dashboard.widgets.own_image import OwnImagePanel

    panel = OwnImagePanel()
    try:
        sent = []
        panel.pad.stroke_line = lambda *points: sent.append(points)
        panel._pen_start(100, 100)
        for step in range(100):  # a slow drag: 0.1 pad pixel per event
            panel._pen_move(100 + step / 10, 100)
        panel._pen_end()
        assert len(panel.drawing.strokes[0]) == len(sent) + 1 <= 5
    finally:
        panel.close()


# ---- 10. uploads decoded only as PNG or JPEG ---------------------------------------------------------
def saved(fmt, size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 200, 200)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "fmt, words",
    [
        ("JPEG2000", "is JPEG 2000"),
        ("WEBP", "is WebP"),
        ("QOI", "is Quite OK"),
        ("TIFF", "is Adobe TIFF"),
        ("GIF", "is Compuserve GIF"),
    ],
)
def test_other_formats_are_refused_with_words_before_any_decoder_runs(monkeypatch, fmt, words):
    content = saved(fmt)
    monkeypatch.setattr(image_files.Image, "open", lambda *a, **k: pytest.fail("Image.open ran"))
    with pytest.raises(ValueError, match=f"{words}.*not PNG or JPEG: upload a PNG or JPEG"):
        image_from_bytes(content, "drawing.x")


def test_png_and_jpeg_still_read_and_the_pixel_count_comes_before_decoding(monkeypatch):
    for fmt in ("PNG", "JPEG"):
        assert image_from_bytes(saved(fmt), "ok").shape == (28, 28)
    bomb = saved("PNG", size=(5000, 4000))  # 20 Mpx RGB: 80 MB to decode
    assert 5000 * 4000 * 4 > MAX_DECODE_BYTES
    monkeypatch.setattr(Image.Image, "load", lambda self: pytest.fail("pixels were decoded"))
    with pytest.raises(ValueError, match="5,000 x 4,000 pixels: too large"):
        image_from_bytes(bomb, "big.png")
