from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "aduan.web"
    verbose_name = _("Web")

    def ready(self) -> None:
        from aduan.core.memo import directory_memo_connect
        from aduan.core.periodic import periodic_register
        from aduan.sla.models import DayOff

        from . import pending_uploads

        def pending_uploads_job(*, now, batch, stop_at) -> None:
            # Once an hour is enough for files that may stay a day (ADR 0012).
            if now.minute == 30:
                pending_uploads.pending_uploads_purge(now=now)

        periodic_register(name="pending_uploads", function=pending_uploads_job, order=60)
        # The countdowns' calendar is remembered (web.deadlines.calendar_current).
        directory_memo_connect(DayOff)
