// The device hasher's Web Worker: reads the chosen picture, computes PDQ, MD5 and SHA-256,
// and answers with the hashes only. It runs off the page's thread so the page stays
// responsive while a 12-megapixel photo is hashed. Nothing is stored and nothing is sent:
// the picture stays in this worker's memory until the answer is posted.
//
// Messages in:  {id, op: "picture" | "digests", file: Blob, limits: {maxPixels, maxSide, maxBytes},
//                inflateInWorker: bool (picture only)}
//               {id, op: "pdq", data: Uint8Array (RGBA), width, height}
// Messages out: {id, ok: true, result} or {id, ok: false, code, detail}
// hasher.js runs two of these workers: one decodes the picture and computes its PDQ
// ("picture"), the other computes MD5 and SHA-256 ("digests") at the same time. For a PNG,
// the first may start a third (inflate.js) that inflates the image data meanwhile.
// Codes: "undecodable", "video", "too_large", "unsupported" (see docs/device-hashing.md).
//
// Which pixels are hashed decides whether the PDQ equals the server's
// (flagdesk/matching/media/image_child.py): PNG goes through our own decoder (png.js) and is
// identical; other formats are decoded by the browser (createImageBitmap), whose JPEG decoder
// may round differently from the server's libjpeg by a little, so the hash stays within a
// few bits. The server ignores EXIF orientation, and browsers now always apply it, so the
// orientation tag is set to "normal" in a copy of the file before the browser decodes it.
importScripts("pdq.js", "md5.js", "sha256.js", "png.js", "inflate.js");

(function () {
  "use strict";

  // What the server refuses by default (matching/media/image.py and source.py); the page
  // may pass the instance's own limits.
  var DEFAULT_LIMITS = { maxPixels: 25000000, maxSide: 16384, maxBytes: 30 * 1024 * 1024 };
  var HEAD_BYTES = 4096;
  var VIDEO_EXTENSIONS = /\.(mp4|m4v|mov|qt|3gp|3g2|webm|mkv|avi)$/i;
  var HEIC_BRANDS = ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"];
  var BMP_HEADER_SIZES = [12, 40, 52, 56, 64, 108, 124];

  function fail(code, detail) {
    var error = new Error(code + ": " + detail);
    error.code = code;
    return error;
  }

  function ascii(bytes, start, end) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end));
  }

  function startsWith(bytes, list) {
    if (bytes.length < list.length) return false;
    for (var i = 0; i < list.length; i++) if (bytes[i] !== list[i]) return false;
    return true;
  }

  function readU32BE(b, at) {
    return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
  }

  /**
   * What the file is, from its first bytes, as the server's sniff.py decides:
   * {kind: "image"|"video", mime, format} or null for anything else.
   */
  function sniff(head) {
    var image = function (mime, format) {
      return { kind: "image", mime: mime, format: format };
    };
    var video = function (mime) {
      return { kind: "video", mime: mime, format: null };
    };
    if (startsWith(head, [0xff, 0xd8, 0xff])) return image("image/jpeg", "JPEG");
    if (FlagdeskPng.isPng(head)) return image("image/png", "PNG");
    var six = ascii(head, 0, 6);
    if (six === "GIF87a" || six === "GIF89a") return image("image/gif", "GIF");
    if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "WEBP") {
      return image("image/webp", "WEBP");
    }
    if (ascii(head, 0, 4) === "RIFF" && ascii(head, 8, 12) === "AVI ") return video("video/x-msvideo");
    var four = ascii(head, 0, 4);
    if (four === "II*\0" || four === "MM\0*") return image("image/tiff", "TIFF");
    if (
      ascii(head, 0, 2) === "BM" &&
      head.length >= 18 &&
      BMP_HEADER_SIZES.indexOf(head[14] | (head[15] << 8) | (head[16] << 16) | (head[17] << 24)) >= 0
    ) {
      return image("image/bmp", "BMP");
    }
    if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) {
      return video(ascii(head, 0, 64).indexOf("webm") >= 0 ? "video/webm" : "video/x-matroska");
    }
    if (ascii(head, 4, 8) === "ftyp") return isoType(head);
    var box = ascii(head, 4, 8);
    if ((box === "moov" || box === "mdat" || box === "wide") && readU32BE(head, 0) >= 8) {
      return video("video/quicktime");
    }
    return null;
  }

  /** MP4, MOV, 3GP and AVIF share one container; the ftyp brands say which it is. */
  function isoType(head) {
    var size = readU32BE(head, 0);
    var brands = ascii(head, 8, 12) + ascii(head, 16, Math.min(Math.max(size, 16), head.length));
    var names = [];
    for (var i = 0; i + 4 <= brands.length; i += 4) names.push(brands.slice(i, i + 4));
    if (names.indexOf("avif") >= 0 || names.indexOf("avis") >= 0) {
      return { kind: "image", mime: "image/avif", format: "AVIF" };
    }
    for (var k = 0; k < names.length; k++) if (HEIC_BRANDS.indexOf(names[k]) >= 0) return null;
    var major = ascii(head, 8, 12);
    if (/^M4[ABP] /.test(major)) return null;
    if (major === "qt  ") return { kind: "video", mime: "video/quicktime", format: null };
    if (major.slice(0, 2) === "3g") return { kind: "video", mime: "video/3gpp", format: null };
    return { kind: "video", mime: "video/mp4", format: null };
  }

  function limitsOf(given) {
    var limits = {};
    for (var key in DEFAULT_LIMITS) {
      var value = given && Number(given[key]);
      limits[key] = value > 0 ? value : DEFAULT_LIMITS[key];
    }
    return limits;
  }

  function checkSize(width, height, limits) {
    if (!(width > 0 && height > 0)) throw fail("undecodable", "no pixels");
    if (width > limits.maxSide || height > limits.maxSide || width * height > limits.maxPixels) {
      throw fail("too_large", width + " x " + height);
    }
  }

  // ---- sizes from headers, so that a picture over the limit is never decoded ----------

  /** {width, height} from a JPEG's frame header, or null. */
  function jpegSize(b) {
    var at = 2;
    while (at + 4 <= b.length) {
      if (b[at] !== 0xff) return null;
      var marker = b[at + 1];
      if (marker === 0xff) {
        at++; // fill byte
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        at += 2;
        continue;
      }
      var length = (b[at + 2] << 8) | b[at + 3];
      var isFrame =
        marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame && at + 9 <= b.length) {
        return { height: (b[at + 5] << 8) | b[at + 6], width: (b[at + 7] << 8) | b[at + 8] };
      }
      if (marker === 0xda) return null; // scan data before any frame header
      at += 2 + length;
    }
    return null;
  }

  /** {width, height} of a GIF's logical screen (what Pillow and browsers report). */
  function gifSize(b) {
    return b.length >= 10 ? { width: b[6] | (b[7] << 8), height: b[8] | (b[9] << 8) } : null;
  }

  /** {width, height} of a WebP from its first chunk (VP8, VP8L or VP8X). */
  function webpSize(b) {
    if (b.length < 30) return null;
    var chunk = ascii(b, 12, 16);
    if (chunk === "VP8X") {
      return {
        width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)),
        height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)),
      };
    }
    if (chunk === "VP8L") {
      var bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
      return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
    }
    if (chunk === "VP8 ") {
      return { width: (b[26] | (b[27] << 8)) & 0x3fff, height: (b[28] | (b[29] << 8)) & 0x3fff };
    }
    return null;
  }

  /** {width, height} of a BMP (height is negative for top-down pictures). */
  function bmpSize(b) {
    if (b.length < 26) return null;
    var header = b[14] | (b[15] << 8);
    if (header === 12) return { width: b[18] | (b[19] << 8), height: b[20] | (b[21] << 8) };
    var view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return { width: Math.abs(view.getInt32(18, true)), height: Math.abs(view.getInt32(22, true)) };
  }

  // ---- EXIF orientation ----------------------------------------------------------------

  /**
   * Where the orientation value of the TIFF structure in bytes[start..end] is, if it says
   * anything but 1 ("normal"): {at, little}, else null.
   */
  function orientationValue(bytes, start, end) {
    if (end - start < 8) return null;
    var little = bytes[start] === 0x49;
    var view = new DataView(bytes.buffer, bytes.byteOffset + start, end - start);
    var ifd = view.getUint32(4, little);
    if (ifd + 2 > view.byteLength) return null;
    var count = view.getUint16(ifd, little);
    for (var i = 0; i < count; i++) {
      var entry = ifd + 2 + 12 * i;
      if (entry + 12 > view.byteLength) return null;
      if (view.getUint16(entry, little) === 0x0112) {
        return view.getUint16(entry + 8, little) === 1 ? null : { at: start + entry + 8, little: little };
      }
    }
    return null;
  }

  /** Where the EXIF (TIFF) data of a JPEG or WebP is: [start, end], or null. */
  function exifRange(bytes, format) {
    if (format === "JPEG") {
      var at = 2;
      while (at + 4 <= bytes.length && bytes[at] === 0xff) {
        var marker = bytes[at + 1];
        if (marker === 0xda || marker === 0xd9) return null;
        var length = (bytes[at + 2] << 8) | bytes[at + 3];
        if (marker === 0xe1 && ascii(bytes, at + 4, at + 10) === "Exif\0\0") {
          return [at + 10, Math.min(at + 2 + length, bytes.length)];
        }
        at += 2 + length;
      }
    } else if (format === "WEBP") {
      var pos = 12;
      while (pos + 8 <= bytes.length) {
        var size =
          (bytes[pos + 4] | (bytes[pos + 5] << 8) | (bytes[pos + 6] << 16) | (bytes[pos + 7] << 24)) >>> 0;
        if (ascii(bytes, pos, pos + 4) === "EXIF") {
          var start = pos + 8;
          if (ascii(bytes, start, start + 6) === "Exif\0\0") start += 6;
          return [start, Math.min(pos + 8 + size, bytes.length)];
        }
        pos += 8 + size + (size & 1);
      }
    }
    return null;
  }

  /**
   * The bytes to give the browser's decoder: a copy whose EXIF orientation says "normal" when
   * it said anything else (the file's own bytes, which MD5 and SHA-256 cover, stay as they are).
   */
  function withoutOrientation(bytes, format) {
    var range = exifRange(bytes, format);
    var found = range && orientationValue(bytes, range[0], range[1]);
    if (!found) return bytes;
    var copy = bytes.slice();
    new DataView(copy.buffer).setUint16(found.at, 1, found.little);
    return copy;
  }

  // ---- decoding --------------------------------------------------------------------------

  async function pdqOfPng(bytes, limits, inflateInWorker) {
    var header = FlagdeskPng.readHeader(bytes);
    checkSize(header.width, header.height, limits);
    if (typeof DecompressionStream === "undefined") {
      throw fail("unsupported", "no DecompressionStream");
    }
    var hasher = new FlagdeskPdq.PdqHasher(header.width, header.height);
    var inflate = inflateInWorker ? FlagdeskInflate.elsewhere : FlagdeskInflate.here;
    await FlagdeskPng.decodeLuma(bytes, hasher, inflate);
    var pdq = hasher.finish();
    return { width: header.width, height: header.height, pdq: pdq };
  }

  async function pdqOfOther(bytes, type, limits) {
    var sizes = { JPEG: jpegSize, GIF: gifSize, WEBP: webpSize, BMP: bmpSize };
    var readSize = sizes[type.format];
    if (readSize) {
      var size = readSize(bytes);
      if (size === null) throw fail("undecodable", "unreadable " + type.format + " header");
      checkSize(size.width, size.height, limits);
    }
    if (typeof createImageBitmap === "undefined" || typeof OffscreenCanvas === "undefined") {
      throw fail("unsupported", "no createImageBitmap or OffscreenCanvas");
    }
    var blob = new Blob([withoutOrientation(bytes, type.format)], { type: type.mime });
    var bitmap;
    try {
      bitmap = await createImageBitmap(blob, {
        imageOrientation: "from-image", // the tag now says "normal": nothing is turned
        colorSpaceConversion: "none",
        premultiplyAlpha: "none",
      });
    } catch (error) {
      throw fail("undecodable", "the browser cannot decode this " + type.format);
    }
    try {
      var width = bitmap.width;
      var height = bitmap.height;
      checkSize(width, height, limits);
      var canvas = new OffscreenCanvas(width, height);
      var context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(bitmap, 0, 0);
      var pixels = context.getImageData(0, 0, width, height).data;
      var pdq = FlagdeskPdq.pdqFromRGBA(pixels, width, height, 4);
      return { width: width, height: height, pdq: pdq };
    } finally {
      bitmap.close();
    }
  }

  /**
   * What the file is and whether it may be hashed: {type, limits}, or the refusal. Both
   * workers ask this first, so they refuse the same files with the same code.
   */
  async function classify(file, givenLimits) {
    if (!(file instanceof Blob)) throw fail("undecodable", "not a file");
    var limits = limitsOf(givenLimits);
    var head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
    var type = sniff(head);
    if (type === null) {
      var declared = String(file.type || "").toLowerCase();
      if (declared.indexOf("video/") === 0 || VIDEO_EXTENSIONS.test(String(file.name || ""))) {
        throw fail("video", "declared as a video");
      }
      throw fail("undecodable", "not an image we can read");
    }
    if (type.kind === "video") throw fail("video", type.mime);
    if (file.size > limits.maxBytes) throw fail("too_large", file.size + " bytes");
    return { type: type, limits: limits };
  }

  /** The picture's facts and PDQ: {kind, width, height, mime, size, pdq: {value, quality}}. */
  async function pictureOf(file, givenLimits, inflateInWorker) {
    var found = await classify(file, givenLimits);
    var type = found.type;
    var bytes = new Uint8Array(await file.arrayBuffer());
    var picture;
    try {
      picture =
        type.format === "PNG"
          ? await pdqOfPng(bytes, found.limits, inflateInWorker)
          : await pdqOfOther(bytes, type, found.limits);
    } catch (error) {
      if (error instanceof RangeError) throw fail("too_large", "out of memory"); // allocation failed
      throw error;
    }
    return {
      kind: "image",
      width: picture.width,
      height: picture.height,
      mime: type.mime,
      size: file.size,
      pdq: { type: "pdq", value: picture.pdq.hash, quality: picture.pdq.quality },
    };
  }

  /**
   * MD5 and SHA-256 of the file's bytes: {md5, sha256} (hex). The page asks a second worker
   * for these while the first decodes the picture, so both run at once.
   */
  async function digestsOf(file, givenLimits) {
    await classify(file, givenLimits);
    var bytes = new Uint8Array(await file.arrayBuffer());
    var sha256 = FlagdeskSha256.digestHex(bytes); // native: runs beside the MD5
    var md5 = FlagdeskMd5.hex(bytes);
    return { md5: md5, sha256: await sha256 };
  }

  function pdqOfPixels(message) {
    var width = message.width | 0;
    var height = message.height | 0;
    if (!(width > 0 && height > 0) || message.data.length < width * height * 4) {
      throw fail("undecodable", "not RGBA pixels of that size");
    }
    var pdq = FlagdeskPdq.pdqFromRGBA(message.data, width, height, 4);
    return { type: "pdq", value: pdq.hash, quality: pdq.quality };
  }

  self.onmessage = function (event) {
    var message = event.data || {};
    var work = Promise.resolve().then(function () {
      if (message.op === "picture") {
        return pictureOf(message.file, message.limits, Boolean(message.inflateInWorker));
      }
      if (message.op === "digests") return digestsOf(message.file, message.limits);
      if (message.op === "pdq") return pdqOfPixels(message);
      throw fail("unsupported", "unknown request");
    });
    work.then(
      function (result) {
        self.postMessage({ id: message.id, ok: true, result: result });
      },
      function (error) {
        var code = error && error.code ? error.code : "undecodable";
        self.postMessage({ id: message.id, ok: false, code: code, detail: String(error && error.message) });
      },
    );
  };
})();
