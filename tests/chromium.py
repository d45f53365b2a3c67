"""Headless Chromium driven over the DevTools protocol on a pipe (no network port, no extra package).

``--remote-debugging-pipe`` makes the browser read JSON commands on fd 3 and
write replies and events on fd 4, each message ending in a NUL byte. That is
all a test needs: open a file:// page, read the DOM with an expression, collect
console messages, exceptions and requests, and take a full-page screenshot.
Used by tests/acceptance/test_html_browser.py and docs/scripts/html_screenshots.py.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

#: Flags that keep a headless run quiet, offline and fast.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--mute-audio",
         "--hide-scrollbars", "--remote-debugging-pipe")


def executable() -> str | None:
    """The Chromium binary, or None when it is not installed."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class BrowserError(RuntimeError):
    pass


class Page:
    """One page loaded in its own browser process (started and stopped by ``with``)."""

    def __init__(self, path: Path, *, width: int = 1280, height: int = 900,
                 timeout: float = 30.0) -> None:
        exe = executable()
        if exe is None:
            raise BrowserError("chromium is not installed")
        self.url = path.resolve().as_uri()
        self.width, self.height, self.timeout = width, height, timeout
        self._profile = tempfile.mkdtemp(prefix="trialrules-chromium-")
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()

        def wire() -> None:  # in the child: the protocol's fds 3 (commands) and 4 (replies)
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={self._profile}",
             f"--window-size={width},{height}", "about:blank"],
            pass_fds=(3, 4, to_browser_r, from_browser_w), preexec_fn=wire,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._w = os.fdopen(to_browser_w, "wb", buffering=0)
        self._r = os.fdopen(from_browser_r, "rb", buffering=0)
        self._buffer = b""
        self._n = 0
        self.events: list[dict[str, Any]] = []
        self._session: str | None = None

    # -- protocol ------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise BrowserError("no reply from chromium in time")
            chunk = self._r.read(1 << 16)
            if not chunk:
                raise BrowserError("chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)  # type: ignore[no-any-return]

    def send(self, method: str, *, session: bool = True, **params: Any) -> dict[str, Any]:
        self._n += 1
        message: dict[str, Any] = {"id": self._n, "method": method, "params": params}
        if session and self._session is not None:
            message["sessionId"] = self._session
        self._w.write(json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._n:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply["result"]  # type: ignore[no-any-return]
            self.events.append(reply)

    def _wait_for(self, event: str) -> None:
        while not any(e.get("method") == event for e in self.events):
            self.events.append(self._read())

    # -- what tests use -------------------------------------------------------

    def __enter__(self) -> Page:
        try:
            target = self.send("Target.createTarget", session=False, url="about:blank")
            self._session = self.send("Target.attachToTarget", session=False,
                                      targetId=target["targetId"], flatten=True)["sessionId"]
            for domain in ("Runtime", "Log", "Page", "Network"):
                self.send(f"{domain}.enable")
            self.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                      deviceScaleFactor=1, mobile=False)
            self.goto(None)
        except BaseException:
            self.close()
            raise
        return self

    def goto(self, path: Path | None) -> None:
        """Load another page in the same browser (``None``: the page given at the start)."""
        if path is not None:
            self.url = path.resolve().as_uri()
        self.events.clear()
        self.send("Page.navigate", url=self.url)
        self._wait_for("Page.loadEventFired")

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            if self._proc.poll() is None:
                with contextlib.suppress(BrowserError, OSError):
                    self.send("Browser.close", session=False)
                try:
                    self._proc.wait(5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(5)
        finally:
            for stream in (self._w, self._r):
                with contextlib.suppress(OSError):
                    stream.close()
            shutil.rmtree(self._profile, ignore_errors=True)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-serializable)."""
        reply = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in reply:
            raise BrowserError(f"{expression!r} failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def problems(self) -> list[str]:
        """Console messages, uncaught exceptions and log entries of level warning or error."""
        out = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.consoleAPICalled":
                out.append(f"console.{params.get('type')}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                out.append(f"exception: {params.get('exceptionDetails')}")
            elif method == "Log.entryAdded" and params["entry"]["level"] in ("warning", "error"):
                out.append(f"log {params['entry']['level']}: {params['entry']['text']}")
        return out

    def requests(self) -> list[str]:
        """Every URL the page asked for (the page itself included)."""
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self, path: Path, *, top: float = 0, max_height: int = 6000) -> Path:
        """A PNG of the page from ``top`` down, beyond the window's height (at most ``max_height``)."""
        height = self.evaluate("document.documentElement.scrollHeight")
        clip = {"x": 0, "y": top, "width": self.width,
                "height": max(1, min(max_height, height - top)), "scale": 1}
        shot = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip=clip)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def pdf(self, path: Path) -> Path:
        """The page printed (print stylesheet, A4, backgrounds on) to a PDF file."""
        printed = self.send("Page.printToPDF", printBackground=True, paperWidth=8.27,
                            paperHeight=11.69, preferCSSPageSize=False)
        path.write_bytes(base64.b64decode(printed["data"]))
        return path
