from bot.input_check import EMPTY, TOO_LONG, UNREADABLE, input_problem


def test_input_problems() -> None:
    assert input_problem("") == EMPTY and input_problem("   \n") == EMPTY and input_problem(None) == EMPTY
    assert input_problem("路" * 2001) == TOO_LONG and input_problem("路" * 2000) is None
    assert input_problem("???!!!") == UNREADABLE and input_problem("\ufffd\ufffd\x00") == UNREADABLE
    assert input_problem("🙂🙂") == UNREADABLE
    for fine in ("5", "ok", "路灯坏了", "ビザ", "Where is 三里屯?"):
        assert input_problem(fine) is None
