"""Issue 13, "Analysts see names and ID numbers in ticket text, and their search finds a ticket by an ID
number".

Held means: an analyst (a staff token made by the admin through ``POST /api/staff``) reads tickets with
``[id]``, ``[phone]`` and ``[name]`` in place of the data, sees no contact fields, and a search by an ID
number, a phone number or a name finds nothing; an operator's identical search finds the ticket (the
control: the data is there to be found).
"""

import pytest

from tests.security.attacker import OPERATOR, file_ticket, send, telegram_id, ticket, unique
from tools.stack import Stack

pytestmark = pytest.mark.integration
ID_NUMBER = "110105199003071239"  # GB 11643, valid check character
PHONE = "13700137000"
NAME = "李娜"


def analyst(stack: Stack) -> dict[str, str]:
    made = send("POST", f"{stack.backend_url}/api/staff", headers=OPERATOR,
                json={"name": unique("analyst"), "role": "analyst"})
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {made.json()['token']}"}


def test_an_analyst_reads_and_searches_de_identified_text_only(stack: Stack) -> None:
    """Attack: an analyst searches by ID number, phone or name and reads ticket text.
    Held: nothing found, tags instead of data.
    """
    ticket_id = file_ticket(stack, f"我叫{NAME}，身份证号{ID_NUMBER}，手机{PHONE}，楼下垃圾堆了一周没人清理",
                            resident=("telegram", telegram_id()), phone=PHONE, first_name="娜", last_name="李")
    reader = analyst(stack)
    for term in (ID_NUMBER, PHONE, NAME, ID_NUMBER[6:14]):
        found = send("GET", f"{stack.backend_url}/api/tickets", params={"q": term}, headers=reader)
        assert found.status_code == 200 and ticket_id not in found.text, (term, found.text[:300])
        control = send("GET", f"{stack.backend_url}/api/tickets", params={"q": term}, headers=OPERATOR).json()
        assert ticket_id in [t["service_request_id"] for t in control["tickets"]], term
    detail = ticket(stack, ticket_id, headers=reader)
    assert all(tag in detail["original_text"] for tag in ("[id]", "[phone]", "[name]")), detail["original_text"]
    assert detail["contact"] is None
    shown = send("GET", f"{stack.backend_url}/api/tickets/{ticket_id}", headers=reader).text
    listed = send("GET", f"{stack.backend_url}/api/tickets", params={"limit": 500}, headers=reader).text
    for secret in (ID_NUMBER, PHONE, NAME):
        assert secret not in shown and secret not in listed, secret
