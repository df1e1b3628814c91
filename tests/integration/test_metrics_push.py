from __future__ import annotations

import socket
import threading
import urllib.request
import uuid

from prometheus_client import CollectorRegistry, Counter

from shared.core import metrics
from tests import services


def _pushed(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=2) as response:
        return str(response.read().decode())


def test_a_push_lands_under_the_function_and_instance_grouping_key() -> None:
    url = services.pushgateway_url()
    instance = f"test-{uuid.uuid4().hex[:8]}/[$LATEST]"
    registry = CollectorRegistry()  # one function's series, as in a Lambda environment
    Counter("tourbook_cold_starts", "probe", ["function"], registry=registry).labels("push_probe").inc()
    pusher = metrics.Pusher(url, {"function": "push_probe", "instance": instance}, job="tourbook-test",
                            timeout=1.0, interval=0, registry=registry)
    try:
        assert pusher.maybe_push()
        body = _pushed(url)
        assert f'instance="{instance}"' in body
        assert 'tourbook_cold_starts_total{function="push_probe"' in body
    finally:
        assert pusher.delete()
        pusher.close()
    assert f'instance="{instance}"' not in _pushed(url)


def test_pushes_are_rate_limited_by_the_interval() -> None:
    url = services.pushgateway_url()
    pusher = metrics.Pusher(url, {"function": "push_probe", "instance": "interval"}, job="tourbook-test",
                            timeout=1.0, interval=3600, registry=CollectorRegistry())
    try:
        assert pusher.maybe_push()
        assert not pusher.maybe_push()
    finally:
        pusher.delete()
        pusher.close()


def test_an_unreachable_pushgateway_fails_quietly() -> None:
    pusher = metrics.Pusher("http://127.0.0.1:1", {"function": "f", "instance": "i"}, job="tourbook-test",
                            timeout=0.2, interval=0)
    assert pusher.maybe_push() is False
    pusher.close()


def test_a_pushgateway_that_never_answers_is_given_up_after_the_push_timeout() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (the kernel's backlog), never answers
        pusher = metrics.Pusher(f"http://127.0.0.1:{silent.getsockname()[1]}", {"function": "f", "instance": "i"},
                                job="tourbook-test", timeout=0.2, interval=0)
        outcome: list[bool] = []
        push = threading.Thread(target=lambda: outcome.append(pusher.maybe_push()), daemon=True)
        push.start()
        push.join(30)  # not a timing check: without its timeout the push would wait for ever
        pusher.close()
    assert outcome == [False]
