import django.db.models.deletion
from django.db import migrations, models


def fill_current_results(apps, schema_editor):
    from assessments.models import refresh_current_results

    refresh_current_results(
        apps.get_model("assessments", "Organisation").objects.all(),
        apps.get_model("assessments", "Assessment"),
        apps.get_model("assessments", "AreaResult"),
    )


class Migration(migrations.Migration):
    dependencies = [("assessments", "0007_membership_shares_sector_percentile")]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="current_result",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="assessments.assessment",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="current_score",
            field=models.DecimalField(decimal_places=2, editable=False, max_digits=5, null=True),
        ),
        migrations.AddField(
            model_name="organisation",
            name="current_level",
            field=models.CharField(blank=True, editable=False, max_length=20),
        ),
        migrations.AddField(
            model_name="organisation",
            name="current_date",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="organisation",
            name="previous_score",
            field=models.DecimalField(decimal_places=2, editable=False, max_digits=5, null=True),
        ),
        migrations.AddField(
            model_name="organisation",
            name="top_area",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="assessments.area",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="top_area_order",
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(fill_current_results, migrations.RunPython.noop),
    ]
