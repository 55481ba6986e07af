// Follows a long spreadsheet import: polls its progress and reloads the page when it ends.
// Without JavaScript the page offers a reload link instead.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) return;
  var bar = box.querySelector("progress");
  var text = document.getElementById("import-progress-text");
  var url = box.getAttribute("data-url");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        bar.max = data.rows_total;
        bar.value = data.rows_done;
        text.textContent = data.rows_done + " / " + data.rows_total;
        if (data.status !== "importing") {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
