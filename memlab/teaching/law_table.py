"""Lesson 06's table of court cases, made from ``memlab.teaching.court_cases``, and the check that it is recent.

``python -m memlab.teaching.law_table`` writes the table into lesson 06 (the markdown table in Step 1) and
sets every "as of" date in the lesson, and in docs/teaching.md's answer to "Is it illegal for a model to store
images?", to ``court_cases.AS_OF``; then ``python -m memlab.teaching.versions`` makes the student version. The table stays plain markdown in the
notebook, so a teacher reads it without running anything; ``tests/fast/test_law_table.py`` fails when the
lesson shows something else than ``court_cases`` says, or when ``AS_OF`` is older than ``MAX_AGE``.
"""

import argparse
import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path

from memlab.teaching import court_cases
from memlab.teaching.court_cases import AS_OF, CASES, STATUSES, Case

REPO = Path(__file__).resolve().parents[2]
LESSON = REPO / "notebooks" / "06-copies-copyright-and-evidence.ipynb"
GUIDE = REPO / "docs" / "teaching.md"
MAX_AGE = timedelta(days=183)  # about six months: the cases move faster than a school year
HEADER = "| case (court) | what it says about copies | latest step we could check | source | status |"
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
# "11 Nov 2025", "25 Sept 2025", "Jan 2026"
DAY_MONTH_YEAR = re.compile(r"^(?:(\d{1,2}) )?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]* (20\d\d)$")
BOLD_DATE = re.compile(r"\*\*((?:\d{1,2} )?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)[a-z]* 20\d\d)\*\*")
# "as of 5 December 2026", "As of **5 December 2026**", "(as of\n    5 December 2026)", "as of 5 December\n2026"
AS_OF_TEXT = re.compile(r"((?i:as of)\s+\**)(\d{1,2})(\s+)([A-Z][a-z]+)(\s+)(20\d\d)")


def parse_date(text: str) -> date:
    """A source's or a step's date: "11 Nov 2025" or, when only the month is known, "Jan 2026" (its 1st)."""
    found = DAY_MONTH_YEAR.match(text.strip())
    if not found:
        raise ValueError(f'{text!r} is not a date like "11 Nov 2025" or "Jan 2026"')
    day, month, year = found.groups()
    return date(int(year), MONTHS.index(month[:3]) + 1, int(day or 1))


def long_date(day: date) -> str:
    """ "7 December 2026", the form the lesson's prose uses."""
    return f"{day.day} {day:%B %Y}"


def staleness(today: date, as_of: date = AS_OF) -> str | None:
    """What is wrong with the table's date on ``today``, for the teacher; None when it is recent enough."""
    how = (
        "Refresh it as docs/teaching.md, 'Keeping lesson 6 current' says: check each case's source and docket, "
        "edit memlab/teaching/court_cases.py (set AS_OF to the day you read the sources), then run "
        "`python -m memlab.teaching.law_table` and `python -m memlab.teaching.versions`."
    )
    if as_of > today:
        return f"Lesson 06's table of court cases is dated {long_date(as_of)}, after today ({long_date(today)}). {how}"
    if today - as_of > MAX_AGE:
        months = (today - as_of).days // 30
        return (
            f"Lesson 06's table of court cases is as of {long_date(as_of)}, about {months} months ago: cases have "
            f"moved since, and the lesson would tell students something out of date. {how}"
        )
    return None


def problems(case: Case, as_of: date = AS_OF) -> list[str]:
    """What a teacher could not check in one row: a missing status, or a source without a date on or before
    ``as_of`` or without an address; a step dated after ``as_of``."""
    found = []
    if case.status not in STATUSES:
        found.append(f"{case.name}: status {case.status!r} is not one of {', '.join(STATUSES)}")
    if not case.sources:
        found.append(f"{case.name}: no source")
    for source in case.sources:
        try:
            if parse_date(source.date) > as_of:
                found.append(f"{case.name}: {source.publisher} is dated {source.date}, after the table's date")
        except ValueError as error:
            found.append(f"{case.name}: {source.publisher}: {error}")
        if not source.url.startswith(("https://", "http://")) or not source.publisher:
            found.append(f"{case.name}: a source needs its publisher and its address, got {source}")
    steps = BOLD_DATE.findall(case.latest)
    if not steps:
        found.append(f"{case.name}: its latest step has no date in bold")
    found += [f"{case.name}: step dated {step}, after the table's date" for step in steps if parse_date(step) > as_of]
    return found


def row(case: Case) -> str:
    sources = "; ".join(f"[{source.publisher}, {source.date}]({source.url})" for source in case.sources)
    cells = [f"*{case.name}* ({case.court})", case.copies, case.latest, sources, f"**{case.status}**"]
    for cell in cells:
        if "|" in cell or "\n" in cell:
            raise ValueError(f"{case.name}: a table cell cannot hold '|' or a line break: {cell!r}")
    return "| " + " | ".join(cells) + " |"


def table_markdown(cases=CASES) -> str:
    """The markdown table of Step 1: a header, its rule and one row per case."""
    return "\n".join([HEADER, "|---|---|---|---|---|", *(row(case) for case in cases)])


def with_table(source: str, table: str) -> str:
    """``source`` (Step 1's markdown) with its table, from the header to the last row, replaced by ``table``."""
    lines = source.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("| case (court)")), None)
    if start is None:
        raise ValueError("lesson 06, Step 1 has no table that starts with '| case (court)'")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join(lines[:start] + table.split("\n") + lines[end:])


def with_as_of(text: str, as_of: date = AS_OF) -> str:
    """``text`` with every "as of <date>" set to ``as_of`` (the line breaks inside the date kept)."""

    def new_date(found: re.Match) -> str:
        before, _, gap1, _, gap2, _ = found.groups()
        return f"{before}{as_of.day}{gap1}{as_of:%B}{gap2}{as_of.year}"

    return AS_OF_TEXT.sub(new_date, text)


def as_of_dates(text: str) -> list[date]:
    """Every "as of <date>" in ``text``, as dates."""
    return [
        date(int(year), MONTHS.index(month[:3]) + 1, int(day)) for _, day, _, month, _, year in AS_OF_TEXT.findall(text)
    ]


GUIDE_QUESTION = "**Is it illegal for a model to store images?**"  # docs/teaching.md, the questions students ask


def guide_answer(guide: str) -> tuple[int, int]:
    """Where, in docs/teaching.md, the answer to "Is it illegal for a model to store images?" starts and ends."""
    start = guide.index(GUIDE_QUESTION)
    end = guide.find("\n\n", start)
    return start, len(guide) if end == -1 else end


def with_guide_as_of(guide: str, as_of: date = AS_OF) -> str:
    """docs/teaching.md with the "as of" date of that answer (only there) set to ``as_of``."""
    start, end = guide_answer(guide)
    return guide[:start] + with_as_of(guide[start:end], as_of) + guide[end:]


def refresh_lesson(notebook: dict) -> dict:
    """Lesson 06's notebook JSON with Step 1's table from ``court_cases`` and every "as of" date set to AS_OF."""
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if source.startswith("## Step 1"):
            source = with_table(source, table_markdown())
        if cell["cell_type"] == "markdown":
            source = with_as_of(source)
        if source != "".join(cell["source"]):
            cell["source"] = source.splitlines(keepends=True)
    return notebook


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.parse_args(argv)
    bad = [problem for case in CASES for problem in problems(case)]
    if bad:
        print("memlab.teaching.court_cases needs fixing first:\n  " + "\n  ".join(bad), file=sys.stderr)
        return 1
    notebook = refresh_lesson(json.loads(LESSON.read_text(encoding="utf-8")))
    # the project's notebook format (as nbedit and the student version write it)
    LESSON.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    GUIDE.write_text(with_guide_as_of(GUIDE.read_text(encoding="utf-8")), encoding="utf-8")
    print(
        f"lesson 06: {len(CASES)} cases as of {long_date(court_cases.AS_OF)}; now run python -m memlab.teaching.versions"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
