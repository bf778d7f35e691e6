from django import template
from django.utils.formats import number_format

from assessments import levels, reports

register = template.Library()

register.filter("level_label", levels.level_label)
register.filter("level_description", levels.level_description)


@register.filter
def score(value) -> str:
    """Scores are kept exact and rounded for display only."""
    if value is None or value == "":
        return "–"
    return f"{float(value):.0f}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def weight(value) -> str:
    return reports.format_weight(float(value))


@register.filter
def signed(value) -> str:
    """A change in score, with its sign: +12,5 / −3 / 0."""
    if value is None or value == "":
        return "–"
    number = float(value)
    shown = number_format(round(number, 1), 1)
    return f"+{shown}" if number > 0 else shown
