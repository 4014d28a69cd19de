// The journal Ember kept: a Markdown download and a printable page, both made in the
// browser from the reply itself, and the "Export journal" button that asks for it.
(function () {
  "use strict";

  function safeFilename(name) {
    return typeof name === "string" && /^[\w.-]{1,80}\.md$/.test(name) ? name : "ember-journal.md";
  }

  function download(journal) {
    const blob = new Blob([journal.markdown], { type: "text/markdown;charset=utf-8" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = safeFilename(journal.filename);
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  }

  // The printable page: the journal's lines as text (never as HTML), shown alone for printing.
  function printable(journal) {
    const page = document.createElement("article");
    page.className = "journal-print";
    for (const line of journal.markdown.split("\n")) {
      if (!line.trim()) continue;
      const heading = /^(#{1,2}) (.*)$/.exec(line);
      const element = document.createElement(heading ? `h${heading[1].length}` : "p");
      const text = heading ? heading[2] : line.replace(/^- /, "");
      element.textContent = text.replace(/\\([\\`*_{}[\]<>#|~])/g, "$1");
      page.append(element);
    }
    return page;
  }

  function print(journal) {
    document.querySelectorAll(".journal-print").forEach((old) => old.remove());
    document.body.append(printable(journal));
    document.body.classList.add("printing-journal");
    const done = () => {
      document.body.classList.remove("printing-journal");
      window.removeEventListener("afterprint", done);
    };
    window.addEventListener("afterprint", done);
    window.print();
  }

  function render(journal) {
    const box = document.createElement("div");
    box.className = "journal-actions";
    const save = document.createElement("button");
    save.type = "button";
    save.textContent = "Download journal (Markdown)";
    save.addEventListener("click", () => download(journal));
    const printButton = document.createElement("button");
    printButton.type = "button";
    printButton.textContent = "Printable page";
    printButton.addEventListener("click", () => print(journal));
    box.append(save, printButton);
    return box;
  }

  function valid(message) {
    const journal = message && message.journal;
    return journal && typeof journal.markdown === "string" ? journal : null;
  }

  function addExportButton() {
    const actions = document.querySelector(".chat-actions");
    if (!actions || document.getElementById("journal-button")) return;
    const button = document.createElement("button");
    button.type = "button";
    button.id = "journal-button";
    button.className = "quiet";
    button.textContent = "Export journal";
    button.addEventListener("click", () => {
      if (window.EmberChat) window.EmberChat.send("/export_my_journal", "Export my journal");
    });
    actions.append(button);
  }

  window.EmberRenderers = window.EmberRenderers || [];
  window.EmberRenderers.push((message) => {
    const journal = valid(message);
    return journal ? render(journal) : null;
  });
  window.EmberJournal = { download, printable };
  document.addEventListener("DOMContentLoaded", addExportButton);
})();
