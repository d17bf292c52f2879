from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgrammesConfig(AppConfig):
    name = "aduan.programmes"
    verbose_name = _("National priority programmes")
