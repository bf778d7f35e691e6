from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from assessments import services
from assessments.models import Assessment, Membership, Organisation, Question, QuestionBank

DEMO_PASSWORD = "orientacion-demo"  # noqa: S105 -- published demo credentials

# username, first name, last name, staff?
USERS = [
    ("admin", "Admin", "", True),
    ("ana", "Ana", "García", False),
    ("luis", "Luis", "Pérez", False),
    ("carmen", "Carmen", "Ruiz", False),
]

# name, sector, size band, country, {username: role}
ORGANISATIONS = [
    (
        "Hotel Brisa del Mar",
        "Hostelería",
        Organisation.SizeBand.MEDIUM,
        "España",
        {"ana": Membership.Role.MANAGER, "carmen": Membership.Role.CONSULTANT},
    ),
    (
        "Talleres Norte",
        "Industria",
        Organisation.SizeBand.SMALL,
        "España",
        {"luis": Membership.Role.MANAGER, "carmen": Membership.Role.CONSULTANT},
    ),
]

# Talleres Norte's manager stopped half-way through: questions 1–10 answered.
HALF_ANSWERED = {
    1: ("yes", "El gerente visita a los tres clientes principales cada trimestre."),
    2: ("partly", ""),
    3: ("no", "Solo se revisan ventas y márgenes."),
    4: ("partly", "Encuesta anual en papel, poca respuesta."),
    5: ("no", ""),
    6: ("no", ""),
    7: ("partly", ""),
    8: ("no", ""),
    9: ("no", ""),
    10: ("yes", ""),
}


class Command(BaseCommand):
    help = "Load the question bank and create the demo accounts and data (safe to run again)."

    def handle(self, *args, **options):
        if not QuestionBank.objects.filter(version=1).exists():
            call_command("loaddata", "fixtures/question_bank.json", verbosity=0)
        with transaction.atomic():
            users = {username: self._user(username, *rest) for username, *rest in USERS}
            organisations = {
                name: self._organisation(name, sector, size, country, members, users)
                for name, sector, size, country, members in ORGANISATIONS
            }
            self._draft(organisations["Talleres Norte"], users["luis"], HALF_ANSWERED)
        self.stdout.write(self.style.SUCCESS("Demo ready at http://127.0.0.1:8000"))
        self.stdout.write(f"Every demo account's password is: {DEMO_PASSWORD}")
        self.stdout.write("  admin   administrator (Django admin at /admin/)")
        self.stdout.write("  ana     manager of Hotel Brisa del Mar")
        self.stdout.write("  luis    manager of Talleres Norte (a half-answered draft waits)")
        self.stdout.write("  carmen  consultant following both organisations")

    def _user(self, username, first_name, last_name, staff):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "is_staff": staff,
                "is_superuser": staff,
                "email": f"{username}@demo.orientacion.test",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _organisation(self, name, sector, size_band, country, members, users):
        organisation, _ = Organisation.objects.get_or_create(
            name=name, defaults={"sector": sector, "size_band": size_band, "country": country}
        )
        for username, role in members.items():
            Membership.objects.get_or_create(
                user=users[username], organisation=organisation, defaults={"role": role}
            )
        return organisation

    def _draft(self, organisation, manager, answers_by_number):
        if Assessment.objects.filter(organisation=organisation).exists():
            return
        assessment = services.assessment_start(organisation=organisation, user=manager)
        services.answers_save(
            assessment=assessment, user=manager, answers=_inputs(assessment, answers_by_number)
        )


def _inputs(assessment, answers_by_number):
    ids = dict(
        Question.objects.filter(area__bank_id=assessment.bank_id).values_list("number", "id")
    )
    return {
        ids[number]: services.AnswerInput(choice=choice, note=note)
        for number, (choice, note) in answers_by_number.items()
    }
