// Every page: messages stay in view until dismissed (destructive actions ask first: confirm.js).
(() => {
  document.querySelectorAll("#flashes .dismiss").forEach((b) =>
    b.addEventListener("click", () => b.parentElement.remove()));
})();

// Words a script shows come from the page, in its language: <script type="application/json" id="i18n">
// {"key": "text with {name}"}</script> (rendered with tojson); tr("key", {name: "x"}) fills the placeholders.
window.tr = (() => {
  let words = null;
  return (key, vars = {}) => {
    if (words === null) {
      const block = document.getElementById("i18n");
      words = block ? JSON.parse(block.textContent) : {};
    }
    const text = Object.prototype.hasOwnProperty.call(words, key) ? words[key] : key;
    return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  };
})();
