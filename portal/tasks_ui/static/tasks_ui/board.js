// The board's behaviour on top of working forms. A card dragged to another column (SortableJS)
// chooses that status in the card's own "Move to" form and submits it: the same request as the
// keyboard's way. Whatever the answer, every card is then put in the column of its data-status,
// which is the status the site last answered: on success the card comes back as the site saved
// it; on a refusal it is unchanged, so it goes back to its column, and the site's reason is in
// the alert area (#alerts, role="alert", which screen readers announce).
//
// For live updates: window.portalBoard.place(card) puts one card (id "card-<site>-<task>",
// data-status) in its column after it was replaced; placeAll() does every card.
(function () {
  "use strict";

  const LANGUAGE = document.documentElement.lang || undefined;
  const numbers = new Intl.NumberFormat(LANGUAGE);

  function boardOf(node) {
    return node && node.closest ? node.closest("[data-board]") : document.querySelector("[data-board]");
  }

  function columnFor(board, status) {
    return Array.from(board.querySelectorAll("[data-column]")).find((c) => c.dataset.column === status) || null;
  }

  // A column counts the matches it does not show plus the cards in it the site agrees with
  // (a card still being saved is not counted where it was dropped until the site says so).
  function recount(board) {
    board.querySelectorAll("[data-column]").forEach((column) => {
      const hidden = Number(column.dataset.hidden || 0);
      const settled = Array.from(column.querySelectorAll(".task-card"))
        .filter((card) => card.dataset.status === column.dataset.column).length;
      const count = column.querySelector("[data-column-count]");
      if (count) count.textContent = numbers.format(hidden + settled);
    });
  }

  // Where a dragged card came from, so a refusal puts it back at its place, not at the end.
  const homes = new WeakMap();

  function place(card) {
    const board = boardOf(card);
    if (!board || card.classList.contains("board-drag")) return;
    const column = columnFor(board, card.dataset.status);
    if (!column) {
      card.remove(); // a status the board's filters leave out: the card leaves the board
      return;
    }
    const list = column.querySelector("[data-board-list]");
    if (card.parentElement === list) return;
    const home = homes.get(card);
    homes.delete(card);
    if (home && home.list === list && home.next && home.next.parentElement === list) {
      list.insertBefore(card, home.next);
    } else {
      list.appendChild(card);
    }
  }

  function placeAll() {
    document.querySelectorAll("[data-board]").forEach((board) => {
      board.querySelectorAll(".task-card[data-status]").forEach(place);
      recount(board);
    });
  }

  function dropped(event) {
    const card = event.item;
    if (event.from === event.to) return;
    const column = event.to.closest("[data-column]");
    const form = card.querySelector("form.card-move");
    const select = form ? form.querySelector("select[name='status']") : null;
    if (!column || !select) {
      placeAll();
      return;
    }
    homes.set(card, { list: event.from, next: event.from.children[event.oldIndex] || null });
    select.value = column.dataset.column;
    form.requestSubmit(); // htmx sends it; its answer decides where the card stays
  }

  function start(root) {
    if (typeof Sortable === "undefined" || !root.querySelectorAll) return;
    const lists = root.matches && root.matches("[data-board-list]") ? [root] : root.querySelectorAll("[data-board-list]");
    lists.forEach((list) => {
      if (Sortable.get(list)) return;
      Sortable.create(list, {
        group: "board",
        sort: false, // a column's order is the portal's (priority, due date), not a choice
        draggable: ".task-card[data-movable]",
        // The card's own controls work as controls; dragging starts anywhere else on it.
        filter: "select, option, button, input, label",
        preventOnFilter: false,
        // Pointer events rather than the browser's drag and drop: the same on a phone, a
        // mouse and in tests, and the card may be dropped on an empty column.
        forceFallback: true,
        fallbackOnBody: true,
        fallbackTolerance: 4,
        delay: 200,
        delayOnTouchOnly: true, // a finger scrolls the strip; a long press picks a card up
        ghostClass: "board-ghost",
        dragClass: "board-drag",
        onEnd: dropped,
      });
    });
  }

  function init(root) {
    start(root || document);
    placeAll();
  }

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", () => init(document));
  }
  // After any answer (a card swapped, an alert shown, an error, no answer at all), every card
  // goes where its status says. afterRequest does not reach the page when the swap removed
  // the form that asked, hence afterSettle too.
  // A card whose change was refused shows its status again in "Move to", not the one asked.
  document.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail && event.detail.elt;
    if (!form || !form.matches || !form.matches("form.card-move") || !form.isConnected) return;
    const card = form.closest(".task-card");
    const select = form.querySelector("select[name='status']");
    if (card && select) select.value = card.dataset.status;
  });
  ["htmx:afterRequest", "htmx:afterSettle", "htmx:sendError", "htmx:responseError", "htmx:timeout"]
    .forEach((name) => document.addEventListener(name, () => window.setTimeout(placeAll, 0)));

  window.portalBoard = { place, placeAll };
})();
