// The only script of our own, loaded from a file so the CSP needs no 'unsafe-inline'.
// Keeps keyboard focus sensible after htmx swaps: focus moves to the first element of the
// swapped region that asks for it (data-focus), else stays where it was.
document.addEventListener("htmx:afterSwap", (event) => {
  const target = event.detail.target;
  const wanted = target && target.querySelector ? target.querySelector("[data-focus]") : null;
  if (wanted) wanted.focus();
});
// Confirmations for destructive buttons without inline handlers: <button data-confirm="...">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});
// On a phone every table shows as cards (portal.css); each value is labelled by its column
// heading, copied here into data-label. Cells that carry their own label keep it.
function labelCells(root) {
  const scope = root && root.querySelectorAll ? root : document;
  const tables = scope.matches && scope.matches("table") ? [scope] : scope.querySelectorAll("table");
  tables.forEach((table) => {
    const heads = table.tHead ? Array.from(table.tHead.rows[0] ? table.tHead.rows[0].cells : []) : [];
    if (!heads.length) return;
    const names = [];
    heads.forEach((cell) => {
      for (let i = 0; i < (cell.colSpan || 1); i += 1) names.push(cell.textContent.trim());
    });
    Array.from(table.tBodies).forEach((body) => {
      Array.from(body.rows).forEach((row) => {
        let column = 0;
        Array.from(row.cells).forEach((cell) => {
          if (!cell.hasAttribute("data-label") && names[column]) cell.dataset.label = names[column];
          column += cell.colSpan || 1;
        });
      });
    });
  });
}
document.addEventListener("DOMContentLoaded", () => labelCells(document));
document.addEventListener("htmx:afterSettle", (event) => {
  const target = event.detail.target;
  labelCells(target && target.closest ? target.closest("table") || target : document);
});
// A counter under inputs with data-max-chars: says how many characters are left, and when the
// text is too long says so (the form refuses it on save, nothing is cut).
function countChars(input) {
  const counter = document.getElementById(input.dataset.counter);
  if (!counter) return;
  const limit = Number(input.dataset.maxChars);
  const used = Array.from(input.value).length;
  const over = used > limit;
  counter.textContent = (over ? counter.dataset.over : counter.dataset.left)
    .replace("%(used)s", used).replace("%(max)s", limit).replace("%(left)s", limit - used)
    .replace("%(over)s", used - limit);
  counter.classList.toggle("over", over);
  input.setAttribute("aria-invalid", over ? "true" : "false");
}
document.addEventListener("input", (event) => {
  if (event.target.matches && event.target.matches("[data-max-chars]")) countChars(event.target);
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-max-chars]").forEach(countChars);
});
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll("[data-max-chars]").forEach(countChars);
});
// Keyboard shortcuts of the task lists: j/k move between task rows (cards on a phone), x
// selects the row for a bulk action, e opens its edit page, d presses its Done button (the
// same request as a click), / goes to the header search, ? lists them all. Keys are matched by
// what they type and, failing that, by their place on the keyboard (event.code), so they work
// the same with an Arabic layout (where j types "ت" and ? types "؟").
(function () {
  "use strict";
  const BY_CODE = { KeyJ: "j", KeyK: "k", KeyX: "x", KeyE: "e", KeyD: "d", Slash: "/" };
  const BY_KEY = { j: "j", k: "k", x: "x", e: "e", d: "d", "/": "/", "?": "?", "؟": "?" };

  function shortcutOf(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return null;
    const key = event.key || "";
    if (BY_KEY[key] || BY_KEY[key.toLowerCase()]) {
      const found = BY_KEY[key] || BY_KEY[key.toLowerCase()];
      // Capital J is shift+j: a modifier, not a shortcut. "?" needs shift on most layouts.
      if (event.shiftKey && found !== "?" && key !== "?") return null;
      return found;
    }
    const placed = BY_CODE[event.code];
    if (!placed) return null;
    if (placed === "/") return event.shiftKey ? "?" : "/";
    return event.shiftKey ? null : placed;
  }

  function typing(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.closest("input, textarea, select, [contenteditable]:not([contenteditable='false'])"));
  }

  function taskRows() {
    return Array.from(document.querySelectorAll("table.tasks tbody tr[id^='task-']"));
  }

  function currentRow() {
    const active = document.activeElement;
    return active && active.closest ? active.closest("table.tasks tbody tr[id^='task-']") : null;
  }

  function focusRow(row) {
    if (!row) return;
    row.setAttribute("tabindex", "-1");
    row.focus();
  }

  function move(step) {
    const rows = taskRows();
    if (!rows.length) return;
    const at = rows.indexOf(currentRow());
    if (at === -1) {
      focusRow(step > 0 ? rows[0] : rows[rows.length - 1]);
      return;
    }
    focusRow(rows[Math.min(rows.length - 1, Math.max(0, at + step))]);
  }

  let before = null; // where focus was when the list of shortcuts opened

  function openList() {
    const dialog = document.getElementById("shortcuts");
    if (!dialog || dialog.open) return;
    before = document.activeElement;
    dialog.showModal();
    const close = dialog.querySelector("[data-close-shortcuts]");
    if (close) close.focus();
  }

  // Focus goes back at once, not in the dialog's "close" event: that event comes a moment
  // later and would pull focus back from wherever the next key sent it.
  function restoreFocus() {
    const back = before;
    before = null;
    if (back && back.isConnected && back.focus) back.focus();
  }

  function closeList() {
    const dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) dialog.close();
    restoreFocus();
  }

  document.addEventListener("close", (event) => {
    if (event.target.id === "shortcuts") restoreFocus(); // closed some other way (a form)
  }, true);

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-open-shortcuts]")) openList();
    if (event.target.closest("[data-close-shortcuts]")) closeList();
  });

  // Tab and shift+Tab cycle inside the open list (a modal dialog would otherwise let focus
  // leave for the browser's own controls).
  function trapFocus(event, dialog) {
    const inside = Array.from(dialog.querySelectorAll("a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])"))
      .filter((el) => !el.disabled);
    if (!inside.length) return;
    const first = inside[0];
    const last = inside[inside.length - 1];
    if (event.shiftKey && (document.activeElement === first || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !dialog.contains(document.activeElement))) {
      event.preventDefault();
      first.focus();
    }
  }

  document.addEventListener("keydown", (event) => {
    const dialog = document.getElementById("shortcuts");
    if (dialog && dialog.open) {
      if (event.key === "Tab") trapFocus(event, dialog);
      if (event.key === "Escape") {
        event.preventDefault();
        closeList();
      }
      return; // no other shortcut acts behind the dialog
    }
    if (event.defaultPrevented || typing(event.target)) return;
    const what = shortcutOf(event);
    if (!what) return;
    if (what === "/") {
      const search = document.getElementById("header-search");
      if (!search) return;
      event.preventDefault();
      search.focus();
      search.select();
      return;
    }
    if (what === "?") {
      if (!document.getElementById("shortcuts")) return;
      event.preventDefault();
      openList();
      return;
    }
    if (what === "j" || what === "k") {
      if (!taskRows().length) return;
      event.preventDefault();
      move(what === "j" ? 1 : -1);
      return;
    }
    const row = currentRow();
    if (!row) return;
    if (what === "x") {
      const box = row.querySelector("input[type='checkbox'][name='row']");
      if (!box) return;
      event.preventDefault();
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    } else if (what === "e") {
      const edit = row.querySelector("[data-shortcut='edit']");
      if (!edit) return;
      event.preventDefault();
      edit.click();
    } else if (what === "d") {
      const done = row.querySelector("[data-shortcut='done']");
      if (!done || done.disabled) return;
      event.preventDefault();
      done.click(); // the button's own form: htmx request, confirmation and refusal as on a click
    }
  });
})();
