// The assessment form's small helpers. Everything works without JavaScript: the server
// accepts only bases in force on the date of the facts and cites a basis once.
document.addEventListener("DOMContentLoaded", function () {
  tickEveryCopyOfABasis();
  dimBasesNotInForce();
});

// A basis sits under each phenomenon it can qualify: ticking one copy ticks the others, so
// what the analyst sees ticked is what is cited.
function tickEveryCopyOfABasis() {
  var boxes = document.querySelectorAll('input[name="legal_bases"]');
  boxes.forEach(function (box) {
    box.addEventListener("change", function () {
      boxes.forEach(function (other) {
        if (other !== box && other.value === box.value) {
          other.checked = box.checked;
        }
      });
    });
  });
}

// Dims the bases that were not in force on the date typed (or, left empty, on the default
// date in data-default); a basis whose end date is unconfirmed stays as it is.
function dimBasesNotInForce() {
  var field = document.querySelector('input[name="facts_on"]');
  if (!field) {
    return;
  }
  function update() {
    var on = /^\d{4}-\d{2}-\d{2}$/.test(field.value) ? field.value : field.dataset.default;
    document.querySelectorAll("label[data-valid-from]").forEach(function (label) {
      var from = label.dataset.validFrom;
      var to = label.dataset.validTo;
      var provisional = label.dataset.provisional === "1";
      var ended = to && on > to && !provisional;
      var notYet = from && on < from;
      label.classList.toggle("not-in-force", Boolean(on && (ended || notYet)));
    });
  }
  field.addEventListener("input", update);
  update();
}
