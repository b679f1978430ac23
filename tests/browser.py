"""Headless Chromium driven over the DevTools protocol on a pipe (no extra packages), so
that tests see a page the way a phone or a desktop shows it: the screen size set by
device emulation, measurements taken in the page, full-page screenshots.

Tests skip when no Chromium is installed (:func:`chromium`); the CI installs Debian's.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

#: Seconds a single DevTools answer may take before the test fails (a hung browser).
TIMEOUT_S = 120.0

#: A word of a table at most this wide (CSS px) fits a column on a phone's card and on
#: a desktop, so it is never to be split over two lines.
SHORT_WORD_PX = 150

#: Measures the laid-out page: viewport width, page width, elements sticking out
#: sideways, visible text smaller than 12 px, words of a table narrower than
#: :data:`SHORT_WORD_PX` yet broken across lines (a word whose range has more than one
#: line box), and each figure's image (natural and shown size, position, whether it is
#: displayed).
MEASURE_JS = f"(() => {{ const SHORT_WORD_PX = {SHORT_WORD_PX};" + """
  const vw = document.documentElement.clientWidth;
  const wide = [], small = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.left < -0.5 || r.right > vw + 0.5))
      wide.push(`${el.tagName}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    const el = walk.currentNode.parentElement;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (walk.currentNode.textContent.trim() && el.getClientRects().length && size < 12)
      small.push(`${el.tagName} ${size}px: ${walk.currentNode.textContent.trim().slice(0, 40)}`);
  }
  const broken = [], ctx = document.createElement("canvas").getContext("2d");
  for (const cell of document.querySelectorAll("th, td")) {
    const text = cell.firstChild;
    if (!text || text.nodeType !== Node.TEXT_NODE || !cell.getClientRects().length) continue;
    for (const m of text.textContent.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(text, m.index);
      range.setEnd(text, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      ctx.font = getComputedStyle(cell).font;
      if (lines.size > 1 && ctx.measureText(m[0]).width <= SHORT_WORD_PX) broken.push(m[0]);
    }
  }
  const figures = [...document.querySelectorAll("figure")].map(f => {
    const img = f.querySelector("img"), r = img.getBoundingClientRect(), cs = getComputedStyle(img);
    return {alt: img.alt, natural: img.naturalWidth, width: r.width, height: r.height,
            left: r.left, right: r.right, complete: img.complete,
            shown: cs.display !== "none" && cs.visibility !== "hidden" && cs.opacity !== "0"};
  });
  return {vw, page: document.documentElement.scrollWidth, wide, small, broken, figures};
})()"""


def chromium() -> str | None:
    """Path of an installed Chromium (or Chrome), or None."""
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


class Browser:
    """One headless Chromium; use as a context manager."""

    def __init__(self, profile: Path):
        to_chrome, self._w = os.pipe()
        self._r, from_chrome = os.pipe()
        # Chromium reads commands on fd 3 and writes answers on fd 4
        trampoline = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
                      "os.execv(sys.argv[3], sys.argv[3:])")
        args = [chromium() or "chromium", "--headless", "--remote-debugging-pipe", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--disable-sync", "--disable-extensions",
                "--disable-background-networking", "--disable-component-update",
                "--hide-scrollbars", f"--user-data-dir={profile}", "about:blank"]
        self.proc = subprocess.Popen([sys.executable, "-c", trampoline, str(to_chrome), str(from_chrome),
                                      *args], pass_fds=(to_chrome, from_chrome),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_chrome)
        os.close(from_chrome)
        self._buf, self._id, self._events = b"", 0, []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.proc.kill()
        self.proc.wait()
        os.close(self._w)
        os.close(self._r)

    def _message(self) -> dict:
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._r], [], [], TIMEOUT_S)
            chunk = os.read(self._r, 1 << 20) if ready else b""
            if not chunk:
                raise RuntimeError("chromium stopped answering")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: bool = False, **params: Any) -> dict:
        """Send a DevTools command and return its result (events are kept for :meth:`wait`)."""
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        while True:
            m = self._message()
            if m.get("id") == self._id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self._events.append(m)

    def wait(self, event: str) -> dict:
        """The next event called ``event``."""
        while True:
            m = self._events.pop(0) if self._events else self._message()
            if m.get("method") == event:
                return m.get("params", {})

    def look(self, path: Path, width: int, height: int, mobile: bool) -> tuple[dict, bytes]:
        """Open ``path`` on a screen ``width`` x ``height`` CSS px (a phone at 3x when
        ``mobile``); returns the page measurements (:data:`MEASURE_JS`) and a full-page
        PNG screenshot at 1x."""
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=3 if mobile else 1, mobile=mobile)
        self._events.clear()
        self.call("Page.navigate", session=True, url=Path(path).resolve().as_uri())
        self.wait("Page.loadEventFired")
        measured = self.call("Runtime.evaluate", session=True, expression=MEASURE_JS,
                             returnByValue=True)["result"]["value"]
        full = self.call("Page.getLayoutMetrics", session=True)["cssContentSize"]
        shot = self.call("Page.captureScreenshot", session=True, format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": full["height"],
                               "scale": 1 / 3 if mobile else 1})
        return measured, base64.b64decode(shot["data"])
