"""The text a reader of a report page sees: its visible text and the text of its figures
(the SVG images embedded as data URIs), for tests that look for words in a whole report."""

from __future__ import annotations

import base64
import html
import re

_FIGURE = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)")
_TAG = re.compile(r"<style>.*?</style>|<[^>]+>", re.S)


def page_text(page: str) -> str:
    """The visible text of HTML ``page`` and every text of its SVG figures, unescaped,
    with runs of white space as one space (figure texts after the page's)."""
    figures = [base64.b64decode(b).decode("utf-8") for b in _FIGURE.findall(page)]
    texts = [_TAG.sub(" ", t) for svg in figures for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.S)]
    visible = _TAG.sub(" ", _FIGURE.sub("", page))
    return " ".join(html.unescape(" ".join([visible, *texts])).split())
