from django.urls import path

from ketaclinic.infusions import chart_views, pdf_views, views

app_name = "infusions"
urlpatterns = [
    path("infusions/today/", views.today, name="today"),
    path(
        "patients/<uuid:code>/plans/<uuid:plan_code>/sessions/new/",
        views.session_open,
        name="open",
    ),
    path(
        "patients/<uuid:code>/sessions/<uuid:session_code>/",
        views.session_page,
        name="session",
    ),
    path(
        "patients/<uuid:code>/sessions/<uuid:session_code>/chart/",
        chart_views.chart,
        name="chart",
    ),
    path(
        "patients/<uuid:code>/sessions/<uuid:session_code>/record.pdf",
        pdf_views.record_pdf,
        name="pdf",
    ),
]
