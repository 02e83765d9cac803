"""Coordinator-written Markdown, rendered and sanitized once per distinct text."""

from __future__ import annotations

from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "h2", "h3", "h4", "code"}


@lru_cache(maxsize=512)
def render_markdown(text: str) -> Markup:
    html = markdown.markdown(text or "", extensions=["sane_lists"])
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener nofollow",
    )
    return Markup(clean)
