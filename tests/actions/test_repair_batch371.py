"""Repairs found by the held-out residents h371..h390 (first run 88%)."""

from actions.conversation import is_announcement
from bot.repair import cancels_the_appeal


def test_no_need_to_bring_it_up_any_more_withdraws_the_appeal() -> None:
    assert cancels_the_appeal("不好意思，刚接到派出所电话说证到了，让我去取，这个就不用提了")


def test_asking_whether_one_may_ask_about_a_topic_here_is_no_description() -> None:
    assert is_announcement("大学の奨学金のことでお聞きしたいのですが、ここで大丈夫でしょうか")
    assert not is_announcement("東京の家族に荷物を送りたいです")
