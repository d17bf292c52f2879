from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailChannelConfig(AppConfig):
    name = "aduan.channels.mail"
    label = "aduan_channels_mail"
    verbose_name = _("Reports by e-mail")

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from . import sender as _sender  # noqa: F401 (registers itself)
        from . import spec as _spec  # noqa: F401 (registers itself)
        from .services import identity_confirm

        def confirmed(sender, email_address, **kwargs) -> None:
            identity_confirm(user_id=email_address.user_id, address=email_address.email)

        email_confirmed.connect(confirmed, dispatch_uid="aduan_channels_mail_confirmed", weak=False)
