from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The public credit site (信用公示) and verifiable credit reports (信用报告)."""

    name = "portal"
    verbose_name = _("Public site and credit reports")

    def ready(self) -> None:
        from approvals import public_urls
        from common import verification
        from lists.models import NoticeDocument
        from portal.models import VerifiableDocument
        from portal.services import check_documents, check_verify_path, notice_verify_path
        from subjects import panels

        panels.register(template="portal/_subject_panel.html", order=90)
        public_urls.register_verify_path(check_verify_path)
        # every new credit check gets its token in the transaction that stores it
        public_urls.register_document_issuer(check_documents, model=VerifiableDocument)
        # every notice and decision of the lists carries its token link and QR code
        verification.register_issuer(NoticeDocument, notice_verify_path)
