// Inflating a PNG's image data on another thread, while the hashing worker unfilters rows and
// runs PDQ on them. The browser inflates (DecompressionStream) on the thread that asks, and for
// a photo that takes as long as everything else the decoder does, so the hashing worker
// (worker.js, which imports this file) starts a worker running this file alone, which
// inflates. Chunks come over as transferred buffers (no copy). The inflater stops when it is
// MAX_AHEAD bytes ahead of what the reader has taken, so a big picture never sits in memory
// twice over.
//
//   reader = FlagdeskInflate.elsewhere(parts);  // in the hashing worker; .here(parts) inflates
//   reader.read() -> Promise of {done, value: Uint8Array}; reader.cancel()
(function (root) {
  "use strict";

  var NAME = "flagdesk-hasher-inflate"; // the inflating worker's name: how it knows its role
  var MAX_AHEAD = 8 * 1024 * 1024;

  var PIECE = 256 * 1024; // compressed bytes given to zlib at a time

  // ---- inflating on this thread --------------------------------------------------------

  /**
   * A reader ({read(), cancel()}) of the zlib stream made of `parts` (Uint8Arrays), inflated
   * here, on this thread. The parts go in piece by piece as the output is read, so the
   * inflated data is never all in memory at once.
   */
  function here(parts) {
    var stream = new DecompressionStream("deflate");
    var writer = stream.writable.getWriter();
    (async function () {
      for (var p = 0; p < parts.length; p++) {
        for (var at = 0; at < parts[p].length; at += PIECE) {
          await writer.write(parts[p].subarray(at, at + PIECE));
        }
      }
      await writer.close();
    })().catch(function () {}); // the reader gave up, or the data is damaged: it sees why
    return stream.readable.getReader();
  }

  // ---- the reading side (in the hashing worker) ------------------------------------------

  var inflater = null; // the inflating worker, started on the first PNG and kept
  var readers = {}; // id -> InflatedReader
  var nextId = 1;

  /**
   * A reader of the zlib stream made of `parts` (Uint8Arrays), inflated by the inflating
   * worker; where a worker cannot start (an older browser), inflated on this thread.
   */
  function elsewhere(parts) {
    if (inflater === null) {
      try {
        inflater = new Worker("inflate.js", { name: NAME });
      } catch (error) {
        return here(parts);
      }
      inflater.onmessage = function (event) {
        var reader = readers[event.data.id];
        if (reader) reader.deliver(event.data);
      };
      inflater.onerror = function (event) {
        event.preventDefault();
        if (inflater) inflater.terminate();
        inflater = null;
        for (var id in readers) readers[id].deliver({ error: "the inflater failed" });
      };
    }
    return new InflatedReader(parts);
  }

  /** Hands the compressed data over (one copy, then transferred) and waits for chunks. */
  function InflatedReader(parts) {
    this.id = nextId++;
    this.chunks = [];
    this.waiting = null;
    this.finished = false;
    this.error = null;
    readers[this.id] = this;
    var length = 0;
    for (var p = 0; p < parts.length; p++) length += parts[p].length;
    var compressed = new Uint8Array(length);
    for (var q = 0, at = 0; q < parts.length; at += parts[q].length, q++) compressed.set(parts[q], at);
    inflater.postMessage({ op: "inflate", id: this.id, compressed: compressed }, [compressed.buffer]);
  }

  /** A message from the inflater: a chunk, the end, or an error. */
  InflatedReader.prototype.deliver = function (message) {
    if (message.chunk) this.chunks.push(message.chunk);
    else if (message.error) this.error = new Error(String(message.error));
    else this.finished = true;
    if (this.waiting) {
      var waiting = this.waiting;
      this.waiting = null;
      this.read().then(waiting.resolve, waiting.reject);
    }
  };

  InflatedReader.prototype.read = function () {
    var reader = this;
    if (this.chunks.length) {
      var chunk = this.chunks.shift();
      if (inflater) inflater.postMessage({ op: "taken", id: this.id, bytes: chunk.length });
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.error) return Promise.reject(this.error);
    if (this.finished) {
      delete readers[this.id];
      return Promise.resolve({ done: true, value: undefined });
    }
    return new Promise(function (resolve, reject) {
      reader.waiting = { resolve: resolve, reject: reject };
    });
  };

  InflatedReader.prototype.cancel = function () {
    if (readers[this.id] && inflater) inflater.postMessage({ op: "cancel", id: this.id });
    delete readers[this.id];
    this.chunks = [];
    return Promise.resolve();
  };

  // ---- the inflating side (the inflating worker) -----------------------------------------

  var jobs = {};

  async function inflate(message) {
    var job = { ahead: 0, resume: null, cancelled: false };
    jobs[message.id] = job;
    var reader = here([message.compressed]);
    try {
      for (;;) {
        while (job.ahead > MAX_AHEAD && !job.cancelled) {
          await new Promise(function (resolve) {
            job.resume = resolve;
          });
        }
        if (job.cancelled) {
          reader.cancel().catch(function () {});
          break;
        }
        var next = await reader.read();
        if (next.done) {
          root.postMessage({ id: message.id, end: true });
          break;
        }
        var chunk = next.value;
        if (chunk.byteOffset !== 0 || chunk.byteLength !== chunk.buffer.byteLength) {
          chunk = chunk.slice(); // a buffer of its own, to hand over
        }
        job.ahead += chunk.length;
        root.postMessage({ id: message.id, chunk: chunk }, [chunk.buffer]);
      }
    } catch (error) {
      root.postMessage({ id: message.id, error: "damaged image data" });
    }
    delete jobs[message.id];
  }

  /** The reader took a chunk, or needs no more. */
  function steer(message) {
    var job = jobs[message.id];
    if (!job) return;
    if (message.op === "cancel") job.cancelled = true;
    else job.ahead -= message.bytes;
    if (job.resume && (job.cancelled || job.ahead <= MAX_AHEAD)) {
      var resume = job.resume;
      job.resume = null;
      resume();
    }
  }

  if (root.name === NAME) {
    root.onmessage = function (event) {
      var message = event.data || {};
      if (message.op === "inflate") inflate(message);
      else steer(message);
    };
  }

  root.FlagdeskInflate = { here: here, elsewhere: elsewhere };
})(self);
