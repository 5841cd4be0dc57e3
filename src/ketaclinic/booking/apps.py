from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "ketaclinic.booking"
    label = "booking"
    verbose_name = "Online booking"
