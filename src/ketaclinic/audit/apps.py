from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ketaclinic.audit"
    label = "audit"
