"""The public dashboard's guards, without a server (fast): the frame check, what a page may change in a
widget, the checked request, the upload's limits, the private folders' clean-up. The same guards
against a real server and browser: tests/server/test_public_server.py."""

import io
import json
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from memlab import private_folder
from memlab.data import image_files
from memlab.server.frames import MAX_OFFSETS, FrameError, check_frame, make_frame, split_frame
from memlab.server.kernel_socket import SESSION_ENDED, hidden_from_page

REPO = Path(__file__).resolve().parents[2]
GOOD = make_frame("shell", {"msg_id": "1", "msg_type": "comm_msg"}, {"comm_id": "x", "data": {}}, buffers=[b"abc"])
ALLOWED = ["comm_msg", "comm_open", "comm_close", "comm_info_request", "kernel_info_request"]


# ---- frames -------------------------------------------------------------------------------------
def test_a_well_formed_frame_passes_with_its_parts():
    assert check_frame(GOOD, ALLOWED) == ("shell", {"msg_id": "1", "msg_type": "comm_msg"})
    assert split_frame(GOOD)[-1] == b"abc"
    control = make_frame("shell", {"msg_type": "comm_open"}, {"target_name": "jupyter.widget.control"})
    assert check_frame(control, ALLOWED)[1]["msg_type"] == "comm_open"  # what Voila's page opens


@pytest.mark.parametrize(
    "frame, words",
    [
        ("{}", "text frame"),
        (b"\xff" * 8, "18446744073709551615 offsets"),
        ((5).to_bytes(8, "little") + GOOD[8:], "5 offsets"),
        ((MAX_OFFSETS + 1).to_bytes(8, "little") + GOOD[8:], f"{MAX_OFFSETS + 1} offsets"),
        ((22).to_bytes(8, "little") + b"\0" * 20, "offset table needs 184 bytes"),
        (GOOD[:8] + (0).to_bytes(8, "little") + GOOD[16:], "does not start right after"),
        (GOOD[:16] + (2**63).to_bytes(8, "little") + GOOD[24:], "go backwards"),
        (GOOD[:-1], "last offset is not the frame's end"),
        (make_frame("iopub", {"msg_type": "comm_msg"}, {}), "channel 'iopub'"),
        (make_frame("shell", {"msg_type": "execute_request"}, {"code": "1"}), "'execute_request' is not allowed"),
        (make_frame("shell", {"no": "type"}, {}), "no message type"),
        (
            make_frame("shell", {"msg_type": "comm_msg"}, {}).replace(b"{}", b"[]", 1),
            "parent_header is not a JSON object",
        ),
        (make_frame("shell", {"msg_type": "comm_msg"}, {}).replace(b"{}", b"{]", 1), "parent_header is not JSON"),
        (
            make_frame("shell", {"msg_type": "comm_open"}, {"target_name": "jupyter.widget", "data": {}}),
            "may not open a 'jupyter.widget' comm",
        ),
    ],
)
def test_a_malformed_frame_is_refused_with_words(frame, words):
    with pytest.raises(FrameError, match=re.escape(words)):
        check_frame(frame, ALLOWED)


@settings(max_examples=400, deadline=200)
@given(st.binary(max_size=300))
def test_any_bytes_are_refused_quickly_or_pass(frame):
    try:
        check_frame(frame, ALLOWED)
    except FrameError:
        pass


@settings(max_examples=400, deadline=200)
@given(st.integers(0, len(GOOD) - 1), st.integers(0, 255))
def test_any_one_byte_changed_is_refused_quickly_or_still_a_frame(position, value):
    frame = bytearray(GOOD)
    frame[position] = value
    try:
        check_frame(bytes(frame), ALLOWED)
    except FrameError:
        pass


def test_the_page_gets_no_error_output():
    def message(msg_type, content):
        return make_frame("shell", {"msg_type": msg_type}, content)

    assert hidden_from_page(message("error", {"traceback": ['File "/srv/x.py"']}))
    assert hidden_from_page(message("stream", {"name": "stderr", "text": "Traceback"}))
    assert hidden_from_page(message("execute_input", {"code": "App().widget"}))
    assert not hidden_from_page(message("stream", {"name": "stdout", "text": "hello"}))
    assert not hidden_from_page(message("comm_msg", {"data": {}}))


def test_the_pages_script_knows_the_servers_numbers():
    script = (REPO / "memlab/static/voila/templates/memlab/index.html.j2").read_text()
    assert f"var MAX_UPLOAD_BYTES = {image_files.MAX_UPLOAD_BYTES};" in script
    assert f"var SESSION_ENDED = {SESSION_ENDED};" in script
    for settings_file in ("voila.json", "jupyter_config/jupyter_server_config.json"):
        settings_json = json.loads((REPO / settings_file).read_text())
        server = settings_json.get("Voila", settings_json.get("ServerApp"))
        assert server["tornado_settings"]["websocket_max_message_size"] == image_files.WEBSOCKET_LIMIT_BYTES
    assert json.loads((REPO / "voila.json").read_text())["KernelRestarter"]["restart_limit"] == 0


def test_a_busy_kernel_still_gets_its_page_drawn():
    """nbclient waits 4 s by default for a cell's output after the kernel's reply; under a class's load
    (20 students 3 s apart, clicking, on 2 cores) 11 of 20 pages came out empty ("Timeout waiting for IOPub
    output" in the server's log, no widgets, no Generate); with 60 s, 22 of 40 still did. An empty page is
    worse than a slow one: voila.json waits as long for the output as for the cell itself (300 s)."""
    executor = json.loads((REPO / "voila.json").read_text())["VoilaExecutor"]
    assert executor["iopub_timeout"] == executor["timeout"] >= 300


# ---- what a page may change ---------------------------------------------------------------------
def page_update(widget, state):
    """What ipywidgets does with a page's update message."""
    widget._handle_msg({"content": {"data": {"method": "update", "state": state}}})


def test_a_page_changes_only_what_a_person_moves():
    from memlab.dashboard.app import App

    app = App(background=False, warm=False)
    labels = app.model._options_labels
    page_update(app.steps, {"max": 1000, "value": 1000})
    page_update(app.model, {"_options_labels": ["x"] * len(labels), "index": 2})
    page_update(app.generate_button, {"disabled": True, "description": "Hacked"})
    page_update(app.steps, {"value": "a lot"})
    assert app.steps.max == 250 and app.steps.value <= 250
    assert app.model._options_labels == labels and app.model.index == 2
    assert (app.generate_button.description, app.generate_button.disabled) == ("Generate", False)


def test_every_value_is_checked_in_the_kernel():
    from memlab.dashboard.widgets.controls import Request

    good = Request("mnist-diffusion-300", "ddim", 50, 0, "same class")
    assert good.check() is good
    for wrong, words in [
        (dict(steps=1000), "Steps must be"),
        (dict(steps=0), "Steps must be"),
        (dict(sampler="magic"), "sampler"),
        (dict(model_id="../../etc"), "model"),
        (dict(seed=-1), "seed"),
        (dict(scope="everything"), "search"),
        (dict(engine="cuda"), "engine must be one of"),
    ]:
        with pytest.raises(ValueError, match=words):
            Request(**{**good.__dict__, **wrong}).check()
    with pytest.raises(ValueError, match="GAN"):
        Request("mnist-gan-60000", "ddim", 50, 0, "same class").check()


# ---- uploads ---------------------------------------------------------------------------------------
def test_a_decompression_bomb_is_refused_before_decoding():
    """In a fresh process, the peak memory of refusing a 39.7-megapixel PNG (154 kB on disk)."""
    code = (
        "import io, resource; from PIL import Image; from memlab.data.image_files import image_from_bytes\n"
        "b = io.BytesIO(); Image.new('L', (6300, 6300)).save(b, 'PNG'); data = b.getvalue()\n"
        "import gc; gc.collect(); before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    image_from_bytes(data, 'bomb.png')\nexcept ValueError as e:\n    print(e)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert "bomb.png is 6,300 x 6,300 pixels: too large" in out[0]
    assert int(out[1]) < 10_000, f"refusing it cost {int(out[1]) / 1000:.0f} MB"


def test_a_large_photo_is_read_at_a_reduced_scale():
    photo = io.BytesIO()
    Image.new("RGB", (4000, 3000), "white").save(photo, "JPEG")
    assert image_files.image_from_bytes(photo.getvalue(), "photo.jpg").shape == (28, 28)


def test_too_many_bytes_are_refused_with_the_limit():
    with pytest.raises(ValueError, match=r"big.png is 10.5 MB; the limit is 10 MB"):
        image_files.image_from_bytes(b"\0" * 10_500_000, "big.png")


def test_an_upload_that_is_not_a_file_gets_words():
    from memlab.dashboard.widgets.controls import uploaded_file

    for value in ([], [{"name": "x"}], [{"content": "text", "name": "x"}], ["not a dict"]):
        with pytest.raises(ValueError, match="could not be read"):
            uploaded_file(value)
    assert uploaded_file([{"content": memoryview(b"ab"), "name": "n" * 100}])[1].endswith("...")


# ---- private folders ------------------------------------------------------------------------------------
def test_the_server_removes_the_private_folders_of_a_kernel_that_has_gone():
    class Owner:
        pass

    owner = Owner()
    folder = private_folder.PrivateFolder(owner, "memlab-test-", threading.Event(), [])
    other = Path(tempfile.mkdtemp(prefix="memlab-test-99999999-"))
    assert private_folder.remove_folders_of(99999999) == 1 and not other.exists()
    assert folder.path.exists()
    folder.close()
    with pytest.raises(ValueError, match="starts with 'memlab-'"):
        private_folder.PrivateFolder(owner, "mine-", threading.Event(), [])


def test_the_visitors_address_behind_a_proxy():
    from types import SimpleNamespace

    from memlab.server.serve import client_address

    # the documented nginx sets X-Real-IP to the address it saw; X-Forwarded-For (the visitor's own) is ignored
    request = SimpleNamespace(remote_ip="127.0.0.1", headers={"X-Real-IP": "203.0.113.9", "X-Forwarded-For": "6.6.6.6"})
    assert client_address(request, trusted_proxy=True) == "203.0.113.9"
    assert client_address(request, trusted_proxy=False) == "127.0.0.1"
    request.remote_ip = "198.51.100.1"  # not from the proxy: its header is not believed
    assert client_address(request, trusted_proxy=True) == "198.51.100.1"


def test_the_per_address_limits_count_an_ipv6_host_by_its_64():
    from memlab.server.places import visitor_key

    assert visitor_key("2001:db8:1:2:aaaa::1") == visitor_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert visitor_key("2001:db8:1:3::1") != visitor_key("2001:db8:1:2::1")
    assert visitor_key("203.0.113.7") == "203.0.113.7" and visitor_key("not an address") == "not an address"
