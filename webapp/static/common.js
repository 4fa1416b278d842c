// Every page: messages stay in view until dismissed; destructive forms ask first (data-confirm).
(() => {
  document.querySelectorAll("#flashes .dismiss").forEach((b) =>
    b.addEventListener("click", () => b.parentElement.remove()));
  // a form with data-confirm says what will happen and goes ahead only when the person agrees
  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) e.preventDefault();
  }, true);
})();
