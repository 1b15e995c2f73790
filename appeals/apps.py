from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    """Enterprise self-service (/my/): accounts, objections (异议), credit repair (信用修复)."""

    name = "appeals"
    verbose_name = _("Enterprise self-service, objections and credit repair")
