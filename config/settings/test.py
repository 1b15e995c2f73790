"""Settings for the test suite (pyproject.toml's DJANGO_SETTINGS_MODULE).

The embedded default with a fixed key (no key file is read or written), fast password hashing,
and WhiteNoise looking files up per request (tests run without collectstatic).
"""

from config.settings.base import *  # noqa: F403

SECRET_KEY = "test-key-only-for-the-suite-0123456789-abcdefghijklmnopqrstuvwxyz"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True
# Tests run without collectstatic, so no manifest: plain static URLs (the admin's pages too).
STORAGES = {**STORAGES,  # noqa: F405
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
