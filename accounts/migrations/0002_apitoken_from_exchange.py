"""Adopt the API token model from `exchange` into accounts' migration state.

The table (`accounts_apitoken`, renamed by `exchange.0002_move_apitoken_to_accounts`) and its
rows already exist, so only the state changes: every issued token keeps authenticating."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
        ("exchange", "0002_move_apitoken_to_accounts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        ("prefix", models.CharField(max_length=12, unique=True)),
                        ("key_hash", models.CharField(max_length=64, unique=True)),
                        ("scopes", models.JSONField(default=list, verbose_name="scopes")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked at")),
                        ("department", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="tokens", to="accounts.department", verbose_name="department")),
                        ("user", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name="api_token", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "API token",
                        "verbose_name_plural": "API tokens",
                    },
                ),
            ],
        ),
    ]
