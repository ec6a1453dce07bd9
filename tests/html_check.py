"""Checks every `_repr_html_` test shares: balanced tags, no scripts, the text users read."""

from __future__ import annotations

import html
from html.parser import HTMLParser

_VOID = {"br", "hr", "img", "meta", "input", "col", "wbr"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self.rows = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "tr":
            self.rows += 1
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(markup: str) -> tuple[str, int]:
    """The visible text and the number of table rows (header rows included), after
    asserting the markup is balanced and carries no script, style sheet or link."""
    p = _Checker()
    p.feed(markup)
    p.close()
    assert not p.stack, f"unclosed tags {p.stack}"
    assert not {"script", "link", "style", "iframe"} & set(p.tags), p.tags
    assert "<script" not in markup.lower()
    return html.unescape(" ".join(p.text)), p.rows
