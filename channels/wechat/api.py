"""WeChat's server API: one shared access_token, customer-service and template messages.

wechatpy's client is synchronous: call it through ``asyncio.to_thread``. The access_token lives
in wechatpy's Redis session storage, shared by every worker; when it is missing or rejected,
exactly one worker refreshes it from ``cgi-bin/stable_token`` while holding a Redis lock, and the
others wait for it and read it (stable_token's normal mode returns the token still valid, so a
refresh never invalidates a token another worker is using). The cached copy expires five minutes
before WeChat's. Only when WeChat rejects the very token stable_token still returns does a worker
force a new one, and at most once per ``FORCE_REFRESH_SECONDS`` across all workers (a Redis key):
WeChat allows a forced refresh 20 times a day, 30 seconds apart. Errors become typed exceptions
here and nowhere else.
"""

import logging
import threading
import time
from contextlib import AbstractContextManager
from typing import Any

import redis
import requests
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

logger = logging.getLogger(__name__)
OUTSIDE_WINDOW_CODES = frozenset({45015, 45047})  # reply window over / too many replies
LOCK_SECONDS = 10.0
TOKEN_MARGIN_SECONDS = 300
FORCE_REFRESH_SECONDS = 30


class WeChatApiError(RuntimeError):
    """WeChat answered with an error code, or could not be reached (``errcode`` None)."""

    def __init__(self, errcode: int | None, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class OutsideWindow(WeChatApiError):
    """A customer-service message was refused: 45015 (48 hours passed) or 45047 (too many)."""


def typed_error(errcode: int | None, errmsg: str) -> WeChatApiError:
    """The one place where WeChat's codes become our exceptions."""
    if errcode in OUTSIDE_WINDOW_CODES:
        return OutsideWindow(errcode, errmsg)
    return WeChatApiError(errcode, errmsg)


class SharedTokenClient(WeChatClient):
    """wechatpy's client with a configurable base URL and one token refresher under a lock."""

    def __init__(self, *, app_id: str, secret: str, api_base_url: str, redis_client: "redis.Redis | None",
                 timeout: float = 5.0) -> None:
        session = RedisStorage(redis_client, prefix="wechatpy") if redis_client is not None else MemoryStorage()
        super().__init__(app_id, secret, session=session, timeout=timeout)
        self.API_BASE_URL = f"{api_base_url.rstrip('/')}/cgi-bin/"
        self._redis = redis_client
        self._lock: AbstractContextManager[Any] = (
            redis_client.lock(f"wechatpy:{app_id}:token-lock", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)
            if redis_client is not None else threading.Lock())
        self._forced_at = 0.0  # without Redis: the last forced refresh of this process
        self._calls = threading.local()  # refreshes during the current call, per thread

    def begin_call(self) -> None:
        """Start counting token refreshes for one API call (wechatpy retries without a limit)."""
        self._calls.refreshes = 0

    @property
    def access_token(self) -> str:
        token = self.session.get(self.access_token_key)
        return str(token) if token else self._refresh(stale=None)

    def fetch_access_token(self) -> dict[str, Any]:
        """Called by wechatpy when WeChat rejects the cached token (40001, 40014, 42001)."""
        self._calls.refreshes = getattr(self._calls, "refreshes", 0) + 1
        if self._calls.refreshes > 1:
            raise WeChatApiError(None, "WeChat rejected a freshly refreshed access_token")
        return {"access_token": self._refresh(stale=self.session.get(self.access_token_key))}

    def _refresh(self, *, stale: str | None) -> str:
        try:
            with self._lock:
                current = self.session.get(self.access_token_key)
                if current and current != stale:  # another worker refreshed while we waited
                    return str(current)
                result = self._stable_token(force=False)
                if result["access_token"] == stale:  # WeChat rejected the token it calls valid
                    self._claim_force_refresh()
                    result = self._stable_token(force=True)
                ttl = max(60, int(result.get("expires_in", 7200)) - TOKEN_MARGIN_SECONDS)
                self.session.set(self.access_token_key, result["access_token"], ttl)
                return str(result["access_token"])
        except redis.exceptions.LockError as error:
            raise WeChatApiError(None, f"access_token lock: {error}") from error

    def _claim_force_refresh(self) -> None:
        """Allow one forced refresh per ``FORCE_REFRESH_SECONDS`` across all workers (called under the lock).

        Raises:
            WeChatApiError: another forced refresh was less than ``FORCE_REFRESH_SECONDS`` ago.
        """
        if self._redis is not None:
            claimed = bool(self._redis.set(f"wechatpy:{self.appid}:force-refresh", "1", nx=True,
                                           ex=FORCE_REFRESH_SECONDS))
        else:
            claimed = not self._forced_at or time.monotonic() - self._forced_at >= FORCE_REFRESH_SECONDS
            if claimed:
                self._forced_at = time.monotonic()
        if not claimed:
            raise WeChatApiError(None, f"access_token rejected again within {FORCE_REFRESH_SECONDS} s "
                                       "of a forced refresh")

    def _stable_token(self, *, force: bool) -> dict[str, Any]:
        logger.info("fetching the WeChat access_token (stable_token, force_refresh=%s)", force)
        try:
            response = self._http.post(f"{self.API_BASE_URL}stable_token", timeout=self.timeout, json={
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret,
                "force_refresh": force})
            result: dict[str, Any] = response.json()
        except (requests.RequestException, ValueError) as error:
            raise WeChatApiError(None, f"stable_token: {error}") from error
        if result.get("errcode") or not result.get("access_token"):
            raise typed_error(result.get("errcode"), str(result.get("errmsg", "no access_token")))
        return result


class WeChatApi:
    """The calls the connector makes (synchronous: run them in a thread)."""

    def __init__(self, client: SharedTokenClient) -> None:
        self.client = client

    def _post(self, endpoint: str, data: dict[str, Any]) -> dict[str, Any]:
        self.client.begin_call()
        try:
            result: dict[str, Any] = self.client.post(endpoint, data=data)
        except WeChatClientException as error:
            raise typed_error(error.errcode, str(error.errmsg)) from error
        except (requests.RequestException, redis.exceptions.RedisError) as error:
            raise WeChatApiError(None, str(error)) from error
        return result

    def send_text(self, openid: str, text: str) -> None:
        """A customer-service text message (inside the 48-hour window)."""
        self._post("message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": text}})

    def send_template(self, openid: str, template_id: str, data: dict[str, str], client_msg_id: str) -> None:
        """A template message; WeChat sends one per openid + ``client_msg_id`` within 10 minutes."""
        self._post("message/template/send", {
            "touser": openid, "template_id": template_id, "client_msg_id": client_msg_id,
            "data": {name: {"value": value} for name, value in data.items()}})


def build_api(*, app_id: str, secret: str, api_base_url: str, redis_url: str | None, timeout: float) -> WeChatApi:
    """The API with its token shared through Redis (or in memory without Redis)."""
    redis_client = redis.Redis.from_url(redis_url, socket_timeout=timeout) if redis_url else None
    return WeChatApi(SharedTokenClient(app_id=app_id, secret=secret, api_base_url=api_base_url,
                                       redis_client=redis_client, timeout=timeout))
