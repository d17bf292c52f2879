"""The signed-in user's own pages: profile (with the devices signed in through the API)
and API tokens. Thin: services decide."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from aduan.core.errors import ValidationFailed
from aduan.core.forms import form_add_service_errors

from .forms import ApiTokenForm, ProfileForm
from .mfa import has_authenticator_app
from .selectors import api_token_get_for_user, api_token_list, api_token_list_active
from .services import token_create, token_revoke, user_update_profile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                user_update_profile(user=user, **form.cleaned_data)
            except ValidationFailed as exc:
                form_add_service_errors(form, exc)
            else:
                # The chosen language takes effect at once: for this answer and, through
                # the cookie LocaleMiddleware reads, for every page after it.
                translation.activate(user.language)
                messages.success(request, _("Your profile has been saved."))
                response = redirect("accounts:profile")
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME,
                    user.language,
                    max_age=settings.LANGUAGE_COOKIE_AGE,
                    path=settings.LANGUAGE_COOKIE_PATH,
                    domain=settings.LANGUAGE_COOKIE_DOMAIN,
                    secure=settings.LANGUAGE_COOKIE_SECURE,
                    httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                )
                return response
    else:
        form = ProfileForm(
            initial={
                "full_name": user.full_name,
                "phone": user.phone,
                "nik": user.nik,
                "language": user.language,
            }
        )
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "tokens": api_token_list_active(user=user),
            "second_factor": has_authenticator_app(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List the user's tokens and create one. The raw token is shown in this one answer
    only: it is neither stored nor put in the session, so it cannot be shown again."""
    created_raw = None
    if request.method == "POST":
        form = ApiTokenForm(request.POST)
        if form.is_valid():
            _token, created_raw = token_create(user=request.user, name=form.cleaned_data["name"])
            form = ApiTokenForm()
    else:
        form = ApiTokenForm()
    response = render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form,
            "tokens": api_token_list(user=request.user),
            "created_raw": created_raw,
            "token_days": settings.ADUAN_API_TOKEN_DAYS,
        },
    )
    if created_raw:
        response["Cache-Control"] = "no-store"
    return response


# Where a revocation returns to: the page its link was on (a fixed list, not a URL).
REVOKE_RETURNS = {"profil": "accounts:profile", "token": "accounts:api_tokens"}


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """GET asks to confirm (without a script: the page is the question), POST revokes."""
    token = api_token_get_for_user(user=request.user, token_id=token_id)
    back = request.POST.get("kembali") or request.GET.get("kembali")
    back_url = REVOKE_RETURNS.get(back or "", "accounts:api_tokens")
    if request.method == "GET":
        return render(
            request,
            "accounts/api_token_revoke.html",
            {
                "token": token,
                "back": back if back in REVOKE_RETURNS else "token",
                "back_url": back_url,
            },
        )
    token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect(back_url)
