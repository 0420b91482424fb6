() => {
  // Links are matched by the href prefixes render_chat and the chat module write: Gradio's chat
  // sanitizer keeps href, class and title but drops data-* and aria-* attributes. Each click hands
  // its value to a hidden button's event through a window variable, read by that event's js step.
  const cite = "__REF_PREFIX__";
  const routes = [
    [cite, "briefingRef", "open-citation"],
    ["#ask=", "briefingAsk", "ask-suggested"],
    ["#note=", "briefingNote", "save-note"],
  ];
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[href^='#']");
    if (!link) return;
    const href = link.getAttribute("href");
    const route = routes.find(([prefix]) => href.startsWith(prefix));
    if (!route) return;
    event.preventDefault();
    event.stopPropagation();
    const [prefix, slot, button] = route;
    window[slot] = decodeURIComponent(href.slice(prefix.length));
    if (prefix === cite) {
      window[slot] = href.slice(prefix.length);  // parse_ref decodes it on the server
      document.querySelectorAll("a.cite.active, a.source.active").forEach((a) => a.classList.remove("active"));
      link.classList.add("active");
    }
    hideCard();
    // A footnote of the brief opens the Brief tab's viewer; a citation in the chat, the chat's.
    const target = prefix === cite && link.closest("#brief-preview") ? "open-brief-citation" : button;
    document.getElementById(target)?.click();
  }, true);

  // Esc closes the document viewer, wherever the focus is.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      hideCard();
      document.getElementById("close-viewer")?.click();
    }
  });

  // The hover card: title, date and the cited sentence in full, for mouse and keyboard focus alike.
  // The text rides in the marker's title (the one attribute the sanitizer keeps), which is moved
  // aside on first hover so the browser's own tooltip, cut short, never shows.
  const card = document.createElement("div");
  card.id = "hover-card";
  card.setAttribute("role", "tooltip");
  card.hidden = true;
  document.body.appendChild(card);
  let shownFor = null;
  function hideCard() { card.hidden = true; shownFor = null; }
  function showCard(link) {
    shownFor = link;
    if (link.title) { link.dataset.card = link.title; link.removeAttribute("title"); }
    const lines = (link.dataset.card || "").split("\n");
    if (!lines[0]) return;
    const [title, date, quote, hint] = lines;
    card.replaceChildren();
    for (const [cls, text] of [["hc-title", title], ["hc-date", date], ["hc-quote", quote], ["hc-hint", hint]]) {
      if (!text) continue;
      const div = document.createElement("div");
      div.className = cls;
      div.textContent = text;
      card.appendChild(div);
    }
    card.hidden = false;
    const r = link.getBoundingClientRect();
    const width = card.offsetWidth, height = card.offsetHeight;
    const left = Math.max(8, Math.min(r.left, window.innerWidth - width - 8));
    const below = r.bottom + 8 + height < window.innerHeight;
    card.style.left = `${left}px`;
    card.style.top = `${below ? r.bottom + 8 : Math.max(8, r.top - height - 8)}px`;
  }
  const markerOf = (event) => event.target.closest && event.target.closest("a.cite, a.source");
  document.addEventListener("mouseover", (event) => { const a = markerOf(event); if (a) showCard(a); });
  document.addEventListener("mouseout", (event) => { if (markerOf(event)) hideCard(); });
  document.addEventListener("focusin", (event) => { const a = markerOf(event); if (a) showCard(a); else hideCard(); });
  // A scroll moves the card with its marker (the chat scrolls itself as answers arrive).
  document.addEventListener("scroll", () => {
    if (!shownFor) return;
    if (shownFor.isConnected) showCard(shownFor); else hideCard();
  }, true);

  // Each answer's accessible label in plain words: Gradio labels a message with its raw HTML.
  const label = (message) => {
    const body = message.querySelector(".answer, .question");
    if (!body) return;
    const who = body.classList.contains("question") ? "Question" : "Answer";
    const text = `${who}: ${body.innerText.replace(/\s+/g, " ").trim()}`;
    if (message.getAttribute("aria-label") !== text) message.setAttribute("aria-label", text);
  };
  const relabel = () => document.querySelectorAll("#chat [aria-label]").forEach((m) => {
    if (/message/i.test(m.getAttribute("aria-label") || "")) label(m);
  });
  new MutationObserver(relabel).observe(document.body, { childList: true, subtree: true, characterData: true });
}
