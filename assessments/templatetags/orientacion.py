from django import template

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
