// Live updates (portal/live): elements marked data-live re-read themselves from the server when
// the stream says their task changed (hx-trigger="sse:task-<site>-<id>"). This file keeps such
// a refresh from undoing what the person is doing: a selected row or a form they typed into is
// left alone and a note offers a reload instead; focus inside a refreshed region stays put.
(function () {
  "use strict";

  const FOCUSABLE = "a[href], button, input:not([type='hidden']), select, textarea, [tabindex]";

  function focusables(root) {
    return Array.from(root.querySelectorAll(FOCUSABLE));
  }

  // Forms the person has typed into or changed; a swap would lose what they entered.
  document.addEventListener("input", (event) => {
    const form = event.target.form || (event.target.closest && event.target.closest("form"));
    if (form) form.dataset.liveDirty = "1";
  });

  function inUse(target) {
    if (target.querySelector("input[name='row']:checked")) return true;
    return Array.from(target.querySelectorAll("form")).some((form) => form.dataset.liveDirty === "1");
  }

  function showNote() {
    const note = document.getElementById("live-note");
    if (note) note.hidden = false;
  }

  function fromLive(detail) {
    const elt = detail && (detail.elt || (detail.requestConfig && detail.requestConfig.elt));
    return elt && elt.hasAttribute && elt.hasAttribute("data-live") ? elt : null;
  }

  document.addEventListener("htmx:confirm", (event) => {
    if (!fromLive(event.detail)) return;
    if (inUse(event.detail.target)) {
      event.preventDefault();
      showNote();
    }
  });

  let kept = null;
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (!fromLive(event.detail)) return;
    // A task deleted meanwhile: its page answers 404 with a summary that says so.
    if (event.detail.xhr.status === 404) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    const target = event.detail.target;
    const active = document.activeElement;
    kept = null;
    if (target.id && active && active !== document.body && target.contains(active)) {
      kept = { id: target.id, index: focusables(target).indexOf(active) };
    }
  });

  document.addEventListener("htmx:afterSettle", () => {
    if (!kept) return;
    const region = document.getElementById(kept.id);
    const again = region ? focusables(region)[kept.index] : null;
    kept = null;
    if (again) again.focus();
  });
})();
