from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "ketaclinic.outbox"
    label = "outbox"
    verbose_name = "Outgoing email"
