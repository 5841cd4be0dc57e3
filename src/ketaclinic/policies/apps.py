from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "ketaclinic.policies"
    label = "policies"
    verbose_name = "Clinic policies"
