// The full chat page (index.html): the widget on the document itself.
startEmberChat(document, {
  origin: "",
  store: "ember",
  clear: () => document.body.replaceChildren(),
});
