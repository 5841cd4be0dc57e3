from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "ketaclinic.plans"
    label = "plans"
    verbose_name = "Treatment plans"
