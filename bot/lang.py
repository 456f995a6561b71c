"""The languages the hotline serves."""

from enum import Enum


class Lang(str, Enum):
    """A resident's language. Chinese is the hotline's working language."""

    ZH = "zh"
    EN = "en"
    JA = "ja"

    @classmethod
    def parse(cls, value: str | None, default: "Lang | None" = None) -> "Lang":
        """Read a language tag such as ``zh``, ``zh-CN``, ``en_US`` or ``ja``.

        Raises:
            ValueError: the tag names no language we serve and no default is given.
        """
        if value:
            primary = value.strip().replace("_", "-").split("-")[0].lower()
            for lang in cls:
                if lang.value == primary:
                    return lang
        if default is not None:
            return default
        raise ValueError(f"unsupported language: {value!r}")


LANGS: tuple[Lang, ...] = tuple(Lang)
