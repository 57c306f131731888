"""Fixtures for the browser test: a local web server for the built book and Chromium.

The test runs only when ``RANDFB_BOOK_HTML`` names a built book (``make test`` sets it
to the quick build); otherwise it is skipped, so a plain ``pytest`` run does not need a
browser. Chromium is Debian's (``/usr/bin/chromium``, or ``$CHROMIUM``), driven by
Playwright; Playwright never downloads a browser of its own here.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def html_dir() -> Path:
    value = os.environ.get("RANDFB_BOOK_HTML")
    if not value:
        pytest.skip(
            "RANDFB_BOOK_HTML is not set: build the book first (make test does both)"
        )
    path = Path(value).resolve()
    if not (path / "index.html").is_file():
        pytest.fail(
            f"RANDFB_BOOK_HTML={value}: no index.html there; build the book first"
        )
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def base_url(html_dir: Path):
    """Serve the built HTML on 127.0.0.1 (an ephemeral port) for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).is_file():
        pytest.fail(
            f"Chromium not found at {executable}: install Debian's package 'chromium' "
            "(apt-get install chromium), or run `make test BROWSER=0` to skip this test"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def fetched_pages() -> dict:
    """Cache of URL -> (status, body) for link targets checked over HTTP."""
    return {}
