"""A question bank as a file: read from JSON (the fixture format `loaddata` reads) or from a
workbook people edit in a spreadsheet, checked, and compared with another version.

Plain data in and out: nothing here touches the database, so an import is validated and
previewed before anything is written, and all of it is tested without one.
"""

import json
import unicodedata
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import spreadsheets
from assessments.downloads import Sheet

# A bank is some 50 KB as JSON; anything this large is not one (and is not read).
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
# Far above any real bank, and low enough that a crafted workbook cannot keep a worker
# busy: rows past these are not read.
MAX_AREAS = 50
MAX_QUESTIONS = 500
# A workbook is a zip: a small upload can unpack to gigabytes. A real bank's unpacks to
# well under a megabyte.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024

BANK_COLUMNS = (
    "title_es",
    "title_en",
    "threshold_developing",
    "threshold_oriented",
    "threshold_centred",
)
AREA_COLUMNS = ("code", "order", "weight", "name_es", "name_en", "description_es", "description_en")
QUESTION_COLUMNS = (
    "area",
    "number",
    "weight",
    "text_es",
    "text_en",
    "help_es",
    "help_en",
    "recommendation_es",
    "recommendation_en",
)
# The workbook's sheets, by the names the export gives them.
SHEETS = {"questions": QUESTION_COLUMNS, "areas": AREA_COLUMNS, "bank": BANK_COLUMNS}
# The most rows below its header each sheet can have.
SHEET_ROWS = {"questions": MAX_QUESTIONS, "areas": MAX_AREAS, "bank": 1}
SPANISH_REQUIRED = {
    "name_es": gettext_lazy("the Spanish name"),
    "description_es": gettext_lazy("the Spanish description"),
    "text_es": gettext_lazy("the Spanish question"),
    "help_es": gettext_lazy("the Spanish help text"),
    "recommendation_es": gettext_lazy("the Spanish recommendation"),
}


@dataclass(frozen=True)
class AreaContent:
    code: str
    order: int
    weight: Decimal
    name_es: str
    name_en: str
    description_es: str
    description_en: str


@dataclass(frozen=True)
class QuestionContent:
    area: str  # the area's code
    number: int
    weight: int
    text_es: str
    text_en: str
    help_es: str
    help_en: str
    recommendation_es: str
    recommendation_en: str


@dataclass(frozen=True)
class BankContent:
    """What a bank version says, without its version number, status or dates."""

    title_es: str
    title_en: str
    threshold_developing: int
    threshold_oriented: int
    threshold_centred: int
    areas: tuple[AreaContent, ...]
    questions: tuple[QuestionContent, ...]

    def as_data(self) -> dict:
        """JSON-ready (weights as text), for carrying a checked import to its confirmation."""
        return {
            **{name: getattr(self, name) for name in BANK_COLUMNS},
            "areas": [{**_row(a), "weight": str(a.weight)} for a in self.areas],
            "questions": [_row(q) for q in self.questions],
        }

    @classmethod
    def from_data(cls, data: dict) -> "BankContent":
        return cls(
            **{name: data[name] for name in BANK_COLUMNS},
            areas=tuple(
                AreaContent(**{**a, "weight": Decimal(a["weight"])}) for a in data["areas"]
            ),
            questions=tuple(QuestionContent(**q) for q in data["questions"]),
        )


def _row(item) -> dict:
    return {f.name: getattr(item, f.name) for f in fields(item)}


class BankFileError(Exception):
    """The file cannot be imported; `problems` says every reason found, for people."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


# Reading.


def read_bank_file(name: str, data: bytes) -> BankContent:
    """The bank a `.json` or `.xlsx` file holds, checked; BankFileError lists what is wrong."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise BankFileError([too_large(len(data))])
    lower = name.lower()
    if lower.endswith(".json"):
        content, problems = _read_json(data)
    elif lower.endswith(".xlsx"):
        content, problems = _read_xlsx(data)
    else:
        raise BankFileError(
            [_("Upload a .json file (as exported or used by loaddata) or an .xlsx workbook.")]
        )
    # Values that could not be read and what the bank as a whole breaks, all at once.
    problems += [p for p in check(content) if p not in problems]
    if problems:
        raise BankFileError(problems)
    return content


def too_large(size: int) -> str:
    return _(
        "The file is %(size)s MB; a question bank file is at most %(limit)s MB. Nothing was "
        "imported."
    ) % {"size": f"{size / 1024 / 1024:.1f}", "limit": MAX_UPLOAD_BYTES // 1024 // 1024}


def _read_json(data: bytes) -> tuple[BankContent, list[str]]:
    try:
        objects = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BankFileError(
            [_("The file is not valid JSON (%(error)s).") % {"error": str(error)[:120]}]
        ) from None
    except RecursionError:
        raise BankFileError(
            [_("The file is not a question bank: its JSON is nested far too deeply.")]
        ) from None
    if not isinstance(objects, list) or not all(isinstance(o, dict) for o in objects):
        raise BankFileError([_("The JSON file must be a list of objects, as dumpdata writes.")])
    by_model = {"assessments.questionbank": [], "assessments.area": [], "assessments.question": []}
    problems = []
    for position, item in enumerate(objects, 1):
        model = str(item.get("model", "")).lower()
        if model not in by_model or not isinstance(item.get("fields"), dict):
            problems.append(
                _("Object %(position)s is not a question bank, area or question.")
                % {"position": position}
            )
            continue
        by_model[model].append((position, item["fields"]))
    banks = by_model["assessments.questionbank"]
    if len(banks) != 1:
        problems.append(
            _("The file must hold exactly one question bank; it holds %(count)s.")
            % {"count": len(banks)}
        )
    if problems:
        raise BankFileError(problems)

    def label(position):
        return _("Object %(position)s") % {"position": position}

    bank = _record(label(banks[0][0]), banks[0][1], BANK_COLUMNS, problems)
    areas = [
        _area(_record(label(p), f, AREA_COLUMNS, problems), label(p), problems)
        for p, f in by_model["assessments.area"][:MAX_AREAS]
    ]
    questions = []
    for position, item in by_model["assessments.question"][:MAX_QUESTIONS]:
        values = dict(item)
        reference = values.pop("area", None)
        # A natural key: [bank version, area code].
        if isinstance(reference, list) and len(reference) == 2:
            values["area"] = reference[1]
        record = _record(label(position), values, QUESTION_COLUMNS, problems)
        questions.append(_question(record, label(position), problems))
    _too_many(len(by_model["assessments.area"]), len(by_model["assessments.question"]), problems)
    return _content(bank, areas, questions, problems), problems


def _read_xlsx(data: bytes) -> tuple[BankContent, list[str]]:
    sheets = _workbook_rows(data)
    problems = []
    records = {}
    for title, columns in SHEETS.items():
        rows = iter(sheets[title])
        header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
        while header and header[-1] == "":
            header.pop()
        absent = [c for c in columns if c not in header]
        unknown = [c for c in header if c not in columns]
        if absent or unknown:
            problems.append(
                _(
                    "Sheet “%(sheet)s” has the wrong columns: missing %(absent)s; not expected "
                    "%(unknown)s. Its first row must be: %(columns)s."
                )
                % {
                    "sheet": title,
                    "absent": ", ".join(absent) or "–",
                    "unknown": ", ".join(unknown) or "–",
                    "columns": ", ".join(columns),
                }
            )
            continue
        records[title] = []
        for number, row in enumerate(rows, 2):
            if all(cell is None or str(cell).strip() == "" for cell in row):
                continue
            if number > SHEET_ROWS[title] + 1:
                problems.append(
                    _("Sheet “%(sheet)s” has more rows than a question bank can have.")
                    % {"sheet": title}
                )
                break
            values = dict(zip(header, row, strict=False))
            where = _("Sheet “%(sheet)s”, row %(row)s") % {"sheet": title, "row": number}
            records[title].append((where, values))
    if problems:
        raise BankFileError(problems)
    if len(records["bank"]) != 1:
        raise BankFileError([_("Sheet “bank” must have exactly one row below its header.")])
    where, values = records["bank"][0]
    bank = _record(where, values, BANK_COLUMNS, problems)
    areas = [_area(_record(w, v, AREA_COLUMNS, problems), w, problems) for w, v in records["areas"]]
    questions = [
        _question(_record(w, v, QUESTION_COLUMNS, problems), w, problems)
        for w, v in records["questions"]
    ]
    return _content(bank, areas, questions, problems), problems


def _workbook_rows(data: bytes) -> dict[str, list[tuple]]:
    try:
        return spreadsheets.workbook_rows(
            data, {title: SHEET_ROWS[title] + 2 for title in SHEETS}, MAX_UNPACKED_BYTES
        )
    except spreadsheets.UnreadableWorkbook as error:
        raise BankFileError([str(error)]) from None


def _too_many(areas: int, questions: int, problems: list) -> None:
    if areas > MAX_AREAS or questions > MAX_QUESTIONS:
        problems.append(
            _("A question bank has at most %(areas)s areas and %(questions)s questions.")
            % {"areas": MAX_AREAS, "questions": MAX_QUESTIONS}
        )


def _record(where: str, values: dict, columns, problems: list) -> dict:
    """`values` reduced to `columns` (anything else, such as an area's bank reference, is
    ignored), texts as text; a problem for each column missing."""
    absent = [c for c in columns if c not in values]
    if absent:
        problems.append(
            _("%(where)s: missing %(fields)s.") % {"where": where, "fields": ", ".join(absent)}
        )
    return {c: _text(values.get(c)) for c in columns}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _whole(where: str, field: str, value: str, problems: list, low: int, high: int) -> int:
    try:
        number = Decimal(value.strip().replace(",", "."))
        if number != number.to_integral_value() or not low <= number <= high:
            raise InvalidOperation
    except InvalidOperation:
        problems.append(
            _(
                "%(where)s: %(field)s must be a whole number from %(low)s to %(high)s, "
                "not “%(value)s”."
            )
            % {"where": where, "field": field, "low": low, "high": high, "value": value[:40]}
        )
        return 0
    return int(number)


def _area(values: dict, where: str, problems: list) -> AreaContent:
    try:
        weight = Decimal(values["weight"].strip().replace(",", "."))
        if not (Decimal("0") < weight < Decimal("100")) or weight != round(weight, 2):
            raise InvalidOperation
    except InvalidOperation:
        problems.append(
            _(
                "%(where)s: the area weight must be a number above 0 with at most two decimals, "
                "not “%(value)s”."
            )
            % {"where": where, "value": values["weight"][:40]}
        )
        weight = Decimal(1)
    return AreaContent(
        code=values["code"].strip(),
        order=_whole(where, "order", values["order"], problems, 1, 999),
        weight=weight,
        **{name: values[name] for name in AREA_COLUMNS[3:]},
    )


def _question(values: dict, where: str, problems: list) -> QuestionContent:
    return QuestionContent(
        area=values["area"].strip(),
        number=_whole(where, "number", values["number"], problems, 1, 999),
        weight=_whole(where, "weight", values["weight"], problems, 1, 3),
        **{name: values[name] for name in QUESTION_COLUMNS[3:]},
    )


def _content(bank: dict, areas, questions, problems) -> BankContent:
    """The bank read so far; a value that could not be read stands in as 0 (or a weight
    of 1), and `problems` already says so."""
    thresholds = [
        _whole(_("The bank"), name, bank[name], problems, 1, 100) for name in BANK_COLUMNS[2:]
    ]
    return BankContent(
        bank["title_es"],
        bank["title_en"],
        *thresholds,
        areas=tuple(sorted(areas, key=lambda a: a.order)),
        questions=tuple(sorted(questions, key=lambda q: q.number)),
    )


def check(content: BankContent) -> list[str]:
    """What makes `content` impossible to store as a bank version; empty when it can be.
    (Publishing asks more: every English text, and no empty area.)"""
    problems = []
    if not content.title_es.strip():
        problems.append(_("The bank has no Spanish title."))
    low, middle, high = (
        content.threshold_developing,
        content.threshold_oriented,
        content.threshold_centred,
    )
    if not 0 < low < middle < high <= 100:
        problems.append(
            _("The maturity thresholds must rise, from above 0 to at most 100: %(values)s.")
            % {"values": f"{low}, {middle}, {high}"}
        )
    if not content.areas:
        problems.append(_("The bank has no areas."))
    codes = [a.code for a in content.areas]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        problems.append(_("Area code %(code)s is used twice.") % {"code": code})
    orders = [a.order for a in content.areas]
    for order in sorted({o for o in orders if orders.count(o) > 1}):
        problems.append(_("Area order %(order)s is used twice.") % {"order": order})
    for area in content.areas:
        if not area.code or len(area.code) > 8:
            problems.append(
                _("Area “%(name)s”: the code must have 1 to 8 characters.")
                % {"name": area.name_es[:40]}
            )
        for field in ("name_es", "description_es"):
            if not getattr(area, field).strip():
                problems.append(
                    _("Area %(code)s: %(what)s is missing.")
                    % {"code": area.code, "what": SPANISH_REQUIRED[field]}
                )
    numbers = [q.number for q in content.questions]
    for number in sorted({n for n in numbers if numbers.count(n) > 1}):
        problems.append(_("Question number %(number)s is used twice.") % {"number": number})
    known = set(codes)
    for question in content.questions:
        if question.area not in known:
            problems.append(
                _(
                    "Question %(number)s belongs to area code “%(code)s”, which the file "
                    "does not define."
                )
                % {"number": question.number, "code": question.area[:20]}
            )
        for field in ("text_es", "help_es", "recommendation_es"):
            if not getattr(question, field).strip():
                problems.append(
                    _("Question %(number)s: %(what)s is missing.")
                    % {"number": question.number, "what": SPANISH_REQUIRED[field]}
                )
    problems += _unstorable_texts(content)
    return problems


def _unstorable(text: str) -> bool:
    """A NUL or another control character (line breaks and tabs aside), or half a
    surrogate pair: no database stores them as text, and no page should show them."""
    return any(
        (category == "Cc" and character not in "\n\r\t") or category == "Cs"
        for character in text
        for category in (unicodedata.category(character),)
    )


def _unstorable_texts(content: BankContent) -> list[str]:
    places = [(_("The bank"), content)]
    places += [(_("Area %(code)s") % {"code": area.code[:20]}, area) for area in content.areas]
    places += [
        (_("Question %(number)s") % {"number": question.number}, question)
        for question in content.questions
    ]
    return [
        _("%(where)s: %(field)s holds a control character (such as NUL) that cannot be stored.")
        % {"where": where, "field": field.name}
        for where, item in places
        for field in fields(item)
        if isinstance(getattr(item, field.name), str) and _unstorable(getattr(item, field.name))
    ]


# Comparing.


@dataclass
class BankChanges:
    """How a bank differs from the one it is compared with."""

    areas_added: list[AreaContent]
    areas_removed: list[AreaContent]
    areas_renamed: list[tuple[AreaContent, AreaContent]]
    areas_reweighted: list[tuple[AreaContent, AreaContent]]
    questions_added: list[QuestionContent]
    questions_removed: list[QuestionContent]
    questions_reworded: list[tuple[QuestionContent, QuestionContent, list[str]]]
    questions_reweighted: list[tuple[QuestionContent, QuestionContent]]
    questions_moved: list[tuple[QuestionContent, QuestionContent]]
    settings_changed: list[tuple[str, object, object]]

    @property
    def count(self) -> int:
        return sum(len(getattr(self, f.name)) for f in fields(self))


AREA_TEXTS = ("name_es", "name_en", "description_es", "description_en")
QUESTION_TEXTS = QUESTION_COLUMNS[3:]


def compare(old: BankContent | None, new: BankContent) -> BankChanges:
    """Areas matched by code, questions by number (unique in a bank)."""
    old_areas = {a.code: a for a in (old.areas if old else ())}
    new_areas = {a.code: a for a in new.areas}
    old_questions = {q.number: q for q in (old.questions if old else ())}
    new_questions = {q.number: q for q in new.questions}
    both_areas = [(old_areas[c], new_areas[c]) for c in new_areas if c in old_areas]
    both_questions = [
        (old_questions[n], new_questions[n]) for n in new_questions if n in old_questions
    ]
    return BankChanges(
        areas_added=[a for c, a in new_areas.items() if c not in old_areas],
        areas_removed=[a for c, a in old_areas.items() if c not in new_areas],
        areas_renamed=[(o, n) for o, n in both_areas if _changed(o, n, AREA_TEXTS)],
        areas_reweighted=[(o, n) for o, n in both_areas if o.weight != n.weight],
        questions_added=[q for n, q in new_questions.items() if n not in old_questions],
        questions_removed=[q for n, q in old_questions.items() if n not in new_questions],
        questions_reworded=[
            (o, n, _changed(o, n, QUESTION_TEXTS))
            for o, n in both_questions
            if _changed(o, n, QUESTION_TEXTS)
        ],
        questions_reweighted=[(o, n) for o, n in both_questions if o.weight != n.weight],
        questions_moved=[(o, n) for o, n in both_questions if o.area != n.area],
        settings_changed=[
            (name, getattr(old, name), getattr(new, name))
            for name in BANK_COLUMNS
            if old is not None and getattr(old, name) != getattr(new, name)
        ],
    )


def _changed(old, new, names) -> list[str]:
    return [name for name in names if getattr(old, name) != getattr(new, name)]


# Writing.


def xlsx_sheets(content: BankContent) -> list[Sheet]:
    """The workbook an admin edits: one row per question, then the areas and the bank's
    own settings. Column names are the fields' own, in every language."""
    return [
        Sheet(
            "questions",
            list(QUESTION_COLUMNS),
            [[getattr(q, c) for c in QUESTION_COLUMNS] for q in content.questions],
        ),
        Sheet(
            "areas",
            list(AREA_COLUMNS),
            [[getattr(a, c) for c in AREA_COLUMNS] for a in content.areas],
        ),
        Sheet("bank", list(BANK_COLUMNS), [[getattr(content, c) for c in BANK_COLUMNS]]),
    ]
