"""Safe rendering of trace markdown to HTML on the server.

Raw HTML in the source is escaped (``html=False``); link and image targets keep only
``http:``, ``https:``, ``mailto:`` and relative URLs (anything else, such as
``javascript:`` or ``data:``, leaves the text unlinked); links open without a referrer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from markdown_it import MarkdownIt

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def is_safe_url(url: str) -> bool:
    """True for http(s)/mailto URLs and relative ones (no scheme, no control characters)."""
    cleaned = _CONTROL.sub("", url)
    if cleaned != url.strip():
        return False  # control characters or whitespace inside a URL hide its scheme
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return False
    if not scheme:
        return ":" not in cleaned.split("/", 1)[0]  # "javascript&colon;..." is not relative
    return scheme in SAFE_SCHEMES


def _link_open(self: Any, tokens: list[Any], idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    return self.renderToken(tokens, idx, options, env)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = is_safe_url  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    return md


CACHED_TEXT = 8192  # render results of texts up to this length are kept (most traces)


@lru_cache(maxsize=2048)
def _render_cached(text: str) -> str:
    return _parser().render(text)


def render_markdown(text: str) -> str:
    """HTML for ``text``, safe to insert into a page as is."""
    return _render_cached(text) if len(text) <= CACHED_TEXT else _parser().render(text)
