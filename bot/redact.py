"""Remove personal data (phone numbers, ID numbers, e-mail addresses) from free text.

Used before any text leaves the ticket store: public Open311 answers, events, analytics.
"""

import re

# Order matters: ID numbers (18 characters) before phone numbers, which they contain.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("[email]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)),
    # Mainland resident ID: 6-digit area, 8-digit birth date, 3 digits, check digit or X.
    ("[id]", re.compile(r"(?<![0-9])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                        r"(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])")),
    # Passport-like ids: one or two letters followed by 7-8 digits (E12345678, G1234567).
    ("[id]", re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d{7,8}(?![0-9])")),
    # Mobile numbers, optionally with +86 / 0086 and separators (138 0013 8000).
    ("[phone]", re.compile(r"(?<![0-9])(?:(?:\+|00)86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?![0-9])")),
    # Landlines: area code 0xx(x), then 7-8 digits (010-6512 3456); Japanese 0x0-xxxx-xxxx.
    ("[phone]", re.compile(r"(?<![0-9])(?:\+?\d{2,3}[\s-]?)?\(?0\d{1,3}\)?[\s-]?\d{3,4}[\s-]?\d{4}(?![0-9])")),
    # International numbers written with a leading plus.
    ("[phone]", re.compile(r"(?<![\w])\+\d[\d\s-]{7,16}\d(?![0-9])")),
)


def redact(text: str, names: tuple[str, ...] = ()) -> str:
    """Return ``text`` with phone numbers, ID numbers, e-mail addresses and ``names`` replaced by tags.

    ``names`` are the resident's own names when known; one-character names are left alone
    (a lone character such as 三 also occurs in place names).
    """
    for name in sorted((n.strip() for n in names if len(n.strip()) >= 2), key=len, reverse=True):
        if name.isascii():  # Latin names: whole words only ("Li" must not eat "Library")
            text = re.sub(rf"\b{re.escape(name)}\b", "[name]", text, flags=re.IGNORECASE)
        else:
            text = text.replace(name, "[name]")
    for tag, pattern in _PATTERNS:
        text = pattern.sub(tag, text)
    return text


def name_variants(first_name: str | None, last_name: str | None) -> tuple[str, ...]:
    """The ways a resident's name may appear in their text: 张三, San Zhang, Zhang San."""
    first, last = (first_name or "").strip(), (last_name or "").strip()
    if not first or not last:
        return tuple(n for n in (first, last) if n)
    return (last + first, f"{first} {last}", f"{last} {first}", first, last)
