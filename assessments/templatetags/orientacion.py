from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LEVELS = {
    "reactive": (
        _("Reactive"),
        _(
            "The customer mostly comes up when something goes wrong. Start at the top: "
            "leadership in regular contact with customers and a first formal measurement."
        ),
    ),
    "developing": (
        _("Developing"),
        _(
            "Good practices exist, but they depend on particular people or departments rather "
            "than on how the organisation works. Measure regularly and share what customers "
            "say with everyone."
        ),
    ),
    "oriented": (
        _("Customer-oriented"),
        _(
            "The customer is part of how the organisation is run. The challenge now is "
            "consistency: hiring, recognition and suppliers pulling in the same direction."
        ),
    ),
    "centred": (
        _("Customer-centred"),
        _(
            "The customer guides decisions at every level. Keep the listening habit alive and "
            "keep checking that satisfaction, engagement and profitability move together."
        ),
    ),
}


@register.filter
def level_label(level: str) -> str:
    return LEVELS[level][0] if level in LEVELS else ""


@register.filter
def level_description(level: str) -> str:
    return LEVELS[level][1] if level in LEVELS else ""


@register.filter
def score(value) -> str:
    """Scores are kept exact and rounded for display only."""
    if value is None or value == "":
        return "–"
    return f"{float(value):.0f}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
