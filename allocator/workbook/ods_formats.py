"""Translate the result sheets' Excel number formats into OpenDocument data styles; no files.

The writers format cells with a small set of Excel format codes (:mod:`allocator.workbook.frames`:
``"$"#,##0;[Red]-"$"#,##0``, ``#,##0.0``, ``0.0%``, ``"$"#,##0.0,,"M"``, the header labels
``;;;"Hashprice ($/PH/day)"``, dates). :func:`parse_format` reads such a code into an
:class:`OdsFormat`; :meth:`OdsFormat.style_xml` writes it as the ``number:*-style`` an .ods
file needs and :meth:`OdsFormat.shown` gives the text a spreadsheet program shows for a value.
A code it cannot read (scientific notation, fractions) gives ``None``: the cell is written
without a data style and shown as General. No XML is parsed here and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Literal

from allocator.workbook.xml_splice import escape_attr

__all__ = ["OdsFormat", "Section", "date_value", "parse_format", "xml_text"]

_DIGITS = "0#?"
_DATE_LETTERS = frozenset("ymdhs")
_RED = "#ff0000"


def xml_text(text: str) -> str:
    """``text`` escaped for XML character data."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Section:
    """One section of a number format: literal text around one number.

    Attributes:
        prefix: Text before the number (``$``, ``-$``).
        suffix: Text after it (``M``, ``%``).
        decimals: Digits after the decimal point.
        grouping: Thousands separators.
        factor: The number is shown divided by this (``1000000`` for ``,,``).
        percent: The number is shown times 100.
        red: Shown in red.
    """

    prefix: str = ""
    suffix: str = ""
    decimals: int = 0
    grouping: bool = False
    factor: int = 1
    percent: bool = False
    red: bool = False

    def shown(self, value: float) -> str:
        """``value`` (already unsigned when a negative section applies) as this section shows it."""
        scaled = value * (100 if self.percent else 1) / self.factor
        digits = f"{scaled:{',' if self.grouping else ''}.{self.decimals}f}"
        return self.prefix + digits + self.suffix

    def body_xml(self) -> str:
        """The ``number:text`` and ``number:number`` elements of this section."""
        color = f'<style:text-properties fo:color="{_RED}"/>' if self.red else ""
        factor = f' number:display-factor="{self.factor}"' if self.factor != 1 else ""
        grouping = ' number:grouping="true"' if self.grouping else ""
        number = (f'<number:number number:decimal-places="{self.decimals}" '
                  f'number:min-decimal-places="{self.decimals}" number:min-integer-digits="1"'
                  f"{grouping}{factor}/>")
        return color + _literal(self.prefix) + number + _literal(self.suffix)


@dataclass(frozen=True)
class OdsFormat:
    """A number format an .ods file can carry.

    Attributes:
        kind: ``number`` (one or two sections: positive and zero, then negative), ``label``
            (a text cell shows ``label`` in place of its value) or ``date`` (ISO dates, with
            the time when ``clock``).
        sections: The number sections.
        label: The text a ``label`` format shows.
        clock: A ``date`` format also shows the time.
    """

    kind: Literal["number", "label", "date"]
    sections: tuple[Section, ...] = ()
    label: str = ""
    clock: bool = False

    @property
    def value_type(self) -> str:
        """The ``office:value-type`` of a number in this format."""
        if self.kind == "number" and self.sections[0].percent:
            return "percentage"
        return "float"

    def shown(self, value: float) -> str:
        """``value`` as a spreadsheet program shows it in this format."""
        if self.kind != "number" or not math.isfinite(value):
            return _general(value)
        if len(self.sections) > 1 and value < 0:
            return self.sections[1].shown(-value)
        text = self.sections[0].shown(abs(value))
        return "-" + text if value < 0 else text

    def style_xml(self, name: str) -> str:
        """The data style element(s) named ``name`` (a two-section format needs two)."""
        if self.kind == "label":
            return _label_style(name, self.label)
        if self.kind == "date":
            return _date_style(name, clock=self.clock)
        tag = "number:percentage-style" if self.sections[0].percent else "number:number-style"
        first = self.sections[0]
        if len(self.sections) == 1:
            return f'<{tag} style:name="{escape_attr(name)}">{first.body_xml()}</{tag}>'
        positive = f"{name}P0"
        return (f'<{tag} style:name="{escape_attr(positive)}" style:volatile="true">'
                f"{first.body_xml()}</{tag}>"
                f'<{tag} style:name="{escape_attr(name)}">{self.sections[1].body_xml()}'
                f'<style:map style:condition="value()&gt;=0" '
                f'style:apply-style-name="{escape_attr(positive)}"/></{tag}>')


def parse_format(code: str | None) -> OdsFormat | None:
    """The .ods form of an Excel number format code; ``None`` for General or a code it
    cannot carry."""
    if not code or code.strip().lower() == "general":
        return None
    parts = _split_sections(code)
    if len(parts) == 4 and not any(p.strip() for p in parts[:3]):
        literal = _section(parts[3])
        if literal is None or "@" in parts[3]:
            return None
        return OdsFormat("label", label=literal.prefix)
    if _is_date(parts[0]):
        return OdsFormat("date", clock=any(c in parts[0].lower() for c in "hs"))
    sections = [_section(p) for p in parts[:2]]
    if any(s is None for s in sections) or not parts[0].strip():
        return None
    return OdsFormat("number", tuple(s for s in sections if s is not None))


# ----------------------------------------------------------------------------- code reading


def _split_sections(code: str) -> list[str]:
    """The ``;``-separated sections of ``code`` (a ``;`` inside quotes is text)."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for char in code:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _tokens(section: str) -> list[tuple[str, str]]:
    """``(kind, text)`` tokens: ``lit`` text, ``color``, or a single format character."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(section):
        char = section[i]
        if char == '"':
            end = section.find('"', i + 1)
            end = len(section) if end < 0 else end
            out.append(("lit", section[i + 1:end]))
            i = end + 1
        elif char == "\\" and i + 1 < len(section):
            out.append(("lit", section[i + 1]))
            i += 2
        elif char == "[":
            end = section.find("]", i)
            end = len(section) if end < 0 else end
            out.append(("color", section[i + 1:end].strip().lower()))
            i = end + 1
        elif char in "_*" and i + 1 < len(section):
            i += 2  # padding and fill characters: not shown here
        else:
            out.append(("char", char))
            i += 1
    return out


def _section(section: str) -> Section | None:
    """One section read into a :class:`Section`; ``None`` for what it cannot carry."""
    prefix: list[str] = []
    suffix: list[str] = []
    decimals, factor, grouping, percent, red = 0, 1, False, False, False
    seen_digit = after_point = False
    tokens = _tokens(section)
    for index, (kind, text) in enumerate(tokens):
        if kind == "color":
            red = red or text == "red"
            continue
        if kind == "char" and text in _DIGITS:
            seen_digit = True
            decimals += after_point
            continue
        if kind == "char" and text == "." and seen_digit and not after_point:
            after_point = True
            continue
        if kind == "char" and text == "," and seen_digit:
            following = tokens[index + 1:index + 2]
            if following and following[0][0] == "char" and following[0][1] in _DIGITS:
                grouping = True
            else:
                factor *= 1000
            continue
        if kind == "char" and text in "Ee@/":
            return None  # scientific notation, text placeholders, fractions
        percent = percent or (kind == "char" and text == "%")
        (suffix if seen_digit else prefix).append(text)
    if not seen_digit:
        return Section(prefix="".join(prefix), red=red) if prefix else None
    return Section("".join(prefix), "".join(suffix), decimals, grouping, factor, percent, red)


def _is_date(section: str) -> bool:
    letters = {kind_text[1].lower() for kind_text in _tokens(section) if kind_text[0] == "char"}
    return bool(letters & _DATE_LETTERS) and not letters & set(_DIGITS)


# ---------------------------------------------------------------------------------- output


def _literal(text: str) -> str:
    return f"<number:text>{xml_text(text)}</number:text>" if text else ""


def _label_style(name: str, label: str) -> str:
    """``;;;"label"``: empty number sections (so it is read as a text format) and the label.

    A text style alone would be read as one section for every value and show the cell's own
    text; LibreOffice writes the three empty sections the same way.
    """
    conditions = ("value()&gt;0", "value()&lt;0", "value()=0")
    empty = "".join(f'<number:number-style style:name="{escape_attr(name)}P{i}" '
                    'style:volatile="true"><number:text/></number:number-style>'
                    for i in range(len(conditions)))
    maps = "".join(f'<style:map style:condition="{condition}" '
                   f'style:apply-style-name="{escape_attr(name)}P{i}"/>'
                   for i, condition in enumerate(conditions))
    return (f'{empty}<number:text-style style:name="{escape_attr(name)}">{_literal(label)}'
            f"{maps}</number:text-style>")


def _date_style(name: str, *, clock: bool) -> str:
    long = 'number:style="long"'
    parts = [f"<number:year {long}/>", _literal("-"), f"<number:month {long}/>",
             _literal("-"), f"<number:day {long}/>"]
    if clock:
        parts += [_literal(" "), f"<number:hours {long}/>", _literal(":"),
                  f"<number:minutes {long}/>", _literal(":"), f"<number:seconds {long}/>"]
    return (f'<number:date-style style:name="{escape_attr(name)}">{"".join(parts)}'
            "</number:date-style>")


def _general(value: float) -> str:
    if math.isnan(value):
        return ""
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.10g}"


def date_value(value: dt.date) -> str:
    """``value`` as an ``office:date-value``."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    return value.isoformat()
