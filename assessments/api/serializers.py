"""What the API returns and accepts. Input is checked by the pages' own forms (the same
rules, the same messages); these serializers shape the output and describe both in the
OpenAPI schema."""

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.levels import LEVELS
from assessments.models import MEASURE_CHOICES, Action, Organisation, person_name
from assessments.outcomes import MEASURES

SCORE = {"max_digits": 5, "decimal_places": 2, "coerce_to_string": False}


# What the pages' one-line fields refuse (assessments.validators.single_line): control
# characters and the Unicode line and paragraph separators, as a pattern the schema shows.
ONE_LINE = RegexValidator(
    r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$",
    message="Write this on one line, without line breaks, tabs or other control characters.",
)


class Text(serializers.CharField):
    """A string in the request, and only a string: REST framework's CharField would take
    a number or a boolean and turn it into one, which the schema does not allow. One line
    unless `multiline`."""

    def __init__(self, *args, multiline=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not multiline:
            self.validators.append(ONE_LINE)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class BookQuery(serializers.Serializer):
    book = serializers.ChoiceField(
        choices=["mine", "firm"],
        required=False,
        help_text="A consultant's own clients (the default), or their firm's whole book "
        "where the firm lets them read it.",
    )


class OrganisationQuery(BookQuery):
    """The portfolio's filters, as query parameters."""

    q = Text(required=False, max_length=100, help_text="Words of the name, any case or accent.")
    sector = Text(required=False, max_length=100)
    size_band = serializers.ChoiceField(choices=Organisation.SizeBand.choices, required=False)
    level = serializers.ChoiceField(choices=list(LEVELS), required=False)
    not_assessed_since = serializers.DateField(
        required=False, help_text="Those whose latest result is older, or that have none."
    )
    unfollowed = serializers.BooleanField(
        required=False, help_text="With book=firm: the clients no consultant follows."
    )


class OrganisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    sector = serializers.CharField()
    size_band = serializers.ChoiceField(choices=Organisation.SizeBand.choices)
    country = serializers.CharField()
    current_assessment = serializers.IntegerField(source="current_result_id", allow_null=True)
    current_score = serializers.DecimalField(**SCORE, allow_null=True)
    current_level = serializers.CharField(allow_blank=True)
    current_date = serializers.DateTimeField(allow_null=True)
    score_change = serializers.DecimalField(source="change", **SCORE, allow_null=True)
    top_area = serializers.SerializerMethodField()
    followed_by_me = serializers.BooleanField(source="is_assigned")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_top_area(self, organisation):
        return organisation.top_area.code if organisation.top_area_id else None


class StandingSerializer(serializers.Serializer):
    """A percentile in a group and the group's size; the percentile is null where the
    group is too small for one (the question bank's rule)."""

    book_percentile = serializers.IntegerField(source="portfolio", allow_null=True)
    book_size = serializers.IntegerField(source="portfolio_size")
    sector_percentile = serializers.IntegerField(source="sector", allow_null=True)
    sector_size = serializers.IntegerField()


class AreaResultSerializer(serializers.Serializer):
    code = serializers.CharField(source="area_code")
    name = serializers.CharField(source="area.name")
    score = serializers.DecimalField(**SCORE)
    priority = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)
    rank = serializers.IntegerField(allow_null=True)


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = serializers.IntegerField(source="organisation_id")
    bank_version = serializers.IntegerField(source="bank.version")
    submitted_at = serializers.DateTimeField()
    overall_score = serializers.DecimalField(**SCORE)
    maturity_level = serializers.CharField()
    is_round = serializers.BooleanField()
    anonymous = serializers.BooleanField()
    respondent_count = serializers.IntegerField()
    areas = AreaResultSerializer(source="area_results", many=True)


class AreaStandingSerializer(StandingSerializer):
    code = serializers.CharField()


class ResultStandingSerializer(serializers.Serializer):
    group = serializers.ChoiceField(
        choices=["my_clients", "whole_firm", "sector_only"],
        help_text="The book the percentiles are taken in.",
    )
    overall = StandingSerializer()
    areas = AreaStandingSerializer(many=True)


class AssessmentDetailSerializer(AssessmentSerializer):
    standing = serializers.SerializerMethodField()

    @extend_schema_field(ResultStandingSerializer(allow_null=True))
    def get_standing(self, assessment):
        standing = self.context.get("standing")
        if standing is None:
            return None
        if standing["sector_only"]:
            group = "sector_only"
        else:
            group = "whole_firm" if standing["whole_firm"] else "my_clients"
        areas = [
            {"code": area.code, **StandingSerializer(place).data}
            for area, place in standing.get("areas", [])
        ]
        return {
            "group": group,
            "overall": StandingSerializer(standing["overall"]).data,
            "areas": areas,
        }


class AnswerSerializer(serializers.Serializer):
    respondent = serializers.CharField(
        allow_null=True,
        help_text="The person's name; in an anonymous round a pseudonym (“Persona 3”).",
    )
    area = serializers.CharField()
    question = serializers.IntegerField()
    choice = serializers.ChoiceField(choices=["yes", "partly", "no"])
    note = serializers.CharField(allow_blank=True)


class ActionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    assessment = serializers.IntegerField(source="assessment_id", read_only=True)
    question = serializers.IntegerField(source="question.number", read_only=True)
    title = serializers.CharField(max_length=300)
    owner = serializers.IntegerField(source="owner_id", allow_null=True, required=False)
    owner_name = serializers.CharField(max_length=150, allow_blank=True, required=False)
    due_date = serializers.DateField(allow_null=True, required=False)
    target = serializers.ChoiceField(choices=Action.Target.choices, required=False)
    status = serializers.ChoiceField(choices=Action.Status.choices, required=False)
    note = serializers.CharField(allow_blank=True, required=False)
    version = serializers.IntegerField(
        read_only=True, help_text="Send it back with a change: an older one gets 409."
    )
    updated_at = serializers.DateTimeField(read_only=True)


class ActionFields(serializers.Serializer):
    """An action's fields as a request may send them; each one left out keeps its value."""

    title = Text(max_length=300, required=False)
    owner = serializers.IntegerField(allow_null=True, required=False)
    owner_name = Text(max_length=150, allow_blank=True, required=False)
    due_date = serializers.DateField(allow_null=True, required=False)
    target = serializers.ChoiceField(choices=Action.Target.choices, required=False)
    status = serializers.ChoiceField(choices=Action.Status.choices, required=False)
    note = Text(allow_blank=True, required=False, multiline=True)


class ActionCreateSerializer(ActionFields):
    """The fields of an action, and the open question of a submitted assessment it closes."""

    assessment = serializers.IntegerField()
    question = serializers.IntegerField(help_text="The question's number in the checklist.")
    title = Text(max_length=300)


class ActionUpdateSerializer(ActionFields):
    version = serializers.IntegerField(help_text="The version the change was made from.")


class ClientSerializer(serializers.Serializer):
    """A new client and its manager, who is invited by e-mail (through the mail queue)."""

    name = Text(max_length=200)
    sector = Text(max_length=100)
    size_band = serializers.ChoiceField(choices=Organisation.SizeBand.choices)
    country = Text(max_length=100)
    manager_first_name = Text(max_length=150)
    manager_last_name = Text(max_length=150, required=False, allow_blank=True)
    manager_email = serializers.EmailField()


class ConsultantSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    name = serializers.CharField()
    role = serializers.CharField()
    is_active = serializers.BooleanField()
    clients = serializers.IntegerField()
    leads = serializers.IntegerField()


MONTH = RegexValidator(r"^\d{4}-(0[1-9]|1[0-2])$", message="Write the month as 2026-05.")
OUTCOME_VALUE = {"max_digits": 8, "decimal_places": 2, "coerce_to_string": False}


class OutcomeSerializer(serializers.Serializer):
    month = serializers.DateField(source="period", format="%Y-%m", read_only=True)
    measure = serializers.ChoiceField(choices=MEASURE_CHOICES, read_only=True)
    value = serializers.DecimalField(**OUTCOME_VALUE, read_only=True)
    entered_by = serializers.SerializerMethodField()
    entered_at = serializers.DateTimeField(read_only=True)

    def get_entered_by(self, value) -> str:
        return person_name(value.entered_by)


class OutcomeMonthSerializer(serializers.Serializer):
    """One month's values: a measure left out keeps its value, null removes it. The ranges
    are QUESTION-BANK.md's (NPS −100 to 100, complaints 0 or more, the rest 0 to 100)."""

    month = Text(
        validators=[MONTH],
        help_text="The month, as 2026-05: this one or an earlier one (a later one gets 409).",
    )

    def get_fields(self):
        fields = super().get_fields()
        for measure in MEASURES:
            # Rounded half-up to cents where it has more decimals, as a file's are.
            fields[measure.code] = serializers.DecimalField(
                max_digits=None,
                decimal_places=None,
                min_value=measure.minimum,
                max_value=measure.maximum,
                allow_null=True,
                required=False,
                coerce_to_string=False,
                help_text=str(measure.label),
            )
        return fields


class OutcomeChangesSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    changed = serializers.IntegerField()
    removed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
