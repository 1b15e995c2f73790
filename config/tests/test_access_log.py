"""gunicorn's access log (gunicorn.conf.py's logger class) never writes a full ID number."""

from __future__ import annotations

import datetime as dt
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[2]
CONF = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
ID = "410825199805020518"


@pytest.fixture
def access_line(tmp_path):
    """Write one access-log line through the configured logger class; return the text."""
    log_file = tmp_path / "access.log"
    cfg = Config()
    cfg.set("logger_class", CONF["logger_class"])
    cfg.set("accesslog", str(log_file))
    logger = cfg.logger_class(cfg)

    def write(path: str, query: str = "", referer: str = "-") -> str:
        raw = path + (f"?{query}" if query else "")
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": raw, "PATH_INFO": path,
                   "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
                   "REMOTE_ADDR": "10.0.0.7", "HTTP_REFERER": referer}
        response = SimpleNamespace(status="200 OK", sent=42, headers=[])
        request = SimpleNamespace(headers=[("REFERER", referer)])
        logger.access(response, request, environ, dt.timedelta(milliseconds=12))
        for handler in logger.access_log.handlers:
            handler.flush()
        return log_file.read_text()

    return write


def test_gunicorn_uses_the_masking_logger():
    assert Config().logger_class is not CONF["logger_class"]  # not gunicorn's default …
    cfg = Config()
    cfg.set("logger_class", CONF["logger_class"])
    assert cfg.logger_class.__name__ == "MaskingLogger"  # … but the conf file's


def test_an_id_number_in_an_api_path_is_masked(access_line):
    line = access_line(f"/api/v1/subjects/{ID}")
    assert ID not in line
    assert "/api/v1/subjects/4108**********0518" in line and " 200 " in line


def test_id_numbers_in_query_and_referrer_are_masked_too(access_line):
    line = access_line("/subjects/", query=f"q={ID}",
                       referer=f"http://credit.example/subjects/{ID[:17]}X/")
    assert ID not in line and ID[:17] not in line
    assert "4108**********051X" in line


def test_other_paths_and_enterprise_codes_are_left_alone(access_line):
    line = access_line("/api/v1/subjects/91410825MA40X0Y12Q/records", query="page=2")
    assert "/api/v1/subjects/91410825MA40X0Y12Q/records?page=2" in line


def test_the_old_fifteen_digit_form_is_masked():
    assert CONF["mask_id_numbers"]("/s/110105800101123") == "/s/1101*******1123"
