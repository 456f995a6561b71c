"""Issue 13, "CORS: Rasa is started with --cors * and reflects any origin with credentials": any web page
a resident or an operator opened could call Rasa's API and the REST channel with their browser.

Held means: no answer of Rasa's (API, REST channel, socket.io, the chat page), to a preflight or a plain
request, allows the origin https://evil.example or any origin with credentials.
"""

import pytest

from tests.security.attacker import send
from tools.stack import Stack

pytestmark = pytest.mark.integration
EVIL = "https://evil.example"


def test_rasa_allows_no_foreign_origin(stack: Stack) -> None:
    """Attack: a foreign page calls Rasa from a browser (--cors * reflected any origin with credentials).
    Held: no such header.
    """
    paths = ["/status", "/conversations/rest:dev:x/tracker", "/model/parse", "/webhooks/rest/webhook",
             "/socket.io/?EIO=4&transport=polling", "/webhooks/socketio/chat", "/"]
    preflight = {"Origin": EVIL, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    for path in paths:
        for method, headers in (("OPTIONS", preflight), ("GET", {"Origin": EVIL}),
                                ("POST", {"Origin": EVIL, **stack.rest_headers()})):
            answer = send(method, f"{stack.rasa_url}{path}", headers=headers)
            allowed = answer.headers.get("Access-Control-Allow-Origin")
            credentials = answer.headers.get("Access-Control-Allow-Credentials", "").lower()
            assert allowed not in (EVIL, "*") and credentials != "true", (method, path, dict(answer.headers))
