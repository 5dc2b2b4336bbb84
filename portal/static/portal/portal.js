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
