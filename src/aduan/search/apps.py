from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "aduan.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from aduan.reports.models import Report

        from .services import report_saved

        # Every writer of a report's text (the services, the admin, factories, the demo)
        # keeps its index row current; ADR 0004 says why a signal and not a listener.
        post_save.connect(report_saved, sender=Report, dispatch_uid="search_entry_update")
