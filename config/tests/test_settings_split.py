"""The settings package: nothing written on import, a production profile that passes
`check --deploy` and whose HTTPS switches come from the environment, the key made by bootstrap."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **env: str) -> dict[str, str]:
    """The test process's environment without anything the settings read (the browser plugin
    sets DJANGO_ALLOW_ASYNC_UNSAFE, which `check --deploy` rightly refuses)."""
    clean = {k: v for k, v in os.environ.items()
             if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS", "DEBUG",
                          "DATABASE_URL", "CONN_MAX_AGE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
             and not k.startswith("SECURE_")}
    return {**clean, "HC_DATA_DIR": str(tmp_path / "data"), **env}


def _run(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(tmp_path, **env),
                          capture_output=True, text=True, timeout=120)


def _check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
        env=_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings.production",
                 SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="credit.example.gov.cn",
                 **env))


def test_importing_settings_writes_no_file(tmp_path):
    result = _run("import config.settings, config.settings.test, bench.settings; "
                  "import config.settings.production", tmp_path,
                  SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="credit.example.gov.cn")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "data").exists()  # no data directory, no key file, no static dir


def test_the_embedded_default_falls_back_to_a_stable_development_key(tmp_path):
    code = "from config import settings; print(settings.SECRET_KEY)"
    first, second = _run(code, tmp_path), _run(code, tmp_path)
    assert first.stdout == second.stdout and first.stdout.strip()
    assert not (tmp_path / "data").exists()


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = _run("import config.settings.production", tmp_path, ALLOWED_HOSTS="x.example")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "bootstrap" in result.stderr


def test_production_reads_the_key_file_bootstrap_created(tmp_path):
    created = _run(
        "import django; django.setup()\n"
        "from workbench.management.commands.bootstrap import ensure_data_dir\n"
        "ensure_data_dir(); ensure_data_dir()", tmp_path,
        DJANGO_SETTINGS_MODULE="config.settings")
    assert created.returncode == 0, created.stderr
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0  # owner only
    read = _run("from config.settings import production as p; print(p.SECRET_KEY)", tmp_path,
                ALLOWED_HOSTS="x.example")
    assert read.returncode == 0, read.stderr
    assert read.stdout.strip() == key_file.read_text().strip() and len(read.stdout.strip()) >= 50


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = _check_deploy(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_names_what_the_environment_switched_off(tmp_path):
    result = _check_deploy(tmp_path, SECURE_SSL_REDIRECT="0", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


def test_production_https_switches_come_from_the_environment(tmp_path):
    code = ("from config.settings import production as p; print(p.SECURE_SSL_REDIRECT, "
            "p.SESSION_COOKIE_SECURE, p.CSRF_COOKIE_SECURE, p.SECURE_HSTS_SECONDS, "
            "p.SECURE_HSTS_PRELOAD, p.SECURE_PROXY_SSL_HEADER)")
    defaults = _run(code, tmp_path, SECRET_KEY="k" * 60, ALLOWED_HOSTS="x.example")
    assert defaults.stdout.split() == ["True", "True", "True", "31536000", "True", "None"]
    switched = _run(code, tmp_path, SECRET_KEY="k" * 60, ALLOWED_HOSTS="x.example",
                    SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0",
                    SECURE_HSTS_SECONDS="600", SECURE_HSTS_PRELOAD="0",
                    SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https")
    assert switched.returncode == 0, switched.stderr
    assert switched.stdout.strip() == (
        "False False False 600 False ('HTTP_X_FORWARDED_PROTO', 'https')")


def test_database_url_is_read_with_django_environ(tmp_path):
    code = ("from config import settings as s; d = s.DATABASES['default']; "
            "print(d['ENGINE'], d['NAME'], d['HOST'], d['PORT'], d['CONN_MAX_AGE'])")
    pg = _run(code, tmp_path, DATABASE_URL="postgres://u:p@db.example:5433/credit",
              CONN_MAX_AGE="30")
    assert pg.stdout.split() == ["django.db.backends.postgresql", "credit", "db.example",
                                 "5433", "30"]
    lite = _run(code, tmp_path)
    assert lite.stdout.split()[:2] == ["django.db.backends.sqlite3",
                                       str(tmp_path / "data" / "db.sqlite3")]


def test_the_scheduler_interval_comes_from_hc_deadline_interval(tmp_path):
    code = ("import django; django.setup()\n"
            "from django.core.management import load_command_class\n"
            "cmd = load_command_class('workbench', 'run_scheduler')\n"
            "print(cmd.create_parser('manage.py', 'run_scheduler').parse_args([]).interval)")
    assert _run(code, tmp_path, DJANGO_SETTINGS_MODULE="config.settings",
                HC_DEADLINE_INTERVAL="90").stdout.strip() == "90"
    assert _run(code, tmp_path, DJANGO_SETTINGS_MODULE="config.settings").stdout.strip() == "3600"
