"""One way to write numbers in everything a student reads (issue 37, finding 8): "60 000" and "62 %".

Thousands are grouped by a space and a share is followed by a space and "%", as in the International System
of Units' style guide (SI Brochure, 9th edition, 2019, section 5.4.4, and section 5.4.7 for "%"). The spaces
are no-break spaces (U+00A0), so "60 000" and "62 %" never break across two lines on a narrow screen;
they look and read like ordinary spaces.

    >>> count(60000), percent(0.62), percent(0.0004, digits=1)
    ('60\xa0000', '62\xa0%', '0.0\xa0%')
"""

SPACE = "\u00a0"  # no-break space


def count(n: int) -> str:
    """A whole number with its thousands grouped: 60000 -> "60 000", 1 -> "1", -1234 -> "-1 234"."""
    return f"{int(n):,}".replace(",", SPACE)


def percent(share: float, digits: int = 0) -> str:
    """A share (0..1) as a percentage: 0.62 -> "62 %"; ``digits`` after the decimal point."""
    return f"{100 * share:.{digits}f}{SPACE}%"
