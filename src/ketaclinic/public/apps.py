from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "ketaclinic.public"
    label = "public"
    verbose_name = "Public site"
