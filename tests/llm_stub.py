"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1 for tests (``stub`` fixture)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Stub:
    """What the stub answers (a string, or a function of the request body), and every request it received."""

    reply: str | Callable[[dict], str] = "ok [1]"
    status: int = 200
    delay_s: float = 0.0
    requests: list[dict] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""


class _Handler(BaseHTTPRequestHandler):
    stub: Stub

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        stub = self.stub
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        stub.requests.append({"headers": dict(self.headers), "body": body})
        if stub.delay_s and stub.release.wait(stub.delay_s):
            return  # the test is over; the client gave up long ago
        try:
            if stub.status != 200:
                self._send(stub.status, {"error": {"message": "stub failure", "type": "server_error"}})
                return
            if body.get("stream"):
                self._send(400, {"error": {"message": "the stub does not stream", "type": "invalid_request_error"}})
                return
            text = stub.reply(body) if callable(stub.reply) else stub.reply
            self._send(
                200,
                {
                    "id": "chatcmpl-stub",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body["model"],
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                    ],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                },
            )
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def stub() -> Iterator[Stub]:
    state = Stub()
    handler = type("StubHandler", (_Handler,), {"stub": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
