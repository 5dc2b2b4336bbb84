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
