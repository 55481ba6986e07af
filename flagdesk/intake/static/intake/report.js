// The public report form's small helpers. Everything works without JavaScript too: the server
// checks the same things; these only spare the reporter a round trip or a lost form.
document.addEventListener("DOMContentLoaded", function () {
  showContactFieldsOnlyWhenWanted();
  checkFileSizeBeforeSending();
  goBackInHistory();
});

// Shows the contact fields only to people who chose to give contact details.
// Without JavaScript they simply stay visible; the server ignores them for anonymous reports.
function showContactFieldsOnlyWhenWanted() {
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
}

// A file over its limit would be refused after the whole upload (or, over the report's
// limit, without reading anything the reporter typed): say so before the form is sent.
// The limits and the messages come from the server (data-* attributes of #media-field).
function checkFileSizeBeforeSending() {
  var field = document.getElementById("media-field");
  var error = document.getElementById("media-size-error");
  var input = field && field.querySelector('input[type="file"]');
  if (!field || !error || !input || !input.form) {
    return;
  }
  var imageBytes = Number(field.dataset.imageBytes);
  var videoBytes = Number(field.dataset.videoBytes);

  function problem() {
    var file = input.files && input.files[0];
    if (!file) {
      return "";
    }
    // The type the browser guesses from the name; the server decides from the content.
    var isVideo = file.type.indexOf("video/") === 0;
    var isImage = file.type.indexOf("image/") === 0;
    var limit = isVideo ? videoBytes : isImage ? imageBytes : Math.max(imageBytes, videoBytes);
    if (file.size <= limit) {
      return "";
    }
    return isImage ? field.dataset.imageMessage : field.dataset.videoMessage;
  }

  function show() {
    var message = problem();
    error.textContent = message;
    error.hidden = !message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", error.id);
    } else {
      input.removeAttribute("aria-invalid");
    }
    return message;
  }

  input.addEventListener("change", show);
  input.form.addEventListener("submit", function (event) {
    if (show()) {
      event.preventDefault();
      input.focus();
    }
  });
}

// "Back to the form" on the too-large page: going back in history keeps what the reporter
// typed in most browsers, a fresh page would not. Without history the link opens the form.
function goBackInHistory() {
  document.querySelectorAll("a[data-history-back]").forEach(function (link) {
    if (window.history.length < 2) {
      return;
    }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.history.back();
    });
  });
}
