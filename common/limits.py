"""Input limits every door shares (web form, API, import), so one input gets one answer.

Lengths of one-line values are the database columns' own `max_length` (forms and API schemas
read them from the model field); the limits here are for free text stored in unbounded
`TextField`s, where the database sets no limit and a 1 MB paste would otherwise reach PDFs and
pages. Dates are checked against `EARLIEST_DATE`/`LATEST_DATE` by `common.forms.check_date_range`
and by the API's `common.api.schemas.PlausibleDate`.
"""

from __future__ import annotations

import datetime as dt

#: A record's description, an internal note, a listing's facts or reasons: a few pages at most.
LONG_TEXT = 10_000
#: A reviewer's comment, a reason for rejecting, revoking or correcting.
COMMENT = 2_000

#: Earliest and latest dates a record, decision or plan may carry. The USCC system began in
#: 2015 but older penalties and licences are still carried by feeds; nothing in the sector
#: predates the People's Republic's first housing rules.
EARLIEST_DATE = dt.date(1949, 10, 1)
LATEST_DATE = dt.date(2099, 12, 31)

#: Rows one list page may export (`common.exports`). The export runs inside the web request
#: (gunicorn's 30 s timeout): `bench/bench_review.py` measured about 600 XLSX rows/s through
#: the page on the shared 2-core machine under load (openpyxl alone is no faster), so 20,000
#: rows stay well inside it on an ordinary day; a bigger extract is a data-exchange export.
EXPORT_ROWS = 20_000
#: Records one batch review may decide (`records.services.records_review_batch`): a full queue
#: page and more, while each item's own transaction, lock and audit event keep a batch short.
REVIEW_BATCH = 200
