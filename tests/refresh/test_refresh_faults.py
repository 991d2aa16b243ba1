"""What goes wrong on the wire, each against a real server on loopback.

Every fault must end as an `error` entry for its interaction, with the reason, while
the rest of the run goes on; the exit code is then 3. A cassette here holds two
interactions: one to the faulty host (`files.example.com`), one to the healthy v2
users service, which must be refreshed whatever happened to the first.
"""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import cassettes_executable, file_hashes
from helpers import RawServer, interrupt_when, read_request

from cassettes_tool.config import Config, Target
from cassettes_tool.demo.recording import HttpClient
from cassettes_tool.demo.services import Answer, DemoServer
from cassettes_tool.model import Outcome
from cassettes_tool.refresh import http, replay


def never_answers(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    stop.wait(10)


def resets_mid_body(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    conn.sendall(b'{"users": [{"id": 1, "na')
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def declares_100_mib(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 104857600\r\n\r\n"
    )
    conn.sendall(b"\x00" * 65536)
    stop.wait(5)


def streams_without_end(conn: socket.socket, stop: threading.Event) -> None:
    """Chunked, no length: only the reader's limit stops it (bounded here too, at 16 MiB)."""
    read_request(conn)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    for _ in range(256):
        conn.sendall(chunk)


def answers_slowly(conn: socket.socket, stop: threading.Event) -> None:
    read_request(conn)
    time.sleep(0.3)
    body = b'{"slow": true}'
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
        % (len(body), body)
    )


@pytest.fixture
def two_step(record_cassette: Any, server: DemoServer) -> Path:
    """A cassette recorded by vcrpy: a call to the host that will fail, then a healthy one."""
    server.add_route("GET", "/files/fault", Answer(200, b'{"ok": true}'))

    def scenario(http: HttpClient, demo: DemoServer) -> None:
        http.get(demo.url("https://files.example.com/fault"))
        http.get(demo.url("https://users.example.com/users?page=1"))

    return record_cassette("faults/two_step.yaml", scenario, server=server)


def refresh(run: Any, cassette: Path, faulty_base: str, v2: DemoServer, *extra: str) -> Any:
    return run(
        "refresh",
        cassette,
        "--map",
        f"files.example.com={faulty_base}",
        "--map",
        f"users.example.com={v2.base_url('users.example.com')}",
        *extra,
    )


def fault_entry(result: Any, tmp_path: Path, reason: str) -> dict[str, Any]:
    """Assert the shape every fault ends in, and hand back the failed interaction's entry."""
    assert result.exit_code == 3, result.output
    scratch = tmp_path / ".cassettes" / "scratch"
    manifest = json.loads((scratch / (scratch / "LATEST").read_text().strip() / "manifest.json").read_text())
    assert manifest["complete"] is True
    (entry,) = manifest["cassettes"]
    assert entry["status"] == "error" and entry["reason"] == "1 of 2 interactions could not be refreshed"
    fault, users = entry["interactions"]
    assert fault["status"] == "error", fault
    assert reason in fault["reason"]
    assert users["status"] == "refreshed" and entry["written"]
    assert f"#0 GET https://files.example.com/fault  error: {fault['reason']}" in result.stdout
    return dict(fault)


def test_connection_refused_is_retried_then_an_error(
    two_step: Path, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    result = refresh(run, two_step, f"http://127.0.0.1:{port}/files", v2_server)
    fault = fault_entry(result, tmp_path, f"connection refused by 127.0.0.1:{port}")
    assert fault["attempts"] == 3


def test_a_server_that_never_answers_times_out(
    two_step: Path, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    with RawServer(never_answers) as silent:
        start = time.monotonic()
        result = refresh(run, two_step, silent.url, v2_server, "--timeout", "0.5")
        assert time.monotonic() - start < 3
        port = silent.url.rsplit(":", 1)[1]
    fault = fault_entry(result, tmp_path, f"no complete answer from 127.0.0.1:{port} within 0.5 s (timeout")
    assert fault["attempts"] == 1 and silent.connections == 1  # a timeout is not retried


@pytest.mark.parametrize(("status", "attempts"), [(500, 1), (503, 3)])
def test_server_errors_500_once_and_503_retried_a_bounded_number_of_times(
    two_step: Path,
    server: DemoServer,
    v2_server: DemoServer,
    run: Any,
    tmp_path: Path,
    status: int,
    attempts: int,
) -> None:
    server.add_route("GET", "/files/fault", Answer(status, b'{"error": "down"}'))
    recorded = len(server.requests)
    result = refresh(run, two_step, server.base_url("files.example.com"), v2_server)
    fault = fault_entry(result, tmp_path, f"staging answered {status}")
    assert fault["attempts"] == attempts
    assert len(server.requests) - recorded == attempts


def test_a_connection_reset_in_the_middle_of_a_body(
    two_step: Path, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    with RawServer(resets_mid_body) as flaky:
        result = refresh(run, two_step, flaky.url, v2_server)
    fault = fault_entry(result, tmp_path, "connection to 127.0.0.1:")
    assert "broken" in fault["reason"]
    assert fault["attempts"] == 3 and flaky.connections == 3  # a GET is safe to send again


@pytest.fixture
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An HTTPS server with a self-signed certificate for 127.0.0.1; yields its URL and the cert."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    command += ["-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
        timeout=30,
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = b'{"tls": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            """A refused handshake is the point of the test, not news."""

    httpd = Server(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}", cert
    httpd.shutdown()
    httpd.server_close()


def test_self_signed_tls_with_verification_on_names_host_and_setting(
    two_step: Path, v2_server: DemoServer, run: Any, tmp_path: Path, tls_server: tuple[str, Path]
) -> None:
    url, cert = tls_server
    result = refresh(run, two_step, url, v2_server)
    host = url.removeprefix("https://")
    fault = fault_entry(result, tmp_path, f"TLS certificate of {host} not trusted")
    assert "with verify = true" in fault["reason"] and "self-signed" in fault["reason"]
    assert fault["attempts"] == 1  # a certificate does not get better by asking again

    (tmp_path / "pyproject.toml").write_text(
        f'[tool.cassettes.targets.staging]\nverify = "{cert.name}"\n'
        f'hosts = {{ "files.example.com" = "{url}", "users.example.com" = "{v2_server.origin}/users" }}\n'
    )
    shutil.copy(cert, tmp_path / cert.name)  # a CA path in the file is relative to the file
    trusted = run("refresh", two_step, "--target", "staging")
    assert trusted.exit_code == 0, trusted.output


def test_a_target_without_tls_trusts_no_certificate_and_loads_no_bundle() -> None:
    """Every base URL `http://`: the run's one TLS context is never used, so it holds no CA."""
    plain = http.ssl_context(True, tls=False)
    assert plain.get_ca_certs() == [] and plain.verify_mode is ssl.CERT_REQUIRED and plain.check_hostname
    assert http.ssl_context(True).verify_mode is ssl.CERT_REQUIRED
    assert http.ssl_context(False, tls=False).verify_mode is ssl.CERT_NONE  # as configured, TLS or not


def test_a_slow_server_within_the_timeout_is_refreshed(
    two_step: Path, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    with RawServer(answers_slowly) as slow:
        result = refresh(run, two_step, slow.url, v2_server, "--timeout", "2")
    assert result.exit_code == 0, result.output
    assert "refreshed 1 of 1 cassettes (2 interactions)" in result.stdout


def test_a_response_declared_too_large_is_not_read(
    two_step: Path, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    with RawServer(declares_100_mib) as huge:
        result = refresh(run, two_step, huge.url, v2_server)
    fault_entry(result, tmp_path, "answer too large: 104,857,600 bytes declared, limit 50 MiB")


def test_a_stream_without_length_is_cut_off_at_the_limit(
    two_step: Path, v2_server: DemoServer, tmp_path: Path
) -> None:
    with RawServer(streams_without_end) as endless:
        target = Target(
            "t",
            hosts={
                "files.example.com": endless.url,
                "users.example.com": v2_server.base_url("users.example.com"),
            },
        )
        limits = http.Limits(max_bytes=256 * 1024)
        run = replay.refresh([two_step], Config(), target, scratch=tmp_path / "s", limits=limits)
    fault = run.cassettes[0].interactions[0]
    assert fault.outcome is Outcome.ERROR
    assert fault.reason == "answer too large: more than 262,144 bytes, not stored"
    assert run.cassettes[0].interactions[1].outcome is Outcome.REFRESHED


def test_an_unreadable_cassette_is_an_error_and_the_rest_goes_on(
    record_cassette: Any, v2_server: DemoServer, run: Any, tmp_path: Path
) -> None:
    record_cassette("users.yaml", "users")
    (tmp_path / "cassettes" / "broken.yaml").write_text("interactions:\n- request: [unclosed\n")
    result = run(
        "refresh", "cassettes", "--map", f"users.example.com={v2_server.base_url('users.example.com')}"
    )
    assert result.exit_code == 3, result.output
    assert "error      cassettes/broken.yaml: cannot read it: line 2: invalid YAML" in result.stdout
    assert "refreshed  cassettes/users.yaml  1 of 1 interactions" in result.stdout


def test_ctrl_c_stops_at_once_and_leaves_an_incomplete_manifest(
    record_cassette: Any, server: DemoServer, v2_server: DemoServer, tmp_path: Path
) -> None:
    server.add_route("GET", "/files/fault", Answer(200, b'{"ok": true}'))
    for n in range(3):
        record_cassette(
            f"hang/{n}.yaml",
            lambda http, demo: http.get(demo.url("https://files.example.com/fault")),
            server=server,
        )
    record_cassette("ok/users.yaml", "users")
    before = file_hashes(tmp_path / "cassettes")
    with RawServer(never_answers) as silent:
        command = [*cassettes_executable(), "refresh", "cassettes", "--timeout", "30", "--concurrency", "4"]
        command += ["--map", f"files.example.com={silent.url}"]
        command += ["--map", f"users.example.com={v2_server.base_url('users.example.com')}"]
        healthy = tmp_path / ".cassettes" / "scratch"
        done = interrupt_when(
            command,
            tmp_path,
            lambda: silent.connections == 3 and any(healthy.glob("*/cassettes/ok/users.yaml")),
            "the hanging requests or the healthy copy never came",
        )
    assert done.elapsed < 8, f"took {done.elapsed:.1f} s to stop"  # ~1 s idle; generous for a loaded machine
    assert done.returncode == 130, done.stderr
    assert "(incomplete: interrupted)" in done.stdout
    scratch = tmp_path / ".cassettes" / "scratch"
    run_dir = scratch / (scratch / "LATEST").read_text().strip()
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["finished"]
    statuses = {c["path"]: (c["status"], c["reason"]) for c in manifest["cassettes"]}
    assert statuses["cassettes/ok/users.yaml"] == ("refreshed", None)
    for n in range(3):
        assert statuses[f"cassettes/hang/{n}.yaml"] == ("error", "interrupted while it was being refreshed")
    written = sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file())
    assert written == ["cassettes/ok/users.yaml", "manifest.json"]
    assert file_hashes(tmp_path / "cassettes") == before
