from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:notification_id>/baca/", views.notification_read, name="read"),
    path("baca-semua/", views.notification_read_all, name="read_all"),
    path("pengaturan/", views.notification_preferences, name="preferences"),
    path("push/langganan/", views.push_subscribe, name="push_subscribe"),
    path("push/berhenti/", views.push_unsubscribe, name="push_unsubscribe"),
    path("push/periksa/", views.push_check, name="push_check"),
]
