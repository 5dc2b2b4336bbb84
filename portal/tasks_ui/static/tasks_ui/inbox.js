// The task pages' behaviour on top of working HTML forms: selection for bulk actions, the bulk
// delete confirmation, focus after htmx swaps, and spoken announcements. No inline code (CSP).
(function () {
  "use strict";

  function rowBoxes() {
    return Array.from(document.querySelectorAll('input[type="checkbox"][name="row"]'));
  }

  function refreshSelection() {
    const picked = rowBoxes().filter((box) => box.checked).length;
    document.querySelectorAll("[data-selected-count]").forEach((el) => {
      el.textContent = el.dataset.template.replace("%s", String(picked));
    });
    document.querySelectorAll("[data-needs-selection]").forEach((el) => {
      el.disabled = picked === 0;
    });
    const all = document.querySelector("[data-select-all]");
    if (all) {
      const boxes = rowBoxes();
      all.checked = boxes.length > 0 && picked === boxes.length;
      all.indeterminate = picked > 0 && picked < boxes.length;
    }
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("[data-select-all]")) {
      rowBoxes().forEach((box) => { box.checked = target.checked; });
    }
    if (target.matches("[data-select-all], input[name='row']")) refreshSelection();
  });

  // Bulk delete: the browser asks first (naming how many tasks); the server shows its own
  // confirmation page when JavaScript is off.
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.matches("[data-bulk-form]")) return;
    const action = form.querySelector("[name='action']");
    const confirmed = form.querySelector("[name='confirmed']");
    if (!action || action.value !== "delete" || !confirmed) return;
    const picked = rowBoxes().filter((box) => box.checked).length;
    const question = form.dataset.deleteQuestion.replace("%s", String(picked));
    if (window.confirm(question)) {
      confirmed.value = "1";
    } else {
      event.preventDefault();
    }
  });

  // After a swap, focus goes where the new content asks (data-refocus), once.
  document.addEventListener("htmx:afterSettle", () => {
    const wanted = document.querySelector("[data-refocus]");
    if (wanted) {
      wanted.removeAttribute("data-refocus");
      wanted.focus();
    }
    refreshSelection();
  });

  // Messages from the server (HX-Trigger "announce") for screen readers.
  document.body.addEventListener("announce", (event) => {
    const region = document.getElementById("announcer");
    if (region && event.detail && event.detail.message) {
      region.textContent = "";
      window.setTimeout(() => { region.textContent = event.detail.message; }, 50);
    }
  });

  // The portal itself could not be reached (network down), or answered with an error htmx
  // will not swap in: say so instead of doing nothing.
  function alertWith(key, fallback) {
    const alerts = document.getElementById("alerts");
    if (!alerts) return;
    alerts.innerHTML = "";
    const box = document.createElement("p");
    box.className = "alert";
    box.textContent = alerts.dataset[key] || fallback;
    alerts.appendChild(box);
  }
  document.body.addEventListener("htmx:sendError", () => alertWith("offline", "The portal could not be reached."));
  document.body.addEventListener("htmx:responseError", () => alertWith("failed", "Something went wrong."));

  refreshSelection();
})();
