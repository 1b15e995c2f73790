"""API tokens move to `accounts` (DESIGN.md: tokens belong to accounts, left of every app that
serves an API). The rows stay where they are: the table is renamed to `accounts_apitoken` and
the model leaves exchange's migration state; `accounts.0002_apitoken_from_exchange` adopts it
into accounts' state without touching the database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="apitoken", table="accounts_apitoken"),
            ],
            state_operations=[
                migrations.DeleteModel(name="ApiToken"),
            ],
        ),
    ]
