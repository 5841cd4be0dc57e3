from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "ketaclinic.questionnaires"
    label = "questionnaires"
    verbose_name = "Questionnaire responses"
