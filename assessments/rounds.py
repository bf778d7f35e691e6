"""What a round's lead sees while it is open: who has answered how much, where the
submitted responses disagree so far (never in an anonymous round), and what closing would
count. Plain data in, plain data out; the views fetch, this arranges."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from assessments import scoring
from assessments.assessment_scoring import choices_by_number
from assessments.services import ANONYMOUS_ROUND_MINIMUM, REMINDER_INTERVAL


@dataclass(frozen=True)
class RespondentRow:
    response_id: int
    name: str
    email: str
    is_lead: bool
    answered: int
    total: int
    submitted_at: datetime | None
    reminded_at: datetime | None
    next_reminder_at: datetime | None  # None: a reminder can be sent now (or never: submitted)
    mail: object | None = None  # the latest e-mail to this person for the round

    @property
    def can_be_reminded(self) -> bool:
        return not self.is_lead and self.submitted_at is None and self.next_reminder_at is None


@dataclass(frozen=True)
class OpenDisagreement:
    question: object
    counts: dict[str, int]
    names: dict[str, list[str]]  # empty lists in an anonymous round
    agreed: object | None


@dataclass(frozen=True)
class RoundState:
    respondents: list[RespondentRow]
    invited: int
    submitted: int
    disagreements: list[OpenDisagreement]
    agreed: list[tuple[object, object]]  # (question, agreed answer)
    # An open anonymous round shows no answers and names only who has not submitted: a
    # count taken as people submit one by one would tell each person's answers.
    answers_hidden: bool = False

    @property
    def left_out(self) -> int:
        return self.invited - self.submitted

    @property
    def closes_from(self) -> int:
        """How many submitted answers closing needs: three in an anonymous round, where
        fewer would let the lead read the others' answers off the counts."""
        return ANONYMOUS_ROUND_MINIMUM if self.answers_hidden else 1

    @property
    def can_close(self) -> bool:
        return self.submitted >= self.closes_from


def round_state(
    assessment, areas, responses, answers_by_response, agreed, now=None, mails=None
) -> RoundState:
    """`responses`: the round's responses with `answered` counts; `answers_by_response`:
    response id → question id → answer, for the submitted ones; `agreed`: question id →
    agreed answer; `mails`: respondent's user id → the latest e-mail to them."""
    mails = mails or {}
    now = now or timezone.now()
    total = sum(len(area.questions.all()) for area in areas)
    hidden = assessment.anonymous
    rows = []
    for response in responses:
        person = response.respondent
        if hidden and response.submitted_at is not None:
            continue
        reminded = response.reminded_at
        wait_until = reminded + REMINDER_INTERVAL if reminded else None
        rows.append(
            RespondentRow(
                response_id=response.pk,
                name=response.name,
                email=response.invited_email or person.email,
                is_lead=person.pk == assessment.started_by_id,
                answered=response.answered,
                total=total,
                submitted_at=response.submitted_at,
                reminded_at=reminded,
                next_reminder_at=wait_until if wait_until and wait_until > now else None,
                mail=mails.get(person.pk),
            )
        )
    if hidden:
        rows.sort(key=lambda row: (row.name.casefold(), row.email.casefold()))
    submitted = [r for r in responses if r.submitted_at is not None]
    disagreements = []
    if submitted and not hidden:
        choices = [choices_by_number(areas, answers_by_response.get(r.pk, {})) for r in submitted]
        combined = scoring.combine(choices)
        names_of = [r.name for r in submitted]
        for area in areas:
            for question in area.questions.all():
                if question.number not in combined.disagreements:
                    continue
                names = {choice: [] for choice in scoring.ANSWER_VALUES}
                if not assessment.anonymous:
                    for name, chosen in zip(names_of, choices, strict=True):
                        if question.number in chosen:
                            names[chosen[question.number]].append(name)
                disagreements.append(
                    OpenDisagreement(
                        question=question,
                        counts=combined.counts[question.number],
                        names=names,
                        agreed=agreed.get(question.pk),
                    )
                )
    questions = {q.pk: q for area in areas for q in area.questions.all()}
    return RoundState(
        respondents=rows,
        invited=len(responses),
        submitted=len(submitted),
        disagreements=disagreements,
        agreed=sorted(
            ((questions[qid], a) for qid, a in agreed.items() if qid in questions),
            key=lambda pair: pair[0].number,
        ),
        answers_hidden=hidden,
    )
