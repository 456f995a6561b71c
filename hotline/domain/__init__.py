"""The ticket domain: tables, filing and routing, status changes, queries and rates, outbox events, staff.

No web framework here: ``hotline.api``, ``hotline.open311`` and ``hotline.console`` call into it.
"""
