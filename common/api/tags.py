"""The API's tags (the groups of the docs page), one name each, translated like every text a
user reads: the routers import these, and `common.api.api` lists them with their descriptions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext_lazy


def _(text: str) -> Any:
    return pgettext_lazy("api tag", text)


SUBJECTS = _("Subjects")
RECORDS = _("Credit records")
LISTS = _("Lists")
CREDIT_CHECKS = _("Credit checks")
EVALUATION = _("Evaluation")
STATISTICS = _("Statistics")
CHANGES = _("Change feed")
IMPORTS = _("Imports")

#: (tag, what it groups), in the order the docs page shows them
TAGS: list[tuple[Any, Any]] = [
    (SUBJECTS, _("Credit subjects: register, list, search, look up by code or ID number.")),
    (RECORDS, _("Credit records: submit for review, read a subject's records.")),
    (LISTS, _("Red list, black list and key supervision entries.")),
    (CREDIT_CHECKS, _("The matters catalogue and credit checks at the service window.")),
    (EVALUATION, _("A subject's grade and the contributions that make it.")),
    (STATISTICS, _("Statistics from the daily snapshots.")),
    (CHANGES, _("Records and list decisions since a cursor, for other departments' systems.")),
    (IMPORTS, _("双公示 feeds and spreadsheet templates imported by API.")),
]
