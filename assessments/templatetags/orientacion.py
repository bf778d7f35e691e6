from django import template

from assessments import formatting, levels

register = template.Library()

register.filter("level_label", levels.level_label)
register.filter("level_description", levels.level_description)
register.filter("signed", formatting.signed)
register.filter("gap", formatting.gap)
register.filter("weight", formatting.weight)


@register.filter
def score(value) -> str:
    """A 0–100 score as a whole number, rounded half-up."""
    return formatting.number(value, 0)


@register.filter
def number(value, places=0) -> str:
    return formatting.number(value, int(places))


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def get_field(form, number):
    """The bound field of question `number` in a WhatIfForm."""
    return form[f"q{number}"]


@register.filter
def outcome_value(value, measure_code: str) -> str:
    """A customer outcome's value with its unit: "42", "87,5 %", "3,2 ‰"."""
    from assessments.outcomes import MEASURE_BY_CODE, value_shown

    return value_shown(MEASURE_BY_CODE[measure_code], value)


@register.filter
def relation_label(correlation) -> str:
    """ "strong, the way the book argues": a correlation's strength and direction, short."""
    from django.utils.translation import gettext as _

    strength = {"strong": _("strong"), "moderate": _("moderate"), "weak": _("weak or none")}
    direction = (
        ""
        if correlation.rho == 0
        else (_("the way the book argues") if correlation.expected else _("against the book"))
    )
    return (
        f"{strength[correlation.strength]}, {direction}"
        if direction
        else strength[correlation.strength]
    )
