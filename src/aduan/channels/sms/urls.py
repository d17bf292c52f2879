from django.urls import path

from . import views

app_name = "sms"

urlpatterns = [
    path("masuk/", views.inbound, name="inbound"),
]
