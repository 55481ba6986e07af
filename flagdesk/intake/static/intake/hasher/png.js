// A small PNG decoder that hands each row's luma to the PDQ hasher (pdq.js, loaded first).
//
// Why not the browser's decoder: a canvas stores pixels with premultiplied alpha (the colour
// of a transparent pixel is lost, while the server hashes it) and may convert colours with
// the picture's gamma or ICC profile (the server ignores both). Here the pixels are exactly
// those Pillow gives the server, converted to RGB as flagdesk/matching/media/image_child.py
// `pdq_pixels` does:
//   - truecolour and grey: 8-bit samples as they are; 16-bit colour samples by their high
//     byte (Pillow's RGB;16B, LA;16B and RGBA;16B), 16-bit grey as (v + 128) // 257 (I;16);
//     1-, 2- and 4-bit grey scaled to 0..255 (0 / 255, x 85, x 17);
//   - palette: the palette's colour (indices past its end are black, as in Pillow);
//   - alpha and tRNS are ignored: pdqhash reads only the red, green and blue.
// Inflating uses the browser's DecompressionStream (inflate.js); rows are unfiltered and converted as the
// data arrives, so a non-interlaced picture never exists in memory as a whole. An interlaced
// (Adam7) picture's luma is collected first, then handed over row by row.
(function (root) {
  "use strict";

  var SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  // Bits per sample allowed for each colour type, and samples per pixel.
  var DEPTHS = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  var CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
  // Adam7: [x0, y0, dx, dy] of each pass.
  var ADAM7 = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];

  var CRC_TABLE = (function () {
    var table = new Int32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) {
        c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      table[n] = c;
    }
    return table;
  })();

  function crc32(bytes, start, end) {
    var c = -1;
    for (var i = start; i < end; i++) {
      c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    }
    return (c ^ -1) >>> 0;
  }

  function fail(code, detail) {
    var error = new Error(code + ": " + detail);
    error.code = code;
    return error;
  }

  function u32(bytes, at) {
    return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
  }

  /** Whether `bytes` start like a PNG file. */
  function isPng(bytes) {
    if (bytes.length < 8) return false;
    for (var i = 0; i < 8; i++) {
      if (bytes[i] !== SIGNATURE[i]) return false;
    }
    return true;
  }

  /**
   * The chunks that matter: header fields, palette and the IDAT pieces.
   * Like Pillow, refuses a damaged header or palette (bad CRC), but does not check the CRC of
   * the image data (zlib's own checksum covers it).
   */
  function readChunks(bytes) {
    if (!isPng(bytes)) throw fail("undecodable", "not a PNG file");
    var pos = 8;
    var info = null;
    var palette = null;
    var idat = [];
    while (pos + 8 <= bytes.length) {
      var length = u32(bytes, pos);
      var type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
      var start = pos + 8;
      var end = start + length;
      if (info === null && type !== "IHDR") throw fail("undecodable", "IHDR is not first");
      if (type === "IDAT") {
        idat.push(bytes.subarray(start, Math.min(end, bytes.length))); // short: inflate decides
      } else if (type === "IEND") {
        break;
      } else if (type === "IHDR" || type === "PLTE") {
        if (end + 4 > bytes.length || crc32(bytes, pos + 4, end) !== u32(bytes, end)) {
          throw fail("undecodable", "broken " + type + " chunk");
        }
        if (type === "IHDR") {
          if (info !== null || length !== 13) throw fail("undecodable", "bad IHDR");
          info = {
            width: u32(bytes, start),
            height: u32(bytes, start + 4),
            depth: bytes[start + 8],
            colourType: bytes[start + 9],
            interlaced: bytes[start + 12] === 1,
          };
          var depths = DEPTHS[info.colourType];
          if (
            !depths ||
            depths.indexOf(info.depth) < 0 ||
            bytes[start + 10] !== 0 ||
            bytes[start + 11] !== 0 ||
            bytes[start + 12] > 1
          ) {
            throw fail("undecodable", "unknown PNG format");
          }
          if (info.width === 0 || info.height === 0) throw fail("undecodable", "no pixels");
        } else if (palette === null) {
          palette = bytes.subarray(start, end);
        }
      }
      pos = end + 4;
    }
    if (info === null) throw fail("undecodable", "no IHDR");
    if (info.colourType === 3 && palette === null) throw fail("undecodable", "no palette");
    if (idat.length === 0) throw fail("undecodable", "no image data");
    info.palette = palette;
    info.idat = idat;
    return info;
  }

  /** The header of a PNG: {width, height, ...}; throws "undecodable" if it is not one. */
  function readHeader(bytes) {
    var info = readChunks(bytes);
    return { width: info.width, height: info.height };
  }

  /** Luma of each palette entry (256, black past the palette's end, as Pillow). */
  function paletteLuma(palette) {
    var table = new Float32Array(256);
    var luma = root.FlagdeskPdq.luma;
    var entries = Math.min(256, Math.floor(palette.length / 3));
    for (var i = 0; i < 256; i++) {
      table[i] = i < entries ? luma(palette[3 * i], palette[3 * i + 1], palette[3 * i + 2]) : 0;
    }
    return table;
  }

  /**
   * A function (row, count, out, at, step) writing the luma of `count` pixels of the
   * unfiltered `row` to out[at], out[at + step], ...
   */
  function lumaConverter(info) {
    var pdq = root.FlagdeskPdq;
    var R = pdq.LUMA_R;
    var G = pdq.LUMA_G;
    var B = pdq.LUMA_B;
    var GREY = pdq.LUMA_GREY;
    var fround = Math.fround;
    var depth = info.depth;
    switch (info.colourType) {
      case 2:
      case 6: {
        var bytesPerPixel = (CHANNELS[info.colourType] * depth) >> 3;
        var sample = depth >> 3; // 16-bit: the high byte of each sample
        return function (row, count, out, at, step) {
          for (var x = 0, p = 0; x < count; x++, p += bytesPerPixel, at += step) {
            out[at] = fround(R[row[p]] + G[row[p + sample]] + B[row[p + 2 * sample]]);
          }
        };
      }
      case 4: {
        var pixelBytes = depth >> 2;
        return function (row, count, out, at, step) {
          for (var x = 0, p = 0; x < count; x++, p += pixelBytes, at += step) {
            out[at] = GREY[row[p]];
          }
        };
      }
      case 0:
        if (depth === 8) {
          return function (row, count, out, at, step) {
            for (var x = 0; x < count; x++, at += step) out[at] = GREY[row[x]];
          };
        }
        if (depth === 16) {
          return function (row, count, out, at, step) {
            for (var x = 0, p = 0; x < count; x++, p += 2, at += step) {
              out[at] = GREY[Math.floor((((row[p] << 8) | row[p + 1]) + 128) / 257)];
            }
          };
        }
        return packedConverter(depth, scaledGrey(depth, GREY));
      default: {
        var table = paletteLuma(info.palette);
        if (depth === 8) {
          return function (row, count, out, at, step) {
            for (var x = 0; x < count; x++, at += step) out[at] = table[row[x]];
          };
        }
        return packedConverter(depth, table);
      }
    }
  }

  /** Luma of each 1-, 2- or 4-bit grey level, scaled to 0..255 as Pillow does. */
  function scaledGrey(depth, GREY) {
    var levels = 1 << depth;
    var table = new Float32Array(levels);
    for (var v = 0; v < levels; v++) table[v] = GREY[(v * 255) / (levels - 1)];
    return table;
  }

  /** Samples of fewer than 8 bits, most significant first, through a lookup table. */
  function packedConverter(depth, table) {
    var mask = (1 << depth) - 1;
    return function (row, count, out, at, step) {
      for (var x = 0; x < count; x++, at += step) {
        var bit = x * depth;
        out[at] = table[(row[bit >> 3] >> (8 - depth - (bit & 7))) & mask];
      }
    };
  }

  /** Reverses a row's filter in place; `prev` is the previous row of the pass (or zeros). */
  function unfilter(filter, cur, prev, length, bpp) {
    var i;
    switch (filter) {
      case 0:
        return;
      case 1:
        for (i = bpp; i < length; i++) cur[i] = cur[i] + cur[i - bpp];
        return;
      case 2:
        for (i = 0; i < length; i++) cur[i] = cur[i] + prev[i];
        return;
      case 3:
        for (i = 0; i < bpp; i++) cur[i] = cur[i] + (prev[i] >> 1);
        for (i = bpp; i < length; i++) cur[i] = cur[i] + ((cur[i - bpp] + prev[i]) >> 1);
        return;
      case 4:
        for (i = 0; i < bpp; i++) cur[i] = cur[i] + prev[i]; // Paeth with a = c = 0
        for (i = bpp; i < length; i++) {
          var a = cur[i - bpp];
          var b = prev[i];
          var c = prev[i - bpp];
          var pa = b - c;
          var pb = a - c;
          var pc = pa + pb;
          if (pa < 0) pa = -pa;
          if (pb < 0) pb = -pb;
          if (pc < 0) pc = -pc;
          cur[i] = cur[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        return;
      default:
        throw fail("undecodable", "unknown row filter");
    }
  }

  /**
   * Decodes the picture and feeds its luma, top row first, to `sink` (a FlagdeskPdq
   * PdqHasher: fill sink.row, call sink.pushRow()). Resolves when every row is in.
   * `inflate(parts)` returns a reader ({read(), cancel()}) of the inflated IDAT data (the
   * chunks' contents, in order): inflate.js has one that inflates on this thread and one
   * that inflates on another.
   */
  async function decodeLuma(bytes, sink, inflate) {
    var info = readChunks(bytes);
    var width = info.width;
    var height = info.height;
    var bitsPerPixel = CHANNELS[info.colourType] * info.depth;
    var bpp = Math.max(1, bitsPerPixel >> 3);
    var convert = lumaConverter(info);

    // Each pass: where its pixels go, and how many rows of how many bytes it has.
    var passes = [];
    var layouts = info.interlaced ? ADAM7 : [[0, 0, 1, 1]];
    for (var p = 0; p < layouts.length; p++) {
      var l = layouts[p];
      var passWidth = Math.ceil((width - l[0]) / l[2]);
      var passHeight = Math.ceil((height - l[1]) / l[3]);
      if (passWidth > 0 && passHeight > 0) {
        passes.push({
          x0: l[0],
          y0: l[1],
          dx: l[2],
          dy: l[3],
          width: passWidth,
          height: passHeight,
          stride: Math.ceil((passWidth * bitsPerPixel) / 8),
        });
      }
    }
    var image = info.interlaced ? new Float32Array(width * height) : null;
    var widest = Math.ceil((width * bitsPerPixel) / 8);
    var cur = new Uint8Array(widest + 1);
    var prev = new Uint8Array(widest + 1);
    var passIndex = 0;
    var pass = passes[0];
    var rowInPass = 0;
    var filled = 0;
    var done = false;

    function rowComplete() {
      var data = cur.subarray(1, pass.stride + 1);
      unfilter(cur[0], data, prev.subarray(1, pass.stride + 1), pass.stride, bpp);
      if (image === null) {
        convert(data, width, sink.row, 0, 1);
        sink.pushRow();
      } else {
        var y = pass.y0 + rowInPass * pass.dy;
        convert(data, pass.width, image, y * width + pass.x0, pass.dx);
      }
      var swap = prev;
      prev = cur;
      cur = swap;
      filled = 0;
      if (++rowInPass === pass.height) {
        rowInPass = 0;
        pass = passes[++passIndex];
        prev.fill(0); // each pass starts without a row above
        done = pass === undefined;
      }
    }

    function feed(chunk) {
      var at = 0;
      while (at < chunk.length && !done) {
        var want = pass.stride + 1 - filled;
        var take = Math.min(want, chunk.length - at);
        cur.set(chunk.subarray(at, at + take), filled);
        filled += take;
        at += take;
        if (take === want) rowComplete();
      }
    }

    var reader = inflate(info.idat);
    try {
      while (!done) {
        var next = await reader.read();
        if (next.done) break;
        feed(next.value);
      }
    } catch (error) {
      if (error && error.code) throw error;
      if (!done) throw fail("undecodable", "damaged image data");
      // Junk after a complete image: Pillow ignores it too.
    }
    if (!done) throw fail("undecodable", "truncated image data");
    reader.cancel().catch(function () {});
    if (image !== null) {
      for (var y = 0; y < height; y++) {
        sink.row.set(image.subarray(y * width, (y + 1) * width));
        sink.pushRow();
      }
    }
  }

  root.FlagdeskPng = {
    isPng: isPng,
    readHeader: readHeader,
    decodeLuma: decodeLuma,
  };
})(self);
