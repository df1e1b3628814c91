"""template.yaml and functions/ describe the same functions; the template is lint-clean and least-privilege."""
from __future__ import annotations

import ast
import importlib
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.api import ManualArgs, lint_file

from local_gateway import template as sam
from shared.core.http import FunctionHandler
from tests.contract.allowances import AWS_FUNCTIONS, DISPATCHING_FUNCTIONS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = sam.load(ROOT / "template.yaml")
FUNCTIONS = {function.logical_id: function for function in TEMPLATE.functions}


def _raw_template() -> dict[str, Any]:
    with open(ROOT / "template.yaml", encoding="utf-8") as stream:
        document: dict[str, Any] = yaml.load(stream, Loader=sam.TemplateLoader)  # noqa: S506 - a SafeLoader
    return document


def _modules_with_handler() -> set[str]:
    """Every module under functions/ that assigns `handler` at top level, found without importing it."""
    found = set()
    for path in (ROOT / "functions").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign):
                targets = [node.target]
            elif isinstance(node, ast.FunctionDef):
                targets = [ast.Name(id=node.name)]
            else:
                continue
            if any(isinstance(target, ast.Name) and target.id == "handler" for target in targets):
                found.add(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return found


def test_every_function_module_has_a_template_entry_and_the_reverse() -> None:
    in_template = Counter(function.module for function in TEMPLATE.functions)
    assert set(in_template) == _modules_with_handler()
    assert [module for module, count in in_template.items() if count > 1] == []


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_handler_is_dotted_relative_to_code_uri_and_imports(logical_id: str) -> None:
    function = FUNCTIONS[logical_id]
    assert function.code_uri.startswith("functions/") and function.code_uri.endswith("/")
    assert function.handler == f"{function.name}.handler"
    assert (ROOT / function.code_uri / f"{function.name}.py").is_file()
    handler = getattr(importlib.import_module(function.module), function.attribute)
    if function.routes:
        assert isinstance(handler, FunctionHandler)
        assert handler.spec.name == function.name
    else:  # scheduled and queue-triggered functions are plain Lambda handlers
        assert callable(handler)


def test_method_and_path_pairs_are_unique() -> None:
    keys = Counter(route.route_key for _, route in TEMPLATE.routes)
    assert [key for key, count in keys.items() if count > 1] == []
    assert all(route.path.startswith("/v1/") or route.route_key == "$default" for _, route in TEMPLATE.routes)


def test_head_is_routed_wherever_get_is() -> None:
    # API Gateway routes HEAD only where a route names it: each GET event has a HEAD twin beside it.
    assert [route.route_key for _, route in TEMPLATE.routes if route.method == "GET" and not route.head] == []
    assert [route.route_key for _, route in TEMPLATE.routes if route.method == "HEAD"] == []  # no HEAD without GET


def test_what_no_route_matches_goes_to_the_not_found_function() -> None:
    defaults = [function.logical_id for function, route in TEMPLATE.routes if route.route_key == "$default"]
    assert defaults == ["NotFoundFunction"]


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_has_a_sample_event(logical_id: str) -> None:
    function = FUNCTIONS[logical_id]
    path = ROOT / "events" / f"{function.name}.json"
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing (sam local invoke -e / our invoke need it)"
    event = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(event, dict)
    if function.routes:
        assert event.get("routeKey") in {route.route_key for route in function.routes}


def test_cfn_lint_reports_nothing() -> None:
    matches = lint_file(ROOT / "template.yaml", config=ManualArgs(regions=["eu-west-1"], include_checks=["I"]))
    assert [f"{match.rule.id} line {match.linenumber}: {match.message}" for match in matches] == []


def test_only_functions_that_call_aws_have_policies() -> None:
    document = _raw_template()
    assert "Policies" not in ((document.get("Globals") or {}).get("Function") or {})
    with_policies = {
        FUNCTIONS[logical_id].name for logical_id, resource in document["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function" and (resource.get("Properties") or {}).get("Policies")
    }
    assert with_policies == AWS_FUNCTIONS | DISPATCHING_FUNCTIONS
    assert not any("Role" in (resource.get("Properties") or {}) for resource in document["Resources"].values()
                   if resource["Type"] == "AWS::Serverless::Function")


def test_runtime_matches_the_python_the_tests_run_on() -> None:
    import sys

    document = _raw_template()
    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert document["Globals"]["Function"]["Runtime"] == runtime
    for resource in document["Resources"].values():
        if resource["Type"] == "AWS::Serverless::LayerVersion":
            assert resource["Properties"]["CompatibleRuntimes"] == [runtime]


def test_the_web_app_is_a_private_bucket_behind_cloudfront_which_routes_the_api_too() -> None:
    resources = _raw_template()["Resources"]
    blocked = resources["WebBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(blocked[name] is True for name in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls",
                                                  "RestrictPublicBuckets"))
    [grant] = resources["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"} and grant["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in grant["Condition"]["StringEquals"]  # this distribution only, not any CloudFront
    config = resources["WebDistribution"]["Properties"]["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert "OriginAccessControlId" in origins["web"] and "CustomOriginConfig" in origins["api"]
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "web" and default["FunctionAssociations"][0]["EventType"] == "viewer-request"
    [api] = config["CacheBehaviors"]
    assert (api["PathPattern"], api["TargetOriginId"]) == ("/v1/*", "api")
    assert {"POST", "PATCH", "DELETE"} <= set(api["AllowedMethods"])
    assert "CustomErrorResponses" not in config  # they would turn the API's own 404s into the app's page
    headers = resources["WebHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert "default-src 'self'" in headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_spa_fallback_sends_app_routes_to_index_html_and_files_as_they_are() -> None:
    code = _raw_template()["Resources"]["WebSpaFallback"]["Properties"]["FunctionCode"]
    uris = ["/", "/tours/lisbon", "/bookings/3f2a/ticket", "/assets/index-3f2a.js", "/favicon.ico"]
    script = code + f"\nconsole.log(JSON.stringify({json.dumps(uris)}.map(u => handler({{request: {{uri: u}}}}).uri)));"
    result = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == ["/index.html", "/index.html", "/index.html", "/assets/index-3f2a.js",
                                         "/favicon.ico"]


def test_only_the_mail_function_may_send_e_mail_and_only_as_its_identity() -> None:
    resources = _raw_template()["Resources"]
    senders = {}
    for logical_id, resource in resources.items():
        for policy in (resource.get("Properties") or {}).get("Policies") or []:
            for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
                if any(str(action).startswith("ses:") for action in [statement["Action"]]):
                    senders[logical_id] = statement
    assert list(senders) == ["DeliverNotificationsFunction"]
    statement = senders["DeliverNotificationsFunction"]
    assert statement["Action"] == "ses:SendEmail"
    assert "identity/${MailIdentity}" in statement["Resource"].value
    variables = resources["DeliverNotificationsFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["MAIL_BACKEND"] == "ses"
