"""Drop DRF's authtoken table: it held every API key in plain text.

``rest_framework.authtoken`` is no longer installed (accounts.ApiToken replaced it),
so nothing reads the table; dropping it removes the plain-text keys from the
database and from every backup taken from now on. Its rows in django_migrations go
too, so that installing the app again would create the table afresh. There is no
way back: the old keys are gone (they would not work any more anyway).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_tokens")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
        migrations.RunSQL(
            "DELETE FROM django_migrations WHERE app = 'authtoken'", migrations.RunSQL.noop
        ),
    ]
