"""The error every service raises for a request its rules refuse, and the daily limits'
check that raises it."""


class AssessmentError(Exception):
    """A request the rules refuse; the message is meant for the user."""


def refuse_past_limits(limits, adding: int = 1) -> None:
    """Refuse, with its message, the first of `limits` that `adding` more would pass: each
    is (the queryset counted, the most allowed, a message with %(count)s for the most)."""
    for counted, most, message in limits:
        if counted.count() + adding > most:
            raise AssessmentError(message % {"count": most})
