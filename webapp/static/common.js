// Every page: messages stay in view until dismissed (destructive actions ask first: confirm.js).
(() => {
  document.querySelectorAll("#flashes .dismiss").forEach((b) =>
    b.addEventListener("click", () => b.parentElement.remove()));
})();
