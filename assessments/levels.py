"""What each maturity level is called and what it means, in the interface's language."""

from django.utils.translation import gettext_lazy as _

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


def level_label(level: str) -> str:
    return LEVELS[level][0] if level in LEVELS else ""


def level_description(level: str) -> str:
    return LEVELS[level][1] if level in LEVELS else ""
