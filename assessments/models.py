import hashlib
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from assessments.outcomes import MEASURES
from assessments.validators import single_line

# What a database id looks like in a URL or a query: at most 18 ASCII digits, so that a
# longer number is "not found" rather than an overflow in SQLite's 64-bit integers.
ID_PATTERN = "[0-9]{1,18}"


def person_name(person) -> str:
    """How the app names an account: its full name, else its username; "" for none."""
    return (person.get_full_name() or person.get_username()) if person else ""


def pseudonym(number) -> str:
    """How the app names a person it may not name: one whose account was erased, or a
    respondent of an anonymous round."""
    return gettext("Person %(number)s") % {"number": number}


def _name_or_pseudonym(person, number) -> str:
    if person is not None:
        return person_name(person)
    return pseudonym(number) if number else ""


class Translated:
    """Read `<field>_es` or `<field>_en` by the active language, falling back to Spanish.

    Spanish is the checklist's own language, so it is always present; English is the
    translation and may be blank while an admin drafts a new bank version.
    """

    def __set_name__(self, owner, name):
        self.field = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        language = (get_language() or "es")[:2]
        value = getattr(instance, f"{self.field}_{language}", "")
        return value or getattr(instance, f"{self.field}_es")


class FrozenBankError(Exception):
    """An attempt to change a bank version that is published or has answers."""

    def __init__(self, bank=None):
        self.bank = bank
        super().__init__(
            _(
                "Version %(version)s of the question bank is frozen: it is published or has "
                "answers, and its reports must never change. Create a new version instead."
            )
            % {"version": getattr(bank, "version", "?")}
        )


def frozen_banks_q(prefix: str = "") -> Q:
    """Rows whose bank (reached through `prefix`, e.g. "area__bank__") is frozen: published,
    or answered by at least one assessment."""
    bank_ref = prefix.removesuffix("__") if prefix else "pk"
    answered = Exists(Assessment.objects.filter(bank=OuterRef(bank_ref)))
    return Q(**{f"{prefix}status": "published"}) | Q(answered)


class BankContentQuerySet(models.QuerySet):
    """Bulk updates and deletes refuse rows of a frozen bank; the signal receivers in
    freezing.py guard single saves and deletes."""

    bank_prefix = ""

    def _refuse_frozen(self):
        if self.filter(frozen_banks_q(self.bank_prefix)).exists():
            raise FrozenBankError()

    def update(self, **kwargs):
        self._refuse_frozen()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_frozen()
        return super().delete()


class AreaQuerySet(BankContentQuerySet):
    bank_prefix = "bank__"


class QuestionQuerySet(BankContentQuerySet):
    bank_prefix = "area__bank__"


class QuestionBankManager(models.Manager.from_queryset(BankContentQuerySet)):
    def get_by_natural_key(self, version):
        return self.get(version=version)


class AreaManager(models.Manager.from_queryset(AreaQuerySet)):
    def get_by_natural_key(self, version, code):
        return self.get(bank__version=version, code=code)


class QuestionManager(models.Manager.from_queryset(QuestionQuerySet)):
    def get_by_natural_key(self, version, code, number):
        return self.get(area__bank__version=version, area__code=code, number=number)


class QuestionBank(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    version = models.PositiveIntegerField(_("version"), unique=True)
    title_es = models.CharField(_("title (Spanish)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # Lower bounds of the maturity levels above "Reactiva", on the 0–100 overall score.
    threshold_developing = models.PositiveSmallIntegerField(_("'Developing' from"), default=40)
    threshold_oriented = models.PositiveSmallIntegerField(_("'Customer-oriented' from"), default=60)
    threshold_centred = models.PositiveSmallIntegerField(_("'Customer-centred' from"), default=80)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The admin import's preview this version was made from: a preview imports once, so
    # confirming it twice (a double click, a replayed form) makes no second draft.
    import_preview = models.CharField(max_length=64, blank=True, editable=False)

    title = Translated()

    objects = QuestionBankManager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        constraints = [
            models.UniqueConstraint(
                fields=["import_preview"],
                condition=~Q(import_preview=""),
                name="one_bank_per_import",
            ),
            models.CheckConstraint(
                condition=Q(threshold_developing__gt=0)
                & Q(threshold_developing__lt=models.F("threshold_oriented"))
                & Q(threshold_oriented__lt=models.F("threshold_centred"))
                & Q(threshold_centred__lte=100),
                name="bank_thresholds_ascending",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="bank_published_has_date",
            ),
        ]

    def __str__(self):
        return f"v{self.version} · {self.title_es}"

    def natural_key(self):
        return (self.version,)

    @property
    def is_frozen(self) -> bool:
        """Published or answered, as stored (not as this instance may have been edited)."""
        if self.pk is None:
            return False
        return QuestionBank.objects.filter(pk=self.pk).filter(frozen_banks_q()).exists()

    @property
    def thresholds(self) -> tuple[int, int, int]:
        return (self.threshold_developing, self.threshold_oriented, self.threshold_centred)


class Area(models.Model):
    bank = models.ForeignKey(
        QuestionBank, on_delete=models.CASCADE, related_name="areas", verbose_name=_("bank")
    )
    code = models.CharField(_("code"), max_length=8)
    order = models.PositiveSmallIntegerField(_("order"))
    name_es = models.CharField(_("name (Spanish)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_es = models.TextField(_("description (Spanish)"))
    description_en = models.TextField(_("description (English)"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=2, default=1)

    name = Translated()
    description = Translated()

    objects = AreaManager()

    class Meta:
        ordering = ["bank", "order"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        constraints = [
            models.UniqueConstraint(fields=["bank", "code"], name="area_code_unique_in_bank"),
            models.UniqueConstraint(fields=["bank", "order"], name="area_order_unique_in_bank"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="area_weight_positive"),
        ]

    def __str__(self):
        return f"{self.code} · {self.name_es}"

    def natural_key(self):
        return self.bank.natural_key() + (self.code,)

    natural_key.dependencies = ["assessments.questionbank"]


class Question(models.Model):
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="questions", verbose_name=_("area")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    text_es = models.TextField(_("question (Spanish)"))
    text_en = models.TextField(_("question (English)"), blank=True)
    help_es = models.TextField(_("what 'sí' looks like (Spanish)"))
    help_en = models.TextField(_("what 'sí' looks like (English)"), blank=True)
    recommendation_es = models.TextField(_("recommendation (Spanish)"))
    recommendation_en = models.TextField(_("recommendation (English)"), blank=True)

    text = Translated()
    help = Translated()
    recommendation = Translated()

    objects = QuestionManager()

    class Meta:
        ordering = ["area__order", "number"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=3), name="question_weight_1_to_3"
            ),
            models.UniqueConstraint(fields=["area", "number"], name="question_number_in_area"),
        ]

    def __str__(self):
        return f"{self.number}. {self.text_es[:80]}"

    def natural_key(self):
        return self.area.natural_key() + (self.number,)

    natural_key.dependencies = ["assessments.area"]


class Firm(models.Model):
    """A consultancy: its consultants and partners, and one book of client organisations.
    The site's admin creates firms; partners run them."""

    class BookReaders(models.TextChoices):
        PARTNERS = "partners", _("partners only")
        EVERYONE = "everyone", _("every consultant")

    name = models.CharField(_("name"), max_length=200, unique=True, validators=[single_line])
    # Who may read the firm's whole book (portfolio, comparison, exports, percentiles)
    # rather than only the clients assigned to them.
    whole_book_readers = models.CharField(
        _("who reads the whole book"),
        max_length=12,
        choices=BookReaders.choices,
        default=BookReaders.PARTNERS,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["name"]

    def __str__(self):
        return self.name


class FirmMember(models.Model):
    """A person's place in a firm: a consultant, or a partner who also manages the firm.
    One firm per person; a deactivated member keeps the row (and the audit trail) but
    reaches nothing of the firm."""

    class Role(models.TextChoices):
        PARTNER = "partner", _("Partner")
        CONSULTANT = "consultant", _("Consultant")

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="firm_member"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("firm member")
        verbose_name_plural = _("firm members")

    def __str__(self):
        return f"{self.user} · {self.firm} ({self.role})"

    @property
    def reads_whole_book(self) -> bool:
        return self.is_active and (
            self.role == self.Role.PARTNER
            or self.firm.whole_book_readers == Firm.BookReaders.EVERYONE
        )


class Organisation(models.Model):
    class SizeBand(models.TextChoices):
        MICRO = "micro", _("1–9 people")
        SMALL = "small", _("10–49 people")
        MEDIUM = "medium", _("50–249 people")
        LARGE = "large", _("250 people or more")

    name = models.CharField(_("name"), max_length=200, validators=[single_line])
    sector = models.CharField(_("sector"), max_length=100, validators=[single_line])
    size_band = models.CharField(_("size"), max_length=10, choices=SizeBand.choices)
    country = models.CharField(_("country"), max_length=100, validators=[single_line])
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The firm whose book it is in; none for an organisation that signed up alone and
    # invited no firm's consultant.
    firm = models.ForeignKey(
        Firm,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="clients",
        verbose_name=_("firm"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organisations"
    )
    # The name as the portfolio's search compares it: lower case, without accents, kept
    # with the name on every save, so that both databases search it alike.
    search_name = models.CharField(max_length=200, editable=False, default="")
    # Its current result (the latest submitted assessment), copied from the assessments by
    # `refresh_current_results` whenever one is submitted, so that a book of thousands
    # sorts, filters and pages its portfolio on the organisation's own row.
    current_result = models.ForeignKey(
        "Assessment", on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    current_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, editable=False)
    current_level = models.CharField(max_length=20, blank=True, editable=False)
    current_date = models.DateTimeField(null=True, editable=False)
    previous_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, editable=False)
    top_area = models.ForeignKey(
        "Area", on_delete=models.SET_NULL, null=True, editable=False, related_name="+"
    )
    top_area_order = models.PositiveSmallIntegerField(null=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        elif update_fields is None and not self._state.adding:
            # Only refresh_current_results writes the copy of the current result: an
            # instance read before a submission (a form, the admin) must not put back
            # what it read.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in CURRENT_RESULT_FIELDS
            ]
        super().save(*args, **kwargs)


CURRENT_RESULT_FIELDS = frozenset(
    {
        "current_result",
        "current_score",
        "current_level",
        "current_date",
        "previous_score",
        "top_area",
        "top_area_order",
    }
)


# Sent whenever organisations' copies of their current result are written, so that what is
# kept from them elsewhere (a consultant's cached book counts) can lapse; the receivers are
# connected in apps.py, so models import nothing above them.
current_results_refreshed = Signal()


def refresh_current_results(organisations, assessment_model=None, area_result_model=None):
    """Copy onto each of `organisations` (a queryset) its current result: the latest
    submitted assessment, its score, level and date, the score of the one before, and its
    top-priority area. Two UPDATE statements, whatever the number of organisations; the
    models are parameters so that a migration can pass its historical ones."""
    assessment_model = assessment_model or Assessment
    area_result_model = area_result_model or AreaResult
    submitted = assessment_model.objects.filter(
        organisation=OuterRef("pk"), status="submitted"
    ).order_by("-submitted_at", "-pk")
    organisations.update(
        current_result=Subquery(submitted.values("pk")[:1]),
        current_score=Subquery(submitted.values("overall_score")[:1]),
        current_level=Coalesce(Subquery(submitted.values("maturity_level")[:1]), Value("")),
        current_date=Subquery(submitted.values("submitted_at")[:1]),
        previous_score=Subquery(submitted.values("overall_score")[1:2]),
    )
    # A second statement: within one, the top area would be read from the old result.
    top_area = area_result_model.objects.filter(assessment=OuterRef("current_result"), rank=1)
    organisations.update(
        top_area=Subquery(top_area.values("area_id")[:1]),
        top_area_order=Subquery(top_area.values("area__order")[:1]),
    )
    current_results_refreshed.send(sender=Organisation)


def search_key(text: str) -> str:
    """ "Casa Rural El Olivo" → "casa rural el olivo", "Ñandú" → "nandu": what a search
    compares, so that "lonja" finds "La Lonja" whatever the case and the accents."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Membership(models.Model):
    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        CONSULTANT = "consultant", _("Consultant")
        # Answers the rounds they are invited to and reads those reports once closed.
        RESPONDENT = "respondent", _("Respondent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    # A consultant's choice: the organisation's managers see, on their current report, its
    # percentile among the organisations of its sector in this consultant's book (one
    # figure and the group's size, never another organisation's name or score).
    shares_sector_percentile = models.BooleanField(
        _("managers see their sector percentile"), default=False
    )
    # Among the consultants assigned to a client, the one who leads it.
    is_lead = models.BooleanField(_("lead consultant"), default=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org"),
        ]

    def __str__(self):
        return f"{self.user} · {self.organisation} ({self.role})"


class Assessment(models.Model):
    """One assessment of an organisation on one bank version.

    Answers are kept per respondent (`Response`). A plain assessment is one manager's
    answers, scored when that manager submits. A round (`is_round`) is answered by several
    invited people, each submitting on their own; the lead (`started_by`) closes it, and
    the round is scored from the submitted responses and the lead's agreed answers. Either
    way the result is stored when the assessment becomes "submitted" (closed).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="assessments"
    )
    bank = models.ForeignKey(QuestionBank, on_delete=models.PROTECT, related_name="assessments")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Denormalised at submission from scoring.py so lists and portfolios need no re-scoring;
    # the bank is frozen once answered, so these can never go stale.
    overall_score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    maturity_level = models.CharField(max_length=20, blank=True)
    is_round = models.BooleanField(_("several respondents"), default=False)
    # No page shows who answered what, only counts.
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # Stored at closing, for the portfolio: how many responses the result combines, and
    # 100 × the share of questions they did not disagree on (None for one respondent).
    respondent_count = models.PositiveSmallIntegerField(null=True, blank=True)
    invited_count = models.PositiveSmallIntegerField(null=True, blank=True)
    agreement = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    # Whoever submitted or closed it, once erased: the "Persona N" its report names.
    submitter_pseudonym = models.PositiveSmallIntegerField(null=True, blank=True)
    # When a person of its report was last erased: part of the report's cache key, so that
    # no worker or server serves a copy with their name after.
    names_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(status="draft", submitted_at__isnull=True, overall_score__isnull=True)
                    | Q(status="submitted", submitted_at__isnull=False, overall_score__isnull=False)
                ),
                name="assessment_submitted_has_result",
            ),
            models.CheckConstraint(
                condition=Q(overall_score__isnull=True)
                | (Q(overall_score__gte=0) & Q(overall_score__lte=100)),
                name="assessment_score_0_to_100",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "-submitted_at"])]

    def __str__(self):
        return f"{self.organisation} · {self.created_at:%Y-%m-%d}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def is_current_result(self) -> bool:
        """Its organisation's latest submitted assessment: the copy that
        refresh_current_results keeps on the organisation, loaded with it."""
        return self.is_submitted and self.organisation.current_result_id == self.pk

    @property
    def submitter_name(self) -> str:
        """Who submitted it (closed it, for a round), as its report says: their name, or
        the pseudonym they were given when erased (`submitted_by` must be fetched)."""
        return _name_or_pseudonym(self.submitted_by, self.submitter_pseudonym)

    @property
    def starter_name(self) -> str:
        """Who started it (`started_by` must be fetched): the one who submits a plain
        assessment and closes a round, so an erased starter has the submitter's
        pseudonym."""
        return _name_or_pseudonym(self.started_by, self.submitter_pseudonym)

    @property
    def is_several(self) -> bool:
        """Its result combines more than one person's answers."""
        return (self.respondent_count or 0) > 1


class Response(models.Model):
    """One respondent's answers within an assessment; in a round, created when the person
    is invited."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="responses")
    # None once the person is erased: their submitted answers stay in the results they
    # were part of, under a pseudonym (`pseudonym_number`), and nothing names them.
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="responses"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when the respondent submits; only submitted responses are scored.
    submitted_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # How a closed round's report names this respondent: the name at closing, or a
    # pseudonym ("Persona 2") in an anonymous round, so the report never changes later.
    label = models.CharField(max_length=150, blank=True)
    # The name and address the lead typed for someone invited by e-mail: the lead's page
    # shows these, never the account's own, so it tells nothing about who has an account.
    invited_name = models.CharField(max_length=301, blank=True)
    invited_email = models.EmailField(blank=True)
    # In an anonymous round, the N of "Persona N": drawn at random among the submitted
    # responses when the round closes, so no order (invitation, submission) shows through.
    pseudonym_number = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "respondent"], name="one_response_per_respondent"
            ),
        ]

    def __str__(self):
        return f"{self.assessment} · {self.respondent}"

    @property
    def name(self) -> str:
        """How the round names this person: the name the lead typed, if invited by
        address, else the account's (its respondent must be fetched with it), or the
        pseudonym of an erased person."""
        if self.respondent is None:
            return pseudonym(self.pseudonym_number)
        return self.invited_name or person_name(self.respondent)


class Answer(models.Model):
    class Choice(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    # Blank while only a note has been written: the note is kept, the question still counts
    # as unanswered.
    choice = models.CharField(max_length=6, choices=Choice.choices, blank=True)
    note = models.TextField(blank=True, max_length=settings.ANSWER_NOTE_MAX_LENGTH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="one_answer_per_question_per_response"
            ),
            models.CheckConstraint(
                condition=Q(choice__in=["yes", "partly", "no", ""]), name="answer_choice_valid"
            ),
        ]

    def __str__(self):
        return f"{self.question.number}: {self.choice}"


class AgreedAnswer(models.Model):
    """The answer a round's lead recorded for a question after talking it over; its value
    stands in place of the respondents' mean."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="agreed_answers"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("agreed answer"), max_length=6, choices=Answer.Choice.choices)
    note = models.TextField(_("note"), blank=True, max_length=settings.ANSWER_NOTE_MAX_LENGTH)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agreed answer")
        verbose_name_plural = _("agreed answers")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question"], name="one_agreed_answer_per_question"
            ),
            models.CheckConstraint(
                condition=Q(choice__in=["yes", "partly", "no"]), name="agreed_choice_valid"
            ),
        ]

    def __str__(self):
        return f"{self.question.number}: {self.choice}"


class AreaResult(models.Model):
    """An area's score in a submitted assessment, stored so that portfolio benchmarks
    can be aggregated by the database (by area code, across bank versions)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="area_results"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(max_length=8)
    score = models.DecimalField(max_digits=5, decimal_places=2)
    priority = models.DecimalField(max_digits=6, decimal_places=2)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["area__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "area"], name="one_result_per_area"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=100), name="area_result_0_to_100"
            ),
        ]

    def __str__(self):
        return f"{self.area_code}: {self.score}"


class Invitation(models.Model):
    """An invitation by e-mail to join an organisation: a consultant's, for someone to
    manage a client, or a round lead's, for someone to answer its rounds.

    Nobody becomes a member before accepting. For an address with no account, the account
    exists at once with no usable password, and the e-mail's one-time link lets its owner
    choose one; the first sign-in accepts. For an address that already has an account, that
    person accepts with the e-mail's join link, signed in. Either way the inviter sees the
    same thing. The link is only ever in the e-mail: pages show the address and whether it
    was used.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # The role the person takes on accepting: a consultant invites a manager, a round's
    # lead invites a respondent, a manager invites their consultant.
    role = models.CharField(
        _("role"),
        max_length=12,
        choices=[
            (Membership.Role.MANAGER, Membership.Role.MANAGER.label),
            (Membership.Role.RESPONDENT, Membership.Role.RESPONDENT.label),
            (Membership.Role.CONSULTANT, Membership.Role.CONSULTANT.label),
        ],
        default=Membership.Role.MANAGER,
    )
    # The address had no account with a password when invited: the e-mail's link chooses
    # one, and the first sign-in accepts. Otherwise the person accepts with the join link.
    new_account = models.BooleanField(default=True)
    # SHA-256 of the link's secret when joining with an existing account; the secret itself
    # is only in the e-mail.
    token_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="one_invitation_per_person"
            ),
        ]

    def __str__(self):
        return f"{self.email} · {self.organisation}"

    @property
    def is_pending(self) -> bool:
        """Not taken up yet: not accepted and, for a new account, no password chosen (the
        acceptance itself is recorded at the first sign-in)."""
        if self.accepted_at is not None:
            return False
        return not (self.new_account and self.user.has_usable_password())

    @staticmethod
    def hash_of(secret: str) -> str:
        return secret_hash(secret)


class FirmInvitation(models.Model):
    """A partner's invitation to join the firm as a consultant, by e-mail. As with an
    organisation's invitation, nobody joins before accepting: a new address chooses a
    password from the mailed link and its first sign-in accepts; an address with an
    account accepts with the join link, signed in. The partner sees the same either way."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="firm_invitations"
    )
    email = models.EmailField(_("e-mail"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    new_account = models.BooleanField(default=True)
    token_hash = models.CharField(max_length=64, blank=True)
    sent_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("firm invitation")
        verbose_name_plural = _("firm invitations")
        constraints = [
            models.UniqueConstraint(fields=["firm", "user"], name="one_firm_invitation_per_person")
        ]

    def __str__(self):
        return f"{self.email} · {self.firm}"

    @property
    def is_pending(self) -> bool:
        if self.accepted_at is not None:
            return False
        return not (self.new_account and self.user.has_usable_password())


class ActionQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at=None)


class Action(models.Model):
    """One step of an organisation's action plan: closing one question of a submitted
    assessment, by someone, by a date.

    `version` rises with every save; a save that was started from an older version is
    refused, so two people editing the same action never silently overwrite each other.
    A deleted action keeps its row (`deleted_at`) and can be restored for 30 days.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DISCARDED = "discarded", _("Discarded")

    class Target(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="actions")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="actions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=300, validators=[single_line])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    owner_name = models.CharField(
        _("owner (name)"), max_length=150, blank=True, validators=[single_line]
    )
    # An owner who was erased: the plan names them "Persona N", N counted per organisation.
    owner_pseudonym = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    target = models.CharField(
        _("target answer"), max_length=6, choices=Target.choices, default=Target.YES
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    note = models.TextField(_("note"), blank=True, max_length=settings.ANSWER_NOTE_MAX_LENGTH)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)
    # When it was marked done or discarded (None while open): a report judges it as part
    # of every plan it was still open in (QUESTION-BANK.md, the carry-over).
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "in_progress", "done", "discarded"]),
                name="action_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(target__in=["yes", "partly"]), name="action_target_valid"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "deleted_at", "status"])]

    def __str__(self):
        return self.title

    @property
    def owner_label(self) -> str:
        return _name_or_pseudonym(self.owner, self.owner_pseudonym) or self.owner_name


class SentMail(models.Model):
    """One e-mail sent on someone's behalf (an invitation or a reminder), counted against
    the daily limits that keep the platform from being anyone's mail cannon. It keeps no
    address and no text."""

    class Kind(models.TextChoices):
        ROUND_INVITATION = "round_invitation", _("round invitation")
        ROUND_REMINDER = "round_reminder", _("round reminder")
        CLIENT_INVITATION = "client_invitation", _("client invitation")

    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sent_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["sent_by", "sent_at"]),
            models.Index(fields=["organisation", "sent_at"]),
        ]

    def __str__(self):
        return f"{self.kind} · {self.sent_at:%Y-%m-%d %H:%M}"


class OutgoingMail(models.Model):
    """One e-mail the app sends, from the change that asks for it until the mail server
    takes it: queued in that change's transaction, sent by a queue worker, retried with
    growing delays, and failed with its last error after the last try. Its text is written
    when it is sent, from what it refers to, so that no one-time link waits in the database
    (and each try carries a fresh one)."""

    class Kind(models.TextChoices):
        CLIENT_INVITATION = "client_invitation", _("client invitation")
        ROUND_INVITATION = "round_invitation", _("round invitation")
        ROUND_REMINDER = "round_reminder", _("round reminder")
        PASSWORD_RESET = "password_reset", _("password reset")
        # What happened to the account's security: a password or second factor changed.
        ACCOUNT_NOTICE = "account_notice", _("account notice")
        # The link that confirms the address a person signed up with.
        ADDRESS_CONFIRMATION = "address_confirm", _("address confirmation")
        FIRM_INVITATION = "firm_invitation", _("firm invitation")
        # A draft nobody touched, or a sign-up never confirmed, goes in a week.
        RETENTION_WARNING = "retention_warning", _("retention warning")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        # What it was for was done before it left (the invitation was accepted).
        NOT_NEEDED = "not_needed", _("not needed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=300)
    # The language and address of the request that asked for it: the worker writes the
    # text in that language, with links to that site.
    language = models.CharField(max_length=8)
    site_url = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, null=True, blank=True, related_name="mails"
    )
    firm_invitation = models.ForeignKey(
        FirmInvitation, on_delete=models.CASCADE, null=True, blank=True, related_name="mails"
    )
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="mails"
    )
    # The account written to.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # For an account notice: which event it tells of (see services/accounts.py).
    notice = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # While a worker sends it; a worker killed mid-send leaves it to be taken over after.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.recipient} · {self.get_status_display()}"


class SignInBrowser(models.Model):
    """A browser (its family and system, as its user agent names them) a person has signed
    in from: a sign-in from one not seen before is mailed to them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_in_browsers"
    )
    browser = models.CharField(_("browser"), max_length=200)
    first_seen_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now=True)

    class Meta:
        verbose_name = _("sign-in browser")
        verbose_name_plural = _("sign-in browsers")
        constraints = [
            models.UniqueConstraint(fields=["user", "browser"], name="one_row_per_browser")
        ]

    def __str__(self):
        return f"{self.user} · {self.browser}"


def secret_hash(secret: str) -> str:
    """What is kept of a secret shown once (an API token, a shared link): its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now):
        """Tokens that still open the API: not revoked, not expired, of an active person."""
        return self.filter(revoked_at=None, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    """A personal token for the JSON API, made on the person's account page. Only its
    SHA-256 is stored: the token itself is shown once, when it is made. It reads what its
    owner may read, by the same rules as the pages; a read-write one also writes what they
    may write."""

    class Access(models.TextChoices):
        READ = "read", _("read only")
        WRITE = "write", _("read and write")

    # What a token starts with, so that one pasted where it should not be is recognised
    # (by a secret scanner, or by a person).
    PREFIX = "ori_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, validators=[single_line])
    access = models.CharField(_("access"), max_length=5, choices=Access.choices)
    # The first characters after the prefix, shown beside the name to tell tokens apart.
    hint = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The requests of the current rate window (services.api_token_request): counted on the
    # token's row, so that every worker and server counts the same, one at a time.
    rate_window = models.DateTimeField(null=True, blank=True, editable=False)
    rate_count = models.PositiveIntegerField(default=0, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.PREFIX}{self.hint}…)"

    @staticmethod
    def hash_of(key: str) -> str:
        return secret_hash(key)

    @property
    def can_write(self) -> bool:
        return self.access == self.Access.WRITE


class WebhookEndpoint(models.Model):
    """An HTTPS address of a firm's own system (its CRM) that is told, by a signed POST,
    when one of the firm's clients submits an assessment or closes a round."""

    class Event(models.TextChoices):
        ASSESSMENT_SUBMITTED = "assessment.submitted", _("an assessment is submitted")
        ROUND_CLOSED = "round.closed", _("a round is closed")

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("address"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    # The key each delivery is signed with (HMAC-SHA256): shown to the partner once, when
    # the endpoint is made, and kept to sign; never listed again.
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event sent to one endpoint: queued with the change it tells of, delivered by a
    queue worker with retries, and kept with the endpoint's answer."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=40)
    # The exact body sent and signed, so that every retry sends the same bytes.
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["endpoint", "-created_at"])]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"


# The measures of QUESTION-BANK.md, as assessments.outcomes defines them.
MEASURE_CHOICES = [(measure.code, measure.label) for measure in MEASURES]


class OutcomeValue(models.Model):
    """One month's value of one customer outcome measure of an organisation (NPS,
    satisfaction, complaints, churn, repeat customers), with who last entered it and when.
    The audit trail keeps every earlier value."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="outcomes"
    )
    measure = models.CharField(_("measure"), max_length=12, choices=MEASURE_CHOICES)
    # The month, as its first day.
    period = models.DateField(_("month"))
    value = models.DecimalField(_("value"), max_digits=8, decimal_places=2)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer outcome")
        verbose_name_plural = _("customer outcomes")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "measure", "period"], name="outcome_one_per_month"
            ),
            # The ranges of QUESTION-BANK.md, "Customer outcomes".
            models.CheckConstraint(
                condition=Q(measure="nps", value__gte=-100, value__lte=100)
                | Q(measure__in=["csat", "churn", "repeat"], value__gte=0, value__lte=100)
                | Q(measure="complaints", value__gte=0),
                name="outcome_value_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} · {self.measure} · {self.period:%Y-%m}"


class ShareLinkQuerySet(models.QuerySet):
    def live(self, now):
        """Links that still open their page: not revoked, not expired, and made by someone
        still on the organisation's team (a manager, or a consultant whose book still
        holds it)."""
        creator_on_team = Exists(
            Membership.objects.filter(
                organisation=OuterRef("organisation"),
                user=OuterRef("created_by"),
                role__in=[Membership.Role.MANAGER, Membership.Role.CONSULTANT],
            )
        )
        return self.filter(creator_on_team, revoked_at=None, expires_at__gt=now)


class ShareLink(models.Model):
    """A read-only link to one submitted report, or to an organisation's progress, for
    people without an account (a board, a bank). Only the SHA-256 of its secret is kept:
    the link is shown once, when it is made. It ends when it expires, is revoked, its
    assessment is deleted or its maker leaves the organisation's team."""

    class Kind(models.TextChoices):
        REPORT = "report", _("report")
        PROGRESS = "progress", _("progress")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="share_links"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    label = models.CharField(_("label"), max_length=100, validators=[single_line])
    # A named round's respondents are named on the shared page only when this is on; an
    # anonymous round's never are.
    shows_names = models.BooleanField(_("show the respondents' names"), default=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # How often it was opened, and when last: never by whom or from where.
    views = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("shared link")
        verbose_name_plural = _("shared links")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="report", assessment__isnull=False)
                | Q(kind="progress", assessment__isnull=True),
                name="share_link_kind_matches_assessment",
            ),
        ]

    def __str__(self):
        return self.label

    @staticmethod
    def hash_of(secret: str) -> str:
        return secret_hash(secret)


class OrganisationExport(models.Model):
    """A ZIP of everything the app holds about one organisation, asked for by one of its
    managers or consultants, built by a queue worker, downloadable by that person alone
    for a day. The file lives in the database, so every server can hand it out."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("organisation export")
        verbose_name_plural = _("organisation exports")

    def __str__(self):
        return f"{self.organisation} · {self.requested_at:%Y-%m-%d %H:%M}"


class Erasure(models.Model):
    """That a person's account was erased, when and on whose request: never who. Their
    answers stay in the results they were part of, under pseudonyms; everything else that
    named them was removed or renamed (services/erasure.py)."""

    class By(models.TextChoices):
        SELF = "self", _("the person")
        PARTNER = "partner", _("a partner of their firm")
        ADMIN = "admin", _("an administrator")
        # A sign-up never confirmed (services/retention.py).
        RETENTION = "retention", _("the retention rule")

    erased_at = models.DateTimeField(_("erased at"), auto_now_add=True)
    requested_by = models.CharField(_("requested by"), max_length=10, choices=By.choices)
    organisations = models.PositiveIntegerField(_("organisations concerned"), default=0)
    responses_kept = models.PositiveIntegerField(_("answer sets kept under a pseudonym"), default=0)
    drafts_deleted = models.PositiveIntegerField(_("unsubmitted answer sets deleted"), default=0)
    audit_entries_renamed = models.PositiveIntegerField(_("audit entries renamed"), default=0)

    class Meta:
        ordering = ["-erased_at"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self):
        return f"{self.get_requested_by_display()} · {self.erased_at:%Y-%m-%d %H:%M}"


class OrganisationDeletion(models.Model):
    """An organisation its manager deleted: out of everyone's reach at once (its people's
    memberships and its firm are kept here, not on it), restorable by its managers for
    RESTORE_DAYS, then purged with everything it holds by the daily task."""

    RESTORE_DAYS = 30

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="deletion"
    )
    deleted_at = models.DateTimeField(_("deleted at"), auto_now_add=True)
    purge_after = models.DateTimeField(_("purged after"))
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    firm = models.ForeignKey(
        Firm, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Its memberships as they were: [{"user": id, "role": …, "is_lead": …, "shares": …}];
    # an account erased since is left out when it is restored.
    people = models.JSONField(default=list)
    # Its managers when it was deleted: they may restore it.
    restorers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")

    class Meta:
        verbose_name = _("deleted organisation")
        verbose_name_plural = _("deleted organisations")
        ordering = ["purge_after"]

    def __str__(self):
        return f"{self.organisation} · {self.purge_after:%Y-%m-%d}"
