"""The OpenAPI document and the docs page, which must work on an intranet without a CDN."""

from __future__ import annotations

import re

from django.test import Client


def test_openapi_lists_every_endpoint(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "住房信用平台 API" and schema["info"]["version"] == "1"
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/subjects", "/api/v1/subjects/lookup", "/api/v1/subjects/{code}",
        "/api/v1/subjects/lookup/records", "/api/v1/subjects/lookup/evaluation",
        "/api/v1/records",
        "/api/v1/subjects/{code}/records", "/api/v1/lists/{kind}",
        "/api/v1/credit-check", "/api/v1/matters", "/api/v1/subjects/{code}/evaluation",
        "/api/v1/statistics/overview", "/api/v1/changes", "/api/v1/imports",
        "/api/v1/imports/{number}", "/api/v1/credit-check/bulk",
    }
    assert set(paths["/api/v1/subjects"]) == {"get", "post"}
    assert "post" in paths["/api/v1/records"]
    for operations in paths.values():
        for operation in operations.values():
            assert operation["security"], "every endpoint needs a bearer token"
            assert "422" in operation["responses"] and "401" in operation["responses"]
    assert "internal_note" not in str(schema["components"]["schemas"]["RecordOut"])


def test_docs_page_loads_only_local_assets(db):
    client = Client()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower() and "http://" not in html and "https://" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") and not s.startswith("//") for s in sources)
    assert "/api/v1/openapi.json" in html
    assert '"validatorUrl": null' in html  # no schema sent to validator.swagger.io
    for source in sources:  # every asset the page names is really served
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert b"".join(asset.streaming_content)


def test_docs_assets_are_a_closed_list(db):
    assert Client().get("/api/v1/docs/assets/redoc.standalone.js").status_code == 404
    assert Client().get("/api/v1/docs/assets/..%2F..%2Fmain.py").status_code == 404


def test_wrong_method_and_unknown_path_answer_in_the_error_shape(db):
    client = Client()
    response = client.put("/api/v1/records")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]
    for url in ["/api/v1/", "/api/v1/nothing", "/api/v1/subjects/x/y/z"]:
        response = client.post(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
