// A console page whose figures are being computed (templates/computing.html): ask for the page
// again every second, without reloading it, and show it once the figures are there. No timed
// refresh of the whole page (WCAG 2.2.1): the reader's place and focus stay until there is news.
(function () {
  "use strict";
  const box = document.getElementById("computing");
  if (!box) return;
  async function check() {
    try {
      const resp = await fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (resp.ok && !(await resp.text()).includes('id="computing"')) { window.location.reload(); return; }
    } catch (e) { /* the server is busy or restarting: ask again */ }
    setTimeout(check, 1000);
  }
  setTimeout(check, 1000);
})();
