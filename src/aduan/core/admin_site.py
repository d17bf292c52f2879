"""The admin site, with two changes: a signed-in user who may not use it is told so (403)
instead of being shown Django's login form, as if signing in again would help; and a
visitor signs in on the site's own page (allauth), so that one lock-out after failed
sign-ins covers every way in (web, admin, API)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class AduanAdminSite(admin.AdminSite):
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.user.is_authenticated and not self.has_permission(request):
            raise DjangoPermissionDenied
        if not request.user.is_authenticated:
            target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
            return redirect(
                f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: target})}"
            )
        return super().login(request, extra_context)


class AduanAdminConfig(AdminConfig):
    default_site = "aduan.core.admin_site.AduanAdminSite"
