// "Add a picture without sending it" (docs/victims.md). The picture input has no name, so the
// browser never sends the picture; the hasher (hasher/hasher.js) computes its fingerprints on
// this device and this script writes them, as JSON, into the hidden "signals" field, which the
// server reads again and checks. Every message comes from data-* attributes of the widget, in
// the reporter's language. Without JavaScript the widget stays hidden and the page says why.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-picture-hasher]").forEach(setUpPictureHasher);
});

function setUpPictureHasher(box) {
  var tool = box.querySelector("[data-picture-tool]");
  var input = box.querySelector('input[type="file"]');
  var field = box.querySelector('input[name="signals"]');
  var list = box.querySelector("[data-picture-list]");
  var error = box.querySelector("[data-picture-error]");
  var status = box.querySelector("[data-picture-status]");
  if (!tool || !input || !field || !list || !error || !status) {
    return;
  }
  var text = box.dataset;
  var maxPictures = Number(text.maxPictures) || 10;
  var pictures = []; // {signals: [...], item: <li>}
  var busy = 0;
  var counter = 0;

  if (!window.FlagdeskHasher || typeof window.FlagdeskHasher.hashFile !== "function") {
    var unsupported = document.createElement("p");
    unsupported.className = "hint";
    unsupported.textContent = text.errorUnsupported;
    box.insertBefore(unsupported, tool);
    return;
  }
  tool.hidden = false;
  // The consent to keep looking means something only with pictures (the report form's).
  document.querySelectorAll("[data-picture-consent]").forEach(function (consent) {
    consent.hidden = false;
  });
  restore();

  // The fingerprints sent after a form came back with an error: kept, without a preview.
  function restore() {
    var sent;
    try {
      sent = JSON.parse(field.value || "[]");
    } catch (e) {
      sent = [];
    }
    if (!Array.isArray(sent)) {
      sent = [];
    }
    var current = null;
    sent.forEach(function (signal) {
      if (!signal || typeof signal !== "object") {
        return;
      }
      if (signal.type === "pdq" || current === null) {
        current = [];
        pictures.push({ signals: current, item: null });
      }
      current.push(signal);
    });
    pictures.forEach(function (picture) {
      picture.item = listItem(picture, null);
    });
    write();
  }

  function write() {
    var all = [];
    pictures.forEach(function (picture) {
      all = all.concat(picture.signals);
    });
    field.value = all.length ? JSON.stringify(all) : "";
  }

  function showError(message) {
    error.textContent = message || "";
    error.hidden = !message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  }

  function sha256Of(signals) {
    for (var i = 0; i < signals.length; i++) {
      if (signals[i].type === "sha256") {
        return signals[i].value;
      }
    }
    return "";
  }

  // One entry of the list: a blurred preview (only on this device), and buttons to show it
  // clearly or to remove the picture. ``file`` is null for a picture restored from the form.
  function listItem(picture, file) {
    counter += 1;
    var item = document.createElement("li");
    var title = document.createElement("p");
    title.textContent = (text.pictureLabel || "%(n)s").replace("%(n)s", String(counter));
    item.appendChild(title);
    if (file) {
      var url = URL.createObjectURL(file);
      var preview = document.createElement("img");
      preview.className = "blurred";
      preview.alt = text.previewAlt;
      // The object URL is revoked once the preview is drawn: nothing keeps the picture around.
      preview.addEventListener("load", function () {
        URL.revokeObjectURL(url);
      });
      preview.addEventListener("error", function () {
        URL.revokeObjectURL(url);
      });
      preview.src = url;
      item.appendChild(preview);
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "small secondary";
      toggle.textContent = text.show;
      toggle.addEventListener("click", function () {
        var blurred = preview.classList.toggle("blurred");
        toggle.textContent = blurred ? text.show : text.blur;
      });
      item.appendChild(toggle);
    }
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "small secondary";
    remove.textContent = text.remove;
    remove.addEventListener("click", function () {
      pictures = pictures.filter(function (other) {
        return other !== picture;
      });
      item.remove();
      write();
      showError("");
      status.textContent = "";
      input.focus();
    });
    item.appendChild(remove);
    list.appendChild(item);
    return item;
  }

  function add(file) {
    if (pictures.length + busy >= maxPictures) {
      showError(text.errorTooMany);
      return Promise.resolve();
    }
    busy += 1;
    status.textContent = text.busy;
    return window.FlagdeskHasher.hashFile(file).then(
      function (result) {
        busy -= 1;
        var signals = (result && result.signals) || [];
        var sha = sha256Of(signals);
        var known = pictures.some(function (picture) {
          return sha && sha256Of(picture.signals) === sha;
        });
        if (known) {
          showError(text.errorDuplicate);
          status.textContent = "";
          return;
        }
        var picture = { signals: signals.map(clean), item: null };
        pictures.push(picture);
        picture.item = listItem(picture, file);
        write();
        status.textContent = text.added;
      },
      function (failure) {
        busy -= 1;
        status.textContent = "";
        var code = failure && failure.code;
        var key = "error" + (code === "too_large" ? "Too_large" : cap(code || "failed"));
        showError(text[key] || text.errorFailed);
      }
    );
  }

  // Only what the server takes: the type, the value and, for PDQ, the quality.
  function clean(signal) {
    var kept = { type: String(signal.type), value: String(signal.value) };
    if (signal.type === "pdq" && typeof signal.quality === "number") {
      kept.quality = Math.round(signal.quality);
    }
    return kept;
  }

  function cap(word) {
    return word.charAt(0).toUpperCase() + word.slice(1);
  }

  input.addEventListener("change", function () {
    showError("");
    var files = Array.prototype.slice.call(input.files || []);
    // Forget the choice at once: the files stay only in the previews and the hasher.
    input.value = "";
    files.reduce(function (done, file) {
      return done.then(function () {
        return add(file);
      });
    }, Promise.resolve());
  });

  var form = box.closest("form");
  if (form) {
    form.addEventListener("submit", function (event) {
      if (busy > 0) {
        event.preventDefault();
        showError(text.errorBusy);
      }
    });
  }
}
