// "Leave this site" (docs/accessibility.md): the button, or Escape pressed twice, replaces the
// page with a neutral site through location.replace, so this page leaves the tab's history and
// Back does not bring it back. It opens nothing else. Without JavaScript the button is a plain
// link. On every page that shows the button, what was typed into a form is also forgotten when
// the page comes back from the history (Back, Forward, a restored tab), and a page that answered
// a form stops holding that form's data for a resubmission.
(function () {
  "use strict";

  // Two presses of Escape in a row, within this many milliseconds, leave; one alone does
  // nothing, so closing a menu or a dialog with Escape never takes the visitor away.
  var DOUBLE_PRESS_MS = 1500;
  var leaving = false;

  function leave(link, event) {
    if (event) {
      event.preventDefault();
    }
    if (leaving) {
      return;
    }
    leaving = true;
    document.body.hidden = true; // nothing of the page stays on screen while the next loads
    window.location.replace(link.href);
  }

  function forgetTypedText() {
    document.querySelectorAll("form").forEach(function (form) {
      form.reset();
      form.querySelectorAll("input, select, textarea").forEach(function (field) {
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  }

  var link = document.getElementById("leave-site");
  if (!link) {
    return;
  }
  link.addEventListener("click", function (event) {
    leave(link, event);
  });

  var lastEscape = -Infinity;
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      lastEscape = -Infinity; // another key in between: the next Escape starts again
      return;
    }
    if (event.repeat) {
      return;
    }
    var now = Date.now();
    if (now - lastEscape <= DOUBLE_PRESS_MS) {
      leave(link, event);
    }
    lastEscape = now;
  });

  // A page answering a POST: its history entry keeps the posted data (reference, receipt code,
  // description) to send again on Back or reload. Replacing the entry with itself drops it;
  // Back then loads the page afresh with GET. Public pages carry nothing in their query.
  window.history.replaceState(null, "", window.location.pathname + window.location.hash);

  // Back or Forward to a form: the browser may fill in what was typed before, from its own
  // form restore (which runs after the page is parsed, so not before "pageshow") or with the
  // whole page from its back-forward cache ("persisted"). Clear it, whatever the cause.
  var navigation = window.performance.getEntriesByType
    ? window.performance.getEntriesByType("navigation")[0]
    : null;
  var fromHistory = Boolean(navigation && navigation.type === "back_forward");
  window.addEventListener("pageshow", function (event) {
    if (event.persisted || fromHistory) {
      forgetTypedText();
      window.setTimeout(forgetTypedText, 0); // in case the restore comes in a later task
    }
  });
})();
