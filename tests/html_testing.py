"""For the HTML pages' tests: a small DOM (elements, attributes, text) from html.parser, and
the hostile ids and labels of the reliability issue, in a protocol and records."""

from __future__ import annotations

from html.parser import HTMLParser

import attrs

from trialrules import CodeSet, Condition, Exposure, Flag, Observation, Protocol, Range, Record, Span, Washout
from trialrules.values.text import escape

VOID = {"meta", "br", "rect", "circle", "line", "input", "img", "link", "hr", "path"}


@attrs.define
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element] = attrs.field(factory=list)
    parts: list[str] = attrs.field(factory=list)

    @property
    def text(self) -> str:
        """All text below this element, in document order."""
        return "".join(self.parts)

    def iter(self) -> list[Element]:
        out = [self]
        for child in self.children:
            out.extend(child.iter())
        return out

    def find_all(self, tag: str | None = None, **attributes: str) -> list[Element]:
        """Elements by tag and attribute values (``class_`` matches one class among several)."""
        found = []
        for el in self.iter():
            if tag is not None and el.tag != tag:
                continue
            ok = True
            for key, value in attributes.items():
                if key == "class_":
                    ok = value in el.attrs.get("class", "").split()
                else:
                    ok = el.attrs.get(key.replace("_", "-")) == value
                if not ok:
                    break
            if ok:
                found.append(el)
        return found


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attributes})
        self.stack[-1].children.append(el)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attributes}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        for el in self.stack:
            el.parts.append(data)


def parse(page: str) -> Element:
    builder = _Builder()
    builder.feed(page)
    builder.close()
    return builder.root


#: ESC, CR/LF, a bidi override, markup, an attribute break-out and a spreadsheet formula.
HOSTILE = ["P\x1b[31mred", "P1\r\nP2", "P\u202egnp.exe", "<script>alert(1)</script>",
           '"><img src=x onerror=alert(1)>', '=HYPERLINK("http://evil.example","click")']


#: The same strings as names: ids, codes and flag names refuse control characters at load
#: (issue 15), so names carry their escaped text ("P\\x1b[31mred"); free text keeps them raw.
NAMES = [escape(h) for h in HOSTILE]


def hostile_protocol() -> Protocol:
    return Protocol(NAMES[3], HOSTILE[4], inclusion=[
        Range("edss", 3, 6, id=NAMES[0], label=HOSTILE[4]),
        Washout(CodeSet(NAMES[2], codes=["ATC:L01"]), Span(months=1), id=NAMES[5],
                label=HOSTILE[3])],
        exclusion=[Flag("x", id=NAMES[1], label=HOSTILE[2])])


def hostile_records() -> list[Record]:
    return [Record(pid, observations=[Observation(NAMES[(i + 1) % 6], HOSTILE[(i + 2) % 6],
                                                  "2027-03-01")],
                   exposures=[Exposure(NAMES[(i + 3) % 6], "2027-03")],
                   conditions=[Condition(NAMES[(i + 4) % 6], "2020", None)],
                   flags={NAMES[(i + 5) % 6]: True})
            for i, pid in enumerate(NAMES)]
