"""Marketing consent per channel, and which reminders are marketing.

A member consents (or withdraws) per channel; the latest decision per channel is in force,
and a channel never decided is no consent. Birthdays (the member's or its contacts') and
purchase anniversaries are marketing: they are raised only for a member consenting on at
least one channel. Follow-ups and maintenance due are service and are raised regardless.
"""

from __future__ import annotations

from enum import StrEnum


class ConsentChannel(StrEnum):
    sms = "sms"
    email = "email"
    phone = "phone"
    wechat = "wechat"
    app = "app"
