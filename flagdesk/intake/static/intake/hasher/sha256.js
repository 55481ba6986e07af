// SHA-256 of a file's bytes. crypto.subtle.digest when the page is a secure context (https,
// or http on localhost): it is native code and runs beside our JavaScript. Otherwise (a
// deployment tried over plain http) the same digest in plain JavaScript, so hashing still
// works, only slower.
(function (root) {
  "use strict";

  var K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
  ]);

  /** Compresses the 64-byte block at bytes[at] into state (8 words); w is 64 words of room. */
  function block(state, bytes, at, w) {
    var i;
    for (i = 0; i < 16; i++, at += 4) {
      w[i] = (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
    }
    for (i = 16; i < 64; i++) {
      var x = w[i - 15];
      var y = w[i - 2];
      var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    var a = state[0];
    var b = state[1];
    var c = state[2];
    var d = state[3];
    var e = state[4];
    var f = state[5];
    var g = state[6];
    var h = state[7];
    for (i = 0; i < 64; i++) {
      var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      var ch = (e & f) ^ (~e & g);
      var t1 = (h + S1 + ch + K[i] + w[i]) | 0;
      var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      var maj = (a & b) ^ (a & c) ^ (b & c);
      var t2 = (S0 + maj) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    state[0] = (state[0] + a) | 0;
    state[1] = (state[1] + b) | 0;
    state[2] = (state[2] + c) | 0;
    state[3] = (state[3] + d) | 0;
    state[4] = (state[4] + e) | 0;
    state[5] = (state[5] + f) | 0;
    state[6] = (state[6] + g) | 0;
    state[7] = (state[7] + h) | 0;
  }

  function Sha256() {
    this.state = new Int32Array([
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
      0x5be0cd19,
    ]);
    this.buffer = new Uint8Array(64);
    this.buffered = 0;
    this.length = 0;
    this.words = new Int32Array(64);
  }

  /** Adds bytes (a Uint8Array) to the message. */
  Sha256.prototype.update = function (bytes) {
    var at = 0;
    var n = bytes.length;
    this.length += n;
    if (this.buffered > 0) {
      var take = Math.min(64 - this.buffered, n);
      this.buffer.set(bytes.subarray(0, take), this.buffered);
      this.buffered += take;
      at = take;
      if (this.buffered < 64) return this;
      block(this.state, this.buffer, 0, this.words);
      this.buffered = 0;
    }
    for (; at + 64 <= n; at += 64) block(this.state, bytes, at, this.words);
    if (at < n) {
      this.buffer.set(bytes.subarray(at), 0);
      this.buffered = n - at;
    }
    return this;
  };

  /** The digest as 64 lower-case hex digits; the object is finished afterwards. */
  Sha256.prototype.hex = function () {
    var bits = this.length * 8;
    var tail = new Uint8Array(this.buffered < 56 ? 64 : 128);
    tail.set(this.buffer.subarray(0, this.buffered));
    tail[this.buffered] = 0x80;
    var end = tail.length;
    for (var i = 1; i <= 8; i++) {
      tail[end - i] = Math.floor(bits / Math.pow(2, 8 * (i - 1))) & 0xff; // big-endian count
    }
    for (var at = 0; at < tail.length; at += 64) block(this.state, tail, at, this.words);
    var hex = "";
    for (var k = 0; k < 8; k++) hex += ("0000000" + (this.state[k] >>> 0).toString(16)).slice(-8);
    return hex;
  };

  /** SHA-256 of a Uint8Array in plain JavaScript, in pieces. */
  function pureHex(bytes) {
    var sha = new Sha256();
    var piece = 1 << 20;
    for (var at = 0; at < bytes.length; at += piece) {
      sha.update(bytes.subarray(at, Math.min(at + piece, bytes.length)));
    }
    return sha.hex();
  }

  /** Promise of the SHA-256 of a Uint8Array: native when the browser allows it. */
  function digestHex(bytes) {
    var subtle = root.crypto && root.crypto.subtle;
    if (!subtle || !root.isSecureContext) {
      return Promise.resolve().then(function () {
        return pureHex(bytes);
      });
    }
    return subtle.digest("SHA-256", bytes).then(
      function (buffer) {
        var view = new Uint8Array(buffer);
        var hex = "";
        for (var i = 0; i < view.length; i++) hex += (view[i] < 16 ? "0" : "") + view[i].toString(16);
        return hex;
      },
      function () {
        return pureHex(bytes);
      },
    );
  }

  root.FlagdeskSha256 = { Sha256: Sha256, pureHex: pureHex, digestHex: digestHex };
})(self);
