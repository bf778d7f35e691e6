"""The error every service raises for a request its rules refuse."""


class AssessmentError(Exception):
    """A request the rules refuse; the message is meant for the user."""
