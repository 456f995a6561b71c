"""A ticket's handling units and its audit trail in words: who, when, what (before and after), why.

The trail stores codes (``service_code``, unit ids, statuses, UTC times); this turns each into its name in the
page's language. Values the tables do not know (a code dropped from the data files, a detail key added later)
show as they are stored, never as an error. For a role that does not see personal data the free-text reasons
are redacted like the rest of the page.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.redact import redact
from hotline.console.choices import unit_name
from hotline.console.i18n import TEXT, Translator, label, language_name
from hotline.deps import Backend
from hotline.domain.history import Change
from hotline.domain.models import Ticket, TicketHistory
from hotline.open311.views import BEIJING, w3c

Row = dict[str, Any]
SYSTEM_ACTORS = {"system:router": "actor_system_router", "system:escalation": "actor_system_escalation"}
SYSTEM_REASONS = {"routing rules": "reason_routing_rules",
                  "an urgent report from the same source within the merge window": "reason_merged"}
# What the trail shows of each detail, in this order; anything else is left out (internal, like ``cause``).
SHOWN = ("service_code", "department", "district_code", "subdistrict_code", "unit", "role", "return_reason",
         "priority", "deadline_tier", "tier", "response_due", "resolution_due", "response", "resolution", "deadline",
         "level", "due", "amount", "unit_of_time", "approved", "paused_from", "resolved", "rating", "language",
         "master", "duplicate")
FIELD_LABELS = {"service_code": "f_category", "department": "f_department", "district_code": "f_district",
                "subdistrict_code": "f_subdistrict", "deadline_tier": "f_tier", "tier": "f_tier",
                "response": "f_response_due", "resolution": "f_resolution_due"}  # the clock's before and after


def actor_name(t: Translator, actor: str | None) -> str:
    """``operator:op.wang`` -> ``op.wang（话务员）``; the system's and residents' actors by what they are."""
    if not actor:
        return t("none")
    if actor in SYSTEM_ACTORS:
        return t(SYSTEM_ACTORS[actor])
    kind, _, name = actor.partition(":")
    if kind == "resident":
        return t("actor_resident", channel=name)
    if name and f"role_{kind}" in TEXT:
        return t("actor_staff", name=name, role=t(f"role_{kind}"))
    return actor


def _when(value: object) -> str:
    try:
        return datetime.fromisoformat(str(value)).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)


def _formatters(backend: Backend, t: Translator, lang: str) -> dict[str, Callable[[Any], str]]:
    taxonomy, gazetteer = backend.taxonomy, backend.gazetteer

    def category(code: Any) -> str:
        found = taxonomy.categories.get(str(code))
        return found.name[lang] if found else str(code)

    def place(table: dict[str, Any]) -> Callable[[Any], str]:
        def name(code: Any) -> str:
            found = table.get(str(code or ""))
            return (found.name_zh if lang == "zh" else found.name_en) if found else (str(code) if code else t("none"))
        return name

    return {
        "service_code": category,
        "department": lambda code: taxonomy.departments.get(str(code), {}).get(lang, str(code)),
        "district_code": place(dict(gazetteer.districts)), "subdistrict_code": place(dict(gazetteer.subdistricts)),
        "unit": lambda unit: unit_name(backend.units, unit, lang) if unit else t("none"),
        "role": lambda role: label(t, "part_", role), "return_reason": lambda code: label(t, "rr_", code),
        "priority": lambda code: label(t, "priority_", code), "deadline_tier": lambda code: label(t, "tier_", code),
        "tier": lambda code: label(t, "tier_", code), "response_due": _when, "resolution_due": _when, "due": _when,
        "response": _when, "resolution": _when, "paused_from": _when,
        "deadline": lambda code: label(t, "deadline_", code), "level": lambda code: label(t, "level_", code),
        "resolved": lambda value: t("yes") if value else t("no"), "rating": lambda value: str(value or t("none")),
        "approved": lambda value: t("yes") if value else t("no"), "amount": str,
        "unit_of_time": lambda code: label(t, "time_", code),
        "language": lambda code: language_name(t, code), "status": lambda code: label(t, "status_", code),
        "master": str, "duplicate": str,
    }


def _changes(action: str, detail: dict[str, Any], fmt: dict[str, Callable[[Any], str]], t: Translator) -> list[Row]:
    """``[{label, before, after}]``: ``before`` is None where the detail has no earlier value. Values changed
    (``before`` and ``after``) come first, then the detail's own (an extension decision: approved or not)."""
    def field(key: str) -> str:
        return t(FIELD_LABELS.get(key, f"f_{key}"))

    before, after = detail.get("before"), detail.get("after")
    rows: list[Row] = []
    if isinstance(before, dict) and isinstance(after, dict):
        keys = [k for k in SHOWN if k in after and before.get(k) != after.get(k)]
        if not keys and "unit" in after:
            keys = ["unit"]
        rows = [{"label": field(k), "before": fmt[k](before.get(k)), "after": fmt[k](after[k])} for k in keys]
    elif action == Change.STATUS.value and before is not None and after is not None:
        rows.append({"label": t("f_status"), "before": fmt["status"](before), "after": fmt["status"](after)})
    rows += [{"label": field(k), "before": None, "after": fmt[k](detail[k])}
             for k in SHOWN if k in detail and detail[k] is not None]
    return rows


def _reason(row: TicketHistory, t: Translator, redacted: Callable[[str], str]) -> str:
    if row.action == "escalated":
        return ""  # the sweep's reason repeats its detail, which the trail shows translated
    if row.reason in SYSTEM_REASONS and row.actor.startswith(("system:", "resident:")):
        return t(SYSTEM_REASONS[row.reason])
    return redacted(row.reason)


def trail_rows(rows: list[TicketHistory], backend: Backend, t: Translator, lang: str, *, personal: bool,
               names: tuple[str, ...]) -> list[Row]:
    """The audit trail, oldest first, in words."""
    fmt = _formatters(backend, t, lang)

    def redacted(text: str) -> str:
        return text if personal or not text else redact(text, names)

    return [{"at": w3c(r.at), "actor": actor_name(t, r.actor), "action": r.action,
             "action_label": label(t, "act_", r.action), "reason": _reason(r, t, redacted),
             "changes": _changes(r.action, r.detail or {}, fmt, t)} for r in rows]


def assignment_rows(ticket: Ticket, backend: Backend, t: Translator, lang: str) -> list[Row]:
    """Every unit's part in the ticket, in the order they were given."""
    return [{"unit": unit_name(backend.units, a.unit, lang), "unit_id": a.unit, "role": label(t, "part_", a.role),
             "state": a.state, "state_label": label(t, "part_", a.state), "dispatched_at": w3c(a.dispatched_at),
             "dispatched_by": actor_name(t, a.dispatched_by), "decided_at": w3c(a.decided_at),
             "decided_by": actor_name(t, a.decided_by) if a.decided_by else None,
             "return_reason": label(t, "rr_", a.return_reason) if a.return_reason else None}
            for a in ticket.assignments]
