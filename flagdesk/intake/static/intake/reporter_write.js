// "Write to the reporter": the subject follows the kind of mail chosen (a message, or a
// request for more information) until the writer changes it; each default is in the
// reporter's language, given by the page (data-subject-*). Without this script the server
// does the same when the preview is asked for.
(function () {
  "use strict";
  var subject = document.getElementById("id_subject");
  if (!subject) return;
  var defaults = {
    staff: subject.getAttribute("data-subject-staff"),
    needs_info: subject.getAttribute("data-subject-needs-info"),
  };
  var kinds = document.querySelectorAll("input[name=kind]");
  Array.prototype.forEach.call(kinds, function (radio) {
    radio.addEventListener("change", function () {
      if (!radio.checked || !(radio.value in defaults)) return;
      var untouched = subject.value === defaults.staff || subject.value === defaults.needs_info;
      if (untouched || subject.value === "") subject.value = defaults[radio.value];
    });
  });
})();
