"""WeChat official account connector (wechatpy). Credentials key: ``channels.wechat.WeChatInput``."""

from channels.wechat.connector import WeChatInput

__all__ = ["WeChatInput"]
