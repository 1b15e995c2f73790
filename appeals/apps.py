from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    """Enterprise self-service (/my/): accounts, objections (异议), credit repair (信用修复)."""

    name = "appeals"
    verbose_name = _("Enterprise self-service, objections and credit repair")

    def ready(self) -> None:
        from accounts.permissions import register_subject_resolver
        from appeals.permissions import enterprise_subject

        # accounts sits below appeals: it learns here who an enterprise account acts for
        register_subject_resolver(enterprise_subject)
