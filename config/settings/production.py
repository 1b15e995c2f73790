"""Production settings: a proxy-fronted install over HTTPS (`DJANGO_SETTINGS_MODULE=
config.settings.production`).

Everything is on by default so that `manage.py check --deploy` is clean (tested); each switch
can be turned off from the environment, for instance SECURE_SSL_REDIRECT=0 when the proxy
already redirects. The secret key must exist: SECRET_KEY, or the data directory's key file
that `manage.py bootstrap` creates.
"""

from config.settings.base import *  # noqa: F403
from config.settings.base import env, read_secret_key

SECRET_KEY = read_secret_key(required=True)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")

# HTTPS: redirect plain HTTP, mark cookies Secure, and tell browsers to stay on HTTPS (HSTS).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
# Behind a TLS-terminating proxy: the header it sets, e.g. "HTTP_X_FORWARDED_PROTO,https".
# Only set it when the proxy always overwrites that header, or clients could forge HTTPS.
SECURE_PROXY_SSL_HEADER = (
    tuple(env.list("SECURE_PROXY_SSL_HEADER")) if env.str("SECURE_PROXY_SSL_HEADER", default="")
    else None
)
