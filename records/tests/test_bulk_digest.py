"""The digest `bulk_enter` lists per record in its audit event, written out by hand
(`new_record_digest`), hashes exactly the bytes of the reference (`record_digest`: the general
JSON encoder over the same values), on arbitrary values: quotes, backslashes, control
characters, line breaks, non-BMP characters, empty texts, no amount, either publicity."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from records.bulk import new_record_digest, record_digest

IDS = st.integers(min_value=1, max_value=2**63 - 1)
TEXT = st.text(max_size=40)


@settings(max_examples=500, deadline=None)
@given(pk=IDS, subject_id=IDS, type_pk=IDS, source_pk=IDS, number=TEXT, occurred=TEXT,
       decided=TEXT, description=st.text(max_size=400), amount=st.none() | TEXT, level=TEXT,
       note=TEXT, is_public=st.booleans(), end=TEXT, state=TEXT,
       version=st.integers(min_value=1, max_value=10**6))
def test_the_hand_written_digest_is_the_reference_digest(pk, subject_id, type_pk, source_pk,
                                                         number, occurred, decided,
                                                         description, amount, level, note,
                                                         is_public, end, state, version):
    values = (pk, subject_id, type_pk, source_pk, number, occurred, decided, description,
              amount, level, note, is_public, end, state, version)
    assert new_record_digest(*values) == record_digest(values)


def test_a_changed_value_changes_the_digest():
    values = (1, 2, 3, 4, "罚〔2024〕1号", "2024-04-15", "2024-04-15", "事实\n\"引号\"", None, "",
              "", True, "2027-04-15", "submitted", 1)
    assert new_record_digest(*values) == record_digest(values)
    changed = (*values[:8], "20000.00", *values[9:])
    assert new_record_digest(*changed) != new_record_digest(*values)
