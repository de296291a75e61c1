"""PDFs of the rendered pages, printed by headless Chromium from the same HTML the reader sees.

Why Chromium, driven through the Chrome DevTools Protocol (`Page.printToPDF`) rather than `chromium --print-to-pdf`:
- one browser per worker process prints every page that worker renders (a Chromium start costs ≈0.5 s; the
  command line starts one per page);
- `displayHeaderFooter` with header and footer templates puts the synthetic-data banner and "page n of m" on
  every page, in the margin, where they cannot cover the content (the command line only has Chromium's own
  date/URL header);
- `generateTaggedPDF` and `generateDocumentOutline` make a tagged PDF with the headings as bookmarks;
- A4, text selectable (Chromium prints text as text) and figures sharp (the PNGs are embedded as drawn, at 150 dpi).
The protocol is spoken over `--remote-debugging-pipe` (file descriptors 3 and 4), so nothing is needed but
Debian's `chromium`: no chromedriver, no Python package, no network port.

When Chromium is absent (or IGB_PDF=0), `enabled()` says so once per process, and no PDF is made.
"""

from __future__ import annotations

import atexit
import base64
import json
import logging
import os
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from igb.lock import process_alive
from igb.safe import html_text
from igb.survey.io import atomic_path

log = logging.getLogger(__name__)

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio")
CM = 1 / 2.54  # inch
PRINT = {"paperWidth": 21.0 * CM, "paperHeight": 29.7 * CM,  # A4
         "marginTop": 1.8 * CM, "marginBottom": 1.6 * CM, "marginLeft": 1.5 * CM, "marginRight": 1.5 * CM,
         "printBackground": True, "preferCSSPageSize": False, "displayHeaderFooter": True,
         "generateTaggedPDF": True, "generateDocumentOutline": True, "transferMode": "ReturnAsBase64"}
TIMEOUT = 60.0  # seconds for one page


def chromium() -> str | None:
    """The Chromium to print with: $IGB_CHROMIUM, else the first of CANDIDATES on PATH (None: none)."""
    given = os.environ.get("IGB_CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


@lru_cache(maxsize=1)
def enabled() -> bool:
    """Whether PDFs are made in this process; when not, one notice says why (once per process)."""
    if os.environ.get("IGB_PDF", "1") == "0":
        return False
    if chromium() is None:
        log.warning("note: no PDFs are made: headless Chromium was not found (Debian: apt-get install chromium; "
                    "or set IGB_CHROMIUM to its path)")
        return False
    return True


def header_footer(banner: str, page_word: str, of_word: str) -> tuple[str, str]:
    """The header (the synthetic-data banner, if any) and footer (page n of m) templates of every page."""
    style = "font-family:sans-serif;font-size:8pt;width:100%;margin:0 1.5cm;"
    header = (f'<div style="{style}color:#8b0000;font-weight:bold;text-align:center">{html_text(banner)}</div>'
              if banner else "<div></div>")
    footer = (f'<div style="{style}color:#333;text-align:right">{html_text(page_word)} <span class="pageNumber"></span>'
              f' {html_text(of_word)} <span class="totalPages"></span></div>')
    return header, footer


class Browser:
    """One headless Chromium, spoken to over the DevTools pipe; prints pages to PDF one after another."""

    def __init__(self, executable: str):
        _remove_empty_profiles()
        self.profile = tempfile.mkdtemp(prefix=f"igb-chromium-{os.getpid()}-")
        to_browser_r, self._write = os.pipe()
        self._read, from_browser_w = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4 (put there in the child: `_pipe_fds`)
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            close_fds=False, preexec_fn=_pipe_fds(to_browser_r, from_browser_w))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._id = 0
        self.events: list = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=self.session)
        # pages are printed offline: nbconvert's require.js and MathJax from a CDN would only delay the load event
        self.call("Network.enable", session=self.session)
        self.call("Network.setBlockedURLs", session=self.session, urls=["http://*", "https://*"])

    def call(self, method: str, *, session: str | None = None, **params) -> dict:
        """Send one command and wait for its answer (events meanwhile are recorded in self.events)."""
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._next()
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"Chromium: {method}: {answer['error'].get('message')}")
                return answer.get("result", {})
            self.events.append(answer)

    def _next(self) -> dict:
        while b"\0" not in self._buffer:
            chunk = os.read(self._read, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def print_pdf(self, page: Path, pdf: Path, *, banner: str = "", page_word: str = "page",
                  of_word: str = "of") -> Path:
        """Load `page` (a local HTML file) and print it to `pdf` (A4, page numbers, banner on every page)."""
        self.events = []
        self.call("Page.navigate", session=self.session, url=Path(page).resolve().as_uri())
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._next())
        header, footer = header_footer(banner, page_word, of_word)
        data = self.call("Page.printToPDF", session=self.session, headerTemplate=header, footerTemplate=footer,
                         **PRINT)["data"]
        return atomic_path(Path(pdf), lambda tmp: Path(tmp).write_bytes(base64.b64decode(data)))

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (OSError, RuntimeError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
        for fd in (self._read, self._write):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)


def _remove_empty_profiles() -> None:
    """A worker that is stopped does not get to remove its browser's profile; Chromium empties it on exit. Remove
    the empty ones whose worker has ended: the folder names its worker's pid, because a profile is also empty for
    the moment between its making and its Chromium's start (two workers start their browsers at once)."""
    for folder in Path(tempfile.gettempdir()).glob("igb-chromium-*"):
        owner = folder.name.split("-")[2]
        if owner.isdigit() and process_alive(int(owner)):
            continue
        try:
            folder.rmdir()  # only if empty
        except OSError:
            pass


def _pipe_fds(read_end: int, write_end: int):
    """In the child: put the pipe ends on fds 3 (commands in) and 4 (answers out), as Chromium expects."""
    def move() -> None:
        a, b = os.dup(read_end), os.dup(write_end)  # out of the way of 3 and 4 first
        os.dup2(a, 3)
        os.dup2(b, 4)
        # inheritable, so they survive exec (the parent's other fds do not). dup2 onto itself is a no-op that keeps
        # close-on-exec: where 3 and 4 were free, `os.dup` put a and b there and Chromium found no pipe (igb run
        # --jobs 1, igb compare: a process without a pool's descriptors)
        os.set_inheritable(3, True)
        os.set_inheritable(4, True)
    return move


_browser: Browser | None = None


def browser() -> Browser:
    """This process's Chromium (started on first use, closed when the process exits)."""
    global _browser
    if _browser is None or _browser.process.poll() is not None:
        _browser = Browser(chromium())
        atexit.register(close)
    return _browser


def close() -> None:
    global _browser
    if _browser is not None:
        _browser.close()
        _browser = None


def print_pdf(page: Path, pdf: Path, *, banner: str = "", lang: str = "nl") -> Path:
    """`page` printed to `pdf` by this process's Chromium, with the banner (if any) and page numbers in `lang`."""
    from igb.text import t

    words = dict(banner=banner, page_word=t("pages.pdf_page", lang), of_word=t("pages.pdf_of", lang))
    try:
        return browser().print_pdf(page, pdf, **words)
    except (RuntimeError, OSError) as exc:  # the browser died (it happens): once more with a new one
        log.warning("note: Chromium ended while printing %s (%s); printing it again with a new browser", page, exc)
        close()
        return browser().print_pdf(page, pdf, **words)
