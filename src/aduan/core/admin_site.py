"""The admin site, with one change: a signed-in user who may not use it is told so (403)
instead of being shown Django's login form, as if signing in again would help."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse


class AduanAdminSite(admin.AdminSite):
    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        if request.user.is_authenticated and not self.has_permission(request):
            raise DjangoPermissionDenied
        return super().login(request, extra_context)


class AduanAdminConfig(AdminConfig):
    default_site = "aduan.core.admin_site.AduanAdminSite"
