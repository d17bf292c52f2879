"""A changed password revokes the account's API tokens (``token_revoke_all``): whoever
learnt the old password may have made tokens with it. allauth tells us of a change, a
reset by e-mail and a first password; the admin's "change password" form calls the
service itself (``admin.StaffPasswordChangeForm``)."""

from __future__ import annotations

from allauth.account.signals import password_changed, password_reset, password_set

from .services import token_revoke_all


def _revoke_tokens(sender, request=None, user=None, **kwargs) -> None:
    if user is not None:
        token_revoke_all(user=user)


def connect() -> None:
    for signal in (password_changed, password_reset, password_set):
        signal.connect(_revoke_tokens, dispatch_uid="aduan.accounts.revoke_tokens")
