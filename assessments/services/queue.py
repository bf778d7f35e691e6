"""Rows a queue worker sends (mails, webhook deliveries): handed to the worker when due,
and claimed by one worker at a time, a claim lapsing if its worker dies mid-send."""

from django.db.models import F, Q
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule


def run_when_due(task: str, pk: int, when, prefix: str, attempt: int) -> None:
    """Run `task(pk)` now if `when` has come, else schedule it for then."""
    if when <= timezone.now():
        async_task(task, pk, task_name=f"{prefix}-{pk}-{attempt}")
    else:
        schedule(
            task,
            pk,
            name=f"{prefix}-{pk}-{when:%Y%m%d%H%M%S.%f}",
            schedule_type=Schedule.ONCE,
            next_run=when,
        )


def claim(model, pk: int, lease) -> bool:
    """Whether this worker took the row: queued and due, or left sending by a worker whose
    claim has lapsed. Counts the attempt."""
    now = timezone.now()
    return bool(
        model.objects.filter(pk=pk)
        .filter(
            Q(status=model.Status.QUEUED, next_attempt_at__lte=now)
            | Q(status=model.Status.SENDING, claimed_until__lt=now)
        )
        .update(status=model.Status.SENDING, claimed_until=now + lease, attempts=F("attempts") + 1)
    )
