"""The review queue reads submitted records oldest first: an index in that order lets a page
of 30 stop after 30 rows instead of sorting every waiting record, and holds the two columns the
top bar's count of the queue tests, so that count never reads the table (issue 14: 10,000
waiting)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0004_legal_basis_national_only'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='creditrecord',
            index=models.Index(fields=['state', 'submitted_at', 'submitted_by', 'created_by'],
                               name='record_review_queue_idx'),
        ),
    ]
