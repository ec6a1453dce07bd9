"""aigym._html: the cell format and the card every result's `_repr_html_` uses."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from aigym import _html
from tests.html_check import parse_html


def test_cells_are_short_and_missing_reads_na() -> None:
    got = [_html.cell(v) for v in (None, math.nan, True, 0.05 * 20, 85.254, 0.031249, 123456.7)]
    assert got == ["n/a", "n/a", "yes", "1", "85.25", "0.03125", "123,457"]
    assert _html.cell(12345) == "12,345" and _html.cell(Decimal("0.5")) == "0.5000"
    assert _html.cell(dt.datetime(2026, 3, 1, 12, 5, 9)) == "2026-03-01 12:05"


def test_card_escapes_title_and_keeps_verdict_lines() -> None:
    markup = _html.card('<b onload="x">', "line one\n<script>two</script>")
    text, _ = parse_html(markup)
    assert text.split() == ["<b", 'onload="x">', "line", "one", "<script>two</script>"]
    assert markup.count("<br>") == 1 and 'onload="' not in markup
