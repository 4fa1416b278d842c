// Destructive actions ask first: a button (or form) with data-confirm="plain sentence" goes ahead only on OK.
(function () {
  "use strict";
  document.addEventListener("click", (e) => {
    const el = e.target.closest("button[data-confirm], input[type=submit][data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) e.preventDefault();
  });
  document.addEventListener("submit", (e) => {
    const form = e.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) e.preventDefault();
  });
})();
