/*
 * 12345 web chat: talks to Rasa's socket.io channel (channels/webchat/connector.py).
 *
 * Safety rule: whatever the bot or the resident writes is put on the page with textContent
 * (or as the text of elements we create), never with innerHTML; links are made only for
 * http(s) URLs. Newlines show through CSS (white-space: pre-wrap).
 *
 * The session id lives in localStorage and is sent with session_request, so a reload continues
 * the same Rasa conversation; the visible transcript lives in sessionStorage (this tab only).
 */
(function () {
  "use strict";

  var MAX_CHARS = 2000;
  var MAX_TRANSCRIPT = 200;
  var KEY_SESSION = "hotline12345.session";
  var KEY_LANG = "hotline12345.lang";
  var KEY_GREETED = "hotline12345.greeted";
  var KEY_TRANSCRIPT = "hotline12345.transcript.";
  var KEY_SEEN = "hotline12345.seen.";  // bot messages this tab has shown, per session: the server sends what is missing
  var TYPING_TIMEOUT_MS = 20000;

  var LABELS = {
    zh: {
      htmlLang: "zh-CN", title: "12345 市民服务热线", placeholder: "请输入您的问题…", send: "发送",
      inputLabel: "输入消息", newChat: "新对话", messages: "对话", languages: "语言",
      connecting: "正在连接…", online: "在线", offline: "连接中断，正在重连…", typing: "正在输入…",
      name: "中文", shareLocation: "发送我的位置", sharedLocation: "我的位置",
      locationFailed: "没能获取您的位置，请直接输入地址。"
    },
    en: {
      htmlLang: "en", title: "12345 Citizen Service Hotline", placeholder: "Type your question…", send: "Send",
      inputLabel: "Message", newChat: "New chat", messages: "Conversation", languages: "Language",
      connecting: "Connecting…", online: "Online", offline: "Disconnected, reconnecting…", typing: "Typing…",
      name: "English", shareLocation: "Send my location", sharedLocation: "My location",
      locationFailed: "Your location could not be read. Please type the address instead."
    },
    ja: {
      htmlLang: "ja", title: "12345 市民サービスホットライン", placeholder: "ご質問を入力してください…", send: "送信",
      inputLabel: "メッセージ", newChat: "新しい会話", messages: "会話", languages: "言語",
      connecting: "接続中…", online: "オンライン", offline: "接続が切れました。再接続中…", typing: "入力中…",
      name: "日本語", shareLocation: "現在地を送る", sharedLocation: "現在地",
      locationFailed: "現在地を取得できませんでした。住所を入力してください。"
    }
  };
  var SWITCH_LANGUAGE = /^\/switch_language\s*(\{[\s\S]*\})\s*$/;
  var URL_PATTERN = /https?:\/\/[^\s<>"'（）()，。、；]+/g;

  var store = storage("localStorage");
  var tabStore = storage("sessionStorage");
  var elements = {};
  var socket = null;
  var sessionId = null;      // confirmed by the server
  var pending = [];          // messages typed before the session was confirmed
  var transcript = [];
  var typingTimer = null;
  var language = LABELS[store.get(KEY_LANG)] ? store.get(KEY_LANG) : "zh";
  var connectionState = "connecting";

  function storage(name) {
    var backend = null;
    try { backend = window[name]; backend.getItem("x"); } catch (e) { backend = null; }
    var memory = {};
    return {
      get: function (key) { return backend ? backend.getItem(key) : (memory[key] || null); },
      set: function (key, value) { if (backend) { try { backend.setItem(key, value); } catch (e) { /* full */ } } else { memory[key] = value; } },
      remove: function (key) { if (backend) { backend.removeItem(key); } else { delete memory[key]; } }
    };
  }

  function byId(id) { return document.getElementById(id); }

  function init() {
    ["chat", "messages", "typing", "typing-bubble", "composer", "input", "send", "counter", "status", "status-text",
     "languages", "new-chat", "input-label", "share-location"].forEach(function (id) { elements[id] = byId(id); });

    elements.composer.addEventListener("submit", function (event) {
      event.preventDefault();
      submitInput();
    });
    elements.input.addEventListener("keydown", function (event) {
      // Enter sends, Shift+Enter breaks the line; never while an IME (pinyin, kana) is composing.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        submitInput();
      }
    });
    elements.input.addEventListener("input", updateComposer);
    elements.languages.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-lang]");
      if (button) { chooseLanguage(button.getAttribute("data-lang")); }
    });
    elements["new-chat"].addEventListener("click", newChat);
    if (navigator.geolocation && window.isSecureContext !== false) {
      elements["share-location"].addEventListener("click", shareLocation);
    } else {
      elements["share-location"].hidden = true;  // browsers only locate pages on https or localhost
    }

    applyLanguage(language);
    updateComposer();
    restoreTranscript(store.get(KEY_SESSION));
    connect();
  }

  /* ---------- connection ---------- */

  function connect() {
    if (typeof window.io !== "function") { setStatus("offline"); return; }
    var body = document.body;
    var path = body.getAttribute("data-socketio-path") || "/socket.io";
    var namespace = body.getAttribute("data-namespace") || "";
    socket = window.io(window.location.origin + namespace, { path: path });
    socket.on("connect", function () {
      setStatus("connecting");
      var session = store.get(KEY_SESSION);
      var request = { session_id: session || null };
      if (session) { request.seen = seenCount(session); }
      socket.emit("session_request", request);
    });
    socket.on("session_confirm", onSessionConfirm);
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function () { sessionId = null; setStatus("offline"); hideTyping(); });
    socket.on("connect_error", function () { setStatus("offline"); });
  }

  function onSessionConfirm(data) {
    var confirmed = typeof data === "string" ? data : (data && data.session_id);
    if (!confirmed) { return; }
    if (data && typeof data.bot_messages === "number") { tabStore.set(KEY_SEEN + confirmed, String(data.bot_messages)); }
    var previous = store.get(KEY_SESSION);
    sessionId = confirmed;
    if (previous !== confirmed) {
      if (previous) { clearMessages(); transcript = []; }  // the server chose another session
      store.set(KEY_SESSION, confirmed);
      saveTranscript();
    }
    setStatus("online");
    if (store.get(KEY_GREETED) !== confirmed) {
      store.set(KEY_GREETED, confirmed);
      if (language !== "zh") { emit(switchPayload(language)); }
      emit("/greet");
      showTyping();
    }
    var queued = pending;
    pending = [];
    queued.forEach(emit);
  }

  function emit(text) {
    if (socket && sessionId && socket.connected) {
      socket.emit("user_uttered", { message: text, session_id: sessionId });
    } else {
      pending.push(text);
    }
  }

  function newChat() {
    store.remove(KEY_SESSION);
    tabStore.remove(KEY_TRANSCRIPT + (sessionId || ""));
    tabStore.remove(KEY_SEEN + (sessionId || ""));
    sessionId = null;
    pending = [];
    transcript = [];
    clearMessages();
    hideTyping();
    if (socket) {
      // A new socket id leaves the old session's room, so its late replies do not show here.
      socket.disconnect();
      socket.connect();
    }
  }

  /* ---------- sending ---------- */

  function submitInput() {
    var text = elements.input.value.slice(0, MAX_CHARS);
    if (!text.trim()) { return; }
    elements.input.value = "";
    updateComposer();
    sendUser(text, text);
  }

  function sendUser(message, shown) {
    addEntry({ who: "user", text: shown });
    emit(message);
    showTyping();
  }

  // The position goes to the bot as a payload, like WeChat and Telegram locations do.
  function shareLocation() {
    var button = elements["share-location"];
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      button.disabled = false;
      var latitude = Math.round(position.coords.latitude * 1e6) / 1e6;
      var longitude = Math.round(position.coords.longitude * 1e6) / 1e6;
      sendUser("/share_location" + JSON.stringify({ latitude: latitude, longitude: longitude }),
               LABELS[language].sharedLocation + " (" + latitude.toFixed(5) + ", " + longitude.toFixed(5) + ")");
    }, function () {
      button.disabled = false;
      addEntry({ who: "bot", text: LABELS[language].locationFailed, buttons: [] });
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  function switchPayload(code) {
    return "/switch_language" + JSON.stringify({ language: code });
  }

  function chooseLanguage(code) {
    if (!LABELS[code]) { return; }
    applyLanguage(code);
    sendUser(switchPayload(code), LABELS[code].name);
  }

  function onButton(button) {
    var match = SWITCH_LANGUAGE.exec(button.payload);
    if (match) {
      try {
        var code = JSON.parse(match[1]).language;
        if (LABELS[code]) { applyLanguage(code); }
      } catch (e) { /* not JSON: leave the labels */ }
    }
    sendUser(button.payload, button.title);
  }

  /* ---------- receiving ---------- */

  function seenCount(session) {
    var count = parseInt(tabStore.get(KEY_SEEN + session) || "0", 10);
    return isNaN(count) || count < 0 ? 0 : count;
  }

  function onBotMessage(message) {
    var session = sessionId || store.get(KEY_SESSION);
    if (session) { tabStore.set(KEY_SEEN + session, String(seenCount(session) + 1)); }  // every message counts
    if (!message || typeof message !== "object") { return; }
    var entry = { who: "bot", text: typeof message.text === "string" ? message.text : "", buttons: [] };
    var replies = Array.isArray(message.quick_replies) ? message.quick_replies
      : (Array.isArray(message.buttons) ? message.buttons : []);
    replies.forEach(function (reply) {
      if (reply && typeof reply.title === "string" && typeof reply.payload === "string") {
        entry.buttons.push({ title: reply.title, payload: reply.payload });
      }
    });
    var attachment = message.attachment;
    if (attachment && attachment.type === "image" && attachment.payload && typeof attachment.payload.src === "string") {
      entry.link = attachment.payload.src;
    }
    if (!entry.text && !entry.buttons.length && !entry.link) { return; }
    hideTyping();
    addEntry(entry);
  }

  /* ---------- transcript ---------- */

  function addEntry(entry) {
    transcript.push(entry);
    if (transcript.length > MAX_TRANSCRIPT) { transcript = transcript.slice(-MAX_TRANSCRIPT); }
    saveTranscript();
    render(entry);
  }

  function saveTranscript() {
    var id = sessionId || store.get(KEY_SESSION);
    if (id) { tabStore.set(KEY_TRANSCRIPT + id, JSON.stringify(transcript)); }
  }

  function restoreTranscript(id) {
    if (!id) { return; }
    var saved = null;
    try { saved = JSON.parse(tabStore.get(KEY_TRANSCRIPT + id) || "null"); } catch (e) { saved = null; }
    if (!Array.isArray(saved)) { return; }
    transcript = saved.filter(function (entry) { return entry && typeof entry.text === "string"; });
    transcript.forEach(render);
  }

  function clearMessages() {
    while (elements.messages.firstChild) { elements.messages.removeChild(elements.messages.firstChild); }
  }

  /* ---------- rendering (textContent only) ---------- */

  function render(entry) {
    var row = document.createElement("div");
    row.className = "msg " + (entry.who === "user" ? "user" : "bot");
    if (entry.who === "user") { disableOldButtons(); }
    if (entry.text) {
      var bubble = document.createElement("div");
      bubble.className = "bubble";
      appendText(bubble, entry.text);
      row.appendChild(bubble);
    }
    if (entry.link) {
      var linkBubble = document.createElement("div");
      linkBubble.className = "bubble";
      appendText(linkBubble, entry.link);
      row.appendChild(linkBubble);
    }
    if (entry.buttons && entry.buttons.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      entry.buttons.forEach(function (reply) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "reply";
        button.textContent = reply.title;
        button.setAttribute("data-payload", reply.payload);
        button.addEventListener("click", function () {
          if (button.disabled) { return; }
          button.classList.add("chosen");
          onButton(reply);
        });
        group.appendChild(button);
      });
      row.appendChild(group);
    }
    elements.messages.appendChild(row);
    scrollToEnd();
  }

  function scrollToEnd() {
    window.scrollTo(0, document.documentElement.scrollHeight);
  }

  function appendText(parent, text) {
    var last = 0;
    text.replace(URL_PATTERN, function (url, offset) {
      if (offset > last) { parent.appendChild(document.createTextNode(text.slice(last, offset))); }
      var link = document.createElement("a");
      link.href = url;
      link.textContent = url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      parent.appendChild(link);
      last = offset + url.length;
      return url;
    });
    if (last < text.length) { parent.appendChild(document.createTextNode(text.slice(last))); }
  }

  function disableOldButtons() {
    var buttons = elements.messages.querySelectorAll("button.reply:not([disabled])");
    Array.prototype.forEach.call(buttons, function (button) { button.disabled = true; });
  }

  /* ---------- UI state ---------- */

  function applyLanguage(code) {
    language = code;
    store.set(KEY_LANG, code);
    var labels = LABELS[code];
    document.documentElement.lang = labels.htmlLang;
    document.title = labels.title;
    elements.input.placeholder = labels.placeholder;
    elements["input-label"].textContent = labels.inputLabel;
    elements.send.textContent = labels.send;
    elements["new-chat"].textContent = labels.newChat;
    elements.messages.setAttribute("aria-label", labels.messages);
    elements.languages.setAttribute("aria-label", labels.languages);
    elements["typing-bubble"].setAttribute("aria-label", labels.typing);
    elements["share-location"].title = labels.shareLocation;
    elements["share-location"].setAttribute("aria-label", labels.shareLocation);
    Array.prototype.forEach.call(elements.languages.querySelectorAll("button[data-lang]"), function (button) {
      var active = button.getAttribute("data-lang") === code;
      button.classList.toggle("active", active);
      button.setAttribute("aria-pressed", active ? "true" : "false");
    });
    setStatus(connectionState);
  }

  function setStatus(state) {
    connectionState = state;
    elements.status.setAttribute("data-state", state);
    elements["status-text"].textContent = LABELS[language][state];
  }

  function updateComposer() {
    var input = elements.input;
    if (input.value.length > MAX_CHARS) { input.value = input.value.slice(0, MAX_CHARS); }
    var length = input.value.length;
    elements.counter.textContent = length + "/" + MAX_CHARS;
    elements.counter.classList.toggle("near", length >= MAX_CHARS * 0.9);
    elements.send.disabled = !input.value.trim();
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  }

  function showTyping() {
    elements.typing.hidden = false;
    scrollToEnd();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    elements.typing.hidden = true;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
