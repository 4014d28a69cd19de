// Ember's chat widget: Rasa's socketio channel for live messages, the page's own server for
// the history and the support contacts. Every text is put into the page as text (DOM text
// nodes, never innerHTML), so HTML in any message is shown, never run.
//
// One widget for both the full page (page.js) and the panel other sites embed (embed.js):
// `root` is the document or the panel's shadow root, holding the elements of index.html by
// their ids, and `options` says where Ember's server is:
//   origin   Ember's origin, "" for the page's own
//   store    the localStorage key of the conversation id and country
//   exitUrl  where quick exit goes (else the server's EMBER_EXIT_URL, else a weather page)
//   clear    removes the chat from the screen before quick exit leaves
// It returns { focus, quickExit }.
function startEmberChat(root, options) {
  "use strict";

  const STORE = options.store;
  const ORIGIN = options.origin;
  const REPLY_PATIENCE_MS = 45000;
  // Opened again this long after the last message, the page asks Ember to welcome the
  // person back without showing it as something they said (ember/core/visits.py).
  const VISIT_GAP_MS = 6 * 60 * 60 * 1000;
  const REOPENED_PAYLOAD = "/chat_reopened";
  // Somewhere that looks like everyday browsing, for someone who may be watched.
  const NEUTRAL_URL = "https://www.bbc.com/weather";
  const $ = (id) => root.getElementById(id);
  const log = $("log");
  const typing = $("typing");
  const status = $("status");
  const input = $("message");
  const sendButton = $("send-button");

  // Only the conversation id and the country live in the browser; the messages stay on the
  // server, so a shared computer shows nothing once the conversation is deleted.
  function loadState() {
    try {
      return JSON.parse(localStorage.getItem(STORE)) || {};
    } catch (error) {
      return {};
    }
  }
  function saveState() {
    try {
      localStorage.setItem(STORE, JSON.stringify(state));
    } catch (error) {
      // Storage blocked (a private window, a sandboxed host page): this tab still works.
    }
  }

  // A random UUID4 is the key to the conversation (see ember/web.py): it must be unguessable.
  function newConversationId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // The browser's language region ("en-GB" -> GB) says little about where someone is (an
  // en-US browser in Lagos): it is only offered as one button in the contacts panel, never
  // used until the person chooses it.
  function localeCountry() {
    for (const tag of navigator.languages || [navigator.language]) {
      const match = /-([A-Za-z]{2})\b/.exec(tag || "");
      if (match) return match[1].toUpperCase();
    }
    return null;
  }

  const state = loadState();
  if (!state.conversation) {
    state.conversation = newConversationId();
    saveState();
  }
  function country() { return state.country || null; }

  // ---- rendering -------------------------------------------------------------------------

  function timeElement(seconds) {
    const when = seconds ? new Date(seconds * 1000) : new Date();
    const element = document.createElement("time");
    element.dateTime = when.toISOString();
    const today = new Date().toDateString() === when.toDateString();
    element.textContent = today
      ? when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
    return element;
  }

  // Markdown at most: **bold**, line breaks, and web addresses as links. Built from text nodes.
  const INLINE = /(\*\*[^*\n]+\*\*|https?:\/\/[^\s<>"')]+[^\s<>"').,;:!?])/g;
  function appendInline(parent, line) {
    let last = 0;
    for (const match of line.matchAll(INLINE)) {
      parent.append(line.slice(last, match.index));
      const token = match[0];
      if (token.startsWith("**")) {
        const strong = document.createElement("strong");
        strong.textContent = token.slice(2, -2);
        parent.append(strong);
      } else {
        const link = document.createElement("a");
        link.href = token;
        link.textContent = token;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        parent.append(link);
      }
      last = match.index + token.length;
    }
    parent.append(line.slice(last));
  }

  function renderRichText(container, text) {
    for (const paragraph of String(text).split(/\n{2,}/)) {
      const p = document.createElement("p");
      paragraph.split("\n").forEach((line, index) => {
        if (index) p.append(document.createElement("br"));
        appendInline(p, line);
      });
      container.append(p);
    }
  }

  function removeQuickReplies() {
    log.querySelectorAll(".quick-replies").forEach((group) => group.remove());
  }

  function addMessage(from, text, seconds, buttons) {
    $("empty").hidden = true;
    const item = document.createElement("li");
    item.className = `msg ${from}`;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = from === "bot" ? "Ember said: " : "You said: ";
    const bubble = document.createElement("div");
    bubble.className = "bubble";
    if (from === "bot") renderRichText(bubble, text);
    else bubble.textContent = text;
    item.append(who, bubble);
    if (buttons && buttons.length) {
      const group = document.createElement("div");
      group.className = "quick-replies";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Quick replies");
      for (const button of buttons) {
        const element = document.createElement("button");
        element.type = "button";
        element.textContent = button.title;
        element.addEventListener("click", () => send(button.payload, button.title));
        group.append(element);
      }
      item.append(group);
    }
    item.append(timeElement(seconds));
    log.append(item);
    // Scrolls the log alone: scrollIntoView would scroll a host page around the panel too.
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function addElement(element) {
    const item = document.createElement("li");
    item.className = "msg bot";
    item.append(element);
    log.append(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function showStatus(text) { status.textContent = text || ""; }

  // ---- conversation ----------------------------------------------------------------------

  let socket = null;
  let ready = false;
  let restored = false;
  let waiting = null;
  let sentThisTurn = false;
  let lastTurn = [];
  let exitUrl = options.exitUrl || NEUTRAL_URL;

  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(waiting);
    if (on) {
      waiting = setTimeout(() => {
        typing.hidden = true;
        showStatus("Ember is taking a while to answer. Your message was sent; you can wait or try again.");
      }, REPLY_PATIENCE_MS);
    }
  }

  function send(payload, shown, { visible = true } = {}) {
    const text = String(payload).trim();
    if (!text) return false;
    if (!ready) {
      showStatus("Not connected yet, so nothing was sent. Please try again in a moment.");
      return false;
    }
    removeQuickReplies();
    if (visible) addMessage("user", shown || text);
    // The label lets the restored history show a button's title rather than its payload.
    const metadata = shown ? { label: shown } : {};
    // Days (a boundary's count, check-ins) are counted in the person's own time zone.
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone) metadata.timezone = zone;
    const message = { message: text, session_id: state.conversation, metadata };
    // The country goes along only when it changes, so a country the person names in the
    // chat ("I'm in the UK") is not overwritten by the browser's setting on the next message.
    const code = country();
    if (code && code !== state.sentCountry) {
      metadata.country = code;
      state.sentCountry = code;
      saveState();
    }
    lastTurn = [];
    sentThisTurn = true;
    showStatus("");
    setTyping(true);
    socket.emit("user_uttered", message);
    return true;
  }

  // For the scripts that add their own buttons (journal.js).
  window.EmberChat = { send };

  async function fetchHistory() {
    const answer = await fetch(`${ORIGIN}/api/history/${state.conversation}`, { cache: "no-store" });
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.error || "The history could not be loaded.");
    return body.messages;
  }

  async function restoreHistory() {
    log.setAttribute("aria-busy", "true");
    try {
      const messages = await fetchHistory();
      log.replaceChildren();
      messages.forEach((message, index) => {
        const latest = index === messages.length - 1;
        addMessage(message.from, message.text, message.time, latest ? message.buttons : []);
      });
      $("empty").hidden = messages.length > 0;
      return messages;
    } catch (error) {
      showStatus(error.message);
      return [];
    } finally {
      log.removeAttribute("aria-busy");
    }
  }

  function welcomeBackIfAway(messages) {
    const last = messages[messages.length - 1];
    if (last && last.time && Date.now() - last.time * 1000 >= VISIT_GAP_MS) {
      send(REOPENED_PAYLOAD, null, { visible: false });
    }
  }

  // Erasure happens inside Rasa's tracker store; the page learns of it when the server no
  // longer has the conversation it was showing, however the person asked for it.
  async function checkErased() {
    let messages;
    try {
      messages = await fetchHistory();
    } catch (error) {
      return;
    }
    if (messages.length || !sentThisTurn) return;
    const farewell = lastTurn;
    localStorage.removeItem(STORE);
    for (const key of Object.keys(state)) delete state[key];
    state.conversation = newConversationId();
    saveState();
    log.replaceChildren(...farewell);
    showStatus("This conversation was erased. Anything you write now starts a new one.");
    sentThisTurn = false;
    socket.emit("session_request", { session_id: state.conversation });
  }

  function connect(socketUrl) {
    // Websocket only: each of the Rasa server's workers knows only its own sockets
    // (ember/socketio_channel.py).
    socket = io(socketUrl || ORIGIN || window.location.origin, {
      path: "/socket.io",
      transports: ["websocket"],
      reconnectionDelayMax: 5000,
    });
    socket.on("connect", () => {
      showStatus("");
      socket.emit("session_request", { session_id: state.conversation });
    });
    socket.on("session_confirm", async (sessionId) => {
      if (sessionId !== state.conversation) {
        state.conversation = sessionId;
        saveState();
      }
      // The history first, so nothing sent meanwhile is drawn over by it.
      let messages = null;
      if (!restored) {
        restored = true;
        messages = await restoreHistory();
      }
      ready = true;
      sendButton.disabled = false;
      if (messages) welcomeBackIfAway(messages);
    });
    socket.on("bot_uttered", (message) => {
      // Rich replies (the mood chart, the journal) are drawn by their own scripts.
      for (const render of window.EmberRenderers || []) {
        const element = render(message);
        if (element) {
          lastTurn.push(addElement(element));
          return;
        }
      }
      if (!message || typeof message.text !== "string") return;
      const buttons = (message.quick_replies || message.buttons || []).map((button) => ({
        title: String(button.title),
        payload: String(button.payload),
      }));
      lastTurn.push(addMessage("bot", message.text, null, buttons));
    });
    socket.on("bot_turn_done", () => {
      setTyping(false);
      checkErased();
    });
    // Sent instead of a reply when a message could not be taken or Ember failed to answer.
    socket.on("invalid_message", (problem) => {
      setTyping(false);
      const reason = problem && typeof problem.error === "string" ? problem.error : "";
      showStatus(`${reason} If you need someone right now, "In crisis?" above shows who you can reach.`);
    });
    socket.on("disconnect", () => {
      ready = false;
      sendButton.disabled = true;
      setTyping(false);
      showStatus("Connection lost. Reconnecting…");
    });
    socket.on("connect_error", () => {
      showStatus("Can't reach Ember right now. Trying again…");
    });
  }

  // ---- crisis contacts -------------------------------------------------------------------

  const contacts = $("contacts");
  const crisisButton = $("crisis-button");
  const countrySelect = $("country-select");
  const countryGuess = $("country-guess");

  async function showContacts() {
    const code = country() || "";
    const answer = await fetch(`${ORIGIN}/api/contacts?country=${encodeURIComponent(code)}`);
    const body = await answer.json();
    const text = $("contacts-text");
    text.replaceChildren();
    renderRichText(text, body.text);
    const options = [new Option("Not listed / rather not say", "")].concat(
      body.countries.map((each) => new Option(each.name, each.code)));
    countrySelect.replaceChildren(...options);
    countrySelect.value = body.country || "";
    const guess = localeCountry();
    const guessed = body.countries.find((each) => each.code === guess);
    countryGuess.hidden = Boolean(state.country) || !guessed;
    if (guessed) {
      countryGuess.textContent = `I'm in ${guessed.name}`;
      countryGuess.dataset.code = guessed.code;
    }
  }

  async function openContacts() {
    contacts.hidden = false;
    crisisButton.setAttribute("aria-expanded", "true");
    $("contacts-title").focus();
    try {
      await showContacts();
    } catch (error) {
      $("contacts-text").textContent =
        "The contacts could not be loaded. Please call your local emergency number, or find a line at https://findahelpline.com";
    }
  }

  function closeContacts() {
    contacts.hidden = true;
    crisisButton.setAttribute("aria-expanded", "false");
    crisisButton.focus();
  }

  crisisButton.addEventListener("click", () => (contacts.hidden ? openContacts() : closeContacts()));
  $("contacts-close").addEventListener("click", closeContacts);
  contacts.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    // The contacts alone: the panel around them stays open.
    event.stopPropagation();
    closeContacts();
  });
  function chooseCountry(code) {
    state.country = code || null;
    saveState();
    showContacts();
  }
  countrySelect.addEventListener("change", () => chooseCountry(countrySelect.value));
  countryGuess.addEventListener("click", () => {
    chooseCountry(countryGuess.dataset.code);
    // The button hides itself: keep the keyboard inside the panel.
    countrySelect.focus();
  });

  // ---- composer --------------------------------------------------------------------------

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    if (send(input.value)) input.value = "";
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("delete-button").addEventListener("click", () => send("/delete_my_data", "Delete my conversation"));

  // ---- quick exit ------------------------------------------------------------------------

  // Nothing of the chat stays on screen, and the page is replaced rather than left, so Back
  // does not bring it back. The conversation stays on the server, as Delete is a choice.
  function quickExit() {
    if (socket) socket.disconnect();
    options.clear();
    window.location.replace(exitUrl);
  }
  $("exit-button").addEventListener("click", quickExit);

  sendButton.disabled = true;
  showStatus("Connecting…");
  fetch(`${ORIGIN}/config.json`)
    .then((answer) => {
      if (!answer.ok) throw new Error(`config: ${answer.status}`);
      return answer.json();
    })
    .then((config) => {
      if (!options.exitUrl && config.exitUrl) exitUrl = config.exitUrl;
      connect(config.socketUrl);
    })
    .catch(() => showStatus("The chat could not start. Please reload the page."));

  return { focus: () => input.focus(), quickExit };
}
