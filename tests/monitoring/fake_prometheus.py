"""A Prometheus HTTP API on loopback that answers what a test scripts, and the client side
of Argo Rollouts' Prometheus provider, for the tests of how the canary analysis takes a
Prometheus that errors.

`FakePrometheus` serves /api/v1/query: each request gets the next scripted answer (an HTTP
status and a JSON body in Prometheus' format: `{"status": "success", "data": ...}` or
`{"status": "error", "errorType": ..., "error": ...}`), and the queries it was sent are kept.
`measure` is what the provider (metricproviders/prometheus) does with one metric: POST the
query to <address>/api/v1/query; a request that fails (connection refused, timeout), an
error status or body, or a result that is neither a vector nor a scalar makes the
measurement Error; a vector's sample values (a scalar's value) are the `result` the
metric's successCondition is evaluated on.

Imported by the tests in this directory as `fake_prometheus` (pytest puts it on sys.path).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from argo_semantics import Measurement, measurement_phase


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def vector(*values: float) -> Answer:
    """A successful instant query: one sample per value."""
    result = [{"metric": {}, "value": [1700000000, _sample(v)]} for v in values]
    return Answer(200, {"status": "success", "data": {"resultType": "vector", "result": result}})


def failure(status: int, error_type: str, error: str) -> Answer:
    """A query Prometheus refuses: 400 bad_data, 422 execution, 503 unavailable..."""
    return Answer(status, {"status": "error", "errorType": error_type, "error": error})


def _sample(value: float) -> str:
    return "NaN" if value != value else repr(float(value))


class FakePrometheus:
    """The scripted server; `answers` maps a metric's query to its answers in order (the
    last one repeats)."""

    def __init__(self, answers: Mapping[str, list[Answer]]) -> None:
        self.answers = {query: list(script) for query, script in answers.items()}
        self.queries: list[str] = []
        self._lock = threading.Lock()

    def answer(self, query: str) -> Answer:
        with self._lock:
            self.queries.append(query)
            script = self.answers.get(query)
            if not script:
                return failure(400, "bad_data", f"no answer scripted for {query!r}")
            return script.pop(0) if len(script) > 1 else script[0]

    @contextmanager
    def serving(self) -> Iterator[str]:
        """Serve on a free loopback port; yields its base URL."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                if self.path != "/api/v1/query":
                    self.send_error(404)
                    return
                answer = fake.answer(form.get("query", [""])[0])
                body = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # a short poll: shutdown() waits for the loop to notice, once per case
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


def measure(metric: Mapping[str, Any], address: str, timeout: float = 5.0) -> Measurement:
    """One measurement of a Prometheus metric, the way Argo Rollouts' provider takes it."""
    query = metric["provider"]["prometheus"]["query"]
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(f"{address}/api/v1/query", data=data, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as error:
        try:
            body = json.loads(error.read())
        except ValueError:
            return Measurement("Error", message=f"HTTP {error.code}")
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        return Measurement("Error", message=str(error))
    if body.get("status") != "success":
        # client_golang's wording: "<errorType>: <error>"
        return Measurement("Error", message=f"{body.get('errorType')}: {body.get('error')}")
    data_ = body.get("data") or {}
    if data_.get("resultType") == "vector":
        result: Any = [float(sample["value"][1]) for sample in data_.get("result") or []]
    elif data_.get("resultType") == "scalar":
        result = float(data_["result"][1])
    else:
        return Measurement("Error", message="Prometheus metric type not supported")
    return Measurement(measurement_phase(dict(metric), result), value=result)
