from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from assessments.models import QuestionBank

DEMO_PASSWORD = "orientacion-demo"  # noqa: S105 -- published demo credentials
ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = "Load the question bank and create the demo accounts and data (safe to run again)."

    def handle(self, *args, **options):
        if not QuestionBank.objects.filter(version=1).exists():
            call_command("loaddata", "fixtures/question_bank.json", verbosity=0)
        with transaction.atomic():
            self._admin()
        self.stdout.write(self.style.SUCCESS("Demo ready at http://127.0.0.1:8000"))
        self.stdout.write(
            f"  admin      {ADMIN_USERNAME} / {DEMO_PASSWORD}  (Django admin: /admin/)"
        )

    def _admin(self):
        user_model = get_user_model()
        admin, created = user_model.objects.get_or_create(
            username=ADMIN_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "first_name": "Admin"},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
