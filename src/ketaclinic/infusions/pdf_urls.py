from django.urls import path

from ketaclinic.infusions import pdf_views

app_name = "infusions"
urlpatterns = [
    path(
        "patients/<uuid:code>/sessions/<uuid:session_code>/record.pdf",
        pdf_views.record_pdf,
        name="pdf",
    ),
]
