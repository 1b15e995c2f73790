from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Departments and accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from accounts import permissions  # noqa: F401  registers the object rules with `rules`
        from accounts.models import User

        post_save.connect(_role_group_follows_role, sender=User,
                          dispatch_uid="accounts.role_group_follows_role")


def _role_group_follows_role(sender: Any, instance: Any, created: bool,
                             update_fields: Any = None, **kwargs: Any) -> None:
    """An account is always in its role's group (however it was created or changed: the staff
    pages, the Django admin, `bootstrap`, the demo county), so `user.has_perm` and the Django
    admin read the same role → action table as `accounts.permissions`."""
    if update_fields is not None and "role" not in update_fields:
        return
    from accounts.roles import sync_membership

    sync_membership(instance)
