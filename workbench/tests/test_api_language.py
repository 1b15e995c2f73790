"""The API's documentation speaks Chinese: every summary, description and tag a reader of
`/api/v1/docs` sees (the field titles pydantic derives from field names are not prose and stay
as they are)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

CJK = re.compile(r"[\u4e00-\u9fff]")


def _texts(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, text) of every prose text in the schema."""
    found: list[tuple[str, str]] = []
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            found.append((f"{where} summary", op.get("summary", "")))
            if "description" in op:
                found.append((f"{where} description", op["description"]))
            found += [(f"{where} tag", tag) for tag in op.get("tags", [])]
            found += [(f"{where} parameter {p['name']}", p["description"])
                      for p in op.get("parameters", []) if "description" in p]
            found += [(f"{where} answer {status}", answer["description"])
                      for status, answer in op["responses"].items()]
    for tag in schema.get("tags", []):
        found += [(f"tag {tag['name']}", tag["name"]), (f"tag {tag['name']}", tag["description"])]
    for name, component in schema["components"]["schemas"].items():
        if "description" in component:
            found.append((f"schema {name}", component["description"]))
        for field, spec in component.get("properties", {}).items():
            if "description" in spec:
                found.append((f"schema {name}.{field}", spec["description"]))
    return found


@pytest.mark.django_db
def test_every_summary_description_and_tag_is_chinese() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    texts = _texts(schema)
    summaries = [t for where, t in texts if where.endswith(" summary")]
    assert len(summaries) == sum(len(ops) for ops in schema["paths"].values()) >= 10
    assert len(texts) > 100  # the walk reaches every part of the document
    english = [(where, text) for where, text in texts if not CJK.search(text)]
    assert english == []
    operation_tags = {t for where, t in texts if where.endswith(" tag")}
    assert operation_tags <= {tag["name"] for tag in schema["tags"]}  # each tag described


@pytest.mark.django_db
def test_the_schema_is_plain_json_in_the_requested_language() -> None:
    """Lazy texts are resolved per request: plain strings (json.dumps works), English for a
    caller that asks for it."""
    from common.api import api

    json.dumps(api.get_openapi_schema())
    english = Client().get("/api/v1/openapi.json", headers={"accept-language": "en"}).json()
    summary = english["paths"]["/api/v1/subjects/lookup"]["post"]["summary"]
    if CJK.search(summary):  # the site may pin Chinese; then both answers are Chinese
        assert summary == "按代码或身份证号码查询信用主体"
    else:
        assert summary == "Look a subject up by its code or ID number"
