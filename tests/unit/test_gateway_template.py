"""The gateway reads template.yaml: intrinsic tags load, functions, routes, schedules, queues and CORS come out."""
from __future__ import annotations

from pathlib import Path

import pytest

from local_gateway import template as sam

FAKE_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
  Origin: {Type: String, Default: "https://app.example.com"}
  SubnetIds: {Type: CommaDelimitedList, Default: ""}
Conditions:
  UseVpc: !Not [!Equals [!Join ["", !Ref SubnetIds], ""]]
  IsDev: !Equals [!Ref Stage, dev]
Globals:
  Function:
    Timeout: 7
    MemorySize: 512
    VpcConfig: !If [UseVpc, {SubnetIds: !Ref SubnetIds}, !Ref AWS::NoValue]
    Environment:
      Variables:
        JOB: !Sub "tourbook-${Stage}-${AWS::Region}"
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: [!Ref Origin]
        AllowMethods: [GET, POST]
        AllowHeaders: [authorization]
        MaxAge: !If [IsDev, 5, 600]
  Notifications:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "notifications-${Stage}"
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./jobs/mail/
      Handler: send_mail.handler
      Timeout: 30
      Events:
        Every5:
          Type: Schedule
          Properties: {Schedule: rate(5 minutes), Input: '{"kind": "digest"}'}
        Nightly:
          Type: Schedule
          Properties: {Schedule: "cron(0 3 * * ? *)", Enabled: false}
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Notifications.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
        Other:
          Type: SQS
          Properties:
            Queue: {"Fn::GetAtt": [Unnamed, Arn]}
  Unnamed:
    Type: AWS::SQS::Queue
  Files:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/files
      Handler: serve_file.handler
      Events:
        Get:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Method: get, Path: "/files/{proxy+}"}
        Any:
          Type: HttpApi
          Properties: {Path: /files, Method: ANY}
Outputs:
  Url:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"
"""


@pytest.fixture
def fake(tmp_path: Path) -> sam.Template:
    path = tmp_path / "template.yaml"
    path.write_text(FAKE_TEMPLATE)
    return sam.load(path)


def test_the_project_template_loads_with_its_intrinsic_tags() -> None:
    template = sam.load()

    register = template.function("RegisterUserFunction")
    assert (register.module, register.attribute) == ("functions.auth.register_user", "handler")
    assert register.routes == (sam.HttpRoute("POST", "/v1/auth/register", "Api"),)
    assert register.timeout_seconds == 10 and register.memory_mb == 256  # from Globals
    docs = template.function("GetDocsFunction")
    assert [route.route_key for route in docs.routes] == ["GET /v1/docs", "GET /v1/docs/{asset}"]
    keys = [route.route_key for _, route in template.routes]
    assert len(keys) == len(set(keys))
    assert template.cors is not None
    assert template.cors.allow_origins == ("*",)  # !Ref CorsAllowOrigin → its default
    assert "authorization" in template.cors.allow_headers and template.cors.max_age == 600


def test_functions_schedules_and_queues_of_a_template(fake: sam.Template) -> None:
    worker = fake.function("Worker")

    assert (worker.module, worker.attribute, worker.name) == ("jobs.mail.send_mail", "handler", "send_mail")
    assert worker.timeout_seconds == 30 and worker.memory_mb == 512
    every5, nightly = worker.schedules
    assert (every5.rate_seconds, every5.input, every5.enabled) == (300.0, '{"kind": "digest"}', True)
    assert (nightly.rate_seconds, nightly.enabled) == (None, False)
    queue, other = worker.queues
    assert (queue.queue, queue.queue_name, queue.batch_size, queue.report_batch_item_failures) == (
        "Notifications", "notifications-dev", 5, True)
    assert (other.queue, other.queue_name, other.batch_size, other.report_batch_item_failures) == (
        "Unnamed", "Unnamed", 10, False)


def test_routes_methods_and_cors_of_a_template(fake: sam.Template) -> None:
    files = fake.function("Files")

    assert files.module == "functions.files.serve_file"
    assert [route.route_key for route in files.routes] == ["GET /files/{proxy+}", "ANY /files"]
    assert fake.cors == sam.Cors(allow_origins=("https://app.example.com",), allow_methods=("GET", "POST"),
                                 allow_headers=("authorization",), max_age=5)


def test_parameters_override_defaults_and_drive_conditions(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(FAKE_TEMPLATE)

    template = sam.load(path, parameters={"Stage": "prod", "Origin": "https://tours.example.com"})

    assert template.function("Worker").queues[0].queue_name == "notifications-prod"
    assert template.cors is not None
    assert template.cors.allow_origins == ("https://tours.example.com",) and template.cors.max_age == 600


@pytest.mark.parametrize(("expression", "seconds"), [
    ("rate(1 minute)", 60.0), ("rate(5 minutes)", 300.0), ("rate(2 hours)", 7200.0), ("rate(1 day)", 86400.0),
    ("cron(0 3 * * ? *)", None), ("rate(0 minutes)", None),
])
def test_rate_expressions(expression: str, seconds: float | None) -> None:
    assert sam.parse_rate(expression) == seconds


def test_an_unknown_function_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="GetHealthFunction"):
        sam.load().function("NoSuchFunction")
