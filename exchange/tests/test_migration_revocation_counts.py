"""Migration exchange/0008's data step: finished batches that counted their revocation rows
with the corrections get them counted as revocations (and back, when unapplied)."""

from __future__ import annotations

import importlib

from django.apps import apps

from common import clock
from exchange.feed_models import ImportBatch, ImportedRow, RowOutcome

MIGRATION = importlib.import_module("exchange.migrations.0008_import_revocations_count")


def test_revocation_rows_leave_the_corrections_for_the_revocations(other_department, clerk):
    def batch(number: str, corrections: int) -> ImportBatch:
        return ImportBatch.objects.create(
            number=number, kind="CF", field_set="current", file_format="csv",
            file_name="cf.csv", file_sha256="0" * 64, source=other_department, actor=clerk,
            state=ImportBatch.State.FINISHED, started_at=clock.now(), rows=4,
            corrections=corrections)

    mixed, plain = batch("IMP-20261201-0001", 3), batch("IMP-20261201-0002", 1)
    outcomes = {mixed: [RowOutcome.REVOCATION, RowOutcome.REVOCATION, RowOutcome.CORRECTION,
                        RowOutcome.CREATED],
                plain: [RowOutcome.CORRECTION, RowOutcome.CREATED]}
    for owner, kinds in outcomes.items():
        for n, outcome in enumerate(kinds, start=2):
            ImportedRow.objects.create(batch=owner, row_number=n, kind="CF",
                                       source=other_department, outcome=outcome)
    MIGRATION.move_revocation_counts(apps, None)
    counts = dict(ImportBatch.objects.values_list("number", "corrections"))
    revocations = dict(ImportBatch.objects.values_list("number", "revocations"))
    assert counts == {mixed.number: 1, plain.number: 1}
    assert revocations == {mixed.number: 2, plain.number: 0}
    MIGRATION.restore_revocation_counts(apps, None)
    assert ImportBatch.objects.get(pk=mixed.pk).corrections == 3
