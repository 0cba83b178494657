"""Lesson 06's table of court cases is recent, checkable and what the lesson shows (no network).

The table's one source is memlab/teaching/court_cases.py; memlab/teaching/law_table.py writes it into the
lesson. These tests fail when its "as of" date is more than about six months before today (a teacher then
refreshes it: docs/teaching.md, "Keeping lesson 6 current"), when a row has no status or no dated source, and
when the lesson or the guide shows another table or another date.
"""

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from memlab.teaching import court_cases, law_table
from memlab.teaching.court_cases import AS_OF, CASES, STATUSES

REPO = Path(__file__).resolve().parents[2]
LESSONS = [REPO / "notebooks" / law_table.LESSON.name, REPO / "student" / law_table.LESSON.name]


def cells(path: Path) -> list[str]:
    return ["".join(cell["source"]) for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]]


def test_the_table_is_at_most_six_months_old():
    problem = law_table.staleness(date.today())
    assert problem is None, problem


def test_an_old_or_future_date_is_caught_with_a_message_that_says_how_to_refresh():
    assert law_table.staleness(AS_OF + timedelta(days=30)) is None
    old = law_table.staleness(AS_OF + timedelta(days=200))
    assert old and "about 6 months ago" in old and "Keeping lesson 6 current" in old
    assert "court_cases.py" in old and "python -m memlab.teaching.law_table" in old
    future = law_table.staleness(AS_OF - timedelta(days=1))
    assert future and "after today" in future


def test_every_case_has_a_status_and_a_dated_source():
    assert len(CASES) >= 16
    for case in CASES:
        assert case.status in STATUSES, case.name
        assert case.sources, case.name
        assert law_table.problems(case) == []


@pytest.mark.parametrize(
    "broken, complaint",
    [
        ({"status": "pending"}, "is not one of decided, open, settled"),
        ({"sources": ()}, "no source"),
        ({"latest": "the case goes on"}, "no date in bold"),
        ({"latest": "**3 Mar 2031**: decided"}, "after the table's date"),
    ],
)
def test_a_row_without_status_source_or_date_is_caught(broken, complaint):
    case = replace(CASES[0], **broken)
    assert any(complaint in problem for problem in law_table.problems(case))


def test_a_source_dated_after_the_table_or_undated_is_caught():
    late = replace(CASES[0].sources[0], date="1 Jan 2031")
    undated = replace(CASES[0].sources[0], date="recently")
    assert any("after the table's date" in p for p in law_table.problems(replace(CASES[0], sources=(late,))))
    assert any("not a date" in p for p in law_table.problems(replace(CASES[0], sources=(undated,))))
    assert law_table.parse_date("Jan 2026") == date(2026, 1, 1)
    assert law_table.parse_date("25 Sept 2025") == date(2025, 9, 25)


def test_the_issue_cases_are_in_the_table():
    names = " ".join(f"{case.name} {case.court}" for case in CASES)
    for name in [
        "Kneschke v LAION",
        "Cruz v Anthropic",
        "GEMA v Suno",
        "Like Company v Google",
        "Warner Bros. Discovery",
        "Yomiuri v Perplexity",
        "Nikkei and Asahi",
    ]:
        assert name in names


@pytest.mark.parametrize("lesson", LESSONS, ids=["teacher", "student"])
def test_the_lesson_shows_this_table_and_this_date(lesson):
    step1 = next(source for source in cells(lesson) if source.startswith("## Step 1"))
    assert law_table.table_markdown() in step1, (
        f"{lesson.relative_to(REPO)} does not show memlab/teaching/court_cases.py: run "
        "`python -m memlab.teaching.law_table` and `python -m memlab.teaching.versions`"
    )
    dates = [day for source in cells(lesson) for day in law_table.as_of_dates(source)]
    assert len(dates) >= 3 and set(dates) == {AS_OF}, dates


def test_the_guide_gives_the_same_date_and_the_refresh_steps():
    guide = law_table.GUIDE.read_text(encoding="utf-8")
    start, end = law_table.guide_answer(guide)
    assert law_table.as_of_dates(guide[start:end]) == [court_cases.AS_OF]
    section = guide[guide.index("## Keeping lesson 6 current") :]
    assert "memlab/teaching/court_cases.py" in section and "python -m memlab.teaching.law_table" in section


def test_refreshing_rewrites_the_table_and_every_date():
    old = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["Cases as of 5 December\n", "2025."]},
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": "## Step 1\n\n| case (court) | old |\n|---|---|\n| *X* | y |\n\nAfter, As of **1 May 2020**.",
            },
        ]
    }
    new = law_table.refresh_lesson(old)
    first, step1 = ("".join(cell["source"]) for cell in new["cells"])
    assert first == f"Cases as of {AS_OF.day} {AS_OF:%B}\n{AS_OF.year}."
    assert law_table.table_markdown() in step1 and "| *X* | y |" not in step1
    assert step1.endswith(f"\n\nAfter, As of **{law_table.long_date(AS_OF)}**.")
