# Suspensions are dated rows since 0002/0003; the flag they replace goes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("organisation", "0003_designation_history_data")]

    operations = [migrations.RemoveField(model_name="designation", name="is_suspended")]
