"""`config.settings`: the embedded default that `make run` serves (SQLite in the data directory,
plain HTTP on 127.0.0.1) and the default of manage.py and the WSGI application.

A proxy-fronted install uses `DJANGO_SETTINGS_MODULE=config.settings.production`; the test suite
uses `config.settings.test` (pyproject.toml).
"""

from config.settings.base import *  # noqa: F403
