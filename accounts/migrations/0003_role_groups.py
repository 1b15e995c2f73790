"""One Django group per role, holding the permissions of `accounts.roles.ROLE_PERMISSIONS`, and
every existing account put in its role's group."""

from django.db import migrations


def create_role_groups(apps, schema_editor):
    from accounts.models import Role
    from accounts.roles import sync_role_groups

    sync_role_groups(apps)
    group_model = apps.get_model("auth", "Group")
    user_model = apps.get_model("accounts", "User")
    groups = {g.name: g for g in group_model.objects.filter(name__in=Role.values)}
    for user in user_model.objects.all():
        if user.role in groups:
            user.groups.add(groups[user.role])


def remove_role_groups(apps, schema_editor):
    from accounts.models import Role

    apps.get_model("auth", "Group").objects.filter(name__in=Role.values).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_apitoken_from_exchange"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
