"""Security headers on every answer, 413 for an oversized body at every door, refused requests
logged as one line, and the benchmark endpoint kept out of the platform's URLs."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from config.log_filters import MaskIdNumbersFilter, RefusedRequestFilter

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


# --- headers ----------------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_page_sends_csp_frame_referrer_and_nosniff_headers(client):
    response = client.get("/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"].startswith("'self'")
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response  # the embedded default is plain HTTP


@pytest.mark.django_db
def test_the_api_answers_carry_the_same_headers(client):
    response = client.get("/api/v1/openapi.json")
    assert "Content-Security-Policy" in response and response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_production_switches_send_hsts_and_redirect_to_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload")


def _templates() -> list[Path]:
    return [p for p in ROOT.glob("*/templates/**/*.html") if ".venv" not in p.parts]


def _is_print_template(path: Path, text: str) -> bool:
    """PDF templates (rendered by WeasyPrint, never served as a page) may keep inline CSS."""
    if "@page" in text:
        return True
    parent = re.search(r'{%\s*extends\s+"([^"]+)"', text)
    if parent:
        for candidate in ROOT.glob(f"*/templates/{parent[1]}"):
            return _is_print_template(candidate, candidate.read_text())
    return False


def test_no_served_template_has_inline_script_or_style_without_the_nonce():
    """The CSP refuses inline code without the request's nonce: a template that has some would
    silently break in the browser, so it is refused here first."""
    offenders = []
    for path in _templates():
        text = path.read_text()
        if _is_print_template(path, text):
            continue
        for tag in re.finditer(r"<(script|style)\b([^>]*)>", text):
            name, attrs = tag[1], tag[2]
            external = name == "script" and "src=" in attrs
            data = 'type="application/json"' in attrs
            if not (external or data or "csp_nonce" in attrs):
                offenders.append(f"{path.relative_to(ROOT)}: <{name}{attrs}>")
        for attr in re.finditer(r"\s(on[a-z]+|style)=\"", text):
            offenders.append(f"{path.relative_to(ROOT)}: {attr[1]}= attribute")
    assert offenders == []
    assert len(_templates()) > 20  # the walk found the templates


# --- request size -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_30_mb_api_body_is_refused_with_413_json(client):
    response = client.post("/api/v1/subjects", data=b"{" + b" " * (30 * MIB) + b"}",
                           content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "request_too_large" and "MiB" in error["message"]
    assert "请求内容超过" in error["message"]  # zh-hans, the platform's language


@pytest.mark.django_db
def test_the_413_speaks_the_callers_language(client):
    response = client.post("/api/v1/subjects", data=b"{" + b" " * (30 * MIB) + b"}",
                           content_type="application/json", headers={"Accept-Language": "en"})
    assert response.json()["error"]["message"].startswith("The request is larger than")


@pytest.mark.django_db
def test_an_oversized_form_post_is_refused_with_413_before_it_is_read(client):
    response = client.post("/login/", data=b"username=" + b"a" * (30 * MIB),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in response


@pytest.mark.django_db
def test_a_body_found_too_big_while_parsing_gets_the_same_413(client, settings):
    settings.REQUEST_MAX_BYTES = 100 * MIB  # the declared length passes the first check …
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # … Django's parser then finds it too big
    response = client.post("/login/", data={"username": "a" * 5000, "password": "x"})
    assert response.status_code == 413


@pytest.mark.django_db
def test_a_body_within_the_limit_reaches_the_view(client):
    response = client.post("/api/v1/subjects", data={"name": "x"},
                           content_type="application/json")
    assert response.status_code == 401  # the token check answers, not the size guard


# --- refused requests in the log ----------------------------------------------------------------
def test_the_console_handler_filters_refused_requests_and_id_numbers(settings):
    filters = settings.LOGGING["handlers"]["console"]["filters"]
    assert {"refused_requests", "mask_id_numbers"} <= set(filters)


@pytest.fixture
def request_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RefusedRequestFilter())
    handler.addFilter(MaskIdNumbersFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_404_is_logged_as_one_line_without_a_traceback(client, request_log):
    assert client.get("/api/v1/no-such-thing/../../no/such/page").status_code == 404
    assert client.get("/no-such-page/").status_code in (302, 404)
    client.get("/static/../../no-such-page-either/")
    log = request_log.getvalue()
    assert "Not Found" in log and "Traceback" not in log


@pytest.mark.django_db
def test_a_403_is_logged_as_one_line_without_a_traceback(client, clerk, request_log):
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.utils.log import log_response

    request = RequestFactory().get("/audit/")
    try:
        raise PermissionDenied
    except PermissionDenied as exc:
        from django.http import HttpResponseForbidden

        log_response("Forbidden (Permission denied): %s", request.path,
                     response=HttpResponseForbidden(), request=request, exception=exc)
    log = request_log.getvalue()
    assert "Forbidden (Permission denied): /audit/" in log and "Traceback" not in log


@pytest.mark.django_db
def test_an_id_number_in_a_refused_path_is_masked_in_the_log(client, request_log):
    assert client.get("/api/v1/subjects/410825199805020518").status_code == 401
    log = request_log.getvalue()
    assert "Unauthorized: /api/v1/subjects/4108**********0518" in log
    assert "410825199805020518" not in log


def test_a_server_error_keeps_its_traceback():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1,
                                   "Internal Server Error", None, sys.exc_info())
    record.status_code = 500
    RefusedRequestFilter().filter(record)
    assert record.exc_info is not None
    assert "Traceback" in logging.Formatter().format(record)


# --- the benchmark endpoint --------------------------------------------------------------------
def test_the_platform_urls_never_route_the_benchmark_endpoint():
    for path in ("/bench/bare/", "/approvals/bench/bare/"):
        with pytest.raises(Resolver404):
            resolve(path)
    with pytest.raises(NoReverseMatch):
        reverse("bench_bare")


@pytest.mark.django_db
def test_the_benchmark_urlconf_serves_it_next_to_the_platform(client, settings):
    settings.ROOT_URLCONF = "bench.urls"
    response = client.get("/bench/bare/")
    assert response.status_code == 200 and response.json()["ok"] is True
    assert client.get("/login/").status_code == 200  # the platform's URLs are all there


def test_bench_api_runs_its_server_with_the_bench_settings():
    source = (ROOT / "bench" / "bench_api.py").read_text()
    assert 'os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"' in source
    assert "/approvals/bench/" not in source


# --- API token requests step over the middleware of signed-in people -------------------------
def test_an_api_token_request_steps_over_the_user_middleware_and_nothing_else():
    """A call of the API with a bearer token is an anonymous visitor, without the lazy session
    user; a browser's call of the API (no token) and any page keep it."""
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.test import RequestFactory

    from config import middleware

    users = middleware.AuthenticationMiddleware(lambda request: HttpResponse("ok"))
    assert isinstance(users, AuthenticationMiddleware)  # Django's checks still find it
    factory = RequestFactory()
    kinds = []
    for path, token in (("/api/v1/matters", True), ("/api/v1/matters", False),
                        ("/login/", True)):
        request = factory.get(path, **({"HTTP_AUTHORIZATION": "Bearer hc_x_y"} if token else {}))
        request.session = {}
        users(request)
        kinds.append(type(request.__dict__["user"]).__name__)  # as set, not evaluated
    assert kinds == ["AnonymousUser", "SimpleLazyObject", "SimpleLazyObject"]


@pytest.mark.django_db
def test_an_api_token_answer_carries_the_pages_policy_without_a_session(client):
    page = client.get("/login/")["Content-Security-Policy"]
    response = client.get("/api/v1/matters", HTTP_AUTHORIZATION="Bearer hc_nosuch_token")
    assert response.status_code == 401
    policy = response["Content-Security-Policy"]
    # the page's policy, its nonce apart (JSON has no inline script)
    assert policy == re.sub(r" 'nonce-[^']+'", "", page)
    assert response["X-Frame-Options"] == "DENY" and "Cookie" not in response.get("Vary", "")
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
