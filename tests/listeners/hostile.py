"""A hostile feed server on 127.0.0.1 for tests: bombs, drips, redirect tricks.

Raw sockets, so headers are exactly what an attacker would send (werkzeug would
fix them up). Waits use ``threading.Event().wait`` because tests forbid
``time.sleep``. Each path is one trick:

    /ok                 a small RSS feed (also the target of redirects)
    /gzip-bomb          one gzip layer: 64 MB of zeros in ~64 KB
    /gzip-bomb-1g       one gzip layer: 1 GiB of zeros in ~1 MB
    /gzip-in-gzip       declared once, gzip(gzip(1 GiB of zeros)): a few KB
    /big-feed           a real 9.8 MB RSS document with 5,000 entries (50 name the brand)
    /many-entries       a 5 MB RSS document with 58,000 tiny entries
    /nested-gzip        Content-Encoding: gzip, gzip (two layers)
    /zstd-bomb          Content-Encoding: zstd
    /br                 Content-Encoding: br
    /drip-body          headers at once, then one byte every ``drip_s``, forever
    /drip-headers       the status line and headers one byte every ``drip_s``
    /huge-length        Content-Length: 10 TB
    /loop               a redirect to itself
    /to?url=U           a redirect to U (metadata, file://, another host)
    /bad-location       a Location header with control characters
"""

from __future__ import annotations

import contextlib
import gzip
import socketserver
import threading
import zlib
from functools import cache
from urllib.parse import parse_qs, unquote, urlsplit

RSS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>ok</title>'
    b"<item><guid>https://ok.example/1</guid><title>Kopi Senja enak</title></item>"
    b"</channel></rss>"
)


@cache
def gzip_bomb(megabytes: int = 64) -> bytes:
    """``megabytes`` MB of zeros, gzip-compressed (about 1 KB per MB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zero = bytes(1024 * 1024)
    return b"".join(packer.compress(zero) for _ in range(megabytes)) + packer.flush()


@cache
def gzip_in_gzip() -> bytes:
    """gzip(gzip(1 GiB of zeros)): a few kilobytes."""
    return gzip.compress(gzip_bomb(1024), 9)


@cache
def big_feed(entries: int = 5000, filler: int = 38) -> bytes:
    """A well-formed RSS document; by default just under the 10 MiB cap, with as many
    entries as max_entries allows (one in a hundred names the brand)."""
    text = "Pelayanan ramah dan kopi enak, tempatnya nyaman. " * filler
    item = (
        "<item><guid>https://big.example/{n}</guid><title>{brand} ulasan {n}</title>"
        "<description>{text}</description></item>"
    )
    brand = ("Kopi Senja", "Warung")
    items = "".join(item.format(n=n, brand=brand[n % 100 > 0], text=text) for n in range(entries))
    return f'<rss version="2.0"><channel><title>big</title>{items}</channel></rss>'.encode()


@cache
def nested_gzip() -> bytes:
    """gzip(gzip(zeros)): the inner layer alone expands to 64 MB."""
    return gzip.compress(gzip_bomb(64), 9)


_ENCODED = ("/gzip-bomb", "/gzip-bomb-1g", "/gzip-in-gzip", "/nested-gzip", "/zstd-bomb", "/br")


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")


class _Handler(socketserver.BaseRequestHandler):
    server: HostileServer

    def handle(self) -> None:
        request = b""
        while b"\r\n\r\n" not in request and len(request) < 65536:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            request += chunk
        target = request.split(b" ", 2)[1].decode("latin-1")
        path = urlsplit(target).path
        self.server.hits.append(path)
        with contextlib.suppress(OSError):  # the client gave up: the point of most tricks
            self._answer(path, parse_qs(urlsplit(target).query))

    def _answer(self, path: str, query: dict[str, list[str]]) -> None:
        send = self.request.sendall
        base = {"Content-Type": "application/rss+xml", "Connection": "close"}
        if path == "/ok":
            send(_head("200 OK", {**base, "Content-Length": str(len(RSS))}) + RSS)
        elif path in ("/big-feed", "/many-entries"):
            body = big_feed() if path == "/big-feed" else big_feed(58_000, 0)
            send(_head("200 OK", {**base, "Content-Length": str(len(body))}) + body)
        elif path in _ENCODED:
            body, coding = self._encoded(path)
            headers = {**base, "Content-Encoding": coding, "Content-Length": str(len(body))}
            send(_head("200 OK", headers) + body)
        elif path == "/drip-body":
            send(_head("200 OK", base) + b"<rss>")
            self._drip(b"<item>" * 1_000_000)
        elif path == "/drip-headers":
            self._drip(_head("200 OK", {**base, "X-Slow": "a" * 60_000}))
        elif path == "/huge-length":
            send(_head("200 OK", {**base, "Content-Length": str(10**13)}) + RSS)
        elif path == "/loop":
            send(_head("302 Found", {**base, "Location": "/loop", "Content-Length": "0"}))
        elif path == "/to":
            location = unquote(query["url"][0])
            send(_head("302 Found", {**base, "Location": location, "Content-Length": "0"}))
        elif path == "/bad-location":
            send(b"HTTP/1.1 302 Found\r\nLocation: http://x\x01y\x7f/\r\nContent-Length: 0\r\n\r\n")
        else:
            send(_head("404 Not Found", {**base, "Content-Length": "0"}))

    def _encoded(self, path: str) -> tuple[bytes, str]:
        if path == "/gzip-bomb":
            return gzip_bomb(), "gzip"
        if path == "/gzip-bomb-1g":
            return gzip_bomb(1024), "gzip"
        if path == "/gzip-in-gzip":
            return gzip_in_gzip(), "gzip"
        if path == "/nested-gzip":
            return nested_gzip(), "gzip, gzip"
        if path == "/zstd-bomb":
            # A zstd frame header and then zeros: it is refused before decoding anyway.
            return b"\x28\xb5\x2f\xfd" + bytes(32 * 1024), "zstd"
        return bytes(1024), "br"

    def _drip(self, data: bytes) -> None:
        stop = self.server.stopping
        for i in range(len(data)):
            if stop.wait(self.server.drip_s):
                return
            self.request.sendall(data[i : i + 1])


class HostileServer(socketserver.ThreadingTCPServer):
    """Serve the tricks above on 127.0.0.1 (a free port) in background threads."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, drip_s: float = 0.05) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.drip_s = drip_s
        self.hits: list[str] = []
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> HostileServer:
        gzip_bomb(), nested_gzip()  # built (once per process) before a deadline runs
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
