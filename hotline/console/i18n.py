"""Every string the console shows, in Chinese and English, and language-aware display helpers."""

from collections.abc import Callable
from datetime import datetime

from bot.taxonomy import Taxonomy

UI_LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

# key: (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("12345 市民服务热线 · 坐席工作台", "12345 Citizen Hotline · Operator Console"),
    "brand": ("市民服务热线 · 坐席工作台", "Citizen Hotline · Operator Console"),
    "switch_to": ("English", "中文"),
    "nav_queue": ("工单队列", "Ticket queue"),
    "logout": ("退出登录", "Sign out"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "login_title": ("坐席登录", "Staff sign-in"),
    "login_token": ("访问令牌", "Access token"),
    "login_hint": ("请粘贴您的访问令牌（与 /api 接口使用的令牌相同）。",
                   "Paste your access token (the same bearer token you use for /api)."),
    "login_submit": ("登录", "Sign in"),
    "login_error": ("令牌无效或已停用。", "Unknown or revoked token."),
    "login_throttled": ("登录失败次数过多，请 {minutes} 分钟后再试。",
                        "Too many failed sign-ins. Try again in {minutes} min."),
    "nav_staff": ("人员令牌", "Staff"),
    "staff_title": ("人员与访问令牌", "Staff and access tokens"),
    "staff_hint": ("令牌由管理员通过 POST /api/staff 创建，仅在创建时显示一次。"
                   "停用后该令牌立即失效，其登录会话全部结束。",
                   "Admins create tokens with POST /api/staff; a token is shown once, when it is created. "
                   "Revoking it stops it at once and ends its console sessions."),
    "staff_revoked": ("令牌已停用，该人员的登录会话已全部结束。",
                      "The token is revoked and the member's console sessions have ended."),
    "staff_empty": ("尚无人员令牌。", "No staff tokens yet."),
    "col_name": ("名称", "Name"),
    "col_role": ("角色", "Role"),
    "col_state": ("状态", "State"),
    "col_created": ("创建时间", "Created"),
    "col_created_by": ("创建人", "Created by"),
    "col_revoked": ("停用", "Revoked"),
    "state_active": ("有效", "Active"),
    "state_revoked": ("已停用", "Revoked"),
    "revoke": ("停用", "Revoke"),
    "err_admin_only": ("仅管理员可使用此页面。", "Only administrators can use this page."),
    "err_no_staff": ("没有该人员。", "No such staff member."),
    "col_id": ("工单编号", "Request ID"),
    "col_category": ("诉求类别", "Category"),
    "col_status": ("状态", "Status"),
    "col_priority": ("优先级", "Priority"),
    "col_location": ("区 / 街道（乡镇）", "District / sub-district"),
    "col_department": ("承办部门", "Department"),
    "col_requested": ("受理时间", "Requested"),
    "col_due": ("办结时限", "Resolution due"),
    "filter_status": ("状态", "Status"),
    "filter_department": ("承办部门", "Department"),
    "filter_district": ("区", "District"),
    "filter_q": ("关键词", "Search"),
    "filter_q_hint": ("编号、诉求内容或地址", "ID, text or address"),
    "filter_all": ("全部", "All"),
    "filter_apply": ("筛选", "Filter"),
    "filter_reset": ("重置", "Reset"),
    "total": ("共 {n} 件工单", "{n} tickets"),
    "page_of": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "empty": ("没有符合条件的工单。", "No tickets match these filters."),
    "overdue": ("已超期", "Overdue"),
    "back": ("返回队列", "Back to queue"),
    "ticket": ("工单", "Ticket"),
    "sec_routing": ("分派信息", "Routing"),
    "sec_appeal": ("诉求内容", "Appeal"),
    "sec_contact": ("联系方式", "Contact"),
    "sec_timeline": ("办理记录", "Timeline"),
    "sec_satisfaction": ("满意度评价", "Satisfaction"),
    "sec_update": ("更新工单", "Update ticket"),
    "category": ("诉求类别", "Category"),
    "department": ("承办部门", "Department"),
    "district": ("区", "District"),
    "subdistrict": ("街道（乡镇）", "Sub-district"),
    "priority": ("优先级", "Priority"),
    "status": ("状态", "Status"),
    "requested": ("受理时间", "Requested"),
    "response_due": ("响应时限", "Response due"),
    "resolution_due": ("办结时限", "Resolution due"),
    "address": ("地址", "Address"),
    "original": ("原文（{lang}）", "Original text ({lang})"),
    "translation": ("译文（{lang}）", "Translation ({lang})"),
    "redacted": ("已按您的角色隐去个人信息。", "Personal data is hidden for your role."),
    "no_contact": ("未留联系方式。", "No contact details given."),
    "time": ("时间", "Time"),
    "actor": ("操作人", "By"),
    "note": ("备注", "Note"),
    "no_ratings": ("暂无评价。", "No ratings yet."),
    "rating": ("评分", "Rating"),
    "comment": ("评价内容", "Comment"),
    "sat_resolved": ("已解决", "Resolved"),
    "sat_unresolved": ("未解决", "Not resolved"),
    "new_status": ("新状态", "New status"),
    "note_only": ("仅添加备注（不改状态）", "Note only (keep status)"),
    "note_language": ("备注语言", "Note language"),
    "submit": ("提交", "Submit"),
    "saved": ("工单已更新。", "The ticket has been updated."),
    "final_state": ("当前状态下无可用的状态变更。", "No status change is possible from here."),
    "none": ("—", "—"),
    "err_csrf": ("表单已失效，请刷新页面后重试。", "This form has expired; reload the page and try again."),
    "err_forbidden": ("您的角色无权更新工单。", "Your role cannot update tickets."),
    "err_not_found": ("未找到该工单。", "No such ticket."),
    "err_transition": ("当前状态不允许变更为“{to}”。", "The ticket cannot move to “{to}” from its current status."),
    "err_empty": ("请选择新状态或填写备注。", "Choose a new status or write a note."),
    "err_status": ("无效的状态。", "Unknown status."),
    "err_note": ("备注无效或过长（最多 4000 字）。", "The note is invalid or too long (4,000 characters at most)."),
    "err_language": ("无效的备注语言。", "Unknown note language."),
    "error_title": ("出错了", "Something went wrong"),
    "status_open": ("待受理", "Open"),
    "status_accepted": ("已受理", "Accepted"),
    "status_in_progress": ("办理中", "In progress"),
    "status_resolved": ("已办结", "Resolved"),
    "status_closed": ("已关闭", "Closed"),
    "status_reopened": ("重新办理", "Reopened"),
    "priority_urgent": ("紧急", "Urgent"),
    "priority_normal": ("一般", "Normal"),
    "role_admin": ("管理员", "Administrator"),
    "role_operator": ("话务员", "Operator"),
    "role_analyst": ("分析员", "Analyst"),
    "lang_zh": ("中文", "Chinese"),
    "lang_en": ("英文", "English"),
    "lang_ja": ("日文", "Japanese"),
    "lang_ko": ("韩文", "Korean"),
    "lang_ru": ("俄文", "Russian"),
    "lang_fr": ("法文", "French"),
    "lang_de": ("德文", "German"),
    "lang_es": ("西班牙文", "Spanish"),
    "filter_multilingual": ("仅看需多语种坐席", "Needs multilingual operator only"),
    "needs_multilingual": ("需多语种坐席", "Needs multilingual operator"),
    "needs_multilingual_hint": ("该诉求为{lang}，暂无可用的机器翻译模型，请转交能阅读{lang}的坐席处理。",
                                "This appeal is in {lang} and no machine translation model is installed for it: "
                                "pass it to an operator who reads {lang}."),
    "machine_translated": ("机器翻译", "Machine translated"),
    "translation_note": ("机器翻译仅供参考，以原文为准。",
                         "Machine translation, for reference: the original text prevails."),
    "translation_pending": ("机器翻译进行中，请稍后刷新。", "Machine translation in progress; reload in a moment."),
    "contact_channel": ("渠道", "Channel"),
    "contact_channel_user_id": ("渠道用户", "Channel user"),
    "contact_email": ("电子邮箱", "E-mail"),
    "contact_phone": ("电话", "Phone"),
    "contact_first_name": ("名", "First name"),
    "contact_last_name": ("姓", "Last name"),
    "contact_device_id": ("设备", "Device"),
    "contact_account_id": ("账号", "Account"),
}

Translator = Callable[..., str]


def pick_lang(*candidates: str | None) -> str:
    """The first candidate that is a console language, else Chinese."""
    return next((c for c in candidates if c in UI_LANGS), DEFAULT_LANG)


def translator(lang: str) -> Translator:
    """``t(key, **values)`` for one language; an unknown key is a bug and raises KeyError."""
    index = UI_LANGS.index(lang)

    def t(key: str, **values: object) -> str:
        text = TEXT[key][index]
        return text.format(**values) if values else text

    return t


def language_name(t: Translator, code: str | None) -> str:
    """A language's name in the console's language; the bare code for languages without one."""
    key = f"lang_{code}"
    return t(key) if key in TEXT else (code or "—")


def other_lang(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def short_time(w3c_value: str | None) -> str:
    """``2024-05-01T09:30:00+08:00`` -> ``2024-05-01 09:30`` (the value is already Beijing time)."""
    if not w3c_value:
        return "—"
    return datetime.fromisoformat(w3c_value).strftime("%Y-%m-%d %H:%M")


def category_path(taxonomy: Taxonomy, code: str, lang: str) -> list[str]:
    """Names from the top level down to the leaf, or the bare code if it left the taxonomy."""
    if code not in taxonomy.categories:
        return [code]
    return [c.name[lang] for c in taxonomy.path(code)]
