// Ember's chat panel for other web sites: a launcher button and the chat (chat.js) in a
// shadow root, so the host page's CSS cannot reach in and the panel's cannot leak out.
// ember/services/web.py serves it as /embed.js after the Socket.IO client and chat.js, all in
// one function scope: the only global is `window.EmberChat` (docs/embedding.md).
//
//   <script src="https://ember.example/embed.js" data-title="Ember" data-primary-color="#1d5a56"
//           data-position="right" data-open="false" data-exit-url="https://…" defer></script>
//
// Everything is built with DOM calls (no innerHTML, no inline styles, no eval), so it runs
// under a strict host Content-Security-Policy that allows Ember's origin.

const EMBED_SCRIPT = document.currentScript;
// Text on the brand colour is white: a colour darker than this contrast is refused.
const MIN_CONTRAST = 4.5;

function el(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === true) element.setAttribute(name, "");
    else if (value !== false && value != null) element.setAttribute(name, value);
  }
  element.append(...children);
  return element;
}

function relativeLuminance(rgb) {
  const [r, g, b] = rgb.map((value) => {
    const channel = value / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(first, second) {
  const [light, dark] = [relativeLuminance(first), relativeLuminance(second)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}

// The host's colour, if white text on it and it on its own light tint stay readable.
function brandColours(value, probeParent) {
  if (!value || !CSS.supports("color", value)) return null;
  const probe = el("span");
  probe.style.color = value;
  probeParent.append(probe);
  const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
  probe.remove();
  if (rgb.length !== 3) return null;
  const tint = rgb.map((channel) => channel * 0.12 + 255 * 0.88);
  if (contrast(rgb, [255, 255, 255]) < MIN_CONTRAST || contrast(rgb, tint) < MIN_CONTRAST) {
    console.warn(`Ember: data-primary-color ${value} is too light for white text; using Ember's own.`);
    return null;
  }
  return { primary: `rgb(${rgb.join(", ")})`, soft: `rgb(${tint.map(Math.round).join(", ")})` };
}

function panelMarkup(title) {
  return el("div", { id: "panel", class: "panel", role: "dialog", "aria-labelledby": "chat-title", hidden: true },
    el("section", { class: "chat" },
      el("header", { class: "chat-header" },
        el("div", { class: "identity" },
          el("h2", { id: "chat-title" }, title),
          el("p", { class: "ai-note" },
            "An AI companion for reflection: not a person, not a therapist, and not an emergency service.")),
        el("button", { type: "button", id: "close-button", class: "close quiet", "aria-label": "Close the chat" }, "×"),
        el("div", { class: "chat-actions" },
          el("button", { type: "button", id: "crisis-button", class: "crisis", "aria-expanded": "false", "aria-controls": "contacts" },
            "In crisis?"),
          el("button", { type: "button", id: "delete-button", class: "quiet" }, "Delete conversation"),
          el("button", { type: "button", id: "exit-button", class: "exit", title: "Leaves at once for an everyday web site" },
            "Quick exit"))),
      el("section", { id: "contacts", class: "contacts", "aria-labelledby": "contacts-title", hidden: true },
        el("div", { class: "contacts-head" },
          el("h3", { id: "contacts-title", tabindex: "-1" }, "If you are in crisis"),
          el("button", { type: "button", id: "contacts-close", class: "quiet" }, "Close")),
        el("p", { class: "contacts-lead" },
          "If you might act on thoughts of ending your life, or you are in danger, contact your local emergency number now."),
        el("div", { id: "contacts-text", class: "contacts-text" }),
        el("label", { class: "country-picker" }, "Where you are ", el("select", { id: "country-select" })),
        el("button", { type: "button", id: "country-guess", class: "quiet", hidden: true })),
      el("p", { id: "status", class: "status", role: "status" }),
      el("ol", { id: "log", class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation with Ember" }),
      el("p", { id: "empty", class: "empty" },
        "Say hi, or tell Ember what happened. You can stop or delete the conversation at any time."),
      el("div", { id: "typing", class: "typing", hidden: true },
        el("span", { class: "dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
        el("span", { class: "typing-label" }, "Ember is typing…")),
      el("form", { id: "composer", class: "composer", autocomplete: "off" },
        el("label", { for: "message", class: "visually-hidden" }, "Your message to Ember"),
        el("textarea", { id: "message", rows: "2", maxlength: "2000", required: true,
          placeholder: "Write to Ember… (Enter sends, Shift+Enter for a new line)" }),
        el("button", { type: "submit", id: "send-button" }, "Send")),
      el("footer", { class: "chat-footer" },
        el("p", {}, "Ember is an AI, not a therapist. Your conversation is kept on Ember's server under a private id stored only in this browser; “Delete conversation” erases it."))));
}

function mountEmber() {
  const data = EMBED_SCRIPT.dataset;
  const origin = new URL(EMBED_SCRIPT.src).origin;
  const title = (data.title || "").trim() || "Ember";

  const host = el("ember-chat");
  const shadow = host.attachShadow({ mode: "open" });
  const theme = el("div", { class: "ember-theme ember-embed", "data-position": data.position === "left" ? "left" : "right", hidden: true });
  const launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "panel" }, title);
  const panel = panelMarkup(title);
  theme.append(launcher, panel);
  // Shown once styled, so the host never sees the bare markup flash by.
  const sheets = ["chat.css", "embed.css"].map((name) => el("link", { rel: "stylesheet", href: `${origin}/${name}` }));
  let pending = sheets.length;
  const reveal = () => { if (--pending === 0) theme.hidden = false; };
  for (const sheet of sheets) {
    sheet.addEventListener("load", reveal);
    sheet.addEventListener("error", reveal);
  }
  shadow.append(...sheets, theme);
  document.body.append(host);

  const colours = brandColours(data.primaryColor, shadow);
  if (colours) {
    theme.style.setProperty("--teal", colours.primary);
    theme.style.setProperty("--teal-soft", colours.soft);
  }

  // The chat starts when first opened, so a host page's visitors who never open it cost
  // Ember no socket.
  let chat = null;
  function start() {
    chat = chat || startEmberChat(shadow, {
      origin,
      store: "ember-chat",
      exitUrl: data.exitUrl,
      clear: () => {
        host.remove();
        delete window.EmberChat;
      },
    });
    return chat;
  }

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    start().focus();
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  shadow.getElementById("close-button").addEventListener("click", close);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });

  window.EmberChat = {
    open,
    close,
    quickExit: () => start().quickExit(),
  };
  if (data.open === "true") open();
}

if (!window.EmberChat) {
  if (document.body) mountEmber();
  else document.addEventListener("DOMContentLoaded", mountEmber);
}
