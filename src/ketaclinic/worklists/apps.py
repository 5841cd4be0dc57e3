from django.apps import AppConfig


class WorklistsConfig(AppConfig):
    name = "ketaclinic.worklists"
    label = "worklists"
