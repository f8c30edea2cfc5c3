"""Text from documents and models, made inert wherever Streamlit renders Markdown or HTML.

Titles, section names, passages and LLM replies are written by others: a title such as
``![x](https://evil.example/?q=…)`` would otherwise become an image the browser fetches, and
a reply could carry links, tags, math or Streamlit directives (``:red[…]``). ``inert(text)``
turns every ASCII punctuation mark that Markdown, HTML or Streamlit give a meaning to into a
numeric character reference (``[`` → ``&#91;``): Markdown and HTML parsers alike decode a
reference as the literal character, after parsing, so the text is shown exactly as written and
none of it is markup. Plain sentence punctuation (``. , ; ? ' " / %``) is left as it is: it
means nothing on its own. Streamlit's Markdown also turns bare addresses into links after
decoding (``https://…``, ``www.…``, ``name@host``): an invisible word joiner (U+2060) before
every ``:`` and ``@`` and after ``www`` keeps them plain text. The only links the app adds to
such text are its own citation anchors (``cards.answer_html``).
"""

from __future__ import annotations

import re
import string

PLAIN = ".,;?'\"/%"
_REFERENCES = str.maketrans({c: f"&#{ord(c)};" for c in string.punctuation if c not in PLAIN})
JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?=[:@])|(?<=www)(?=\.)")


def inert(text: str) -> str:
    """``text`` shown as itself in Streamlit Markdown, HTML or a widget label: no markup."""
    return _AUTOLINK.sub(JOINER, text).translate(_REFERENCES)
