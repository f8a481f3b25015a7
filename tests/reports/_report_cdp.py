"""A minimal Chrome DevTools Protocol client over a stdlib websocket, for browser tests.

Only what the report tests need: start headless Chromium with networking off,
open a page, send commands, collect events (console messages, exceptions,
network requests) and take screenshots.  No third-party websocket package is
installed, and RFC 6455 client framing is a few dozen lines.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

CHROMIUM = "/usr/bin/chromium"

#: Flags from the task: headless, no GPU, no background traffic; plus a dead proxy and
#: resolver so that any attempt to reach the network fails instead of succeeding.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
    "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
    "--window-size=1400,1000",
)


def chromium_path() -> str | None:
    """Return the Chromium binary if it is installed."""
    return CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")


class WebSocket:
    """A blocking RFC 6455 client: text frames out (masked), whole messages in."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        u = urlparse(url)
        self.sock = socket.create_connection((u.hostname or "127.0.0.1", u.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET {u.path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("websocket handshake: connection closed")
            head += chunk
        status, _, rest = head.partition(b"\r\n\r\n")
        if b" 101 " not in status.split(b"\r\n")[0]:
            raise ConnectionError(f"websocket handshake failed: {status[:200]!r}")
        self.buf = rest

    def _read(self, n: int) -> bytes:
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise ConnectionError("websocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def send(self, text: str) -> None:
        """Send one text message."""
        self._send_frame(0x1, text.encode())

    def recv(self) -> str:
        """Return the next whole text message, answering pings on the way."""
        parts: list[bytes] = []
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise ConnectionError("websocket closed by peer")
            if opcode in (0x0, 0x1, 0x2):
                parts.append(payload)
                if b0 & 0x80:
                    return b"".join(parts).decode()

    def close(self) -> None:
        """Close the socket (the browser is stopped separately)."""
        with contextlib.suppress(OSError):
            self._send_frame(0x8, b"")
        self.sock.close()


class Browser:
    """Headless Chromium with one page, driven over CDP."""

    def __init__(self) -> None:
        binary = chromium_path()
        if binary is None:
            raise FileNotFoundError("chromium is not installed")
        self.profile = tempfile.mkdtemp(prefix="migtrace-chromium-")
        self.proc = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.events: list[dict[str, Any]] = []
        self._id = 0
        port = self._devtools_port()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("PUT", "/json/new?about:blank")
        target = json.loads(conn.getresponse().read())
        self.ws = WebSocket(target["webSocketDebuggerUrl"])

    def _devtools_port(self) -> int:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + 60
        seen: list[str] = []
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stderr], [], [], 1.0)
            if not ready:
                if self.proc.poll() is not None:
                    break
                continue
            line = self.proc.stderr.readline()
            seen.append(line)
            m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if m:
                return int(m.group(1))
        self.close()
        raise RuntimeError("chromium did not start its DevTools server:\n" + "".join(seen[-20:]))

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and return its result; events received meanwhile are kept."""
        self._id += 1
        my_id = self._id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})  # type: ignore[no-any-return]
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method: str, limit_s: float = 60.0) -> dict[str, Any]:
        """Return the first event called `method` (already received or next to come)."""
        for ev in self.events:
            if ev["method"] == method:
                return ev
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == method:
                    return msg
        raise TimeoutError(method)

    def evaluate(self, expression: str) -> Any:
        """Evaluate JS in the page (awaiting promises) and return its JSON value."""
        res = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"JS exception: {res['exceptionDetails']}")
        return res["result"].get("value")

    def open(self, path: Path) -> None:
        """Load a local file with console, log and network monitoring on and the network offline."""
        for domain in ("Runtime", "Log", "Page", "Network"):
            self.send(f"{domain}.enable")
        self.send("Network.emulateNetworkConditions", offline=True, latency=0,
                  downloadThroughput=-1, uploadThroughput=-1)
        self.send("Page.navigate", url=path.resolve().as_uri())
        self.wait_event("Page.loadEventFired")

    def console_errors(self) -> list[str]:
        """Return every console error, uncaught exception and error log entry seen so far."""
        out = []
        for ev in self.events:
            p = ev.get("params", {})
            if ev["method"] == "Runtime.exceptionThrown":
                details = p.get("exceptionDetails", {})
                out.append(str(details.get("exception", {}).get("description") or details.get("text", ""))[:500])
            elif ev["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(json.dumps(p.get("args", []))[:500])
            elif ev["method"] == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append(p["entry"].get("text", "")[:500])
        return out

    def requested_urls(self) -> list[str]:
        """Return every URL the page asked the network stack for."""
        return [ev["params"]["request"]["url"] for ev in self.events if ev["method"] == "Network.requestWillBeSent"]

    def screenshot(self) -> bytes:
        """Return a PNG of the viewport."""
        return base64.b64decode(self.send("Page.captureScreenshot", format="png")["data"])

    def close(self) -> None:
        """Stop the browser and remove its profile."""
        try:
            if hasattr(self, "ws"):
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stderr:
                self.proc.stderr.close()
            shutil.rmtree(self.profile, ignore_errors=True)


def pdf_fill_colours(pdf: bytes) -> set[tuple[int, int, int]]:
    """Return every RGB fill colour (`r g b rg`) set in the PDF's content streams."""
    import zlib

    colours: set[tuple[int, int, int]] = set()
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            text = zlib.decompress(raw)
        except zlib.error:
            text = raw
        for r, g, b in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) rg", text):
            colours.add((round(float(r) * 255), round(float(g) * 255), round(float(b) * 255)))
    return colours


def has_colour(colours: set[tuple[int, int, int]], wanted: tuple[int, ...], tolerance: int = 3) -> bool:
    """Whether any of the colours is `wanted` within `tolerance` per channel (PDF rounding)."""
    return any(all(abs(a - b) <= tolerance for a, b in zip(c, wanted, strict=True)) for c in colours)
