// MD5 of a file's bytes, in plain JavaScript: browsers offer no MD5 (crypto.subtle refuses
// it), and hash lists from hotlines and platforms still carry MD5 next to SHA-256 and PDQ.
// Streaming: update() takes the file in pieces of any size, so a picture is hashed while it
// is read, without a second copy. Words are 32-bit integers (| 0), read little-endian.
(function (root) {
  "use strict";

  // K[i] = floor(abs(sin(i + 1)) * 2^32), as signed 32-bit integers.
  var K = new Int32Array([
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391,
  ]);
  var S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

  /** Compresses the 64-byte block at bytes[at] into state (4 words). */
  function block(state, bytes, at, x) {
    for (var i = 0; i < 16; i++, at += 4) {
      x[i] = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
    }
    var a = state[0];
    var b = state[1];
    var c = state[2];
    var d = state[3];
    var f;
    var g;
    var s;
    var t;
    for (i = 0; i < 64; i++) {
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
        s = S[i & 3];
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
        s = S[4 + (i & 3)];
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
        s = S[8 + (i & 3)];
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
        s = S[12 + (i & 3)];
      }
      t = (a + f + K[i] + x[g]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((t << s) | (t >>> (32 - s)))) | 0;
    }
    state[0] = (state[0] + a) | 0;
    state[1] = (state[1] + b) | 0;
    state[2] = (state[2] + c) | 0;
    state[3] = (state[3] + d) | 0;
  }

  function Md5() {
    this.state = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
    this.buffer = new Uint8Array(64); // a block not yet complete
    this.buffered = 0;
    this.length = 0; // bytes so far
    this.words = new Int32Array(16);
  }

  /** Adds bytes (a Uint8Array) to the message. */
  Md5.prototype.update = function (bytes) {
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

  /** The digest as 32 lower-case hex digits; the object is finished afterwards. */
  Md5.prototype.hex = function () {
    var bits = this.length * 8;
    var tail = new Uint8Array(this.buffered < 56 ? 64 : 128);
    tail.set(this.buffer.subarray(0, this.buffered));
    tail[this.buffered] = 0x80;
    var end = tail.length - 8;
    for (var i = 0; i < 8; i++) {
      tail[end + i] = Math.floor(bits / Math.pow(2, 8 * i)) & 0xff; // little-endian bit count
    }
    for (var at = 0; at < tail.length; at += 64) block(this.state, tail, at, this.words);
    var hex = "";
    for (var w = 0; w < 4; w++) {
      for (var k = 0; k < 4; k++) {
        var byte = (this.state[w] >>> (8 * k)) & 0xff;
        hex += (byte < 16 ? "0" : "") + byte.toString(16);
      }
    }
    return hex;
  };

  root.FlagdeskMd5 = {
    Md5: Md5,
    /** MD5 of a Uint8Array, in pieces (each piece is a view, not a copy). */
    hex: function (bytes) {
      var md5 = new Md5();
      var piece = 1 << 20;
      for (var at = 0; at < bytes.length; at += piece) {
        md5.update(bytes.subarray(at, Math.min(at + piece, bytes.length)));
      }
      return md5.hex();
    },
  };
})(self);
