"""Recorded values are data: what a terminal or a CI log would take for a command is escaped.

A URI holding `\n::error::` must not become a GitHub Actions annotation, an ESC
sequence must not repaint the terminal, and HTML in a body must not render in a
pull-request comment.
"""

from __future__ import annotations

import re

#: C0 controls (tab kept), DEL, C1 controls and the Unicode line separators
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\e"}
#: the colours the text renderer paints with: the only escapes let through, and only when asked
_OUR_COLORS = re.compile(r"(\x1b\[(?:31;1|33|36|2|0)m)")
#: a workflow command (`::error::`, `::add-mask::`) is read at a line's start, spaces aside
_WORKFLOW_COMMAND = re.compile(r"^(\s*)::")


def printable(text: str) -> str:
    """Control characters written as escapes (`\\n`, `\\e`, `\\x07`)."""
    return _CONTROL.sub(_escape, text)


#: characters XML 1.0 forbids (C0 but tab and newline; lone surrogates; U+FFFE/FFFF), and
#: the ones a CI log viewer would obey (CR, DEL, C1): a file name or a recorded value can
#: hold any of them, and one of them makes a whole JUnit report unreadable to the CI
_XML_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_printable(text: str) -> str:
    """`printable` for a serialized XML document: its newlines and tabs kept."""
    return _XML_UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    return _NAMED.get(match.group(), f"\\x{ord(match.group()):02x}")


def safe_line(line: str, *, color: bool = False) -> str:
    """One output line that stays one line and cannot start a CI workflow command."""
    if color:
        parts = _OUR_COLORS.split(line)
        line = "".join(part if i % 2 else printable(part) for i, part in enumerate(parts))
    else:
        line = printable(line)
    return _WORKFLOW_COMMAND.sub(r"\1\\::", line)


def safe_lines(text: str) -> list[str]:
    """Text meant to span lines (a body in `show`): each line made safe on its own."""
    return [safe_line(line) for line in text.split("\n")]


_MARKDOWN = re.compile(r"[\\`*_\[\]<>&|]")


def markdown_text(text: str) -> str:
    """A recorded value in markdown prose: no HTML, no link, no emphasis it did not mean."""
    return _MARKDOWN.sub(
        lambda m: {"<": "&lt;", ">": "&gt;", "&": "&amp;"}.get(m.group(), "\\" + m.group()), printable(text)
    )


def markdown_code(text: str) -> str:
    """A recorded value in a code span: a backtick inside cannot end it."""
    return printable(text).replace("`", "'")
