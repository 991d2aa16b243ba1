"""Whether a large body can hold anything the scanner reports, decided on its text alone.

Walking a 5 MB JSON body node by node in Python, or every event of an LLM stream, costs a
second or more, and nearly always finds nothing. Every finding needs one of a few things in
the text: a shape's literal (`eyJ`, `AKIA`, ...), a credential word in a name (`token`,
`secret`, `pass`, ...; names are compared without case or separators), a base64 string
(which may wrap either), `@` in a URL, an XML element. These are looked for over the whole
text with C-speed searches; each string that holds one is then judged exactly, by the
scanner's own code, on its own. Only when that could report something does the caller walk
the body. The screen only ever answers "maybe" where unsure: it never hides a finding.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Iterator

from cassettes_tool.secrets.rules import CREDENTIAL_WORDS, SHAPE, field_kind, normal
from cassettes_tool.secrets.shapes import literal_starts

#: the longest string the scanner opens (JSON, base64 inside it)
MAX_NESTED = 1 << 20
#: what a name keeps once normalised (`normal`), plus the quote that bounds each JSON string
_ALNUM = b"0123456789abcdefghijklmnopqrstuvwxyz"
_DROP = bytes(b for b in range(256) if b not in _ALNUM + b'":')
_DROP_LINES = bytes(b for b in range(256) if b not in _ALNUM + b"\n")
#: letters written as escapes (`\u0074oken`, `%74oken`), and characters lower-cased to ASCII
_HIDDEN_ESCAPE = re.compile(r"\\u00(?:3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|2[dD]|5[fF])")
_HIDDEN_PERCENT = re.compile(r"%(?:3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|2[dD]|5[fF])")
_TO_ASCII = ("\u0130", "\u212a")
_ESCAPE = re.compile(rb"\\(?:u[0-9a-fA-F]{4}|[^u])")
#: keys read backwards (`:"yek"`): the search then starts on the rare `:"`, not on every quote
_KEYS_BACKWARDS = re.compile(rb':"([0-9a-z:]*)"')
_PAIR_NAMES = (re.compile(rb'"key":"([0-9a-z:]*)"'), re.compile(rb'"name":"([0-9a-z:]*)"'))
_HEX_KEY = re.compile(rb'"key":"[0-9a-f]{32,}"')
_PERCENT = re.compile(rb"%[0-9a-fA-F]{2}")
#: a JSON string that is base64 as a whole (`\/` is how some encoders write `/`)
_BASE64 = re.compile(r'"[A-Za-z0-9+/]{24,}={0,2}\\?"')
_BASE64_SLASHED = re.compile(r'"(?:[A-Za-z0-9+/]|\\/){24,}={0,2}\\?"')
_XML_ELEMENT = re.compile(r"<([A-Za-z][\w:.-]{0,80})>([^<>]{1,4096})</\1>")
_KEY_BEFORE = re.compile(r'"(key|name)"\s*:\s*$')
_HEX = re.compile(r"^[0-9a-fA-F]{32,}$")


class Screen:
    """One body's text and the scanner's judgment of a single string.

    `finds(string)` runs the scanner on one decoded string as a JSON value would be scanned
    (shapes, JSON or a URL inside, base64); `named(name)` says whether a name makes its value
    a credential (the built-in words and the configured fields).
    """

    def __init__(self, text: str, finds: Callable[[str], bool], named: Callable[[str], bool]):
        self.text = text
        self.finds = finds
        self.named = named
        self.judged: dict[int, bool] = {}
        #: the last string judged, (begin, end): triggers come in order, many in one long string
        self.last = (-1, -1)

    def may_hold(self, fields: Iterable[str]) -> bool:
        text = self.text
        if any(c in text for c in _TO_ASCII):
            return True
        if ("\\u" in text and _HIDDEN_ESCAPE.search(text)) or ("%" in text and _HIDDEN_PERCENT.search(text)):
            return True
        words = _words(fields)
        if words is None:
            return True
        base64 = _BASE64_SLASHED if "\\/" in text else _BASE64
        return (
            self._shapes()
            or self._xml()
            or any(self._string_at(m.start() + 1) for m in base64.finditer(text) if _text_inside(m.group()))
            or any(self._string_at(at) for at in _all(text, "@") if _in_url(text, at))
            or any(self._string_at(at) for at in _all(text, "\\\\"))  # JSON in a string, escaped inside
            or self._urls(words[0])
            or self._names(words[1])
        )

    def _shapes(self) -> bool:
        """A shape in the text as it stands (a text body), or in a string once decoded (JSON)."""
        for start in literal_starts(self.text):
            if SHAPE.match(self.text, start) or self._string_at(start):
                return True
        return False

    def _xml(self) -> bool:
        if "</" not in self.text:
            return False
        return any(self.named(m.group(1).rpartition(":")[2]) for m in _XML_ELEMENT.finditer(self.text))

    def _names(self, fields: frozenset[str]) -> bool:
        """Keys, and values of `key`/`name` members, whose name normalised makes them a credential.

        The text is squashed to what `normal` keeps of a name (JSON escapes decoded; an escaped
        quote still bounds a string, so JSON inside a string shows its keys too), keeping the
        colon that ends a key; the distinct keys are then judged once each.
        """
        squashed = _squash(self.text)
        if _HEX_KEY.search(squashed):
            return True  # a bare hex `key`: Tenable's linking keys
        names = {key[::-1] for key in set(_KEYS_BACKWARDS.findall(squashed[::-1]))}
        if b'"value":' in squashed:  # `{"key": NAME, "value": V}`: NAME is judged as a name
            for pair in _PAIR_NAMES:
                names.update(pair.findall(squashed))
        for name in names:
            word = name.replace(b":", b"").decode("ascii")
            if field_kind(word) is not None or word in fields:
                return True
        return False

    def _urls(self, words: tuple[bytes, ...]) -> bool:
        """URLs in strings whose query or fragment names a credential, each then judged on its own.

        The queries and fragments are squashed together, one per line, and searched at once.
        """
        text = self.text
        starts: list[int] = []
        tails: list[str] = []
        for at in _all(text, "http"):
            if text[at - 1 : at] != '"' or not text.startswith(("http://", "https://"), at):
                continue
            # JSON in a string ends at its escaped quote (a quote inside it doubles the backslashes,
            # and such strings are judged whole); a string of its own at its unescaped one
            nested = text[at - 2 : at - 1] == "\\"
            end = text.find('"', at) if nested else _unescaped_quote_after(text, at)
            url = text[at:end] if end >= 0 else text[at:]
            marks = [i for i in (url.find("?"), url.find("#")) if i >= 0]
            if marks:
                starts.append(at)
                tails.append(url[min(marks) :])
        if not tails:
            return False
        joined = _decoded_escapes("\n".join(tails).encode("utf-8", "surrogatepass"))
        squashed = _PERCENT.sub(b" ", joined).lower().translate(None, _DROP_LINES)
        found = re.compile(b"|".join(words))
        return any(
            self._string_at(starts[squashed.count(b"\n", 0, m.start())]) for m in found.finditer(squashed)
        )

    def _string_at(self, at: int) -> bool:
        """Whether the outermost JSON string holding position `at` could yield a finding."""
        text = self.text
        if self.last[0] < at < self.last[1]:
            return self.judged[self.last[0]]
        begin = _unescaped_quote_before(text, at)
        end = _unescaped_quote_after(text, at)
        if begin < 0 or end < 0:
            return False  # not inside a string: only a text body's shapes count there, checked
        if begin in self.judged:
            return self.judged[begin]
        raw = text[begin + 1 : end]
        try:
            value = json.loads(f'"{raw}"') if "\\" in raw else raw
        except ValueError:
            value = None
        self.judged[begin] = verdict = value is None or self._judge(value, begin, end)
        self.last = (begin, end)
        return verdict

    def _judge(self, value: str, begin: int, end: int) -> bool:
        text = self.text
        after = text[end + 1 : end + 64].lstrip()
        if after.startswith(":"):  # a key: its name, and the `key` of Tenable's hex linking keys
            if self.named(value):
                return True
            if value.lower() == "key":
                follows = after[1:].lstrip()
                close = follows.find('"', 1)
                return follows.startswith('"') and (close < 0 or bool(_HEX.match(follows[1:close])))
            return False
        if _KEY_BEFORE.search(text[max(0, begin - 64) : begin]) and self.named(value):
            return True  # `{"key": NAME, "value": V}`: NAME is judged as a name
        return self.finds(value)


def _words(fields: Iterable[str]) -> tuple[tuple[bytes, ...], frozenset[str]] | None:
    """The credential words and the configured fields, normalised (and the fields on their own);
    None when a field has no letter or digit to look for."""
    names = set()
    for name in fields:
        word = normal(name)
        if not word:
            return None
        names.add(word)
    words = set(CREDENTIAL_WORDS) | names
    kept = tuple(w.encode("ascii") for w in words if not any(o != w and o in w for o in words))
    return kept, frozenset(names)


def _in_url(text: str, at: int) -> bool:
    """Whether the `@` at `at` may stand in a string that starts as a URL (userinfo); an e-mail
    address does not. Behind an escaped quote, the string may start further back."""
    quote = text.rfind('"', 0, at)
    return text.startswith(("http://", "https://"), quote + 1) or text[quote - 1 : quote] == "\\"


def _text_inside(quoted: str) -> bool:
    """Whether a base64 string decodes to printable UTF-8 text, as the scanner asks; few do
    (and it does not open strings over `MAX_NESTED`)."""
    value = quoted[1:-1].replace("\\/", "/").rstrip("\\")
    if len(value) > MAX_NESTED:
        return False
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return False
    return text.isprintable() or text.strip().isprintable()


def _squash(text: str) -> bytes:
    """`text` as `normal` sees names: lower-case letters and digits, each JSON string still
    between its quotes, and the colons (a key is a string followed by one)."""
    return _decoded_escapes(text.encode("utf-8", "surrogatepass")).lower().translate(None, _DROP)


def _decoded_escapes(raw: bytes) -> bytes:
    """JSON escapes as decoded, for names: `\\n` is no `n`; an escaped quote still bounds a string."""
    if b"\\" not in raw:
        return raw
    return _ESCAPE.sub(b" ", raw.replace(b"\\\\", b"  ").replace(b'\\"', b'"'))


def _all(text: str, needle: str) -> Iterator[int]:
    at = text.find(needle)
    while at >= 0:
        yield at
        at = text.find(needle, at + len(needle))


def _unescaped_quote_before(text: str, at: int) -> int:
    at = text.rfind('"', 0, at)
    while at > 0 and _escaped(text, at):
        at = text.rfind('"', 0, at)
    return at


def _unescaped_quote_after(text: str, at: int) -> int:
    at = text.find('"', at)
    while at > 0 and _escaped(text, at):
        at = text.find('"', at + 1)
    return at


def _escaped(text: str, at: int) -> bool:
    """Whether the character at `at` is escaped: an odd run of backslashes stands before it."""
    run = 0
    while at - run - 1 >= 0 and text[at - run - 1] == "\\":
        run += 1
    return run % 2 == 1
