"""The class load test (benchmarks/loadtest.py, behind `make crowd`) against a real dashboard server: its
students are answered, with either client, so that the crowd figures in docs/ measure clicks that
really came back (a change to the page's result title, or to what a page sends, shows up here)."""

import json
import subprocess
import sys

import pytest
from servers import CHROMIUM, REPO

pytest.importorskip("playwright")
if not __import__("os").path.exists(CHROMIUM):
    pytest.skip("needs /usr/bin/chromium", allow_module_level=True)


@pytest.mark.parametrize("client, students", [("protocol", 2), ("browser", 1)])
def test_every_student_is_answered(tmp_path, client, students):
    out = tmp_path / "loadtest.json"
    subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "loadtest.py"),
            "--students",
            str(students),
            "--clicks",
            "2",
            "--client",
            client,
            "--no-cull-wait",
            "--timeout",
            "400",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    run = json.loads(out.read_text())[str(students)]
    assert run["errors"] == [] and run["busy_pages"] == 0
    assert run["clicks_answered"] == run["clicks_wanted"] == 2 * students
    assert run["client"] == client and students <= run["peak_kernels"] <= students + run["pool_size"]
    assert len(run["models"]) == students  # each student picked the next model
    assert run["server_cpu_s"] > 0 and run["other_cpu_s"] >= 0
    if client == "protocol":  # it fetched what a real Chromium fetched to draw the page (scripts, styles)
        assert run["page_files_fetched"] > 20
