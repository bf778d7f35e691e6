import datetime
import re

import django_filters
from allauth.account.forms import SignupForm
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.hashers import make_password
from django.core.validators import EMPTY_VALUES, validate_email
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from assessments import outcomes, services
from assessments.formatting import half_up
from assessments.levels import LEVELS
from assessments.models import (
    ID_PATTERN,
    Action,
    Answer,
    ApiToken,
    Membership,
    Organisation,
    WebhookEndpoint,
    person_name,
)
from assessments.plan import TARGET_VALUES
from assessments.selectors import name_matches
from assessments.services import AnswerInput, NewPerson
from assessments.validators import has_control_characters, single_line

_ANSWER_KEY = re.compile(r"^q(\d+)-(choice|note)$")


class AnswersForm(forms.Form):
    """Every question of one bank: a sí/parcialmente/no choice and an optional note.

    Nothing is required here; whether the set is complete is the submit rule's business,
    so "save and continue later" accepts any subset.
    """

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas = areas
        self.question_ids = set()
        for area in areas:
            for question in area.questions.all():
                self.question_ids.add(question.pk)
                self.fields[f"q{question.pk}-choice"] = forms.ChoiceField(
                    label=f"{question.number}. {question.text}",
                    # Crispy renders help text unescaped; the bank's text is data, not markup.
                    help_text=escape(_("What “sí” looks like:") + " " + question.help),
                    choices=Answer.Choice.choices,
                    widget=forms.RadioSelect,
                    required=False,
                )
                self.fields[f"q{question.pk}-note"] = forms.CharField(
                    label=_("Note (optional)"),
                    max_length=settings.ANSWER_NOTE_MAX_LENGTH,
                    required=False,
                    widget=forms.Textarea(
                        attrs={"rows": 2, "maxlength": settings.ANSWER_NOTE_MAX_LENGTH}
                    ),
                )

    def clean(self):
        cleaned = super().clean()
        foreign = {
            int(match.group(1)) for key in (self.data or {}) if (match := _ANSWER_KEY.match(key))
        } - self.question_ids
        if foreign:
            raise forms.ValidationError(
                _("The form contained questions that are not part of this assessment."),
                code="foreign_question",
            )
        return cleaned

    def answers(self) -> dict[int, AnswerInput]:
        return {
            qid: AnswerInput(
                choice=self.cleaned_data[f"q{qid}-choice"],
                note=self.cleaned_data[f"q{qid}-note"].strip(),
            )
            for qid in self.question_ids
        }

    def unanswered_questions(self) -> list:
        return [
            question
            for area in self.areas
            for question in area.questions.all()
            if not self.cleaned_data.get(f"q{question.pk}-choice")
        ]


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Organisation"), max_length=200, validators=[single_line])
    sector = forms.CharField(label=_("Sector"), max_length=100, validators=[single_line])
    size_band = forms.ChoiceField(label=_("Size"), choices=Organisation.SizeBand.choices)
    country = forms.CharField(
        label=_("Country"), max_length=100, initial="España", validators=[single_line]
    )
    manager_first_name = forms.CharField(
        label=_("Manager's first name"), max_length=150, validators=[single_line]
    )
    manager_last_name = forms.CharField(
        label=_("Manager's last name"), max_length=150, required=False, validators=[single_line]
    )
    manager_email = forms.EmailField(label=_("Manager's e-mail"))

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_sector(self):
        return self.cleaned_data["sector"].strip()


class NullsLastOrdering(django_filters.OrderingFilter):
    """django-filter's ordering, with organisations that have no result yet last in both
    directions and ties broken by `tie_break`, so that SQLite and PostgreSQL (which place
    nulls at opposite ends) list the same rows in the same order. With no valid `?sort=`
    the rows are in `default` order."""

    def __init__(self, *args, params: dict[str, str], default: str, tie_break=(), **kwargs):
        super().__init__(*args, fields=[(param, param) for param in params], **kwargs)
        self.param_map = dict(params)  # parameter → field or annotation it sorts by
        self.default = default
        self.tie_break = tuple(tie_break)

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        column = F(self.param_map[param.removeprefix("-")])
        return column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)

    def filter(self, qs, value):
        params = [param for param in value or () if param] or [self.default]
        return qs.order_by(*(self.get_ordering_value(p) for p in params), *self.tie_break)


class PortfolioFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name"), method="search", max_length=100)
    sector = django_filters.ChoiceFilter(label=_("Sector"), empty_label=_("All sectors"))
    size_band = django_filters.ChoiceFilter(
        label=_("Size"), choices=Organisation.SizeBand.choices, empty_label=_("All sizes")
    )
    level = django_filters.ChoiceFilter(
        field_name="current_level",
        label=_("Maturity level"),
        choices=[(code, label) for code, (label, _description) in LEVELS.items()],
        empty_label=_("All levels"),
    )
    not_assessed_since = django_filters.DateFilter(
        label=_("Not assessed since"),
        method="not_assessed_since_filter",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Organisations whose latest result is older, or that have none."),
    )
    unfollowed = django_filters.BooleanFilter(
        label=_("No consultant follows it"),
        method="unfollowed_filter",
        widget=forms.CheckboxInput,
    )
    sort = NullsLastOrdering(
        params={
            "name": "name",
            "score": "current_score",
            # Within the portfolio a higher score is never a lower percentile.
            "percentile": "current_score",
            "level": "current_score",  # levels rise with the score
            "date": "current_date",
            "top": "top_area_order",  # in checklist order
            "change": "change",
        },
        default="name",
        tie_break=("name", "pk"),
    )

    class Meta:
        model = Organisation
        fields = ["q", "sector", "size_band", "level", "not_assessed_since"]

    def __init__(self, *args, sectors=(), whole_firm=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["sector"].extra["choices"] = [(s, s) for s in sectors]
        if not whole_firm:  # the consultant follows every client of their own book
            del self.filters["unfollowed"]

    def unfollowed_filter(self, queryset, _name, value):
        if not value:  # the box left unticked
            return queryset
        followed = Membership.objects.filter(
            organisation=OuterRef("pk"), role=Membership.Role.CONSULTANT
        )
        return queryset.exclude(Exists(followed))

    def search(self, queryset, _name, value):
        return name_matches(queryset, value)

    def not_assessed_since_filter(self, queryset, _name, value):
        start_of_day = timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))
        return queryset.filter(Q(current_date__lt=start_of_day) | Q(current_date=None))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if "sort" not in self.form.cleaned_data:  # an unknown key: ignored, as if absent
            queryset = self.filters["sort"].filter(queryset, None)
        return queryset

    @property
    def narrows(self) -> bool:
        """Whether a filter leaves part of the book out (a sort alone does not)."""
        self.form.is_valid()  # cleans it: the invalid filters are left out, as in `qs`
        data = self.form.cleaned_data
        return any(
            data.get(name) not in (*EMPTY_VALUES, False) for name in self.filters if name != "sort"
        )

    @property
    def current_sort(self) -> str:
        """The sort in force, as a `?sort=` value."""
        chosen = self.form.cleaned_data.get("sort") or ()
        return next((param for param in chosen if param), self.filters["sort"].default)


_DATABASE_ID = re.compile(ID_PATTERN + r"\Z")


class DatabaseIdsField(django_filters.fields.ModelMultipleChoiceField):
    """Ids of the queryset's objects; anything not shaped like an id ("²", "1e3", 30 digits)
    is invalid before it reaches the database."""

    def _check_values(self, value):
        for item in value:
            if not _DATABASE_ID.match(str(item)):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super()._check_values(value)


class DatabaseIdsFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = DatabaseIdsField


class ComparisonFilter(django_filters.FilterSet):
    """The organisations to compare, by id: only ones the consultant follows are valid."""

    org = DatabaseIdsFilter(field_name="pk", queryset=Organisation.objects.none())

    class Meta:
        model = Organisation
        fields = []

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, queryset=queryset, **kwargs)
        self.filters["org"].queryset = queryset

    def organisations(self) -> list:
        """The chosen organisations, in the order the request names them."""
        chosen = {str(o.pk): o for o in self.form.cleaned_data["org"]}
        return [chosen[value] for value in dict.fromkeys(self.data.getlist("org"))]


class CompareSearchForm(forms.Form):
    q = forms.CharField(label=_("Add organisations by name"), max_length=100, required=False)


# At most this many new people in one round's form: a team, not a mailing list.
MAX_NEW_PEOPLE = 50


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        name = user.get_full_name()
        return f"{name} ({user.email or user.username})" if name else user.username


class RoundStartForm(forms.Form):
    """Who answers a round besides its lead: people of the organisation, and new people
    by name and e-mail, one per line ("Marta Gil, marta@example.com")."""

    members = PersonChoiceField(
        label=_("People of the organisation"),
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    new_people = forms.CharField(
        label=_("New people"),
        help_text=_(
            "One person per line: name, then e-mail, separated by a comma "
            "(for example “Marta Gil, marta@example.com”). Each gets an e-mail with a link "
            "to join the organisation and answer; nobody joins without accepting."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20_000,
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous round"),
        help_text=_(
            "The report then shows only how many people gave each answer, never who, and "
            "nobody sees any answer before closing. It needs at least three people, you "
            "included, and closes once three have submitted: with two, each could read the "
            "other's answers off the counts."
        ),
        required=False,
    )

    def __init__(self, *args, member_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = (
            get_user_model().objects.filter(pk__in=member_ids).order_by("first_name", "username")
        )

    def clean_new_people(self):
        people, errors = [], []
        lines = [line.strip() for line in self.cleaned_data["new_people"].splitlines()]
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            name, _comma, email = line.rpartition(",")
            email = email.strip()
            try:
                validate_email(email)
            except forms.ValidationError:
                errors.append(
                    _("Line %(number)s: “%(line)s” does not end with an e-mail address.")
                    % {"number": number, "line": line}
                )
                continue
            first_name, _space, last_name = name.strip().partition(" ")
            if has_control_characters(name):
                errors.append(
                    _("Line %(number)s: write the name without tabs or other control characters.")
                    % {"number": number}
                )
                continue
            if not first_name:
                errors.append(
                    _("Line %(number)s: write the person's name before the e-mail.")
                    % {"number": number}
                )
                continue
            people.append(
                NewPerson(
                    first_name=first_name[:150], last_name=last_name.strip()[:150], email=email
                )
            )
        if len(people) > MAX_NEW_PEOPLE:
            errors.append(_("At most %(count)s new people at once.") % {"count": MAX_NEW_PEOPLE})
        if errors:
            raise forms.ValidationError(errors)
        return people

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("members") or cleaned.get("new_people")):
            raise forms.ValidationError(
                _("Choose at least one person, or start an assessment on your own instead.")
            )
        return cleaned


class AgreedAnswerForm(forms.Form):
    """The answer a round's lead records for a question; no choice removes it."""

    question = forms.TypedChoiceField(label=_("Question"), coerce=int)
    choice = forms.ChoiceField(
        label=_("Agreed answer"),
        choices=[("", _("None: use the mean of the answers")), *Answer.Choice.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Why (optional)"),
        max_length=settings.ANSWER_NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": settings.ANSWER_NOTE_MAX_LENGTH}),
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [
            (q.pk, f"{q.number}. {q.text}") for area in areas for q in area.questions.all()
        ]


class RoundCloseForm(forms.Form):
    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": _("Tick the box to confirm that the round closes now.")},
    )


class WhatIfForm(forms.Form):
    """One optional field per open question of a submitted assessment (`q<number>`): the
    answer to imagine. "parcialmente" is offered only where it would raise the value."""

    def __init__(self, *args, areas, values, **kwargs):
        super().__init__(*args, **kwargs)
        self.open_questions = []
        for area in areas:
            for question in area.questions.all():
                value = values.get(question.number, 1.0)
                if value >= 1:
                    continue
                choices = [("", _("as it is")), ("yes", _("Yes"))]
                if value < 0.5:
                    choices.append(("partly", _("Partly")))
                self.fields[f"q{question.number}"] = forms.ChoiceField(
                    label=f"{question.number}. {question.text}", choices=choices, required=False
                )
                self.open_questions.append((area, question, value))

    def marks(self) -> dict[int, float]:
        """Question number → imagined value, for the valid marks."""
        return {
            int(name[1:]): TARGET_VALUES[choice]
            for name, choice in self.cleaned_data.items()
            if choice
        }


class ActionForm(forms.ModelForm):
    """An action of the plan. `version` is the one the form was opened at: a save from an
    older version is refused (see services.action_save)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=get_user_model().objects.none(), required=False
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Action
        fields = ["title", "owner", "owner_name", "due_date", "target", "status", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "owner_name": _("Someone without an account, if the owner is not in the list."),
        }

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["owner"].label_from_instance = person_name
        if self.instance.pk is None:
            self.fields["version"].initial = 0
        else:
            self.fields["version"].initial = self.instance.version

    def clean_title(self):
        return self.cleaned_data["title"].strip()


class PlanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Action.Status.choices, empty_label=_("All statuses")
    )
    owner = django_filters.ChoiceFilter(
        label=_("Owner"), method="filter_owner", empty_label=_("Everyone")
    )

    class Meta:
        model = Action
        fields = ["status"]

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["owner"].extra["choices"] = list(owners)

    def filter_owner(self, queryset, name, value):
        """An account id ("u12") or a free-text owner's name ("n:Marta")."""
        if value.startswith("u"):
            return queryset.filter(owner_id=value[1:])
        return queryset.filter(owner=None, owner_name=value.removeprefix("n:"))


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, handing the work to the mail queue instead of mailing inside
    the request."""

    def save(self, *, use_https=False, request=None, **_options):
        scheme = "https" if use_https else "http"
        services.password_reset_request(
            email=self.cleaned_data["email"], site_url=f"{scheme}://{request.get_host()}/"
        )


class ManagerSignUpForm(SignupForm):
    """allauth's sign-up (e-mail, password) with the person's name and the organisation
    they will assess, which they manage from the moment they confirm the address."""

    first_name = forms.CharField(
        label=_("First name"), max_length=150, validators=[single_line], required=True
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, validators=[single_line], required=False
    )
    organisation_name = forms.CharField(
        label=_("Organisation"), max_length=200, validators=[single_line]
    )
    sector = forms.CharField(label=_("Sector"), max_length=100, validators=[single_line])
    size_band = forms.ChoiceField(label=_("Size"), choices=Organisation.SizeBand.choices)
    country = forms.CharField(
        label=_("Country"), max_length=100, initial="España", validators=[single_line]
    )

    field_order = [
        "first_name",
        "last_name",
        "email",
        "password1",
        "organisation_name",
        "sector",
        "size_band",
        "country",
    ]

    def clean_organisation_name(self):
        return self.cleaned_data["organisation_name"].strip()

    def clean_sector(self):
        return self.cleaned_data["sector"].strip()

    def try_save(self, request):
        if self.account_already_exists:
            # The new account's password would be hashed here: the same work, so that an
            # address with an account takes as long to answer as one without.
            make_password(self.cleaned_data.get("password1"))
            return super().try_save(request)
        with transaction.atomic():
            return super().try_save(request)

    def signup(self, request, user):
        services.organisation_sign_up(
            manager=user,
            name=self.cleaned_data["organisation_name"],
            sector=self.cleaned_data["sector"],
            size_band=self.cleaned_data["size_band"],
            country=self.cleaned_data["country"],
        )


class ConsultantInviteForm(forms.Form):
    first_name = forms.CharField(
        label=_("Consultant's first name"), max_length=150, validators=[single_line]
    )
    last_name = forms.CharField(
        label=_("Consultant's last name"), max_length=150, required=False, validators=[single_line]
    )
    email = forms.EmailField(label=_("Consultant's e-mail"))


class HandOverForm(forms.Form):
    """Whose clients go (`people`) to whom (`takers`, the active consultants)."""

    giver = forms.ChoiceField(label=_("From"))
    taker = forms.ChoiceField(label=_("To"))

    def __init__(self, *args, people=(), takers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["giver"].choices = list(people)
        self.fields["taker"].choices = list(takers)


class ClientAssignForm(forms.Form):
    consultant = forms.ChoiceField(label=_("Consultant"))
    lead = forms.BooleanField(label=_("Lead consultant"), required=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].choices = list(people)


class FirmConsultantInviteForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, validators=[single_line])
    last_name = forms.CharField(
        label=_("Last name"), max_length=150, required=False, validators=[single_line]
    )
    email = forms.EmailField(label=_("E-mail"))


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        validators=[single_line],
        help_text=_("What uses it, to tell your tokens apart: “Power BI”, “CRM”."),
    )
    access = forms.ChoiceField(
        label=_("Access"), choices=ApiToken.Access.choices, initial=ApiToken.Access.READ
    )
    days = forms.TypedChoiceField(
        label=_("Expires in"),
        coerce=int,
        choices=[(30, _("30 days")), (90, _("90 days")), (365, _("a year"))],
        initial=90,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean(self):
        cleaned = super().clean()
        if (
            self.user is not None
            and ApiToken.objects.usable(timezone.now()).filter(user=self.user).count()
            >= MAX_API_TOKENS
        ):
            raise forms.ValidationError(
                _("You have %(count)d tokens: revoke one you no longer use first.")
                % {"count": MAX_API_TOKENS}
            )
        return cleaned


# A person's usable tokens at once: enough for every tool, few enough to review.
MAX_API_TOKENS = 20


class WebhookForm(forms.Form):
    url = forms.URLField(
        label=_("Address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("Your system's HTTPS address that receives the events."),
    )
    events = forms.MultipleChoiceField(
        label=_("Tell it when"),
        choices=WebhookEndpoint.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(WebhookEndpoint.Event.values),
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        try:
            services.checked_addresses(url)
        except services.UnsafeAddress as error:
            raise forms.ValidationError(str(error)) from None
        return url


class MeasureField(forms.DecimalField):
    """A measure's value as people type it: "12,5" or "12.5", and no thousands mark;
    kept to cents, rounded half-up (as a file's values are)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        value = super().to_python(value)
        return None if value is None else half_up(value, 2)


class OutcomeMonthForm(forms.Form):
    """One month's customer outcomes; a blank field is a measure without a value that
    month. Any value out of its measure's range refuses the whole form."""

    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(format="%Y-%m", attrs={"type": "month"}),
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.this_month = outcomes.first_of_month(today)
        self.fields["month"].widget.attrs["max"] = f"{self.this_month:%Y-%m}"
        for measure in outcomes.MEASURES:
            self.fields[measure.code] = MeasureField(
                label=measure.label,
                required=False,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                help_text=_measure_help(measure),
            )

    def clean_month(self):
        month = outcomes.first_of_month(self.cleaned_data["month"])
        if month > self.this_month:
            raise forms.ValidationError(
                _("%(month)s has not ended yet: outcomes are entered for past months.")
                % {"month": f"{month:%Y-%m}"}
            )
        return month

    def clean(self):
        cleaned = super().clean()
        for measure in outcomes.MEASURES:
            value = cleaned.get(measure.code)
            if value is not None and outcomes.range_problem(measure, value):
                self.add_error(measure.code, outcomes.range_problem(measure, value))
        return cleaned

    def values(self) -> dict:
        return {m.code: self.cleaned_data.get(m.code) for m in outcomes.MEASURES}


def _measure_help(measure) -> str:
    if measure.maximum == outcomes.COMPLAINTS_CEILING:
        return _("0 or more; lower is better.")
    return _("From %(min)s to %(max)s%(unit)s; %(better)s is better.") % {
        "min": int(measure.minimum),
        "max": int(measure.maximum),
        "unit": f" {measure.unit}" if measure.unit else "",
        "better": _("lower") if measure.lower_is_better else _("higher"),
    }


class OutcomeFileForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "A row per month: the columns month (2026-05), nps, csat, complaints, churn "
            "and repeat, any of them blank. The export below has this shape."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        from assessments.outcomes_io import MAX_UPLOAD_BYTES

        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s MB; an outcomes file is at most 1 MB. Nothing was read.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}"}
            )
        return upload


class BookOutcomesForm(forms.Form):
    """What the book's outcomes page shows: a sector of the book (or all of it), and the
    score and measure of the scatter chart."""

    sector = forms.ChoiceField(label=_("Group"), required=False)
    score = forms.ChoiceField(label=_("Score"), required=False)
    measure = forms.ChoiceField(
        label=_("Measure"),
        required=False,
        choices=[(m.code, m.label) for m in outcomes.MEASURES],
    )

    def __init__(self, *args, sectors, areas, group_label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", group_label)] + [
            (sector, _("Sector: %(sector)s") % {"sector": sector}) for sector in sectors
        ]
        self.fields["score"].choices = [("overall", _("Overall score"))] + [
            (area.code, area.name) for area in areas
        ]

    def choice(self, name: str) -> str:
        """The cleaned choice, or "" where none (or a bad one) was given."""
        if self.is_valid() and self.cleaned_data.get(name):
            return self.cleaned_data[name]
        return ""


class ShareLinkForm(forms.Form):
    """A read-only link: who it is for, how long it lasts and, for a round whose people
    were named, whether the shared page names them."""

    label = forms.CharField(
        label=_("Who it is for"),
        max_length=100,
        validators=[single_line],
        help_text=_(
            "Shown on the shared page and in your list of links: “Consejo de administración”."
        ),
    )
    days = forms.IntegerField(
        label=_("Days it works"),
        min_value=1,
        max_value=365,
        initial=30,
        help_text=_("From 1 day to a year; you can revoke it sooner at any time."),
    )
    shows_names = forms.BooleanField(
        label=_("Show who answered what"),
        required=False,
        help_text=_("Off, the shared report counts the answers without naming anyone."),
    )

    def __init__(self, *args, named_round: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not named_round:
            del self.fields["shows_names"]  # an anonymous round, or one person's report

    def clean_label(self):
        return self.cleaned_data["label"].strip()


class ErasureConfirmForm(forms.Form):
    """Typing the address of the account to erase: a click alone erases no one."""

    confirm = forms.CharField(
        label=_("Type the account's e-mail address to confirm"), max_length=254
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip().casefold()
        expected = {
            text.casefold() for text in (self.person.email, self.person.get_username()) if text
        }
        if typed not in expected:
            raise forms.ValidationError(_("That is not this account's e-mail address."))
        return typed


class PersonByAddressForm(forms.Form):
    email = forms.EmailField(label=_("Their e-mail address"))


class OrganisationDeleteForm(forms.Form):
    """Typing the organisation's name: a click alone deletes nothing."""

    name = forms.CharField(label=_("Type the organisation's name to confirm"), max_length=200)

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_name(self):
        typed = " ".join(self.cleaned_data["name"].split())
        if typed.casefold() != " ".join(self.organisation.name.split()).casefold():
            raise forms.ValidationError(_("That is not this organisation's name."))
        return typed
