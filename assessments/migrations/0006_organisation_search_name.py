from django.db import migrations, models


def fill_search_names(apps, schema_editor):
    from assessments.models import search_key

    Organisation = apps.get_model("assessments", "Organisation")
    organisations = list(Organisation.objects.only("pk", "name"))
    for organisation in organisations:
        organisation.search_name = search_key(organisation.name)
    Organisation.objects.bulk_update(organisations, ["search_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0005_action_plan")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="search_name",
            field=models.CharField(default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop),
    ]
