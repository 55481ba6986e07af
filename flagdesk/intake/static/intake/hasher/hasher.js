// The device hasher: PDQ, MD5 and SHA-256 of a picture the reporter chooses, computed in
// their browser, so that only the hashes need to be sent (docs/device-hashing.md).
//
//   <script src="{% static 'intake/hasher/hasher.js' %}" defer
//           data-max-pixels="25000000" data-max-side="16384" data-max-bytes="31457280"></script>
//
//   FlagdeskHasher.hashFile(file).then(function (result) { ... }, function (error) {
//     error.code: "undecodable" | "video" | "too_large" | "unsupported"
//   });
//   result = {kind: "image", width, height, mime, size,
//             signals: [{type: "pdq", value, quality}, {type: "md5", value},
//                       {type: "sha256", value}]}
//
// The data-* limits are the server's (MATCHING_MAX_IMAGE_PIXELS, the 16384-pixel side,
// MATCHING_MAX_IMAGE_BYTES); without them the server's defaults apply. The library shows no
// text: the page words a message for each code in the reporter's language.
//
// The work happens in two Web Workers (worker.js, next to this file), started on first use
// and kept for later pictures. Nothing is stored and nothing is sent anywhere; the only requests
// are for the scripts themselves.
(function () {
  "use strict";

  var script = document.currentScript;
  var base = script && script.src ? new URL(".", script.src).href : null;
  var data = (script && script.dataset) || {};
  var limits = {
    maxPixels: Number(data.maxPixels) || 25000000,
    maxSide: Number(data.maxSide) || 16384,
    maxBytes: Number(data.maxBytes) || 30 * 1024 * 1024,
  };
  // A PNG's data is inflated by a third worker while the rows are hashed, when the device has
  // cores to spare: on two cores the two workers already use both, and a third costs more than
  // it saves. data-inflate-worker="yes" or "no" decides instead (the tests try both).
  var cores = navigator.hardwareConcurrency || 1;
  var inflateInWorker = data.inflateWorker ? data.inflateWorker === "yes" : cores > 2;

  // Two workers running worker.js: "picture" decodes and computes PDQ while "digests"
  // computes MD5 and SHA-256, so a device with two cores or more does both at once.
  var workers = {};
  var pending = {};
  var nextId = 1;

  function failure(code, detail) {
    var error = new Error(code + ": " + detail);
    error.code = code;
    return error;
  }

  /** Rejects every request in flight (a worker could not start, or died) and starts over. */
  function abandon(code, detail) {
    for (var role in workers) workers[role].terminate();
    workers = {};
    var waiting = pending;
    pending = {};
    for (var id in waiting) waiting[id].reject(failure(code, detail));
  }

  function theWorker(role) {
    if (!workers[role]) {
      var worker = new Worker(base + "worker.js", { name: "flagdesk-hasher-" + role });
      worker.onmessage = function (event) {
        var answer = event.data;
        var request = pending[answer.id];
        if (!request) return;
        delete pending[answer.id];
        if (answer.ok) request.resolve(answer.result);
        else request.reject(failure(answer.code, answer.detail));
      };
      // A script that does not load, or a worker that runs out of memory and dies.
      worker.onerror = function (event) {
        event.preventDefault();
        abandon("unsupported", "the hashing worker failed: " + (event.message || "no message"));
      };
      workers[role] = worker;
    }
    return workers[role];
  }

  function ask(role, message, transfer) {
    if (typeof Worker === "undefined" || base === null) {
      return Promise.reject(failure("unsupported", "no Web Worker"));
    }
    return new Promise(function (resolve, reject) {
      var id = nextId++;
      message.id = id;
      pending[id] = { resolve: resolve, reject: reject };
      try {
        theWorker(role).postMessage(message, transfer || []);
      } catch (error) {
        delete pending[id];
        reject(failure("unsupported", String(error)));
      }
    });
  }

  /** The hashes of a File or Blob: Promise of the result above. */
  function hashFile(file) {
    if (typeof Blob === "undefined" || !(file instanceof Blob)) {
      return Promise.reject(failure("undecodable", "not a file"));
    }
    var picture = ask("picture", {
      op: "picture",
      file: file,
      limits: limits,
      inflateInWorker: inflateInWorker,
    });
    var digests = ask("digests", { op: "digests", file: file, limits: limits });
    digests.catch(function () {}); // the picture's refusal is the one that counts
    return picture.then(function (found) {
      return digests.then(function (sums) {
        return {
          kind: found.kind,
          width: found.width,
          height: found.height,
          mime: found.mime,
          size: found.size,
          signals: [
            found.pdq,
            { type: "md5", value: sums.md5 },
            { type: "sha256", value: sums.sha256 },
          ],
        };
      });
    });
  }

  /**
   * PDQ of RGBA pixels (row-major, 4 bytes a pixel): Promise of {type: "pdq", value,
   * quality}. For tests and tools that already have pixels; the pixels are copied.
   */
  function pdqFromRGBA(pixels, width, height) {
    var copy = new Uint8Array(pixels.length);
    copy.set(pixels);
    return ask("picture", { op: "pdq", data: copy, width: width, height: height }, [copy.buffer]);
  }

  window.FlagdeskHasher = {
    hashFile: hashFile,
    pdqFromRGBA: pdqFromRGBA,
    limits: limits,
    inflateInWorker: inflateInWorker,
  };
})();
