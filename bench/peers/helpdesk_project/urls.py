"""URLs of the bench project: django-helpdesk under /helpdesk/, as its docs mount it."""

from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]
