"""The role groups take the self-service and credit-report permissions (`appeals.*`,
`portal.*`) that were role checks of their own in `appeals/permissions.py` and
`portal/permissions.py`: `sync_role_groups` makes every group hold exactly its row of
`accounts.roles.ROLE_PERMISSIONS` again."""

from django.db import migrations


def sync(apps, schema_editor):
    from accounts.roles import sync_role_groups

    sync_role_groups(apps)


def drop_new(apps, schema_editor):
    permission = apps.get_model("auth", "Permission")
    permission.objects.filter(
        content_type__app_label__in=["appeals", "portal"],
        codename__in=["view_queue", "verify_accounts", "answer_objections", "issue_reports",
                      "revoke_documents"],
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_notification")]

    operations = [migrations.RunPython(sync, drop_new)]
