from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "aduan.reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from django.core import checks

        from aduan.core.periodic import periodic_register

        from .attachments import attachments_pending_requeue
        from .audit_keys import check_audit_keys, check_audit_keys_deploy
        from .orphans import folders_for_minute, orphans_sweep

        checks.register(check_audit_keys)
        checks.register(check_audit_keys_deploy, deploy=True)

        def orphan_files(*, now, batch, stop_at) -> int:
            """Attachment files whose row was rolled back: one 1,440th of the folders a
            minute. Returns how many were removed."""
            return orphans_sweep(folders=folders_for_minute(now), now=now).removed

        periodic_register(name="orphan_files", function=orphan_files, order=50)
        periodic_register(
            name="attachments_pending", function=attachments_pending_requeue, order=45
        )
