"""Language selection: Bahasa Indonesia unless the visitor chose otherwise.

Browsers send Accept-Language on their own, and many Indonesian phones are set to
English; following it would show most citizens an English site they never asked for.
So web pages are Indonesian unless the language switch (Django's ``set_language``, whose
cookie the profile page also sets) says otherwise. The JSON API is called by programs
that choose their language on purpose, so there Accept-Language is honoured.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import check_for_language, get_supported_language_variant

API_PREFIX = "/api/"


def language_for_request(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen and check_for_language(chosen):
        try:
            return get_supported_language_variant(chosen)
        except LookupError:
            pass
    if request.path.startswith(API_PREFIX):
        return translation.get_language_from_request(request)
    return settings.LANGUAGE_CODE


class LanguageMiddleware(LocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        translation.activate(language_for_request(request))
        request.LANGUAGE_CODE = translation.get_language()
