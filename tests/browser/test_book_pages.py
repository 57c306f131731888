"""Every page of the built book, as a reader's browser sees it (headless Chromium).

For each document listed in ``_toc.yml``: the page loads with no console error, no
uncaught script error and no failed request; nothing is requested from outside this
machine (math is rendered by the bundled MathJax, offline); every image loads; every
math element is typeset by MathJax without error and no raw TeX is left in the text;
every internal link and anchor resolves; no executed cell shows an error or stderr
output; chapters offer their notebook for download and hide papermill's injected cell.

Reading layout of every chapter, in a 1440 x 900 window: the code a reader sees without
clicking is at most 20 % of the page's height, and no code block, shown or collapsed
(opened first), scrolls sideways. The failure messages give the measured share, the
heights or widths in pixels, and the largest or widest blocks with their cell tags.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from booktools import TOC_PATH, toc_docnames, toc_sources

DOCNAMES = toc_docnames(TOC_PATH)
CHAPTERS = {
    path.relative_to(TOC_PATH.parent).with_suffix("").as_posix()
    for path in toc_sources(TOC_PATH)
    if path.suffix == ".ipynb"
}

# Text that must not survive rendering (outside code): TeX delimiters and commands,
# and MyST roles or directives that were not parsed.
RAW_TEX = re.compile(
    r"\$\$|\\\(|\\\)|\\\[|\\\]|\\[A-Za-z]+"
    r"|\{(glue|cite|prf|numref|doc|math|eq)[:}]"
)

VISIBLE_TEXT_JS = """
() => {
  const main = document.querySelector('main') || document.body;
  const clone = main.cloneNode(true);
  clone.querySelectorAll(
    'pre, code, script, style, textarea, mjx-container, .highlight')
       .forEach(e => e.remove());
  return clone.textContent;
}
"""

MATH_JS = """
() => {
  const maths = Array.from(document.querySelectorAll('main .math'));
  return {
    total: maths.length,
    untypeset: maths.filter(m => !m.querySelector('mjx-container'))
                    .map(m => m.textContent.slice(0, 80)),
    errors: Array.from(document.querySelectorAll('mjx-merror'))
                 .map(e => e.textContent.slice(0, 80)),
    script: (document.querySelector('script[src*="mathjax"]') || {}).src || null,
  };
}
"""

IMAGES_JS = """
async () => {
  const images = Array.from(document.images);
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  return {
    total: images.length,
    broken: images.filter(img => !(img.complete && img.naturalWidth > 0))
                  .map(img => img.getAttribute('src')),
  };
}
"""

LINKS_JS = """
() => Array.from(document.querySelectorAll('a[href]'))
           .map(a => a.href)
"""

CELL_PROBLEMS_JS = """
() => Array.from(document.querySelectorAll(
        '.cell_output .output.traceback, .cell_output .output.error, '
        + '.cell_output .output.stderr'))
      .map(e => e.className + ': ' + e.textContent.trim().slice(0, 300))
"""


class _IdCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


def _anchor_ids(html: str) -> set[str]:
    parser = _IdCollector()
    parser.feed(html)
    return parser.ids


def _fetch(context, url: str, cache: dict) -> tuple[int, str]:
    if url not in cache:
        response = context.request.get(url)
        body = response.text() if response.ok and url.endswith((".html", "/")) else ""
        cache[url] = (response.status, body)
    return cache[url]


def _load(browser, url: str, base_url: str, viewport: dict | None = None):
    """Open ``url`` in a fresh context, recording every problem while it loads."""
    problems = {
        "console": [],
        "pageerror": [],
        "failed": [],
        "status": [],
        "external": [],
    }
    context = (
        browser.new_context(viewport=viewport) if viewport else browser.new_context()
    )
    host = urlparse(base_url).netloc

    def route(route):
        parsed = urlparse(route.request.url)
        if parsed.scheme in ("http", "https") and parsed.netloc != host:
            problems["external"].append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and problems["console"].append(f"{m.text} ({m.location.get('url')})")
        ),
    )
    page.on("pageerror", lambda e: problems["pageerror"].append(str(e)))
    page.on(
        "requestfailed", lambda r: problems["failed"].append(f"{r.url}: {r.failure}")
    )
    page.on(
        "response",
        lambda r: (
            r.status >= 400 and problems["status"].append(f"{r.url}: HTTP {r.status}")
        ),
    )
    response = page.goto(url, wait_until="networkidle")
    assert response is not None and response.ok, (
        f"{url}: HTTP {response and response.status}"
    )
    return context, page, problems


@pytest.mark.parametrize("docname", DOCNAMES)
def test_page(docname, browser, base_url, fetched_pages):
    url = f"{base_url}{docname}.html"
    context, page, problems = _load(browser, url, base_url)
    try:
        # Math: typeset by the bundled MathJax, no errors, no raw TeX left.
        math = page.evaluate(MATH_JS)
        if math["total"]:
            assert math["script"] and math["script"].startswith(base_url), (
                f"{docname}: MathJax is not loaded from the book itself: "
                f"{math['script']}"
            )
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
            )
            page.evaluate("async () => { await MathJax.startup.promise; }")
            math = page.evaluate(MATH_JS)
            assert not math["untypeset"], (
                f"{docname}: math not typeset: {math['untypeset']}"
            )
            assert not math["errors"], f"{docname}: MathJax errors: {math['errors']}"
        raw = sorted(
            {m.group(0) for m in RAW_TEX.finditer(page.evaluate(VISIBLE_TEXT_JS))}
        )
        assert not raw, (
            f"{docname}: raw TeX or MyST markup left in the page text: {raw}"
        )

        images = page.evaluate(IMAGES_JS)
        assert not images["broken"], (
            f"{docname}: images that did not load: {images['broken']}"
        )

        cell_problems = page.evaluate(CELL_PROBLEMS_JS)
        assert not cell_problems, f"{docname}: cells with error output: {cell_problems}"

        if docname in CHAPTERS:
            assert images["total"] >= 1, f"{docname}: a chapter without any figure"
            assert math["total"] >= 1, f"{docname}: a chapter without any math"
            download = page.locator(f'a[href$="_sources/{docname}.ipynb"]')
            assert download.count() >= 1, (
                f"{docname}: no download link for the notebook"
            )
            assert page.locator(".tag_injected-parameters").count() == 0, (
                f"{docname}: papermill's injected-parameters cell is visible"
            )

        # Internal links: every target page exists and every anchor is on it.
        broken = []
        own_ids = None
        for href in sorted(set(page.evaluate(LINKS_JS))):
            target, fragment = urldefrag(href)
            if not target.startswith(base_url):
                continue
            if target == url.split("#")[0]:
                if fragment:
                    own_ids = own_ids or _anchor_ids(page.content())
                    if unquote(fragment) not in own_ids:
                        broken.append(href)
                continue
            status, body = _fetch(context, target, fetched_pages)
            if status != 200:
                broken.append(f"{href} (HTTP {status})")
            elif fragment and unquote(fragment) not in _anchor_ids(body):
                broken.append(f"{href} (no anchor #{fragment})")
        assert not broken, f"{docname}: broken internal links: {broken}"

        # Collected while loading: nothing may have gone wrong.
        for kind in ("console", "pageerror", "failed", "status", "external"):
            assert not problems[kind], f"{docname}: {kind}: {problems[kind]}"
    finally:
        context.close()


def test_index_redirects_to_root(browser, base_url):
    context, page, problems = _load(browser, base_url + "index.html", base_url)
    try:
        assert page.url.endswith(f"{DOCNAMES[0]}.html"), f"index.html led to {page.url}"
        assert not problems["console"] and not problems["pageerror"], problems
    finally:
        context.close()


def test_every_toc_page_was_built(html_dir: Path):
    missing = [d for d in DOCNAMES if not (html_dir / f"{d}.html").is_file()]
    assert not missing, f"pages listed in _toc.yml but not built: {missing}"


# Reading layout of the chapters, measured in a window of this size: a common laptop
# screen, wide enough that the theme's text column has its full width (854 px, code
# blocks 786 px, 88 characters of code need 774 px).
READING_VIEWPORT = {"width": 1440, "height": 900}
# Code a reader sees without clicking: at most this share of a chapter page's height
# (the rest is prose, equations, figures, tables; setup, plotting, glue and check code
# are collapsed with the cell tag hide-input, or removed).
MAX_VISIBLE_CODE_SHARE = 0.20

# Code blocks of a page: the input of every notebook cell and the literal blocks of the
# text (not the outputs of cells).
_CODE_BLOCKS_JS = """
const article = document.querySelector('article.bd-article')
  || document.querySelector('main');
const CODE = '.cell_input, div[class*="highlight-"]';
const isBlock = e => e.matches('.cell_input') || /(^| )highlight-/.test(e.className);
const codeBlocks = Array.from(article.querySelectorAll(CODE))
  .filter(e => !e.closest('.cell_output'))
  .filter(e => !(e.parentElement && e.parentElement.closest(CODE)))
  .filter(isBlock);
const describe = e => {
  const pre = e.querySelector('pre');
  const cell = e.closest('.cell');
  const tags = cell ? Array.from(cell.classList).filter(c => c.startsWith('tag_'))
                          .map(c => c.slice(4)) : [];
  const first = (pre ? pre.textContent : e.textContent).trim().split('\\n')[0];
  const id = pre && pre.id ? pre.id : '(literal block)';
  return {id, tags, first: first.slice(0, 60)};
};
"""

VISIBLE_CODE_JS = (
    "() => {"
    + _CODE_BLOCKS_JS
    + """
  const shown = e => {
    const r = e.getBoundingClientRect();
    return r.height > 0 && r.width > 0
      && e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  };
  const blocks = codeBlocks.filter(shown).map(e => ({
      ...describe(e), height: e.getBoundingClientRect().height}));
  return {
    page: article.getBoundingClientRect().height,
    code: blocks.reduce((sum, b) => sum + b.height, 0),
    total_blocks: codeBlocks.length,
    blocks: blocks.sort((a, b) => b.height - a.height),
  };
}
"""
)

# Every code block, hidden ones included (they are opened first, as a reader who clicks
# "Show code cell source" or a solution's dropdown sees them): its width and the width
# its longest line needs.
CODE_OVERFLOW_JS = (
    "() => {"
    + _CODE_BLOCKS_JS
    + """
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden')
    .forEach(e => e.classList.remove('toggle-hidden'));
  const pres = codeBlocks.map(e => [e, e.querySelector('pre')]).filter(([e, p]) => p);
  const charWidth = p => {
    const probe = document.createElement('span');
    probe.textContent = 'x'.repeat(100);
    p.appendChild(probe);
    const width = probe.getBoundingClientRect().width / 100;
    probe.remove();
    return width;
  };
  const wide = pres.filter(([e, p]) => p.scrollWidth > p.clientWidth + 1);
  const overflowing = wide.map(([e, p]) => {
    const style = getComputedStyle(p);
    const room = p.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    const fits = Math.floor(room / charWidth(p));
    const lines = p.textContent.split('\\n');
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a), '');
    return {...describe(e), width: p.clientWidth, needed: p.scrollWidth, fits,
            too_long: lines.filter(l => l.length > fits).length,
            longest_chars: longest.length, longest: longest.trim().slice(0, 70)};
  });
  return {blocks: pres.length, overflowing};
}
"""
)

SETTLE_JS = """
async () => {
  const images = Array.from(document.images);
  images.forEach(img => { img.loading = 'eager'; });
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
}
"""

CHAPTER_DOCNAMES = [d for d in DOCNAMES if d in CHAPTERS]


_READING_LAYOUTS: dict[str, dict] = {}


def _reading_layout(browser, base_url: str, docname: str) -> dict:
    """Measure a chapter once: visible code as loaded, then every block opened."""
    if docname not in _READING_LAYOUTS:
        context, page, _ = _load(
            browser, f"{base_url}{docname}.html", base_url, viewport=READING_VIEWPORT
        )
        try:
            page.evaluate(SETTLE_JS)
            visible = page.evaluate(VISIBLE_CODE_JS)
            overflow = page.evaluate(CODE_OVERFLOW_JS)  # opens every collapsed block
        finally:
            context.close()
        _READING_LAYOUTS[docname] = {"visible": visible, "overflow": overflow}
    return _READING_LAYOUTS[docname]


def _block_label(block: dict) -> str:
    tags = f" [{', '.join(block['tags'])}]" if block["tags"] else " [no tag]"
    return f"{block['id']}{tags} {block['first']!r}"


@pytest.mark.parametrize("docname", CHAPTER_DOCNAMES)
def test_chapter_shows_little_code(docname, browser, base_url):
    """Visible (not collapsed) code is at most 20 % of the chapter page's height."""
    measured = _reading_layout(browser, base_url, docname)["visible"]
    share = measured["code"] / measured["page"]
    largest = "; ".join(
        f"{b['height']:.0f} px {_block_label(b)}" for b in measured["blocks"][:5]
    )
    assert share <= MAX_VISIBLE_CODE_SHARE, (
        f"{docname}: visible code is {100 * share:.1f} % of the page height "
        f"({measured['code']:.0f} px of {measured['page']:.0f} px in a "
        f"{READING_VIEWPORT['width']}x{READING_VIEWPORT['height']} window; "
        f"{len(measured['blocks'])} of {measured['total_blocks']} code blocks shown), "
        f"allowed {100 * MAX_VISIBLE_CODE_SHARE:.0f} %. Collapse setup, plotting, glue "
        f"and check cells with the tag hide-input (or remove-input / remove-cell). "
        f"Largest visible blocks: {largest}"
    )


@pytest.mark.parametrize("docname", CHAPTER_DOCNAMES)
def test_chapter_code_fits_the_page(docname, browser, base_url):
    """No code block, shown or collapsed, scrolls sideways."""
    measured = _reading_layout(browser, base_url, docname)["overflow"]
    overflowing = measured["overflowing"]
    details = "; ".join(
        f"{_block_label(b)}: {b['needed']} px wide in {b['width']} px (fits "
        f"{b['fits']} characters; {b['too_long']} longer lines, the longest "
        f"{b['longest_chars']}: {b['longest']!r})"
        for b in overflowing
    )
    assert not overflowing, (
        f"{docname}: {len(overflowing)} of {measured['blocks']} code blocks overflow "
        f"horizontally in a {READING_VIEWPORT['width']} px wide window: {details}"
    )


# Math that does not fit: every display equation must fit its column in a desktop window
# (long displays are broken over lines), and on a phone the page must not be wider than
# the screen; an equation wider than a phone's column must scroll in its own box (a
# scroll bar is the cue), never be cut off.
MATH_VIEWPORTS = {
    "desktop": READING_VIEWPORT,
    "phone": {"width": 390, "height": 844},
}

MATH_OVERFLOW_JS = """
async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  const root = document.querySelector('article.bd-article')
    || document.querySelector('main') || document.body;
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const scrolls = e => {
    for (let a = e; a && a !== root; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  const wide = [];
  root.querySelectorAll('mjx-container[display="true"]').forEach(c => {
    const math = c.querySelector('mjx-math');
    const box = c.parentElement || c;
    if (!math || box.clientWidth === 0) return;
    const needed = Math.ceil(math.getBoundingClientRect().width);
    const width = box.clientWidth;
    if (needed > width + 1) {
      const section = c.closest('section');
      const label = c.closest('.proof, .admonition, div[id]');
      const text = (c.querySelector('mjx-assistive-mml') || c).textContent;
      wide.push({needed, width, scrolls: scrolls(c),
                 where: (label && label.id) || (section && section.id) || '?',
                 text: text.replace(/\\s+/g, ' ').trim().slice(0, 60)});
    }
  });
  return {page: document.documentElement.scrollWidth, screen: window.innerWidth, wide};
}
"""


@pytest.mark.parametrize("width_name", list(MATH_VIEWPORTS))
@pytest.mark.parametrize("docname", DOCNAMES)
def test_math_fits_the_page(docname, width_name, browser, base_url):
    """Display math fits its column on a desktop; on a phone nothing is cut off."""
    viewport = MATH_VIEWPORTS[width_name]
    context, page, _ = _load(
        browser, f"{base_url}{docname}.html", base_url, viewport=viewport
    )
    try:
        measured = page.evaluate(MATH_OVERFLOW_JS)
    finally:
        context.close()
    wide = measured["wide"]
    details = "; ".join(
        f"{w['needed']} px in {w['width']} px at #{w['where']}"
        f"{' (scrolls)' if w['scrolls'] else ' (CLIPPED)'}: {w['text']!r}"
        for w in wide
    )
    where = f"{docname} at {viewport['width']} px"
    assert measured["page"] <= measured["screen"], (
        f"{where}: the page is {measured['page']} px wide on a {measured['screen']} px "
        f"screen (it scrolls sideways). Wide equations: {details or 'none'}"
    )
    if width_name == "desktop":
        assert not wide, (
            f"{where}: {len(wide)} display equations wider than their column (break "
            f"them over lines, e.g. an aligned environment): {details}"
        )
    else:
        clipped = [w for w in wide if not w["scrolls"]]
        assert not clipped, f"{where}: equations cut off without a scroll bar: {details}"
