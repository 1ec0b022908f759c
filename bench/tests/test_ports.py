"""Each service of a benchmark or test stack gets a port of its own, and a port answered by the
wrong service fails the start at once (a full `make bench` once failed later, with a 404 from the
service that held intake's port)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from frontdoor_cli.platform import Platform
from frontdoor_cli.stack import StackError, free_ports


def test_free_ports_are_distinct_and_free() -> None:
    ports = free_ports(64)
    assert len(set(ports)) == 64
    assert all(1024 <= port <= 65535 for port in ports)


@pytest.fixture
def triage_answering() -> Iterator[int]:
    """An HTTP server answering /health as triage does."""

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"status": "ok", "service": "triage"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def test_a_service_whose_port_answers_as_another_is_not_taken_for_healthy(triage_answering: int,
                                                                          tmp_path: Path) -> None:
    platform = Platform(home=tmp_path, database_url="postgresql://unused", bootstrap="127.0.0.1:1",
                        ports={"intake": triage_answering, "triage": triage_answering})
    with pytest.raises(StackError, match=f"port {triage_answering} of intake is answered by triage"):
        platform.wait_healthy("intake", timeout=5)
    platform.wait_healthy("triage", timeout=5)  # the service that answers is healthy
