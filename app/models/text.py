"""Text formats of requests: each rule is written once here, so the check at the boundary and
the pattern and length in the contract cannot drift apart.

Patterns are checked on the text as sent (the contract describes exactly what is accepted);
names are then trimmed, emails trimmed and lower-cased, phones rewritten as E.164.
"""

from __future__ import annotations

from typing import Annotated

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from app.settings import get_settings

_CONTROL = r"\x00-\x1f\x7f-\x9f"
#: Characters that show nothing: zero-width spaces and joiners, direction marks and overrides.
_INVISIBLE = r"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
#: One line of text: no control characters, at least one visible character.
LINE = rf"^[^{_CONTROL}]*[^\s{_CONTROL}{_INVISIBLE}][^{_CONTROL}]*$"
#: Text that may span lines: tabs and line breaks allowed, other control characters not; at
#: least one visible character.
_TEXT_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
TEXT = rf"^[^{_TEXT_CONTROL}]*[^\s{_CONTROL}{_INVISIBLE}][^{_TEXT_CONTROL}]*$"
#: Catalogue codes: tier codes, service-type codes.
CODE = r"^[a-z0-9][a-z0-9_-]{0,31}$"
#: Store ids: letters, digits, `.`, `_`, `-`, starting with a letter or digit.
STORE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
#: References from other systems (receipt numbers, DMS ids): printable ASCII, no spaces.
EXTERNAL_ID = r"^[\x21-\x7e]{1,100}$"
#: Ids this API issued (`cus_…`, `txn_…`).
RESOURCE_ID = r"^[A-Za-z0-9_]{1,40}$"
#: What a phone may look like before it is parsed: digits, spaces, `()`, `.`, `-`, a leading `+`.
PHONE = r"^\+?[0-9 ().-]{3,31}$"
#: Idempotency keys: printable ASCII, no spaces (a UUID fits).
IDEMPOTENCY_KEY = r"^[\x21-\x7e]{1,255}$"
#: The cursors this API hands out (base64url).
CURSOR = r"^[A-Za-z0-9_-]{1,200}$"


def _trim(value: str) -> str:
    return value.strip()


_TRIM = AfterValidator(_trim)
_ONE_LINE = "One line, not blank; trimmed."

#: A person's, company's or key's name.
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=LINE), _TRIM, Field(description=_ONE_LINE)
]
#: A short label: a tier or service-type name, a city, a source, a sales rep.
Label = Annotated[
    str, StringConstraints(min_length=1, max_length=100, pattern=LINE), _TRIM, Field(description=_ONE_LINE)
]
#: A one-line description or reason.
Line = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=LINE), _TRIM, Field(description=_ONE_LINE)
]
#: One tag of a member.
Tag = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=LINE), _TRIM]
#: Free text that may span lines (address, notes); NUL is refused for every string.
Address = Annotated[str, StringConstraints(max_length=500)]
Notes = Annotated[str, StringConstraints(max_length=5000)]
_MULTI_LINE = "May span lines; not blank; trimmed."
#: Notes, a description or a resolution: lines of text, not blank, at most 5000 characters.
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=5000, pattern=TEXT), _TRIM, Field(description=_MULTI_LINE)
]
#: A short note (acknowledging an alert, about a contact): lines of text, at most 2000 characters.
ShortText = Annotated[
    str, StringConstraints(min_length=1, max_length=2000, pattern=TEXT), _TRIM, Field(description=_MULTI_LINE)
]

Code = Annotated[
    str,
    StringConstraints(min_length=1, max_length=32, pattern=CODE),
    Field(description="Lower-case letters, digits, `_` and `-`; 1–32 characters; a letter or digit first."),
]
StoreId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=STORE_ID),
    Field(description="Letters, digits, `.`, `_` and `-`; 1–64 characters, starting with a letter or digit."),
]
ExternalId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100, pattern=EXTERNAL_ID),
    Field(description="The other system's reference: printable ASCII without spaces, 1–100 characters."),
]
ResourceId = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=RESOURCE_ID)]


def _unique(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


#: A member's tags: at most 50, each one line of at most 50 characters; repeats are dropped.
Tags = Annotated[
    list[Tag],
    Field(max_length=50, description="At most 50 tags of at most 50 characters; repeats are dropped."),
    AfterValidator(_unique),
]


def to_e164(text: str, region: str) -> str | None:
    """The phone as E.164 (`+8613712345678`), reading numbers without a country code as
    numbers of `region`; None when it is not a valid number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_region() -> str:
    """The region of numbers sent without a country code (`CRM_DEFAULT_PHONE_REGION`)."""
    return get_settings().default_phone_region


def _e164(value: str) -> str:
    region = phone_region()
    e164 = to_e164(value, region)
    if e164 is None:
        raise ValueError(f"is not a valid phone number (numbers without a country code are read as {region})")
    return e164


def _email(value: str) -> str:
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid email address: {exc}") from None
    return checked.normalized.lower()


#: A phone as sent; stored and compared as E.164.
Phone = Annotated[
    str,
    StringConstraints(max_length=32, pattern=PHONE),
    AfterValidator(_e164),
    Field(
        description="Stored as E.164 (`+8613712345678`); without a country code it is read as a number "
        "of `CRM_DEFAULT_PHONE_REGION` (default CN). An invalid number is refused."
    ),
]
#: An email address; stored and compared trimmed and lower-cased.
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_email),
    WithJsonSchema(
        {
            "type": "string",
            "format": "email",
            "maxLength": 254,
            "description": "Checked by syntax; stored trimmed and lower-cased.",
        }
    ),
]
