// Error summaries (core/_error_summary.html and the sign-in pages' summaries): when a form comes
// back with errors, the summary takes the keyboard focus, so a screen reader reads it first and
// the next Tab reaches its links; a link moves the focus to its field and shows the field's
// label (or its group's legend) too, not just the field at the top edge of the window.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (!summary) {
    return;
  }
  if (!summary.hasAttribute("tabindex")) {
    summary.setAttribute("tabindex", "-1");
  }
  summary.focus();

  summary.querySelectorAll("a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) {
        return;
      }
      event.preventDefault();
      var group = field.closest("fieldset");
      var label = (group && group.querySelector("legend")) || document.querySelector("label[for='" + field.id + "']");
      (label || field).scrollIntoView();
      field.focus({ preventScroll: true });
    });
  });
});
