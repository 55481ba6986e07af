// Keyboard shortcuts of the workbench (docs/workbench.md). Progressive enhancement: every
// action is also a link or a button; the shortcuts only move focus and press them. They are
// off while typing in a field, and the help dialog (?) is rendered and translated by the
// server, so nothing here needs words of its own.
document.addEventListener("DOMContentLoaded", function () {
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.wb-row"));
  var help = document.getElementById("wb-help");
  var helpButton = document.getElementById("wb-help-open");
  var search = document.getElementById("wb-search");
  var bulk = document.getElementById("bulk");
  var current = -1;

  if (helpButton && help) {
    helpButton.hidden = false;
    helpButton.addEventListener("click", function () { help.showModal(); });
  }

  function focusRow(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) { rows[current].classList.remove("wb-focus"); }
    current = index;
    var row = rows[current];
    row.classList.add("wb-focus");
    row.setAttribute("aria-current", "true");
    rows.forEach(function (other) { if (other !== row) { other.removeAttribute("aria-current"); } });
    var link = row.querySelector("td.ref a");
    if (link) { link.focus({ preventScroll: true }); }
    row.scrollIntoView({ block: "nearest" });
  }

  function isTyping(target) {
    if (!target) { return false; }
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function press(selector) {
    var button = bulk && bulk.querySelector(selector);
    if (button) { button.click(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (help && help.open) { return; }  // the dialog handles its own keys (Esc closes)
    if (isTyping(event.target)) { return; }
    var row = current >= 0 ? rows[current] : null;
    switch (event.key) {
      case "j": focusRow(current + 1); break;
      case "k": focusRow(current < 0 ? 0 : current - 1); break;
      case "x":
        if (row) {
          var box = row.querySelector('input[type="checkbox"]');
          if (box) { box.checked = !box.checked; }
        }
        break;
      case "o":
      case "Enter":
        if (!row) { return; }
        window.location.assign(row.getAttribute("data-open"));
        break;
      case "c":
        if (row) {
          var claim = row.querySelector("button[data-claim]");
          if (claim) { claim.click(); }
        }
        break;
      case "a": press('button[data-shortcut="a"]'); break;
      case "n": press('button[data-shortcut="n"]'); break;
      case "/":
        if (search) { search.focus(); }
        break;
      case "?":
        if (help) { help.showModal(); }
        break;
      default:
        return;
    }
    event.preventDefault();
  });
});
