"""The WeChat API client against the local fake WeChat server, its token shared through a real Redis."""

import asyncio
import threading
import uuid
from collections.abc import Callable

import pytest

from channels.wechat.api import FORCE_REFRESH_SECONDS, OutsideWindow, WeChatApi, WeChatApiError, build_api
from channels.wechat.output import Delivery
from channels.wechat.store import WINDOW_SECONDS, Allowance, MemoryStore, RedisStore
from tests.doubles.fake_wechat import CUSTOM, TEMPLATE, TOKEN, FakeWeChat
from tools.ports import free_port

MESSAGES = Allowance(5, WINDOW_SECONDS)


def api_for(fake: FakeWeChat, redis_url: str | None, app_id: str) -> WeChatApi:
    return build_api(app_id=app_id, secret="s3cret-app-secret", api_base_url=fake.url, redis_url=redis_url, timeout=5)


@pytest.mark.integration
def test_one_refresher_for_all_workers(redis_url: str) -> None:
    """Eight workers (separate clients) start at once: one stable_token call, one token for all."""
    app_id = f"wx{uuid.uuid4().hex[:16]}"
    with FakeWeChat(token_delay=0.3).running() as fake:
        workers = [api_for(fake, redis_url, app_id) for _ in range(8)]
        barrier = threading.Barrier(len(workers))
        errors: list[BaseException] = []

        def work(api: WeChatApi, number: int) -> None:
            barrier.wait()
            try:
                api.send_text(f"o-{number}", "你好")
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=work, args=(api, n)) for n, api in enumerate(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert len(fake.calls_to(TOKEN)) == 1
        assert {c.query["access_token"] for c in fake.calls_to(CUSTOM)} == {"TOKEN-0"}
        assert fake.calls_to(TOKEN)[0].body == {"grant_type": "client_credential", "appid": app_id,
                                                "secret": "s3cret-app-secret", "force_refresh": False}
        # A worker started later reads the shared token; it fetches nothing.
        api_for(fake, redis_url, app_id).send_text("o-late", "hi")
        assert len(fake.calls_to(TOKEN)) == 1


@pytest.mark.integration
def test_a_rejected_token_is_refreshed_once_and_the_call_retried(fake_wechat: FakeWeChat, redis_url: str) -> None:
    api = api_for(fake_wechat, redis_url, f"wx{uuid.uuid4().hex[:16]}")
    api.send_text("o-1", "one")
    fake_wechat.expire_token()
    api.send_text("o-1", "two")
    assert len(fake_wechat.calls_to(TOKEN)) == 2
    assert [c.answer["errcode"] for c in fake_wechat.calls_to(CUSTOM)] == [0, 40001, 0]
    assert fake_wechat.texts_to("o-1") == ["one", "two"]


def concurrently(*calls: Callable[[], None]) -> list[BaseException]:
    """Run the calls in threads that start together (servers); the errors they raised."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], None]) -> None:
        barrier.wait()
        try:
            call()
        except BaseException as error:  # reported to the test
            errors.append(error)
    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.integration
def test_a_token_wechat_rejects_is_refreshed_by_one_server_for_all(redis_url: str) -> None:
    """Two servers share the token; WeChat invalidates it; both are refused at once: one stable_token call."""
    app_id = f"wx{uuid.uuid4().hex[:16]}"
    with FakeWeChat(token_delay=0.3).running() as fake:
        first, second = api_for(fake, redis_url, app_id), api_for(fake, redis_url, app_id)
        first.send_text("o-1", "warm up")
        second.send_text("o-2", "warm up")
        assert len(fake.calls_to(TOKEN)) == 1
        fake.expire_token()
        assert concurrently(lambda: first.send_text("o-1", "一"), lambda: second.send_text("o-2", "二")) == []
        assert len(fake.calls_to(TOKEN)) == 2 and fake.current_token == "TOKEN-1"
        assert fake.texts_to("o-1") == ["warm up", "一"] and fake.texts_to("o-2") == ["warm up", "二"]


@pytest.mark.integration
def test_a_forced_refresh_happens_once_in_30_seconds_across_servers(fake_wechat: FakeWeChat, redis_url: str) -> None:
    """WeChat allows 20 forced refreshes a day, 30 s apart: a second server refused again does not force."""
    app_id = f"wx{uuid.uuid4().hex[:16]}"
    first, second = api_for(fake_wechat, redis_url, app_id), api_for(fake_wechat, redis_url, app_id)
    first.send_text("o-1", "warm up")
    fake_wechat.fail(CUSTOM, 40001)  # WeChat rejects the token stable_token still calls valid
    first.send_text("o-1", "after a forced refresh")
    fake_wechat.fail(CUSTOM, 40001)
    with pytest.raises(WeChatApiError, match=f"within {FORCE_REFRESH_SECONDS} s"):
        second.send_text("o-1", "refused, no second forced refresh")
    assert [c.body["force_refresh"] for c in fake_wechat.calls_to(TOKEN)] == [False, False, True, False]
    assert fake_wechat.texts_to("o-1") == ["warm up", "after a forced refresh"]


def test_a_token_wechat_keeps_rejecting_does_not_loop(fake_wechat: FakeWeChat) -> None:
    api = api_for(fake_wechat, None, "wx-loop")
    api.send_text("o-1", "warm up")
    fake_wechat.fail(CUSTOM, 40001, 40001, 40001, 40001)
    with pytest.raises(WeChatApiError):
        api.send_text("o-1", "again")
    assert len(fake_wechat.calls_to(CUSTOM)) <= 3


@pytest.mark.parametrize("errcode, error_type", [(45015, OutsideWindow), (45047, OutsideWindow),
                                                 (48001, WeChatApiError), (-1, WeChatApiError)])
def test_errcodes_become_typed_errors(fake_wechat: FakeWeChat, errcode: int, error_type: type) -> None:
    api = api_for(fake_wechat, None, "wx-codes")
    fake_wechat.fail(CUSTOM, errcode)
    with pytest.raises(error_type) as caught:
        api.send_text("o-1", "x")
    assert caught.value.errcode == errcode


def test_unreachable_wechat_is_a_typed_error() -> None:
    api = build_api(app_id="wx-gone", secret="s", api_base_url=f"http://127.0.0.1:{free_port()}", redis_url=None,
                    timeout=2)
    with pytest.raises(WeChatApiError) as caught:
        api.send_text("o-1", "x")
    assert caught.value.errcode is None


def deliver(fake: FakeWeChat, openid: str, text: str, *, seen: bool, template: str | None = "tmpl-resolved") -> None:
    async def main() -> None:
        store = MemoryStore()
        if seen:
            await store.open_window(openid, MESSAGES)
        await Delivery(api_for(fake, None, "wx-delivery"), store, template).send(openid, text)
    asyncio.run(main())


def test_inside_the_window_a_customer_service_message(fake_wechat: FakeWeChat) -> None:
    deliver(fake_wechat, "o-in", "您的诉求已办结。", seen=True)
    assert fake_wechat.texts_to("o-in") == ["您的诉求已办结。"]
    assert fake_wechat.calls_to(TEMPLATE) == []


def test_outside_the_window_a_template_message_deduped_by_client_msg_id(fake_wechat: FakeWeChat) -> None:
    text = "您的诉求 202611220000123 已办结，请对办理结果进行评价。"
    deliver(fake_wechat, "o-out", text, seen=False)
    deliver(fake_wechat, "o-out", text, seen=False)
    assert fake_wechat.calls_to(CUSTOM) == []
    first, second = fake_wechat.calls_to(TEMPLATE, "o-out")
    assert first.body["template_id"] == "tmpl-resolved"
    assert first.body["client_msg_id"] == second.body["client_msg_id"]  # WeChat sends it once
    assert all(len(field["value"]) <= 20 for field in first.body["data"].values())
    assert first.body["data"]["character_string2"]["value"] == "202611220000123"


@pytest.mark.parametrize("errcode", [45015, 45047])
def test_refused_customer_service_messages_fall_back_to_the_template(fake_wechat: FakeWeChat, errcode: int) -> None:
    fake_wechat.fail(CUSTOM, errcode)
    deliver(fake_wechat, f"o-{errcode}", "已办结。", seen=True)
    assert [c.answer["errcode"] for c in fake_wechat.calls_to(CUSTOM)] == [errcode]
    assert len(fake_wechat.calls_to(TEMPLATE, f"o-{errcode}")) == 1


def test_outside_the_window_without_a_template_is_an_error(fake_wechat: FakeWeChat) -> None:
    with pytest.raises(WeChatApiError):
        deliver(fake_wechat, "o-none", "已办结。", seen=False, template=None)


def test_the_window_has_five_customer_service_messages_then_templates(fake_wechat: FakeWeChat) -> None:
    async def main() -> None:
        store = MemoryStore()
        await store.open_window("o-five", MESSAGES)
        delivery = Delivery(api_for(fake_wechat, None, "wx-five"), store, "tmpl-resolved")
        for number in range(7):
            await delivery.send("o-five", f"第{number}条")
    asyncio.run(main())
    assert fake_wechat.texts_to("o-five") == [f"第{n}条" for n in range(5)]
    assert len(fake_wechat.calls_to(CUSTOM)) == 5  # no call WeChat would refuse with 45047
    assert len(fake_wechat.calls_to(TEMPLATE, "o-five")) == 2


@pytest.mark.integration
def test_servers_count_one_window_and_share_a_refusal(fake_wechat: FakeWeChat, redis_url: str) -> None:
    """Two servers push to one resident: five customer-service messages in all, then templates; after
    WeChat refuses one (45047) on one server, the other sends templates without asking."""
    app_id = f"wx{uuid.uuid4().hex[:16]}"

    async def main() -> None:
        stores = [RedisStore(redis_url, app_id=app_id) for _ in range(2)]
        servers = [Delivery(api_for(fake_wechat, redis_url, app_id), store, "tmpl-resolved") for store in stores]
        await stores[0].open_window("o-both", MESSAGES)
        await asyncio.gather(*(servers[n % 2].send("o-both", f"推送{n}") for n in range(8)))
        await stores[1].open_window("o-both", MESSAGES)  # the resident wrote again
        fake_wechat.fail(CUSTOM, 45047)
        await servers[0].send("o-both", "refused")
        await servers[1].send("o-both", "straight to the template")
    asyncio.run(main())
    custom = fake_wechat.calls_to(CUSTOM, "o-both")
    assert [c.answer["errcode"] for c in custom] == [0] * 5 + [45047]
    assert len(fake_wechat.calls_to(TEMPLATE, "o-both")) == 3 + 2
