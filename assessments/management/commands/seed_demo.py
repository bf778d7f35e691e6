import dataclasses
import secrets
from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from auditlog.context import set_actor
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_q.models import OrmQ

from assessments import bank_io, downloads, selectors, services
from assessments.models import (
    Action,
    ApiToken,
    AreaResult,
    Assessment,
    Erasure,
    Firm,
    FirmInvitation,
    FirmMember,
    Invitation,
    Membership,
    Organisation,
    OrganisationDeletion,
    OutcomeValue,
    OutgoingMail,
    Question,
    QuestionBank,
    Response,
    ShareLink,
    WebhookEndpoint,
    refresh_current_results,
)
from assessments.outcomes import MEASURE_BY_CODE
from assessments.services.mail import hand_to_worker
from assessments.services.report_files import WARM_TASK

# The hotel's maintenance respondent asked to be erased once the round had closed: the
# report names him "Persona N", and the admin's list of erasures shows one, not whose.
DEMO_ERASED = "tomas"
DEMO_DELETED = "Librería El Faro"
DEMO_PASSWORD = "orientacion-demo"  # noqa: S105 -- published demo credentials
DEMO_SITE = "http://127.0.0.1:8000/"
# victor's authenticator-app secret, published for the demo only: add it to an app (or
# compute a code with scripts/live.py's totp) to sign in as him.
DEMO_TOTP_SECRET = "ORIENTACIONDEMOTOTPSECRETVICTOR2"  # noqa: S105
# carmen's read-only API token, published for the demo only (a real one is shown once).
DEMO_API_TOKEN = "ori_demo-carmen-read-only-token-not-for-production"  # noqa: S105
# The hotel board's read-only link to its latest report, published for the demo only.
DEMO_SHARE_SECRET = "demo-hotel-board-link-not-for-production"  # noqa: S105
# Where Consultoría Norte's CRM would be told of its clients' results: a name that never
# resolves, so "Enviar una prueba" shows a failed delivery and its retries.
DEMO_WEBHOOK_URL = "https://crm.consultoria-norte.example/hooks/orientacion"

# username, first name, last name, staff?
USERS = [
    ("admin", "Admin", "", True),
    ("ana", "Ana", "García", False),
    ("luis", "Luis", "Pérez", False),
    ("carmen", "Carmen", "Ruiz", False),
    ("marta", "Marta", "Iglesias", False),
    ("jordi", "Jordi", "Puig", False),
    ("elena", "Elena", "Sanz", False),
    ("raul", "Raúl", "Ortega", False),
    # carmen's colleagues at Consultoría Norte: a consultant who signs in with a second
    # factor, another one, and one who left (deactivated, her book handed over).
    ("victor", "Víctor", "Gil", False),
    ("sergio", "Sergio", "Blanco", False),
    ("beatriz", "Beatriz", "Molina", False),
    # Partner of another firm, Asesores Andinos: nothing of Norte reaches him.
    ("dario", "Darío", "Quispe", False),
    # Respondents: people who answer their organisation's rounds, and nothing else.
    ("sofia", "Sofía", "Martín", False),
    ("tomas", "Tomás", "Navarro", False),
    ("irene", "Irene", "Castro", False),
    ("hugo", "Hugo", "Romero", False),
    ("lucia", "Lucía", "Herrera", False),
    ("nuria", "Nuria", "Vidal", False),
    ("pablo", "Pablo", "Soler", False),
]

MANAGER, CONSULTANT = Membership.Role.MANAGER, Membership.Role.CONSULTANT
RESPONDENT = Membership.Role.RESPONDENT

# name, sector, size band, country, {username: role}
ORGANISATIONS = [
    (
        "Hotel Brisa del Mar",
        "Hostelería",
        "medium",
        "España",
        {"ana": MANAGER, "sofia": RESPONDENT, "tomas": RESPONDENT, "irene": RESPONDENT},
    ),
    (
        "Talleres Norte",
        "Industria",
        "small",
        "España",
        {"luis": MANAGER, "nuria": RESPONDENT, "pablo": RESPONDENT},
    ),
    (
        "Restaurante La Lonja",
        "Hostelería",
        "small",
        "España",
        {"marta": MANAGER, "hugo": RESPONDENT, "lucia": RESPONDENT},
    ),
    (
        "Casa Rural El Olivo",
        "Hostelería",
        "micro",
        "España",
        {"marta": MANAGER, "hugo": RESPONDENT, "lucia": RESPONDENT},
    ),
    ("Metalúrgica Ibérica", "Industria", "large", "España", {"jordi": MANAGER}),
    ("Plásticos del Sur", "Industria", "medium", "México", {"elena": MANAGER}),
    ("Distribuciones Andes", "Logística", "medium", "Chile", {"raul": MANAGER}),
]
FOLLOWED_BY_CARMEN = [name for name, *_rest in ORGANISATIONS if name != "Distribuciones Andes"]

# carmen's book beyond the organisations above: generated sample clients, "Cliente de
# muestra 01" to "48", enough for a second page of her portfolio, a search and a
# percentile in every sector but the last three's, Educación, too small a group to rank.
# One manager, not a demo sign-in, answers for them all.
SAMPLE_CLIENTS = 48
SAMPLE_NAME = "Cliente de muestra {:02d}"
SAMPLE_SECTORS = ["Hostelería", "Industria", "Comercio", "Logística", "Salud"]
SMALL_SECTOR = "Educación"
SAMPLE_MANAGER = "gestor-muestras"

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


# Hotel Brisa del Mar: warm front-line culture, little formal measurement.
HOTEL_SUBMITTED = {
    1: ("partly", "La directora saluda a los huéspedes, pero no hay visitas a agencias."),
    2: ("no", "El comité mensual habla de ocupación y costes."),
    3: ("partly", ""),
    4: ("no", "Solo leemos las reseñas en línea cuando hay una mala."),
    5: ("no", ""),
    6: ("no", ""),
    7: ("yes", "Valores redactados con el equipo en 2024."),
    8: ("partly", ""),
    9: ("no", ""),
    10: ("yes", ""),
    11: ("yes", "Reconocimiento semanal en la reunión de recepción."),
    12: ("partly", ""),
    13: ("no", "La lavandería externa no conoce nuestras quejas."),
    14: ("partly", ""),
    15: ("no", ""),
    16: ("partly", "Formación de acogida, nada después."),
    17: ("yes", "Entrevista con caso práctico de huésped difícil."),
    18: ("partly", ""),
    19: ("no", ""),
    20: ("partly", ""),
}

# Talleres Norte, a year ago: a workshop run on numbers, customers rarely discussed.
WORKSHOP_SUBMITTED = {
    1: ("no", "Solo el comercial ve a los clientes."),
    2: ("no", ""),
    3: ("no", ""),
    4: ("partly", "Encuesta anual en papel."),
    5: ("no", ""),
    6: ("no", ""),
    7: ("no", ""),
    8: ("no", ""),
    9: ("no", ""),
    10: ("partly", ""),
    11: ("no", ""),
    12: ("partly", "Las quejas llegan por el jefe de taller."),
    13: ("yes", "Los proveedores de recambios participan en la revisión trimestral."),
    14: ("no", ""),
    15: ("no", ""),
    16: ("no", ""),
    17: ("partly", ""),
    18: ("no", ""),
    19: ("no", ""),
    20: ("partly", ""),
}


# Answers to questions 1–20 in order: S(í), P(arcialmente), N(o).
HISTORY = {
    "Hotel Brisa del Mar": ["NNNNNNPNNPSNNNNNPNNN", HOTEL_SUBMITTED],
    "Talleres Norte": [WORKSHOP_SUBMITTED],
    "Restaurante La Lonja": [
        "NPNNNNPPNPPPNNNNPNNN",
        "PPPPNNPPPPSPPPNPSPNP",
        "SSPSPPSPPSSSPSPPSPPP",
    ],
    "Casa Rural El Olivo": ["SSSPNNSSPSSSPSSPSSPS"],
    "Metalúrgica Ibérica": ["NNPSPPNPNNNPSNNNNNPS", "PNPSSPPPNPNPSPNPPNSS"],
    "Plásticos del Sur": ["PPNSPNNNNPNNPNNNPNNN"],
    "Distribuciones Andes": ["SPSSSPPPPSPSPSNSPPSP"],
}
DAYS_AGO = {1: [40], 2: [400, 40], 3: [700, 360, 25]}

# Rounds with several respondents: organisation → lead, anonymous?, days ago it closed (None:
# still open), and each person's answers (None: not started; a dict: saved, not submitted).
# The hotel's four people see it differently: reception and the restaurant think the
# director meets customers (1), maintenance never sees it; complaints reach some teams (4,
# 19) and not others. Ana recorded what they agreed on question 1.
ROUNDS = {
    "Hotel Brisa del Mar": (
        "ana",
        False,
        10,
        {
            "ana": "PPPNPNSPNSSPNPNPSPNP",
            "sofia": "SNPPPNSPNSSPNPNNSPNP",
            "tomas": "NNPNPNPNNSSNNPNPSPNP",
            "irene": "SNPSPNSPNPSPNPNPSSSP",
        },
    ),
    "Restaurante La Lonja": (
        "marta",
        True,
        5,
        {
            "marta": "SSPSPPSPPSSSPSPPSPPP",
            "hugo": "SNPSPPSPNSSNPSPPSPPN",
            "lucia": "PSPSNPSPPSSSPSPNSPPP",
        },
    ),
    # Open and anonymous: two of three have submitted; marta's page names only Lucía,
    # who has not, and shows no answer until she closes it.
    "Casa Rural El Olivo": (
        "marta",
        True,
        None,
        {"marta": "SSPSPPSPPSSSPSPPSPPP", "hugo": "SNPSPNSPNSSNPSPPSPNN", "lucia": None},
    ),
    "Talleres Norte": (
        "luis",
        False,
        None,
        {
            "luis": "NPNPNNPNNPNPSNNNPNNP",
            "pablo": {n: ("partly", "") for n in range(1, 9)},
            "nuria": None,
        },
    ),
}
ROUND_NOTES = {
    (
        "Hotel Brisa del Mar",
        "tomas",
        1,
    ): "En mantenimiento nunca hemos visto a dirección con un cliente.",
    (
        "Hotel Brisa del Mar",
        "sofia",
        1,
    ): "La directora pasa por recepción cada mañana y habla con huéspedes.",
    ("Hotel Brisa del Mar", "irene", 19): "En el restaurante anotamos cada queja en un cuaderno.",
    ("Restaurante La Lonja", "hugo", 2): "En cocina no se habla de clientes en las reuniones.",
}
AGREED = {
    "Hotel Brisa del Mar": (
        1,
        "partly",
        "Acordado en la reunión del lunes: la directora habla con huéspedes, pero nadie "
        "de dirección visita a las agencias ni a los clientes de empresa.",
    ),
}


def _answers(pattern):
    if isinstance(pattern, dict):
        return pattern
    choice = {"S": "yes", "P": "partly", "N": "no"}
    return {number: (choice[letter], "") for number, letter in enumerate(pattern, 1)}


class Command(BaseCommand):
    help = "Load the question bank and create the demo accounts and data (safe to run again)."

    def handle(self, *args, **options):
        if not QuestionBank.objects.filter(version=1).exists():
            call_command("loaddata", "fixtures/question_bank.json", verbosity=0)
        with transaction.atomic():
            erased_before = Erasure.objects.exists()
            users = {
                username: self._user(username, *rest)
                for username, *rest in USERS
                if not (erased_before and username == DEMO_ERASED)
            }
            for name, sector, size, country, members in ORGANISATIONS:
                if name in FOLLOWED_BY_CARMEN:
                    members = {**members, "carmen": CONSULTANT}
                organisation = self._organisation(name, sector, size, country, members, users)
                manager = users[next(iter(members))]
                patterns = HISTORY[name]
                self._history(
                    organisation,
                    manager,
                    submitted=list(
                        zip(map(_answers, patterns), DAYS_AGO[len(patterns)], strict=True)
                    ),
                    draft=HALF_ANSWERED if name == "Talleres Norte" else None,
                )
            self._sample_clients(users["carmen"])
            self._invitations(users)
            for name, (lead, anonymous, closed_days_ago, people) in ROUNDS.items():
                self._round(name, users, lead, anonymous, closed_days_ago, people)
            self._pending_round_invitee(users["luis"])
            self._mails(users)
            self._plans(users)
            # The results were backdated after their submission: their organisations'
            # copies of the current result follow.
            refresh_current_results(Organisation.objects.all())
            # carmen shows the hotel's managers their sector percentile on their report.
            Membership.objects.filter(
                user=users["carmen"], organisation__name="Hotel Brisa del Mar"
            ).update(shares_sector_percentile=True)
            self._second_factor(users["victor"])
            self._firms(users)
            self._outcomes()
            self._shares(users)
            self._api(users)
            self._deleted_organisation(users["ana"])
            if not erased_before:
                services.person_erase(person=users[DEMO_ERASED], requested_by=Erasure.By.SELF)
            if not QuestionBank.objects.filter(version=2).exists():
                # A draft next version, for the admin to edit and publish.
                self._imported_draft(users["admin"])
            # Each submission above queued its report's warm-up: for a backdated history
            # of some eighty reports that would hold the worker for minutes after every
            # start. Their reports are made on first view instead.
            OrmQ.objects.filter(pk__in=self._warm_up_tasks()).delete()
        self.stdout.write(self.style.SUCCESS("Demo ready at http://127.0.0.1:8000"))
        self.stdout.write(f"Every demo account's password is: {DEMO_PASSWORD}")
        self.stdout.write(
            "  admin   administrator: question bank v1 (published, frozen) and a draft v2 "
            "at /admin/"
        )
        self.stdout.write(
            "  ana     manager of Hotel Brisa del Mar (two reports, and a closed round of four); "
            "a shop she deleted waits on her 'Organizaciones borradas' page to be restored"
        )
        self.stdout.write(
            "  luis    manager of Talleres Norte (a report, a half-answered draft, and an open "
            "round he leads)"
        )
        self.stdout.write(
            "  carmen  consultant following seven organisations in three sectors (portfolio, "
            "invitations)"
        )
        self.stdout.write(
            "  marta   manager of two restaurants/hotels (three assessments, a closed "
            "anonymous round, and an open one at El Olivo)"
        )
        self.stdout.write(
            "  (tomas  erased at his own request: the hotel round's report names him by a "
            "pseudonym, and /admin/assessments/erasure/ shows that it happened, not whose)"
        )
        self.stdout.write(
            "  sofia   respondent in the hotel's closed round of four (report with disagreements)"
        )
        self.stdout.write("  nuria   respondent in Talleres Norte's open round, not answered yet")
        self.stdout.write(
            "  victor  consultant with a second factor: after the password, the code an "
            f"authenticator app shows for the secret {DEMO_TOTP_SECRET}"
        )
        self.stdout.write(
            "  sergio  consultant at Consultoría Norte (carmen is its partner; beatriz left)"
        )
        self.stdout.write(
            "  dario   partner of Asesores Andinos, another firm: nothing of Norte reaches him"
        )
        self.stdout.write(
            f"  API     carmen's read-only token: {DEMO_API_TOKEN}\n"
            "          curl -H 'Authorization: Bearer "
            f"{DEMO_API_TOKEN}' http://127.0.0.1:8000/api/v1/organisations/"
            "   (docs: http://127.0.0.1:8000/api/docs/)"
        )
        self.stdout.write(
            "  share   the hotel board's read-only link to its latest report (no sign-in): "
            f"http://127.0.0.1:8000/s/{DEMO_SHARE_SECRET}/"
        )
        self.stdout.write(
            "  jordi   manager of Metalúrgica Ibérica: action plan, what-if, the previous plan "
            "judged, and 'Consultores' (carmen follows it; victor is invited)"
        )

    def _deleted_organisation(self, ana):
        """A shop ana no longer runs, deleted five days ago: out of everyone's reach, on
        her "Deleted organisations" page to restore for 25 more days."""
        if Organisation.objects.filter(name=DEMO_DELETED).exists():
            return
        shop = Organisation.objects.create(
            name=DEMO_DELETED, sector="Comercio", size_band="micro", country="España"
        )
        Membership.objects.create(user=ana, organisation=shop, role=MANAGER)
        deletion = services.organisation_delete(organisation=shop, user=ana)
        five_days_ago = timezone.now() - timedelta(days=5)
        OrganisationDeletion.objects.filter(pk=deletion.pk).update(
            deleted_at=five_days_ago,
            purge_after=five_days_ago + timedelta(days=OrganisationDeletion.RESTORE_DAYS),
        )

    def _api(self, users):
        """carmen's read-only API token (its key published, for the demo only), and a
        webhook of Consultoría Norte."""
        ApiToken.objects.update_or_create(
            key_hash=ApiToken.hash_of(DEMO_API_TOKEN),
            defaults={
                "user": users["carmen"],
                "name": "Power BI (demo)",
                "access": ApiToken.Access.READ,
                "hint": DEMO_API_TOKEN.removeprefix(ApiToken.PREFIX)[:8],
                "expires_at": timezone.now() + timedelta(days=365),
                "revoked_at": None,
            },
        )
        norte = Firm.objects.get(name="Consultoría Norte")
        WebhookEndpoint.objects.get_or_create(
            firm=norte,
            url=DEMO_WEBHOOK_URL,
            defaults={
                "events": list(WebhookEndpoint.Event.values),
                "secret": "demo-" + "0" * 59,
                "created_by": users["carmen"],
            },
        )

    def _second_factor(self, victor):
        """victor follows two of carmen's clients and signs in with an authenticator app."""
        for name in ("Hotel Brisa del Mar", "Talleres Norte"):
            Membership.objects.get_or_create(
                user=victor, organisation=Organisation.objects.get(name=name), role=CONSULTANT
            )
        if not Authenticator.objects.filter(user=victor).exists():
            TOTP.activate(victor, DEMO_TOTP_SECRET)
            RecoveryCodes.activate(victor)
        # jordi asked victor yesterday to follow Metalúrgica Ibérica too ("Consultores"
        # on jordi's home page); victor has not accepted, so it is not in his portfolio.
        Invitation.objects.get_or_create(
            organisation=Organisation.objects.get(name="Metalúrgica Ibérica"),
            user=victor,
            role=CONSULTANT,
            defaults={
                "email": victor.email,
                "invited_by": get_user_model().objects.get(username="jordi"),
                "new_account": False,
                "sent_at": timezone.now() - timedelta(days=1),
            },
        )

    def _firms(self, users):
        """Consultoría Norte: carmen its partner, victor and sergio its consultants, the
        sample clients spread among them; beatriz left, her book handed to sergio (the
        audit trail says so). Asesores Andinos: dario's firm, with Distribuciones Andes,
        which nobody of Norte reaches."""
        norte, _ = Firm.objects.get_or_create(name="Consultoría Norte")
        andinos, _ = Firm.objects.get_or_create(name="Asesores Andinos")
        roles = {
            "carmen": (norte, FirmMember.Role.PARTNER),
            "victor": (norte, FirmMember.Role.CONSULTANT),
            "sergio": (norte, FirmMember.Role.CONSULTANT),
            "beatriz": (norte, FirmMember.Role.CONSULTANT),
            "dario": (andinos, FirmMember.Role.PARTNER),
        }
        for username, (firm, role) in roles.items():
            FirmMember.objects.get_or_create(
                user=users[username], defaults={"firm": firm, "role": role}
            )
        andes = Organisation.objects.get(name="Distribuciones Andes")
        Membership.objects.get_or_create(
            user=users["dario"], organisation=andes, defaults={"role": CONSULTANT, "is_lead": True}
        )
        Organisation.objects.filter(pk=andes.pk).update(firm=andinos)
        Organisation.objects.filter(
            memberships__user=users["carmen"], memberships__role=CONSULTANT, firm=None
        ).update(firm=norte)
        Membership.objects.filter(user=users["carmen"], role=CONSULTANT).update(is_lead=True)
        samples = list(
            Organisation.objects.filter(name__startswith=SAMPLE_NAME[:10]).order_by("name")
        )
        for number, organisation in enumerate(samples, start=1):
            if number % 3 == 1:
                Membership.objects.get_or_create(
                    user=users["sergio"], organisation=organisation, defaults={"role": CONSULTANT}
                )
        # A client that signed with the firm this week: nobody follows it yet, which
        # carmen's home page points out.
        Organisation.objects.get_or_create(
            name="Óptica Miramar",
            defaults={
                "sector": "Comercio",
                "size_band": Organisation.SizeBand.SMALL,
                "country": "España",
                "firm": norte,
            },
        )
        # carmen invited lorena to join three days ago; she has not chosen a password yet.
        lorena = _invited_account("lorena@demo.orientacion.test", "Lorena", "Prieto")
        FirmInvitation.objects.get_or_create(
            firm=norte,
            user=lorena,
            defaults={
                "email": lorena.email,
                "invited_by": users["carmen"],
                "sent_at": timezone.now() - timedelta(days=3),
            },
        )
        beatriz = FirmMember.objects.get(user=users["beatriz"])
        if beatriz.is_active:
            for number, organisation in enumerate(samples, start=1):
                if number % 4 == 2:
                    Membership.objects.get_or_create(
                        user=users["beatriz"],
                        organisation=organisation,
                        defaults={"role": CONSULTANT},
                    )
            with set_actor(users["carmen"]):
                services.consultant_deactivate(
                    partner=users["carmen"],
                    firm_id=norte.pk,
                    consultant_id=users["beatriz"].pk,
                    hand_to_id=users["sergio"].pk,
                )

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
            if username not in users:  # erased
                continue
            Membership.objects.get_or_create(
                user=users[username], organisation=organisation, defaults={"role": role}
            )
        return organisation

    def _imported_draft(self, admin):
        """Version 2 as an admin makes it in a spreadsheet: version 1 exported as a
        workbook, question 6 weighed double, imported back; the admin log says so."""
        published = selectors.bank_content(QuestionBank.objects.get(version=1))
        edited = dataclasses.replace(
            published,
            questions=tuple(
                dataclasses.replace(q, weight=2) if q.number == 6 else q
                for q in published.questions
            ),
        )
        name = "orientacion-question-bank-v1.xlsx"
        workbook = downloads.xlsx_bytes(bank_io.xlsx_sheets(edited))
        content = bank_io.read_bank_file(name, workbook)
        draft = services.bank_import(content=content)
        with translation.override("es"):  # as the demo admin's admin speaks
            message = _("Imported from %(file)s: %(areas)s areas, %(questions)s questions.") % {
                "file": name,
                "areas": len(content.areas),
                "questions": len(content.questions),
            }
        LogEntry.objects.log_actions(
            user_id=admin.pk,
            queryset=[draft],
            action_flag=ADDITION,
            change_message=message,
            single_object=True,
        )

    def _invitations(self, users):
        """carmen's invitations: Metalúrgica Ibérica's manager accepted long ago; the
        manager of Bodegas del Valle, a client added two days ago, has not chosen a
        password yet (the invitation can be sent again), so is no member of it yet. No mail
        is sent by the demo."""
        now = timezone.now()
        jordi_joined = now - timedelta(days=420)
        Invitation.objects.get_or_create(
            organisation=Organisation.objects.get(name="Metalúrgica Ibérica"),
            user=users["jordi"],
            defaults={
                "email": users["jordi"].email,
                "invited_by": users["carmen"],
                "sent_at": jordi_joined,
                "accepted_at": jordi_joined + timedelta(hours=5),
            },
        )
        bodega = self._organisation(
            "Bodegas del Valle", "Alimentación", "small", "España", {"carmen": CONSULTANT}, users
        )
        pilar = _invited_account("pilar@demo.orientacion.test", "Pilar")
        Invitation.objects.get_or_create(
            organisation=bodega,
            user=pilar,
            defaults={
                "email": pilar.email,
                "invited_by": users["carmen"],
                "sent_at": now - timedelta(days=2),
            },
        )

    def _pending_round_invitee(self, lead):
        """Someone luis typed into Talleres Norte's open round by name and address, who has
        not accepted yet: his page shows the name he typed; she is no member until she
        accepts (no mail is sent by the demo)."""
        assessment = Assessment.objects.filter(
            organisation__name="Talleres Norte", is_round=True, status=Assessment.Status.DRAFT
        ).first()
        if assessment is None:  # closed since: the demo changes nothing that exists
            return
        email = "rosa.mendez@demo.orientacion.test"
        rosa = _invited_account(email, "Rosa", "Méndez")
        Response.objects.get_or_create(
            assessment=assessment,
            respondent=rosa,
            defaults={"invited_name": "Rosa Méndez", "invited_email": email},
        )
        Invitation.objects.get_or_create(
            organisation=assessment.organisation,
            user=rosa,
            defaults={
                "email": email,
                "invited_by": lead,
                "role": RESPONDENT,
                "sent_at": timezone.now() - timedelta(days=1),
            },
        )

    @staticmethod
    def _warm_up_tasks():
        return [row.pk for row in OrmQ.objects.all() if row.func() == WARM_TASK]

    def _mails(self, users):
        """What the pages show of the mail the demo's people sent: on carmen's invitations
        page, jordi's invitation sent long ago and pilar's, failed after every try (she can
        be sent it again); on luis's open round, nuria's invitation sent and Rosa Méndez's
        waiting for its next try, which the worker of `./dev.sh serve` then makes (the
        console prints it); on marta's open round at El Olivo, both sent."""
        if OutgoingMail.objects.exists():
            return
        now = timezone.now()
        sent_long_ago = now - timedelta(days=420)
        invitations = {i.email: i for i in Invitation.objects.select_related("organisation")}
        jordi, pilar = (
            invitations[users["jordi"].email],
            invitations["pilar@demo.orientacion.test"],
        )
        client_mail = {"kind": OutgoingMail.Kind.CLIENT_INVITATION, "site_url": DEMO_SITE}
        for invitation, fields in (
            (jordi, {"status": "sent", "attempts": 1, "sent_at": sent_long_ago}),
            (
                pilar,
                {
                    "status": "failed",
                    "attempts": 5,
                    "last_error": "SMTPRecipientsRefused: {'pilar@demo.orientacion.test': "
                    "(550, b'5.1.1 Mailbox unavailable')}",
                },
            ),
        ):
            OutgoingMail.objects.create(
                **client_mail,
                **fields,
                recipient=invitation.email,
                subject=f"Tu acceso a {invitation.organisation.name} en Orientación",
                language="es",
                organisation=invitation.organisation,
                invitation=invitation,
                user=invitation.user,
            )
        for assessment in Assessment.objects.filter(
            is_round=True, status=Assessment.Status.DRAFT
        ).select_related("organisation"):
            subject = (
                f"Tus respuestas para la autoevaluación de orientación al cliente de "
                f"{assessment.organisation.name}"
            )
            for response in assessment.responses.select_related("respondent"):
                person = response.respondent
                if person.pk == assessment.started_by_id:
                    continue
                address = response.invited_email or person.email
                waiting = address == "rosa.mendez@demo.orientacion.test"
                mail = OutgoingMail.objects.create(
                    kind=OutgoingMail.Kind.ROUND_INVITATION,
                    site_url=DEMO_SITE,
                    recipient=address,
                    subject=subject,
                    language="es",
                    organisation=assessment.organisation,
                    assessment=assessment,
                    user=person,
                    invitation=Invitation.objects.filter(
                        organisation=assessment.organisation, user=person, accepted_at=None
                    ).first(),
                    status="queued" if waiting else "sent",
                    attempts=1,
                    sent_at=None if waiting else assessment.created_at,
                    next_attempt_at=now + timedelta(minutes=4) if waiting else None,
                    last_error="ConnectionRefusedError: [Errno 111] Connection refused"
                    if waiting
                    else "",
                )
                if waiting:
                    hand_to_worker(mail)

    def _sample_clients(self, consultant):
        """Each sample client answers as its number dictates: the higher the number, the
        more "sí", so that scores spread from the first level to the last. Every third
        also has a result from a year before, so the change column has figures."""
        manager, _ = get_user_model().objects.get_or_create(
            username=SAMPLE_MANAGER, defaults={"first_name": "Gestor", "last_name": "Muestras"}
        )
        for i in range(1, SAMPLE_CLIENTS + 1):
            organisation = self._organisation(
                SAMPLE_NAME.format(i),
                SMALL_SECTOR if i > SAMPLE_CLIENTS - 3 else SAMPLE_SECTORS[i % 5],
                ["micro", "small", "medium", "large"][i % 4],
                "España",
                {"carmen": CONSULTANT},
                {"carmen": consultant},
            )
            Membership.objects.get_or_create(
                user=manager, organisation=organisation, defaults={"role": MANAGER}
            )
            submitted = [(_sample_answers(i, 0), 30 + i)]
            if i % 3 == 0:
                submitted.insert(0, (_sample_answers(i, 1), 400 + i))
            self._history(organisation, manager, submitted)

    def _history(self, organisation, manager, submitted, draft=None):
        """Submitted assessments (answers, days ago) and optionally a draft, created once,
        recorded in the audit trail as the manager's."""
        if Assessment.objects.filter(organisation=organisation).exists():
            return
        with set_actor(manager):
            self._answered(organisation, manager, submitted, draft)

    def _answered(self, organisation, manager, submitted, draft):
        for answers_by_number, days_ago in submitted:
            assessment = services.assessment_start(organisation=organisation, user=manager)
            services.answers_submit(
                assessment=assessment,
                user=manager,
                answers=_inputs(assessment, answers_by_number),
            )
            # Backdated so the demo shows a history; the service always stamps "now".
            when = timezone.now() - timedelta(days=days_ago)
            Assessment.objects.filter(pk=assessment.pk).update(
                created_at=when - timedelta(days=3), submitted_at=when
            )
        if draft:
            assessment = services.assessment_start(organisation=organisation, user=manager)
            services.answers_save(
                assessment=assessment, user=manager, answers=_inputs(assessment, draft)
            )

    def _round(self, name, users, lead_name, anonymous, closed_days_ago, people):
        """A round made the way the pages make one, without sending its invitations."""
        organisation = Organisation.objects.get(name=name)
        if Assessment.objects.filter(organisation=organisation, is_round=True).exists():
            return
        lead = users[lead_name]
        with set_actor(lead):
            assessment = Assessment.objects.create(
                organisation=organisation,
                bank=selectors.current_bank(),
                started_by=lead,
                is_round=True,
                anonymous=anonymous,
            )
            for username in people:
                Response.objects.create(assessment=assessment, respondent=users[username])
            for username, pattern in people.items():
                if pattern is None:
                    continue
                answers = {
                    number: (choice, ROUND_NOTES.get((name, username, number), note))
                    for number, (choice, note) in _answers(pattern).items()
                }
                user = users[username]
                if isinstance(pattern, dict):
                    services.answers_save(
                        assessment=assessment, user=user, answers=_inputs(assessment, answers)
                    )
                else:
                    services.answers_submit(
                        assessment=assessment, user=user, answers=_inputs(assessment, answers)
                    )
            if name in AGREED:
                number, choice, note = AGREED[name]
                services.agreed_answer_set(
                    assessment=assessment,
                    lead=lead,
                    question_id=_question_id(assessment, number),
                    choice=choice,
                    note=note,
                )
            if closed_days_ago is not None:
                services.round_close(assessment=assessment, lead=lead)
                when = timezone.now() - timedelta(days=closed_days_ago)
                Assessment.objects.filter(pk=assessment.pk).update(
                    created_at=when - timedelta(days=6), submitted_at=when
                )
                Response.objects.filter(assessment=assessment).exclude(submitted_at=None).update(
                    submitted_at=when - timedelta(days=1)
                )

    def _outcomes(self):
        """A year of monthly customer outcomes for every organisation with a result,
        entered by its manager. Complaints fall clearly as the Medición score rises; repeat
        customers hardly follow it; NPS and satisfaction follow the overall score
        moderately. Deterministic: the same demo every time."""
        if OutcomeValue.objects.exists():
            return
        last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
        months = [last_month]
        while len(months) < 12:
            months.append((months[-1] - timedelta(days=1)).replace(day=1))
        managers = dict(
            Membership.objects.filter(role=MANAGER)
            .order_by("-pk")
            .values_list("organisation_id", "user_id")
        )
        area_scores = {}
        for organisation_id, code, score in AreaResult.objects.filter(
            assessment__organisation__current_result=F("assessment")
        ).values_list("assessment__organisation_id", "area_code", "score"):
            area_scores.setdefault(organisation_id, {})[code] = float(score)
        rows = []
        organisations = Organisation.objects.exclude(current_result=None).order_by("pk")
        # Seeded by each organisation's place, not its key: PostgreSQL's keys move on with
        # every demo made in the same database, and the demo should read the same anyway.
        for place, organisation in enumerate(organisations, start=1):
            overall = float(organisation.current_score)
            measurement = area_scores.get(organisation.pk, {}).get("MED", overall)
            for age, period in enumerate(months):  # age 0 is last month
                seed = place * 31 + age
                figures = {
                    "complaints": 14 - 0.11 * measurement + 0.1 * age + _wobble(seed, 1.2),
                    "repeat": 45 + 0.05 * overall + _wobble(seed * 7 + 3, 15),
                    "nps": -20 + 0.6 * overall - 0.4 * age + _wobble(seed * 5 + 1, 14),
                    "csat": 62 + 0.3 * overall - 0.2 * age + _wobble(seed * 3 + 2, 8),
                    "churn": 12 - 0.05 * overall + _wobble(seed * 11 + 5, 4),
                }
                for code, value in figures.items():
                    measure = MEASURE_BY_CODE[code]
                    rows.append(
                        OutcomeValue(
                            organisation=organisation,
                            measure=code,
                            period=period,
                            value=round(
                                min(float(measure.maximum), max(float(measure.minimum), value)), 1
                            ),
                            entered_by_id=managers.get(organisation.pk),
                        )
                    )
        OutcomeValue.objects.bulk_create(rows, batch_size=1000)

    def _shares(self, users):
        """The hotel's latest report shared with its board (live, its secret published for
        the demo) and, earlier, with its bank (expired)."""
        hotel = Organisation.objects.get(name="Hotel Brisa del Mar")
        if ShareLink.objects.filter(organisation=hotel).exists():
            return
        latest = hotel.current_result
        now = timezone.now()
        for label, secret, made, days, views in (
            ("Consejo de administración", DEMO_SHARE_SECRET, 2, 30, 3),
            ("Banco (renovación del crédito)", secrets.token_urlsafe(24), 45, 30, 1),
        ):
            link = ShareLink.objects.create(
                organisation=hotel,
                kind=ShareLink.Kind.REPORT,
                assessment=latest,
                label=label,
                key_hash=ShareLink.hash_of(secret),
                created_by=users["ana"],
                expires_at=now - timedelta(days=made) + timedelta(days=days),
                views=views,
                last_viewed_at=now - timedelta(days=made - 1),
            )
            ShareLink.objects.filter(pk=link.pk).update(created_at=now - timedelta(days=made))

    def _plans(self, users):
        """Metalúrgica Ibérica's plans. After the first assessment: question 1 (done; the
        next assessment answers it better), 9 (done, but still "no") and 7 (in progress).
        After the latest: an overdue survey, a course in progress and a pending task for an
        outside firm."""
        organisation = Organisation.objects.get(name="Metalúrgica Ibérica")
        if Action.objects.filter(organisation=organisation).exists():
            return
        first, latest = Assessment.objects.filter(
            organisation=organisation, status=Assessment.Status.SUBMITTED
        ).order_by("submitted_at")
        jordi = users["jordi"]
        today = timezone.localdate()
        with set_actor(jordi):
            for assessment, number, values in (
                (first, 1, {"status": "done", "owner": jordi, "days": -330}),
                (first, 9, {"status": "done", "owner_name": "Recursos Humanos", "days": -300}),
                (first, 7, {"status": "in_progress", "owner": jordi, "days": -200}),
                (latest, 9, {"status": "pending", "owner_name": "Recursos Humanos", "days": -10}),
                (latest, 14, {"status": "in_progress", "owner": jordi, "days": 30}),
                (latest, 18, {"status": "pending", "owner_name": "Consultora Norte", "days": 60}),
            ):
                question = Question.objects.get(area__bank_id=assessment.bank_id, number=number)
                days = values.pop("days")
                services.action_create(
                    assessment=assessment,
                    question=question,
                    user=jordi,
                    values={
                        "title": question.recommendation_es[:300],
                        "target": "yes",
                        "due_date": today + timedelta(days=days),
                        **values,
                    },
                )


def _wobble(seed: int, spread: float) -> float:
    """A fixed pseudo-random amount in [-spread, spread): the demo's noise."""
    return ((seed * 2654435761) % 1000 / 1000 - 0.5) * 2 * spread


def _question_id(assessment, number):
    return Question.objects.get(area__bank_id=assessment.bank_id, number=number).pk


def _sample_answers(number: int, years_before: int) -> dict:
    """Sample client `number`'s answers, a little worse `years_before` years earlier."""
    share_yes = (number * 7) % 11 - 2 * years_before  # of ten, as a level to answer under
    answers = {}
    for question in range(1, 21):
        draw = (question * 7 + number * 3) % 10
        choice = "yes" if draw < share_yes else "partly" if draw < share_yes + 4 else "no"
        answers[question] = (choice, "")
    return answers


def _invited_account(email, first_name, last_name=""):
    """An account made for an invitation, its password not chosen yet."""
    user, created = get_user_model().objects.get_or_create(
        username=email,
        defaults={"email": email, "first_name": first_name, "last_name": last_name},
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def _inputs(assessment, answers_by_number):
    ids = dict(
        Question.objects.filter(area__bank_id=assessment.bank_id).values_list("number", "id")
    )
    return {
        ids[number]: services.AnswerInput(choice=choice, note=note)
        for number, (choice, note) in answers_by_number.items()
    }
