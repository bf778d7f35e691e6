from assessments.views.assessments import (
    assessment_answer,
    assessment_chart,
    assessment_csv,
    assessment_report,
    assessment_start,
    healthz,
    home,
)
from assessments.views.portfolio import (
    client_add,
    compare,
    compare_chart,
    portfolio,
    portfolio_answers_csv,
    portfolio_csv,
    progress,
    progress_chart,
)

__all__ = [
    "assessment_answer",
    "assessment_chart",
    "assessment_csv",
    "assessment_report",
    "assessment_start",
    "client_add",
    "compare",
    "compare_chart",
    "healthz",
    "home",
    "portfolio",
    "portfolio_answers_csv",
    "portfolio_csv",
    "progress",
    "progress_chart",
]
