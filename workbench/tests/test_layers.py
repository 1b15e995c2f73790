"""The import contract (`.importlinter`, run by `make test`) knows every app of the platform.

import-linter checks only the packages it is told about: an app added to INSTALLED_APPS but not
to the contract would be free to import anything. This test fails until it is listed, both as a
root package and in its place among the layers.
"""

from __future__ import annotations

import configparser

from django.apps import apps
from django.conf import settings

CONFIG = settings.BASE_DIR / ".importlinter"


def _contract() -> tuple[set[str], list[str]]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    roots = set(parser["importlinter"]["root_packages"].split())
    layers = [name.strip("()") for name in parser["importlinter:contract:flow"]["layers"].split()]
    return roots, layers


def test_every_platform_app_is_a_layer_of_the_contract() -> None:
    roots, layers = _contract()
    ours = {c.name for c in apps.get_app_configs()
            if (settings.BASE_DIR / c.name).is_dir() and "." not in c.name}
    assert ours, "no platform apps found"
    assert ours <= roots, f"add to root_packages in .importlinter: {sorted(ours - roots)}"
    assert ours <= set(layers), f"add to the layers in .importlinter: {sorted(ours - set(layers))}"
    assert layers[:2] == ["config", "workbench"] and layers[-1] == "common"
