"""Student content in the grader's HTML: nothing a student wrote may run in a TA's browser.

Two layers, both applied by :mod:`autograder.gradebook`:

1. **The autograded notebook** (what formgrader and the feedback are rendered from):
   :func:`safe_notebook_cells` drops every output and every cell metadata but nbgrader's,
   keeps only raster-image attachments, hides raw cells from HTML, and checks every markdown
   cell as the renderer sees it (nbconvert's mistune renderer): a cell whose HTML has anything
   but passive formatting (``<script>``, ``on*=`` handlers, ``<iframe>``, ``<svg>``, styles,
   ``javascript:`` or ``data:`` links, comments...) is replaced by its own text in a fenced
   code block, so the TA still reads it and nothing runs. Honest cells -- text, math, code,
   tables, images -- are left as written.
2. **The feedback page**: :func:`clean_feedback_html` runs the ``<body>`` of the HTML that
   nbgrader wrote through nh3 (the Python binding of the Rust sanitiser ammonia,
   https://github.com/messense/nh3) with an allow-list of tags, attributes and URL schemes;
   the ``<head>`` is nbconvert's template (styles, MathJax), with no student content.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# passive formatting that markdown (and a careful student's inline HTML) produces
MARKDOWN_TAGS = frozenset(
    "a abbr b blockquote br caption cite code col colgroup dd del details div dl dt em figcaption figure h1 h2 h3 h4 "
    "h5 h6 hr i img ins kbd li mark ol p pre q s samp small span strong sub summary sup table tbody td tfoot th thead "
    "tr tt u ul var".split()
)
COMMON_ATTRIBUTES = frozenset({"class", "id", "title", "lang", "dir", "align"})
TAG_ATTRIBUTES = {
    "a": frozenset({"href"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan"}),
    "ol": frozenset({"start"}),
}
URL_ATTRIBUTES = frozenset({"href", "src"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
RASTER_DATA_URL = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
RASTER_MIMETYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
FEEDBACK_TAGS = MARKDOWN_TAGS | {"main", "section", "article", "header", "footer", "nav", "aside", "label", "center"}
NOTICE = "*The grader shows this cell as text: it holds HTML that could run in a browser, or is too long to check.*"
MAX_CHECKED_MARKDOWN = 64 * 1024  # characters; a longer markdown cell is shown as text unchecked (rendering is slow)


def safe_url(value: str, *, image: bool = False) -> bool:
    """A link or image source that cannot run code: http(s), mailto, relative or an anchor
    (an image may also be an embedded raster image or a notebook attachment)."""
    compact = "".join(ch for ch in value if ord(ch) > 0x20)  # browsers ignore whitespace and controls
    match = SCHEME.match(compact)
    if match is None:
        return True
    scheme = match.group(1).lower()
    if scheme in SAFE_SCHEMES:
        return True
    return image and (scheme == "attachment" or bool(RASTER_DATA_URL.match(value.strip())))


class _PassiveCheck(HTMLParser):
    """Finds anything in an HTML fragment that is not passive formatting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.problem: str | None = None

    def _flag(self, why: str) -> None:
        self.problem = self.problem or why

    def handle_starttag(self, tag, attrs):
        if tag not in MARKDOWN_TAGS:
            self._flag(f"<{tag}>")
        allowed = COMMON_ATTRIBUTES | TAG_ATTRIBUTES.get(tag, frozenset())
        for name, value in attrs:
            if name not in allowed:
                self._flag(f"attribute {name}")
            elif name in URL_ATTRIBUTES and not safe_url(value or "", image=tag == "img"):
                self._flag(f"{name} URL")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag not in MARKDOWN_TAGS:
            self._flag(f"</{tag}>")

    def handle_data(self, data):
        if "<" in data:  # the renderer escapes text: a raw '<' is markup this parser did not take as a tag
            self._flag("unparsed markup")

    def handle_comment(self, data):
        self._flag("comment")

    def handle_decl(self, decl):
        self._flag("declaration")

    def handle_pi(self, data):
        self._flag("processing instruction")

    def unknown_decl(self, data):
        self._flag("declaration")


def active_content(html: str) -> str | None:
    """What in ``html`` is not passive formatting (None when nothing is)."""
    check = _PassiveCheck()
    check.feed(html)
    check.close()
    if check.rawdata:  # an unterminated tag left in the buffer
        check._flag("unterminated markup")
    return check.problem


def render_markdown(source: str) -> str:
    """A markdown cell as nbconvert renders it (mistune, with math kept as text)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(source)


def as_text_block(source: str) -> str:
    """``source`` shown verbatim in a fenced code block (a fence longer than any run of backticks in it)."""
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{NOTICE}\n\n{fence}text\n{source}\n{fence}"


def safe_markdown(source: str) -> str:
    """``source`` if it renders to passive HTML, else the same text shown as a code block."""
    if len(source) > MAX_CHECKED_MARKDOWN:
        return as_text_block(source)
    try:
        problem = active_content(render_markdown(source))
    except Exception:  # noqa: BLE001 - a renderer failure is treated as active content
        problem = "unrenderable"
    return source if problem is None else as_text_block(source)


def safe_notebook_cells(notebook, *, keep_metadata=("nbgrader",)) -> None:
    """In place: drop outputs, execution counts, foreign metadata and non-raster attachments
    of every cell; markdown cells through :func:`safe_markdown`; raw cells lose their format
    (nbconvert then leaves them out of HTML)."""
    for cell in notebook.cells:
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        cell["metadata"] = type(metadata)({k: v for k, v in metadata.items() if k in keep_metadata})
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
        attachments = cell.get("attachments")
        if isinstance(attachments, dict):
            kept = {name: {m: d for m, d in bundle.items() if m in RASTER_MIMETYPES}
                    for name, bundle in attachments.items() if isinstance(bundle, dict)}
            cell["attachments"] = {name: bundle for name, bundle in kept.items() if bundle}
            if not cell["attachments"]:
                cell.pop("attachments")
        elif "attachments" in cell:
            cell.pop("attachments")
        if cell.get("cell_type") == "markdown" and isinstance(cell.get("source"), str):
            cell["source"] = safe_markdown(cell["source"])


def _attribute_filter(tag: str, name: str, value: str) -> str | None:
    if name in URL_ATTRIBUTES and not safe_url(value, image=tag == "img"):
        return None
    return value


def clean_fragment(html: str, *, tags=FEEDBACK_TAGS) -> str:
    """An HTML fragment with nothing but the allow-listed tags, attributes and URLs (nh3)."""
    import nh3

    attributes = {"*": set(COMMON_ATTRIBUTES), **{tag: set(names) for tag, names in TAG_ATTRIBUTES.items()}}
    return nh3.clean(
        html,
        tags=set(tags),
        attributes=attributes,
        attribute_filter=_attribute_filter,
        url_schemes=set(SAFE_SCHEMES) | {"data", "attachment"},
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


def clean_feedback_html(document: str) -> str:
    """A whole feedback page with its ``<body>`` sanitised; the ``<head>`` (nbconvert's
    template: styles and MathJax) is kept. A page without a body is sanitised whole."""
    opening = re.search(r"<body\b[^>]*>", document, re.IGNORECASE)
    closing = document.lower().rfind("</body>")
    if opening is None or closing < opening.end():
        return "<!DOCTYPE html>\n<html><head><meta charset='utf-8'></head><body>\n" + clean_fragment(document) + "\n</body></html>\n"
    return document[: opening.end()] + clean_fragment(document[opening.end():closing]) + document[closing:]
