"""Replay recorded cassettes (vcrpy YAML/JSON, praw's betamax-style JSON) in tests:
register them with ``responses``, or serve them from a local Flask app."""

from __future__ import annotations

import base64
import gzip
import json
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import responses
import yaml
from flask import Flask, Response, request

_HOP = {"content-length", "transfer-encoding", "connection", "content-encoding"}


@dataclass
class Interaction:
    """One recorded request and its response, body decompressed."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    def json(self) -> Any:
        return json.loads(self.body)


def load(path: Path, replace: dict[str, str] | None = None) -> list[Interaction]:
    """The interactions of a cassette, with ``replace`` applied to URLs and bodies."""
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    out = []
    for item in data["interactions"]:
        req, resp = item["request"], item["response"]
        headers = {
            k.lower(): (v[0] if isinstance(v, list) else v)
            for k, v in (resp.get("headers") or {}).items()
        }
        raw = resp.get("body") or {}
        if raw.get("base64_string"):  # betamax's spelling of a binary body
            body = base64.b64decode(raw["base64_string"])
        else:
            body = raw.get("string") or b""
            body = body.encode("utf-8") if isinstance(body, str) else body
        # Some recorders keep "content-encoding: gzip" on an already-decoded body.
        if body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        url = req["uri"]
        for old, new in (replace or {}).items():
            url = url.replace(old, new)
            body = body.replace(old.encode(), new.encode())
        headers = {k: v for k, v in headers.items() if k not in _HOP}
        out.append(Interaction(req["method"], url, resp["status"]["code"], headers, body))
    return out


def register(rsps: responses.RequestsMock, interactions: list[Interaction]) -> None:
    """Register each interaction on method + URL without query (responses then ignores it)."""
    for it in interactions:
        parts = urlsplit(it.url)
        headers = {k: v for k, v in it.headers.items() if k != "content-type"}
        rsps.add(
            it.method,
            f"{parts.scheme}://{parts.netloc}{parts.path}",
            body=it.body,
            status=it.status,
            headers=headers,
            content_type=it.headers.get("content-type", "application/json"),
        )


def fake_server(interactions: list[Interaction]) -> tuple[Flask, list[str]]:
    """A Flask app replaying interactions per (method, path), repeating the last one.

    Returns the app and the list of request lines it received (for assertions).
    """
    queues: dict[tuple[str, str], deque[Interaction]] = defaultdict(deque)
    for it in interactions:
        queues[(it.method, it.path)].append(it)
    log: list[str] = []
    app = Flask("fake")

    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE"])
    def replay(path: str) -> Response:
        key = (request.method, "/" + path)
        log.append(f"{request.method} {request.full_path}")
        queue = queues.get(key)
        if not queue:
            return Response(f"no fixture for {key}", status=404)
        it = queue.popleft() if len(queue) > 1 else queue[0]
        return Response(it.body, status=it.status, headers=it.headers)

    return app, log
