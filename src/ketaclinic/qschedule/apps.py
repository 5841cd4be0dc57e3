from django.apps import AppConfig


class QscheduleConfig(AppConfig):
    name = "ketaclinic.qschedule"
    verbose_name = "Questionnaires on a schedule"
