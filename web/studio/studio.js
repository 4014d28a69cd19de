// The review studio's page: the inbox, one conversation, saves and progress.
// Everything shown comes from the studio's API, already scrubbed; it is put on the page as
// text only (never as HTML), so nothing a person wrote can run here.
"use strict";

const view = document.getElementById("view");
const notice = document.getElementById("notice");

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "onclick" || name === "onchange" || name === "onsubmit") node[name] = value;
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function say(message, isError = false) {
  notice.hidden = !message;
  notice.textContent = message || "";
  notice.className = isError ? "error" : "";
}

async function api(path, body) {
  const options = body === undefined
    ? {}
    : { method: "POST", headers: { "Content-Type": "application/json", "X-Ember-Studio": "1" }, body: JSON.stringify(body) };
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new Error("The studio is not reachable. Is `make studio` still running?");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `The studio answered ${response.status}.`);
  return data;
}

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC" : "";
}

// Each route renders only if no later one started meanwhile: a slow answer to a filter must
// not replace the conversation opened after it.
let routing = 0;

function show(mine, ...nodes) {
  if (mine !== routing) return;
  view.replaceChildren(...nodes);
  view.setAttribute("aria-busy", "false");
}

// -- inbox ------------------------------------------------------------------------------

async function inbox(query) {
  const mine = routing;
  const data = await api(`/api/inbox?${query}`);
  const params = new URLSearchParams(query);
  const counts = el("p", { class: "counts", id: "counts" },
    el("span", {}, `${data.counts.conversations} conversations`),
    el("span", {}, `${data.counts.needs_review} need review`),
    el("span", {}, `${data.counts.reviewed} reviewed`),
    el("span", {}, `${data.counts.sensitive} sensitive, closed`),
    el("span", {}, `${data.counts.shown} shown`));
  const intent = el("select", { name: "intent", id: "filter-intent" }, el("option", { value: "" }, "any intent"),
    data.intents.map((name) => el("option", { value: name, selected: params.get("intent") === name }, name)));
  const reviewed = el("select", { name: "reviewed", id: "filter-reviewed" },
    ["", "no", "yes"].map((value) => el("option", { value, selected: (params.get("reviewed") || "") === value },
      value === "" ? "either" : value === "yes" ? "reviewed" : "not reviewed")));
  const form = el("form", { class: "filters", id: "filters" },
    el("label", {}, "needs review", el("input", { type: "checkbox", name: "needs_review", value: "1", id: "filter-needs-review", checked: params.get("needs_review") === "1" })),
    el("label", {}, "from", el("input", { type: "date", name: "from", value: params.get("from") || "" })),
    el("label", {}, "to", el("input", { type: "date", name: "to", value: params.get("to") || "" })),
    el("label", {}, "intent", intent),
    el("label", {}, "reviewed", reviewed),
    el("label", {}, "tag", el("input", { name: "tag", list: "tags", value: params.get("tag") || "", size: 10 })),
    el("datalist", { id: "tags" }, data.tags.map((tag) => el("option", { value: tag }))),
    el("button", { type: "submit", class: "primary" }, "Filter"));
  form.onsubmit = (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) chosen.set(name, value);
    location.hash = `#/?${chosen}`;
  };
  const items = data.conversations.map((c) => c.sensitive ? sensitiveItem(c) : inboxItem(c, data.reasons));
  show(mine, counts, form, items.length ? el("ul", { class: "inbox", id: "inbox" }, items) : el("p", {}, "No conversation matches."));
}

function inboxItem(c, reasons) {
  return el("li", { "data-key": c.key },
    el("a", { href: `#/c/${c.key}` }, c.preview || "(no words: buttons only)"),
    el("div", { class: "meta" }, `${when(c.last)} · ${c.turns} messages · `, c.intents.join(", ")),
    el("div", {},
      c.needs_review.map((reason) => el("span", { class: "badge reason", title: reasons[reason] }, reasons[reason])),
      c.reviewed ? el("span", { class: "badge done" }, "reviewed") : null,
      c.tags.map((tag) => el("span", { class: "badge" }, `#${tag}`))));
}

function sensitiveItem(c) {
  return el("li", { class: "sensitive", "data-key": c.key },
    el("strong", {}, "A conversation with a crisis, risk or abuse turn"),
    el("div", { class: "meta" }, `${when(c.started)} to ${when(c.last)}`),
    el("div", {}, c.reviewed ? el("span", { class: "badge done" }, "reviewed") : null,
      c.tags.map((tag) => el("span", { class: "badge" }, `#${tag}`))),
    el("a", { href: `#/c/${c.key}/open`, class: "open-sensitive" }, "Open it on purpose (this is logged)"));
}

// -- one conversation -------------------------------------------------------------------

async function conversation(key, opened) {
  const mine = routing;
  const c = await api(`/api/conversations/${encodeURIComponent(key)}${opened ? "?open=1" : ""}`);
  if (c.closed) {
    show(mine, el("p", {}, "This conversation has a crisis, risk or abuse turn, so it stays closed."),
      el("a", { href: `#/c/${key}/open` }, "Open it on purpose (who and when is logged)"));
    return;
  }
  const flagged = new Set(Object.values(c.flags));
  const corrections = { ...c.corrections };
  const badReplies = { ...c.bad_replies };
  const turns = c.turns.map((turn) => {
    const classes = [turn.role, flagged.has(turn.index) ? "flagged" : "", badReplies[turn.index] !== undefined ? "bad" : ""].join(" ");
    const item = el("li", { class: classes, "data-turn": turn.index });
    if (turn.role === "user") {
      const select = el("select", { class: "correct", "aria-label": "correct the intent", disabled: turn.hidden },
        el("option", { value: "" }, `as read: ${turn.intent || "none"}`),
        c.intents.map((name) => el("option", { value: name, selected: corrections[turn.index] === name }, name)));
      select.onchange = () => { corrections[turn.index] = select.value || null; };
      item.append(el("div", { class: turn.hidden ? "hidden-text" : "text" }, turn.text),
        turn.hidden ? null : el("div", { class: "meta" }, `${turn.intent || "no intent"} (${(turn.confidence || 0).toFixed(2)}) `, select));
    } else if (turn.role === "bot") {
      const note = el("input", { class: "note", placeholder: "what was wrong", value: badReplies[turn.index] || "", size: 30 });
      const mark = el("button", { type: "button", class: "mark-bad" }, badReplies[turn.index] !== undefined ? "Not bad after all" : "Mark as a bad reply");
      mark.onclick = () => {
        if (badReplies[turn.index] !== undefined) { badReplies[turn.index] = null; item.classList.remove("bad"); mark.textContent = "Mark as a bad reply"; }
        else { badReplies[turn.index] = note.value; item.classList.add("bad"); mark.textContent = "Not bad after all"; }
      };
      note.onchange = () => { if (badReplies[turn.index] !== undefined && badReplies[turn.index] !== null) badReplies[turn.index] = note.value; };
      item.append(el("div", { class: turn.hidden ? "hidden-text" : "text" }, turn.text),
        el("div", { class: "meta" }, turn.name || "", " ", note, " ", mark));
    } else if (turn.role === "action") {
      item.append(`→ ${turn.name}`);
    } else {
      item.append(`${turn.name} = `, el("span", { class: turn.hidden ? "hidden-text" : "" }, turn.text));
    }
    return item;
  });
  const tags = el("input", { id: "tags-input", value: c.tags.join(", "), placeholder: "tags, comma separated" });
  const reviewed = el("input", { type: "checkbox", id: "reviewed", checked: c.reviewed });
  const review = () => api(`/api/conversations/${key}/review`, {
    corrections, bad_replies: badReplies, reviewed: reviewed.checked,
    tags: tags.value.split(",").map((tag) => tag.trim()).filter(Boolean),
  });
  const buttons = [];
  const act = (label, id, work, primary = false) => {
    const button = el("button", { type: "button", id, class: primary ? "primary" : "" }, label);
    button.onclick = async () => {
      buttons.forEach((b) => { b.disabled = true; });
      say("Working… (a save runs `rasa data validate`, which takes a little while)");
      try { say(await work()); } catch (error) { say(error.message, true); }
      buttons.forEach((b) => { b.disabled = false; });
    };
    buttons.push(button);
    return button;
  };
  const saved = (record) => [
    `Saved (${record.kind}).`,
    record.examples.length ? `${record.examples.length} example(s): ${record.examples.map(([intent, text]) => `${intent}: “${text}”`).join("; ")}.` : "",
    record.stories.length ? `${record.stories.length} story.` : "",
    record.tests.length ? `${record.tests.length} test story in ${record.files.join(", ")}.` : "",
    record.held_back.length ? `Held back: ${record.held_back.join("; ")}.` : "",
    "Undo it from Saves.",
  ].filter(Boolean).join(" ");
  const save = (kind) => async () => {
    await review();
    return saved(await api(`/api/conversations/${key}/save`, { kind }));
  };
  show(mine, 
    el("p", { class: "meta" }, `Conversation ${c.key} · ${when(c.started)} to ${when(c.last)}`,
      (c.needs_review || []).length ? ` · needs review: ${c.needs_review.join(", ")}` : ""),
    el("ol", { class: "turns", id: "turns" }, turns),
    el("div", { class: "controls" },
      el("label", {}, "Tags ", tags), el("label", {}, reviewed, " reviewed"),
      act("Save review", "save-review", async () => { await review(); return "Review saved."; }),
      act("Add to training data", "add-training", save("training"), true),
      act("Add as a test", "add-test", save("test"))),
  );
}

// -- saves and progress -----------------------------------------------------------------

async function saves() {
  const mine = routing;
  const records = await api("/api/saves");
  const rows = records.map((record) => {
    const undo = el("button", { type: "button", class: "undo", disabled: Boolean(record.undone) }, record.undone ? "undone" : "Undo");
    undo.onclick = async () => {
      try { await api(`/api/saves/${record.id}/undo`, {}); say("Undone."); await route(); } catch (error) { say(error.message, true); }
    };
    return el("tr", { "data-save": record.id }, el("td", {}, when(record.time)), el("td", {}, record.who),
      el("td", {}, record.kind), el("td", {}, record.conversation),
      el("td", {}, `${record.examples.length} examples, ${record.stories.length} stories, ${record.tests.length} tests`),
      el("td", {}, undo));
  });
  show(mine, el("h2", {}, "Saves"), rows.length
    ? el("table", { id: "saves" }, el("tr", {}, ["when", "who", "kind", "conversation", "what", ""].map((h) => el("th", {}, h))), rows)
    : el("p", {}, "Nothing saved yet."));
}

async function progress() {
  const mine = routing;
  const p = await api("/api/progress");
  const perIntent = Object.entries(p.examples);
  show(mine, el("h2", {}, "Since the last model"),
    el("p", {}, p.model ? `The model was trained ${when(p.model_time)}.` : "There is no trained model yet."),
    el("table", { id: "progress" },
      el("tr", {}, el("th", {}, "conversations reviewed"), el("td", {}, p.reviewed)),
      el("tr", {}, el("th", {}, "stories added"), el("td", {}, p.stories)),
      el("tr", {}, el("th", {}, "tests added"), el("td", {}, p.tests)),
      el("tr", {}, el("th", {}, "bad replies marked"), el("td", {}, p.bad_replies))),
    el("h3", {}, "Examples added per intent"),
    perIntent.length ? el("table", { id: "per-intent" }, perIntent.map(([intent, n]) => el("tr", {}, el("td", {}, intent), el("td", {}, n)))) : el("p", {}, "None yet."),
    el("p", {}, "To retrain and test: ", el("code", {}, p.command)));
}

// -- routing ----------------------------------------------------------------------------

async function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = hash.split("?");
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("current", link.getAttribute("href") === `#${path}`);
  view.setAttribute("aria-busy", "true");
  const mine = ++routing;
  try {
    const match = path.match(/^\/c\/([^/]+)(\/open)?$/);
    if (match) await conversation(match[1], Boolean(match[2]));
    else if (path === "/progress") await progress();
    else if (path === "/saves") await saves();
    else await inbox(query);
  } catch (error) {
    show(mine, el("p", { class: "error" }, error.message));
  }
}

window.addEventListener("hashchange", () => { say(""); route(); });
route();
