// Shows the contact fields only to people who chose to give contact details.
// Without JavaScript they simply stay visible; the server ignores them for anonymous reports.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("contact-details");
  var radios = document.querySelectorAll('input[name="anonymous"]');
  if (!box || radios.length === 0) {
    return;
  }
  function update() {
    var chosen = document.querySelector('input[name="anonymous"]:checked');
    box.hidden = !chosen || chosen.value !== "contact";
  }
  radios.forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
});
