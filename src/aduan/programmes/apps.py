from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "aduan.programmes"
    verbose_name = _("National priority programmes")

    def ready(self) -> None:
        from aduan.core.memo import directory_memo_connect

        from .models import Programme

        # The staff lists' filter offers the programmes, remembered (aduan.core.memo).
        directory_memo_connect(Programme)
