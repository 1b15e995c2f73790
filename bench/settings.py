"""Settings for the benchmarks' own server (`make bench-api`): the embedded default with the
benchmark URL configuration, so the reference endpoint never exists in the platform's URLs."""

from config.settings.base import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
