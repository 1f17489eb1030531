// A conversation's page, live: a WebSocket to the conversation's live room adds each new
// message as it is written (the visitor's, a colleague's, the bot's, a ticket's card) and shows
// the bot's reply as it is typed. Text goes in as text (textContent), never as markup. Without
// this script, or when the socket cannot connect, the page is the same minus the live part:
// reloading shows everything.
"use strict";
(() => {
  const list = document.querySelector("ol.messages[data-live]");
  if (!list || !("WebSocket" in window)) return;
  const typing = document.querySelector("p.typing");
  let lastSeq = Number(list.dataset.lastSeq || 0);
  const url = new URL(list.dataset.live, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";

  const shown = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  const who = (m) => m.author_name || (m.author === "visitor" ? "Visitor" : "System");

  const add = (m) => {
    if (typeof m.seq !== "number" || m.seq <= lastSeq) return; // seen already
    lastSeq = m.seq;
    const li = document.createElement("li");
    li.className = `message ${m.author}`;
    const meta = document.createElement("p");
    meta.className = "meta";
    const time = document.createElement("time");
    time.dateTime = m.created_at;
    time.textContent = shown(m.created_at);
    meta.append(`${who(m)} · `, time);
    const text = document.createElement("p");
    text.className = "text";
    const bdi = document.createElement("bdi");
    bdi.textContent = m.text;
    text.append(bdi);
    li.append(meta, text);
    list.append(li);
    if (typing && m.author === "bot") typing.hidden = true;
  };

  const connect = (delay) => {
    const ws = new WebSocket(url);
    ws.addEventListener("message", (e) => {
      let frame;
      try {
        frame = JSON.parse(e.data);
      } catch {
        return;
      }
      if (frame.typing && typing) {
        typing.hidden = false;
        typing.textContent = `${frame.typing.author_name} is typing: ${frame.typing.text}`;
      } else {
        add(frame);
      }
    });
    ws.addEventListener("open", () => { delay = 1000; });
    // Reconnect with backoff; what was written meanwhile shows on the next reload.
    ws.addEventListener("close", () => setTimeout(() => connect(Math.min(delay * 2, 30000)), delay));
  };
  connect(1000);
})();
