"""Events built as API Gateway, EventBridge and SQS build them; Lambda results read back into HTTP."""
from __future__ import annotations

import base64
import hashlib
import json

from local_gateway import events, template as sam


def test_repeated_query_keys_are_joined_and_decoded_while_the_raw_string_stays_raw() -> None:
    event = events.http_event("GET", "/v1/tours", route_key="GET /v1/tours",
                              raw_query_string="tag=sea&tag=food%20tours&q=caf%C3%A9+bar&empty=")

    assert event["rawQueryString"] == "tag=sea&tag=food%20tours&q=caf%C3%A9+bar&empty="
    assert event["queryStringParameters"] == {"tag": "sea,food tours", "q": "café bar", "empty": ""}


def test_cookies_leave_the_headers_for_the_cookies_list() -> None:
    event = events.http_event("GET", "/v1/auth/me", route_key="GET /v1/auth/me", headers=[
        ("Cookie", "a=1; b=2"), ("cookie", "c=3"), ("X-Tag", "one"), ("x-tag", "two"),
    ])

    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-tag"] == "one,two"


def test_binary_bodies_are_base64_and_text_bodies_are_not() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    binary = events.http_event("POST", "/upload", route_key="POST /upload", body=png,
                               headers=[("content-type", "image/png")])
    text = events.http_event("POST", "/v1/auth/register", route_key="POST /v1/auth/register",
                             body='{"email": "é"}'.encode(), headers=[("content-type", "application/json")])
    problem = events.http_event("POST", "/x", route_key="POST /x", body=b"{}",
                                headers=[("content-type", "application/vnd.api+json")])

    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == png
    assert text["isBase64Encoded"] is False and text["body"] == '{"email": "é"}'
    assert problem["isBase64Encoded"] is False


def test_path_parameters_route_key_and_request_context() -> None:
    event = events.http_event(
        "get", "/v1/tours/a%20b", route_key="GET /v1/tours/{tour_id}", path_parameters={"tour_id": "a b"},
        headers=[("host", "api.example.com"), ("user-agent", "pytest")], source_ip="10.1.2.3",
    )

    assert event["version"] == "2.0" and event["routeKey"] == "GET /v1/tours/{tour_id}"
    assert event["rawPath"] == "/v1/tours/a%20b"
    assert event["pathParameters"] == {"tour_id": "a b"}
    context = event["requestContext"]
    assert context["http"] == {"method": "GET", "path": "/v1/tours/a%20b", "protocol": "HTTP/1.1",
                               "sourceIp": "10.1.2.3", "userAgent": "pytest"}
    assert context["routeKey"] == "GET /v1/tours/{tour_id}" and context["domainName"] == "api.example.com"
    assert len(context["requestId"]) == 32 and context["timeEpoch"] > 0 and context["time"].endswith("+0000")
    assert "queryStringParameters" not in event and "body" not in event and "cookies" not in event


def test_result_cookies_become_separate_set_cookie_headers_and_content_length_is_dropped() -> None:
    result = events.read_result({
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "Content-Length": "999"},
        "multiValueHeaders": {"x-multi": ["1", "2"]},
        "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
        "body": '{"ok":true}',
    })

    assert result.status == 201
    assert result.body == b'{"ok":true}'
    assert ("content-length", "999") not in result.headers
    assert ("content-type", "application/json") in result.headers
    assert [value for name, value in result.headers if name == "set-cookie"] == ["a=1; Path=/", "b=2; HttpOnly"]
    assert [value for name, value in result.headers if name == "x-multi"] == ["1", "2"]


def test_a_base64_result_is_decoded() -> None:
    result = events.read_result({"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(),
                                 "isBase64Encoded": True})

    assert result.body == b"\x00\x01" and result.headers == []


def test_a_result_without_status_code_is_the_json_body_of_a_200() -> None:
    result = events.read_result({"ok": True})

    assert (result.status, result.headers, result.body) == (200, [("content-type", "application/json")],
                                                            b'{"ok": true}')


def test_scheduled_event_is_eventbridge_shaped() -> None:
    event = events.scheduled_event("expire-bookings", region="eu-west-1")

    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == ["arn:aws:events:eu-west-1:000000000000:rule/expire-bookings"]
    assert event["detail"] == {} and event["time"].endswith("Z")


def test_sqs_records_carry_body_ids_and_attributes() -> None:
    body = json.dumps({"booking_id": "b1"})
    record = events.sqs_record(body, queue_arn="arn:aws:sqs:eu-west-1:000000000000:notifications",
                               message_id="m1", receipt_handle="r1",
                               message_attributes={"kind": {"StringValue": "paid", "DataType": "String"}})

    assert events.sqs_event([record]) == {"Records": [record]}
    assert (record["messageId"], record["receiptHandle"], record["body"]) == ("m1", "r1", body)
    assert record["md5OfBody"] == hashlib.md5(body.encode()).hexdigest()
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(":notifications")
    assert record["messageAttributes"]["kind"]["stringValue"] == "paid"


def test_every_function_has_a_sample_event_for_its_route() -> None:
    for function in sam.load().functions:
        path = sam.ROOT / "events" / f"{function.name}.json"
        assert path.exists(), f"{path.name} is missing: python -m local_gateway.samples writes it"
        event = json.loads(path.read_text())
        if function.routes:
            assert event["version"] == "2.0"
            assert event["routeKey"] in {route.route_key for route in function.routes}
            if event["routeKey"] != "$default":  # that one takes any method
                assert event["requestContext"]["http"]["method"] == event["routeKey"].split(" ")[0]


def test_the_sample_events_are_what_the_generator_writes() -> None:
    """A hand-edited sample drifts from the generator, which would overwrite it: edit local_gateway/samples.py."""
    from local_gateway import samples

    stale = [
        function.name for function in sam.load().functions
        if json.loads((sam.ROOT / "events" / f"{function.name}.json").read_text()) != samples.sample_event(function)
    ]
    assert stale == []
