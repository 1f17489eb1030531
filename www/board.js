// The board's drag and drop: dropping a card on a column submits the card's own form for that
// status (the same POST as its button), so a move the status table forbids has no form and is
// simply not a drop target. Without this script the buttons do the same job.
"use strict";
(() => {
  const formFor = (card, status) =>
    [...card.querySelectorAll("form.move")].find(
      (f) => f.querySelector("input[name=status]")?.value === status,
    );
  let dragged = null;
  for (const card of document.querySelectorAll(".board-card")) {
    if (!card.querySelector("form.move")) continue;
    card.draggable = true;
    card.addEventListener("dragstart", (e) => {
      dragged = card;
      e.dataTransfer.setData("text/plain", card.dataset.code);
      e.dataTransfer.effectAllowed = "move";
    });
    card.addEventListener("dragend", () => {
      dragged = null;
      for (const c of document.querySelectorAll(".board .column.drop")) c.classList.remove("drop");
    });
  }
  for (const column of document.querySelectorAll(".board .column")) {
    column.addEventListener("dragover", (e) => {
      if (dragged && formFor(dragged, column.dataset.status)) {
        e.preventDefault();
        column.classList.add("drop");
      }
    });
    column.addEventListener("dragleave", () => column.classList.remove("drop"));
    column.addEventListener("drop", (e) => {
      e.preventDefault();
      const form = dragged && formFor(dragged, column.dataset.status);
      if (form) form.requestSubmit();
    });
  }
})();
