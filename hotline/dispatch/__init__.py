"""The dispatch loop: handling units, dispatch/accept/return, deadlines from rules, escalation."""
