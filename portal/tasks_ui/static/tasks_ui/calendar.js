// The calendar on top of working HTML: each task has a "Move to date" form (the keyboard's and
// the phone's way); dragging a task to another day (SortableJS) fills in that form's date and
// submits it. The server's answer goes to the page's status or alert line and makes #calendar
// read the sites again, so the task stands where its site put it. If the portal cannot be
// reached at all, the dragged task goes back to its day here and the alert says so. No inline
// code (CSP); server text is set with textContent only.
(function () {
  "use strict";

  let pending = null; // the dragged task while its move is on its way: { item, from, index }
  let focusAfter = ""; // the task to focus once the calendar has been read again
  let navAfter = ""; // the previous / next / view link pressed: focused again in the new page

  function putBack() {
    if (!pending) return;
    const { item, from, index } = pending;
    pending = null;
    item.classList.remove("moving");
    if (from && from.isConnected) from.insertBefore(item, from.children[index] || null);
  }

  function say(key, fallback) {
    const alert = document.getElementById("calendar-alert");
    const status = document.getElementById("calendar-status");
    if (status) status.textContent = "";
    if (!alert) return;
    alert.textContent = "";
    const box = document.createElement("p");
    box.className = "alert alert-danger";
    box.textContent = alert.dataset[key] || fallback;
    alert.appendChild(box);
  }

  function dropped(event) {
    if (event.to === event.from) return;
    const item = event.item;
    const form = item.querySelector("[data-move-form]");
    const day = event.to.dataset.day;
    if (!form || !day) {
      event.from.insertBefore(item, event.from.children[event.oldIndex] || null);
      return;
    }
    form.querySelector("input[name='date']").value = day;
    pending = { item, from: event.from, index: event.oldIndex };
    item.classList.add("moving");
    form.requestSubmit();
  }

  function setUp(root) {
    if (typeof window.Sortable === "undefined") return;
    root.querySelectorAll(".cal-tasks").forEach((list) => {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      window.Sortable.create(list, {
        group: "calendar",
        sort: false, // within a day, tasks stand in the order of their due time
        draggable: ".cal-task[data-movable]",
        filter: "input, button, summary, label, select",
        preventOnFilter: false,
        delay: 150,
        delayOnTouchOnly: true, // a phone scrolls unless the finger rests on a task
        animation: 120,
        onEnd: dropped,
      });
    });
  }

  function fromMoveForm(event) {
    const elt = event.detail && event.detail.elt;
    return Boolean(elt && elt.matches && elt.matches("[data-move-form]"));
  }

  document.addEventListener("DOMContentLoaded", () => setUp(document));

  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const elt = event.detail && event.detail.elt;
    if (elt && elt.dataset && elt.dataset.nav) navAfter = elt.dataset.nav;
    if (!fromMoveForm(event)) return;
    ["calendar-status", "calendar-alert"].forEach((id) => {
      const region = document.getElementById(id);
      if (region) region.textContent = "";
    });
  });

  document.body.addEventListener("htmx:sendError", (event) => {
    if (!fromMoveForm(event)) return;
    putBack();
    say("offline", "Not moved: the portal could not be reached.");
  });
  document.body.addEventListener("htmx:responseError", (event) => {
    if (!fromMoveForm(event)) return;
    putBack();
    say("failed", "Not moved: something went wrong on the portal.");
  });

  // The answer of a move (HX-Trigger): the calendar is read again; a dragged task that the
  // site refused is put back right away, before that read arrives.
  document.body.addEventListener("calendar-changed", (event) => {
    const detail = event.detail || {};
    focusAfter = detail.focus || "";
    if (detail.ok === false) putBack();
    pending = null;
  });

  // SortableJS animates through element.style; htmx's settle step would copy that style
  // attribute onto the new task of the same id, which the Content-Security-Policy refuses.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const target = event.detail && event.detail.target;
    if (!target || target.id !== "calendar") return;
    target.querySelectorAll("[style]").forEach((element) => element.removeAttribute("style"));
  });

  document.body.addEventListener("htmx:afterSettle", (event) => {
    const swapped = event.detail && event.detail.target;
    if (!swapped || swapped.id !== "calendar") return;
    // After an outerHTML swap the event's target may be the element that was replaced.
    const target = document.getElementById("calendar");
    if (!target) return;
    setUp(target);
    if (focusAfter) {
      const card = document.getElementById(focusAfter);
      focusAfter = "";
      if (card) card.focus();
    } else if (navAfter) {
      const link = target.querySelector(`[data-nav="${navAfter}"]`);
      navAfter = "";
      if (link) link.focus();
    }
  });
})();
