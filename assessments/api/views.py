"""The API's endpoints. Each object is reached through the same for-this-user selectors
as the pages (404 for anything the caller may not read, whatever the id), and each write
through the same service, with the pages' forms checking the input."""

import json
from decimal import Decimal

from django.db.models import DateTimeField, DecimalField, Value
from django.db.models.functions import Coalesce
from django.http import Http404, StreamingHttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments import selectors, services
from assessments.api import serializers as out
from assessments.forms import ActionForm, ClientForm, OutcomeMonthForm, PortfolioFilter
from assessments.models import Action, Assessment, Membership, person_name

TEAM = [Membership.Role.MANAGER, Membership.Role.CONSULTANT]
MANAGER = [Membership.Role.MANAGER]

BOOK = out.BookQuery


def _query(serializer_class, request) -> dict:
    """The query parameters, checked against the schema's types (an empty value is a
    value, and must be a valid one)."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _book(request) -> selectors.Book:
    _query(out.BookQuery, request)
    access = selectors.consultant_access(request.user)
    if not access.is_consultant:
        raise Http404
    return selectors.book_for(request.user, access, request.query_params.get("book") == "firm")


class BookCursor(CursorPagination):
    """Cursor pages of a book, in one of a few orders whose every row has a value (a
    cursor cannot stand on a missing score): by name, score or date of the latest result,
    each way, ties by id."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering_param = "sort"
    ORDERINGS = {
        "name": ("name", "pk"),
        "-name": ("-name", "-pk"),
        "score": ("score_key", "pk"),
        "-score": ("-score_key", "-pk"),
        "date": ("date_key", "pk"),
        "-date": ("-date_key", "-pk"),
    }

    def get_ordering(self, request, queryset, view):
        sort = request.query_params.get(self.ordering_param, "name")
        if sort not in self.ORDERINGS:
            raise exceptions.ValidationError({"sort": [f"Choose one of {sorted(self.ORDERINGS)}."]})
        return self.ORDERINGS[sort]

    def get_page_size(self, request):
        size = request.query_params.get(self.page_size_query_param)
        if size is None:
            return self.page_size
        if not size.isascii() or not size.isdigit() or not 1 <= int(size) <= self.max_page_size:
            raise exceptions.ValidationError(
                {"page_size": [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.ordering_param:
                parameter["schema"] = {"type": "string", "enum": list(self.ORDERINGS)}
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters


# A score below any real one and a date before any result: organisations without a result
# sort first, by the cursor's rules, in both databases alike.
NO_SCORE = Value(Decimal("-1"), output_field=DecimalField(max_digits=5, decimal_places=2))
NO_DATE = Value(parse_datetime("1970-01-01T00:00:00+00:00"), output_field=DateTimeField())


class OrganisationList(generics.ListAPIView):
    """The caller's book of clients (or the firm's, with `book=firm`), filtered as the
    portfolio filters it, a cursor page at a time."""

    serializer_class = out.OrganisationSerializer
    pagination_class = BookCursor

    @extend_schema(parameters=[out.OrganisationQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = _query(out.OrganisationQuery, self.request)
        book = _book(self.request)
        # A sector no client of the book is in is a question with no answer, not an error.
        sectors = sorted(
            {sector for sector, _score in selectors.book_score_counts(book)}
            | ({query["sector"]} if query.get("sector") else set())
        )
        data = self.request.query_params.copy()
        data.pop("sort", None)  # the cursor's order, not the portfolio's
        filters = PortfolioFilter(
            data,
            queryset=selectors.portfolio(book),
            sectors=sectors,
            whole_firm=book.is_whole_firm,
        )
        if not filters.is_valid():
            raise exceptions.ValidationError(filters.errors)
        # Sorted without the joins the portfolio's page shows (its result's bank): the
        # cursor reads the book's rows; a page's top areas come after, for its rows alone.
        return (
            filters.qs.select_related(None)
            .prefetch_related("top_area")
            .annotate(
                score_key=Coalesce("current_score", NO_SCORE),
                date_key=Coalesce("current_date", NO_DATE),
            )
        )


class OrganisationDetail(APIView):
    """One organisation the caller manages or follows."""

    @extend_schema(responses=out.OrganisationSerializer)
    def get(self, request, organisation_id: int):
        organisation = selectors.organisation_row(request.user, organisation_id)
        return Response(out.OrganisationSerializer(organisation).data)


class AssessmentList(APIView):
    """The organisation's submitted assessments, oldest first, each with its areas."""

    @extend_schema(responses=out.AssessmentSerializer(many=True))
    def get(self, request, organisation_id: int):
        selectors.membership_for_user(request.user, organisation_id, roles=TEAM)
        assessments = selectors.progress(organisation_id)
        return Response(out.AssessmentSerializer(assessments, many=True).data)


def _submitted(request, assessment_id: int, roles=TEAM) -> Assessment:
    assessment = selectors.assessment_for_user(
        request.user,
        assessment_id,
        roles=roles,
        annotations=selectors.STANDING_ANNOTATIONS,
        own_response=False,
    )
    if not assessment.is_submitted:
        raise Http404  # a draft is its manager's alone, on the pages
    return assessment


class AssessmentDetail(APIView):
    """A submitted assessment's result: overall, level, each area's score, priority and
    rank, and where it stands in the caller's book and its sector (the report's
    percentiles, with each group's size)."""

    @extend_schema(parameters=[BOOK], responses=out.AssessmentDetailSerializer)
    def get(self, request, assessment_id: int):
        _query(out.BookQuery, request)
        assessment = _submitted(request, assessment_id)
        selectors.with_area_results([assessment])
        standing = selectors.result_standing(
            request.user, assessment, whole_firm=request.query_params.get("book") == "firm"
        )
        data = out.AssessmentDetailSerializer(assessment, context={"standing": standing}).data
        return Response(data)


class AnswerList(APIView):
    """Every submitted answer of a submitted assessment: in a round, each person's, by
    name, or by pseudonym in an anonymous round. Never anyone's draft."""

    @extend_schema(responses=out.AnswerSerializer(many=True))
    def get(self, request, assessment_id: int):
        assessment = _submitted(request, assessment_id)
        rows = selectors.answer_rows(assessment)
        return Response(out.AnswerSerializer(rows, many=True).data)


class BookAnswers(APIView):
    """Every answer of every submitted assessment of the book, one JSON object a line
    (NDJSON), streamed: for a notebook or a BI tool to load in one go."""

    @extend_schema(
        parameters=[BOOK],
        responses={(200, "application/x-ndjson"): OpenApiTypes.STR},
    )
    def get(self, request):
        book = _book(request)
        fields = (
            "organisation",
            "submitted_at",
            "bank_version",
            "area",
            "question",
            "text",
            "choice",
            "note",
            "respondent",
        )
        rows = selectors.portfolio_answers(book).iterator(chunk_size=2000)

        def lines():
            for row in rows:
                record = dict(zip(fields, row, strict=True))
                record["submitted_at"] = record["submitted_at"].isoformat()
                yield json.dumps(record, ensure_ascii=False) + "\n"

        return StreamingHttpResponse(lines(), content_type="application/x-ndjson")


def _typed(serializer_class, request) -> dict:
    """The JSON body, each field of the type the schema gives it (else 400); the pages'
    form then checks it by their rules."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _form_errors(form) -> dict:
    return {field: [str(error) for error in errors] for field, errors in form.errors.items()}


class ActionList(APIView):
    """The organisation's action plan; its managers add actions to it."""

    @extend_schema(responses=out.ActionSerializer(many=True))
    def get(self, request, organisation_id: int):
        selectors.membership_for_user(request.user, organisation_id, roles=TEAM)
        actions = selectors.plan_actions(organisation_id)
        return Response(out.ActionSerializer(actions, many=True).data)

    @extend_schema(request=out.ActionCreateSerializer, responses={201: out.ActionSerializer})
    def post(self, request, organisation_id: int):
        organisation = selectors.membership_for_user(
            request.user, organisation_id, roles=MANAGER
        ).organisation
        data = _typed(out.ActionCreateSerializer, request)
        assessment_id, number = data.pop("assessment"), data.pop("question")
        assessment = _submitted(request, assessment_id, roles=MANAGER)
        if assessment.organisation_id != organisation.pk:
            raise Http404
        question = selectors.open_question(assessment, number)
        defaults = {"target": Action.Target.YES, "status": Action.Status.PENDING}
        form = ActionForm(
            _with_version({**defaults, **data}, 0), owners=selectors.plan_owners(organisation.pk)
        )
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        try:
            action = services.action_create(
                assessment=assessment,
                question=question,
                user=request.user,
                values=_values(form),
            )
        except services.AssessmentError as error:
            raise exceptions.ValidationError({"detail": [str(error)]}) from error
        return Response(out.ActionSerializer(action).data, status=status.HTTP_201_CREATED)


def _with_version(data: dict, version) -> dict:
    """The API's JSON as the pages' form reads it: absent fields keep their value."""
    form_data = {key: "" if value is None else value for key, value in data.items()}
    form_data["version"] = version
    return form_data


def _values(form, present=None) -> dict:
    fields = services.ACTION_FIELDS if present is None else present
    return {field: form.cleaned_data[field] for field in services.ACTION_FIELDS if field in fields}


class ActionDetail(APIView):
    """One action: its managers change it (from the version they read: an older one gets
    409 with the current values) or close it (status done or discarded)."""

    @extend_schema(responses=out.ActionSerializer)
    def get(self, request, action_id: int):
        action = selectors.action_for_team(request.user, action_id)
        return Response(out.ActionSerializer(action).data)

    @extend_schema(request=out.ActionUpdateSerializer, responses=out.ActionSerializer)
    def patch(self, request, action_id: int):
        action = selectors.action_for_manager(request.user, action_id)
        data = _typed(out.ActionUpdateSerializer, request)
        version = data.pop("version")
        current = {field: getattr(action, field) for field in services.ACTION_FIELDS}
        current["owner"] = action.owner_id
        merged = {**current, **{k: v for k, v in data.items() if k in current}}
        form = ActionForm(
            _with_version(merged, version),
            instance=action,
            owners=selectors.plan_owners(action.organisation_id),
        )
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        try:
            saved = services.action_save(
                action=action, user=request.user, values=_values(form), version=version
            )
        except services.ActionConflict as conflict:
            return Response(
                {"detail": str(conflict), "current": out.ActionSerializer(conflict.current).data},
                status=status.HTTP_409_CONFLICT,
            )
        except services.AssessmentError as error:
            raise exceptions.ValidationError({"detail": [str(error)]}) from error
        return Response(out.ActionSerializer(saved).data)


class ClientCreate(APIView):
    """A consultant adds a client: the organisation joins their book (and their firm's),
    and its manager is invited by e-mail through the mail queue."""

    @extend_schema(request=out.ClientSerializer, responses={201: out.OrganisationSerializer})
    def post(self, request):
        if not selectors.consultant_access(request.user).is_consultant:
            raise Http404
        form = ClientForm(_typed(out.ClientSerializer, request))
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        try:
            invitation = services.client_add(
                consultant=request.user,
                site_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except services.AssessmentError as error:
            raise exceptions.ValidationError({"detail": [str(error)]}) from error
        organisation = selectors.organisation_row(request.user, invitation.organisation_id)
        return Response(
            out.OrganisationSerializer(organisation).data, status=status.HTTP_201_CREATED
        )


class FirmConsultants(APIView):
    """The partner's firm's people, with how many of its clients each follows and leads."""

    @extend_schema(responses=out.ConsultantSerializer(many=True))
    def get(self, request):
        access = selectors.consultant_access(request.user)
        if not access.is_partner:
            raise Http404
        members = selectors.firm_members(access.firm_id)
        for member in members:
            member.name = person_name(member.user)
        return Response(out.ConsultantSerializer(members, many=True).data)


class OutcomeList(APIView):
    """The organisation's customer outcomes, newest month first; its managers and
    consultants record a month's values (the page's form checks them, with its messages)."""

    @extend_schema(responses=out.OutcomeSerializer(many=True))
    def get(self, request, organisation_id: int):
        selectors.membership_for_user(request.user, organisation_id, roles=TEAM)
        values = selectors.outcome_values(organisation_id)
        return Response(out.OutcomeSerializer(values, many=True).data)

    @extend_schema(
        request=out.OutcomeMonthSerializer,
        responses={
            200: out.OutcomeChangesSerializer,
            409: OpenApiResponse(description="The month has not ended yet."),
        },
    )
    def post(self, request, organisation_id: int):
        organisation = selectors.membership_for_user(
            request.user, organisation_id, roles=TEAM
        ).organisation
        data = _typed(out.OutcomeMonthSerializer, request)
        if data["month"] > f"{localdate():%Y-%m}":
            # Well formed, but not yet a month that can be measured.
            return Response(
                {
                    "month": [
                        _("%(month)s has not ended yet: outcomes are entered for past months.")
                        % {"month": data["month"]}
                    ]
                },
                status=status.HTTP_409_CONFLICT,
            )
        given = [code for code in data if code != "month"]
        form = OutcomeMonthForm(
            {code: "" if value is None else str(value) for code, value in data.items()},
            today=localdate(),
        )
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form))
        changes = services.outcomes_save(
            organisation=organisation,
            user=request.user,
            period=form.cleaned_data["month"],
            values={code: form.cleaned_data[code] for code in given},
        )
        return Response(out.OutcomeChangesSerializer(changes).data)
