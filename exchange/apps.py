from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Data exchange")

    def ready(self) -> None:
        """Connect the change feed's receivers (records and lists send, exchange listens: they
        are to its left in the flow and never import it)."""
        from django.db.models.signals import post_save
        from django_fsm.signals import post_transition

        from exchange import receivers
        from records.signals import record_state_changed

        record_state_changed.connect(receivers.note_record_change,
                                     dispatch_uid="exchange.change_feed.records")
        post_transition.connect(receivers.note_list_transition,
                                dispatch_uid="exchange.change_feed.list_transition")
        for model in receivers.LIST_MODELS:
            post_save.connect(receivers.note_list_saved, sender=model,
                              dispatch_uid=f"exchange.change_feed.saved.{model.__name__}")
