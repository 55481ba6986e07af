// PDQ perceptual hash of a picture, computed in the reporter's browser so that the picture
// never leaves their device. A line-by-line port of Meta's C++ reference (ThreatExchange,
// pdq/cpp: pdqhashing.cpp, downscaling.cpp, torben.cpp, pdqhashtypes.cpp) as wrapped by the
// `pdqhash` Python package that the server uses: the result must equal the server's bit for
// bit, or a picture hashed here would not find its own copies there.
//
// Why it is exact: the C++ works in 32-bit floats with every operation rounded to float
// (x86-64 SSE, no fused multiply-add). JavaScript computes in 64-bit doubles; rounding each
// +, -, *, / of two floats to float afterwards (Math.fround, or storing into a Float32Array)
// gives the same float as the C++, because a double holds more than twice a float's precision.
// So every float operation below is rounded, in the order the C++ does them. Sums are never
// reordered: (a + b) + c and a + (b + c) differ in floats.
//
// What differs from the C++ is only the order in which independent columns are visited: the
// Jarosz box filters run as one stream over the rows (each column keeps its own running sum),
// so a 12-megapixel photo needs a few hundred kilobytes besides its pixels, and the second
// pass is only computed where the 64 x 64 decimation samples it. Each column's sequence of
// float operations is the C++'s own.
//
// The PDQ algorithm and the ported code: Copyright (c) Meta Platforms, Inc. and affiliates,
// under the BSD licence below (docs/device-hashing.md). The median is Torben Mogensen's
// algorithm as implemented by N. Devillard (public domain).
//
//   Redistribution and use in source and binary forms, with or without modification,
//   are permitted provided that the following conditions are met:
//
//    * Redistributions of source code must retain the above copyright notice, this
//      list of conditions and the following disclaimer.
//
//    * Redistributions in binary form must reproduce the above copyright notice,
//      this list of conditions and the following disclaimer in the documentation
//      and/or other materials provided with the distribution.
//
//    * Neither the name Facebook nor the names of its contributors may be used to
//      endorse or promote products derived from this software without specific
//      prior written permission.
//
//   THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND
//   ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
//   WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
//   DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE FOR
//   ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
//   (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;
//   LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON
//   ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
//   (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
//   SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
(function (root) {
  "use strict";

  var fround = Math.fround;

  // The C++ computes its 16 x 64 DCT matrix at start-up as
  //   (float)((float)sqrt(2.0 / 64) * cos((M_PI / 2.0 / 64) * (i + 1) * (2 * j + 1)))
  // with the C library's cos. JavaScript's Math.cos may differ from it in the last bit of a
  // double, which could (rarely) change a float, so the table is shipped as the float bit
  // patterns computed by Python's math.cos (the C library's). A test recomputes it.
  var DCT_BITS = new Uint32Array([
    0x3e34f6fe, 0x3e348763, 0x3e33a872, 0x3e325ab4, 0x3e309ef6, 0x3e2e764c, 0x3e2be20a, 0x3e28e3c6,
    0x3e257d59, 0x3e21b0dd, 0x3e1d80a8, 0x3e18ef51, 0x3e13ffa8, 0x3e0eb4b9, 0x3e0911c7, 0x3e031a4c,
    0x3df9a3ed, 0x3dec794d, 0x3ddebcd5, 0x3dd076ff, 0x3dc1b098, 0x3db272bd, 0x3da2c6d5, 0x3d92b689,
    0x3d824bc1, 0x3d63213d, 0x3d411ee4, 0x3d1ea570, 0x3cf7944a, 0x3cb14504, 0x3c5510d4, 0x3b8e2871,
    0xbb8e2871, 0xbc5510d4, 0xbcb14504, 0xbcf7944a, 0xbd1ea570, 0xbd411ee4, 0xbd63213d, 0xbd824bc1,
    0xbd92b689, 0xbda2c6d5, 0xbdb272bd, 0xbdc1b098, 0xbdd076ff, 0xbddebcd5, 0xbdec794d, 0xbdf9a3ed,
    0xbe031a4c, 0xbe0911c7, 0xbe0eb4b9, 0xbe13ffa8, 0xbe18ef51, 0xbe1d80a8, 0xbe21b0dd, 0xbe257d59,
    0xbe28e3c6, 0xbe2be20a, 0xbe2e764c, 0xbe309ef6, 0xbe325ab4, 0xbe33a872, 0xbe348763, 0xbe34f6fe,
    0x3e34cd21, 0x3e330f61, 0x3e2f982b, 0x3e2a700c, 0x3e23a3b9, 0x3e1b43f5, 0x3e116566, 0x3e062061,
    0x3df3215c, 0x3dd7aa8b, 0x3dba2005, 0x3d9aca9e, 0x3d73ef2f, 0x3d2fefbb, 0x3cd47d09, 0x3c0e1d7b,
    0xbc0e1d7b, 0xbcd47d09, 0xbd2fefbb, 0xbd73ef2f, 0xbd9aca9e, 0xbdba2005, 0xbdd7aa8b, 0xbdf3215c,
    0xbe062061, 0xbe116566, 0xbe1b43f5, 0xbe23a3b9, 0xbe2a700c, 0xbe2f982b, 0xbe330f61, 0xbe34cd21,
    0xbe34cd21, 0xbe330f61, 0xbe2f982b, 0xbe2a700c, 0xbe23a3b9, 0xbe1b43f5, 0xbe116566, 0xbe062061,
    0xbdf3215c, 0xbdd7aa8b, 0xbdba2005, 0xbd9aca9e, 0xbd73ef2f, 0xbd2fefbb, 0xbcd47d09, 0xbc0e1d7b,
    0x3c0e1d7b, 0x3cd47d09, 0x3d2fefbb, 0x3d73ef2f, 0x3d9aca9e, 0x3dba2005, 0x3dd7aa8b, 0x3df3215c,
    0x3e062061, 0x3e116566, 0x3e1b43f5, 0x3e23a3b9, 0x3e2a700c, 0x3e2f982b, 0x3e330f61, 0x3e34cd21,
    0x3e348763, 0x3e309ef6, 0x3e28e3c6, 0x3e1d80a8, 0x3e0eb4b9, 0x3df9a3ed, 0x3dd076ff, 0x3da2c6d5,
    0x3d63213d, 0x3cf7944a, 0x3b8e2871, 0xbcb14504, 0xbd411ee4, 0xbd92b689, 0xbdc1b098, 0xbdec794d,
    0xbe0911c7, 0xbe18ef51, 0xbe257d59, 0xbe2e764c, 0xbe33a872, 0xbe34f6fe, 0xbe325ab4, 0xbe2be20a,
    0xbe21b0dd, 0xbe13ffa8, 0xbe031a4c, 0xbddebcd5, 0xbdb272bd, 0xbd824bc1, 0xbd1ea570, 0xbc5510d4,
    0x3c5510d4, 0x3d1ea570, 0x3d824bc1, 0x3db272bd, 0x3ddebcd5, 0x3e031a4c, 0x3e13ffa8, 0x3e21b0dd,
    0x3e2be20a, 0x3e325ab4, 0x3e34f6fe, 0x3e33a872, 0x3e2e764c, 0x3e257d59, 0x3e18ef51, 0x3e0911c7,
    0x3dec794d, 0x3dc1b098, 0x3d92b689, 0x3d411ee4, 0x3cb14504, 0xbb8e2871, 0xbcf7944a, 0xbd63213d,
    0xbda2c6d5, 0xbdd076ff, 0xbdf9a3ed, 0xbe0eb4b9, 0xbe1d80a8, 0xbe28e3c6, 0xbe309ef6, 0xbe348763,
    0x3e3425ce, 0x3e2d3986, 0x3e1fa512, 0x3e0bee0a, 0x3de5acc6, 0x3daaa9f2, 0x3d523045, 0x3c8df1a9,
    0xbc8df1a9, 0xbd523045, 0xbdaaa9f2, 0xbde5acc6, 0xbe0bee0a, 0xbe1fa512, 0xbe2d3986, 0xbe3425ce,
    0xbe3425ce, 0xbe2d3986, 0xbe1fa512, 0xbe0bee0a, 0xbde5acc6, 0xbdaaa9f2, 0xbd523045, 0xbc8df1a9,
    0x3c8df1a9, 0x3d523045, 0x3daaa9f2, 0x3de5acc6, 0x3e0bee0a, 0x3e1fa512, 0x3e2d3986, 0x3e3425ce,
    0x3e3425ce, 0x3e2d3986, 0x3e1fa512, 0x3e0bee0a, 0x3de5acc6, 0x3daaa9f2, 0x3d523045, 0x3c8df1a9,
    0xbc8df1a9, 0xbd523045, 0xbdaaa9f2, 0xbde5acc6, 0xbe0bee0a, 0xbe1fa512, 0xbe2d3986, 0xbe3425ce,
    0xbe3425ce, 0xbe2d3986, 0xbe1fa512, 0xbe0bee0a, 0xbde5acc6, 0xbdaaa9f2, 0xbd523045, 0xbc8df1a9,
    0x3c8df1a9, 0x3d523045, 0x3daaa9f2, 0x3de5acc6, 0x3e0bee0a, 0x3e1fa512, 0x3e2d3986, 0x3e3425ce,
    0x3e33a872, 0x3e28e3c6, 0x3e13ffa8, 0x3dec794d, 0x3da2c6d5, 0x3d1ea570, 0xbb8e2871, 0xbd411ee4,
    0xbdb272bd, 0xbdf9a3ed, 0xbe18ef51, 0xbe2be20a, 0xbe348763, 0xbe325ab4, 0xbe257d59, 0xbe0eb4b9,
    0xbddebcd5, 0xbd92b689, 0xbcf7944a, 0x3c5510d4, 0x3d63213d, 0x3dc1b098, 0x3e031a4c, 0x3e1d80a8,
    0x3e2e764c, 0x3e34f6fe, 0x3e309ef6, 0x3e21b0dd, 0x3e0911c7, 0x3dd076ff, 0x3d824bc1, 0x3cb14504,
    0xbcb14504, 0xbd824bc1, 0xbdd076ff, 0xbe0911c7, 0xbe21b0dd, 0xbe309ef6, 0xbe34f6fe, 0xbe2e764c,
    0xbe1d80a8, 0xbe031a4c, 0xbdc1b098, 0xbd63213d, 0xbc5510d4, 0x3cf7944a, 0x3d92b689, 0x3ddebcd5,
    0x3e0eb4b9, 0x3e257d59, 0x3e325ab4, 0x3e348763, 0x3e2be20a, 0x3e18ef51, 0x3df9a3ed, 0x3db272bd,
    0x3d411ee4, 0x3b8e2871, 0xbd1ea570, 0xbda2c6d5, 0xbdec794d, 0xbe13ffa8, 0xbe28e3c6, 0xbe33a872,
    0x3e330f61, 0x3e23a3b9, 0x3e062061, 0x3dba2005, 0x3d2fefbb, 0xbc0e1d7b, 0xbd73ef2f, 0xbdd7aa8b,
    0xbe116566, 0xbe2a700c, 0xbe34cd21, 0xbe2f982b, 0xbe1b43f5, 0xbdf3215c, 0xbd9aca9e, 0xbcd47d09,
    0x3cd47d09, 0x3d9aca9e, 0x3df3215c, 0x3e1b43f5, 0x3e2f982b, 0x3e34cd21, 0x3e2a700c, 0x3e116566,
    0x3dd7aa8b, 0x3d73ef2f, 0x3c0e1d7b, 0xbd2fefbb, 0xbdba2005, 0xbe062061, 0xbe23a3b9, 0xbe330f61,
    0xbe330f61, 0xbe23a3b9, 0xbe062061, 0xbdba2005, 0xbd2fefbb, 0x3c0e1d7b, 0x3d73ef2f, 0x3dd7aa8b,
    0x3e116566, 0x3e2a700c, 0x3e34cd21, 0x3e2f982b, 0x3e1b43f5, 0x3df3215c, 0x3d9aca9e, 0x3cd47d09,
    0xbcd47d09, 0xbd9aca9e, 0xbdf3215c, 0xbe1b43f5, 0xbe2f982b, 0xbe34cd21, 0xbe2a700c, 0xbe116566,
    0xbdd7aa8b, 0xbd73ef2f, 0xbc0e1d7b, 0x3d2fefbb, 0x3dba2005, 0x3e062061, 0x3e23a3b9, 0x3e330f61,
    0x3e325ab4, 0x3e1d80a8, 0x3dec794d, 0x3d824bc1, 0x3b8e2871, 0xbd63213d, 0xbddebcd5, 0xbe18ef51,
    0xbe309ef6, 0xbe33a872, 0xbe21b0dd, 0xbdf9a3ed, 0xbd92b689, 0xbc5510d4, 0x3d411ee4, 0x3dd076ff,
    0x3e13ffa8, 0x3e2e764c, 0x3e348763, 0x3e257d59, 0x3e031a4c, 0x3da2c6d5, 0x3cb14504, 0xbd1ea570,
    0xbdc1b098, 0xbe0eb4b9, 0xbe2be20a, 0xbe34f6fe, 0xbe28e3c6, 0xbe0911c7, 0xbdb272bd, 0xbcf7944a,
    0x3cf7944a, 0x3db272bd, 0x3e0911c7, 0x3e28e3c6, 0x3e34f6fe, 0x3e2be20a, 0x3e0eb4b9, 0x3dc1b098,
    0x3d1ea570, 0xbcb14504, 0xbda2c6d5, 0xbe031a4c, 0xbe257d59, 0xbe348763, 0xbe2e764c, 0xbe13ffa8,
    0xbdd076ff, 0xbd411ee4, 0x3c5510d4, 0x3d92b689, 0x3df9a3ed, 0x3e21b0dd, 0x3e33a872, 0x3e309ef6,
    0x3e18ef51, 0x3ddebcd5, 0x3d63213d, 0xbb8e2871, 0xbd824bc1, 0xbdec794d, 0xbe1d80a8, 0xbe325ab4,
    0x3e318a85, 0x3e168317, 0x3dc9234e, 0x3d0d42af, 0xbd0d42af, 0xbdc9234e, 0xbe168317, 0xbe318a85,
    0xbe318a85, 0xbe168317, 0xbdc9234e, 0xbd0d42af, 0x3d0d42af, 0x3dc9234e, 0x3e168317, 0x3e318a85,
    0x3e318a85, 0x3e168317, 0x3dc9234e, 0x3d0d42af, 0xbd0d42af, 0xbdc9234e, 0xbe168317, 0xbe318a85,
    0xbe318a85, 0xbe168317, 0xbdc9234e, 0xbd0d42af, 0x3d0d42af, 0x3dc9234e, 0x3e168317, 0x3e318a85,
    0x3e318a85, 0x3e168317, 0x3dc9234e, 0x3d0d42af, 0xbd0d42af, 0xbdc9234e, 0xbe168317, 0xbe318a85,
    0xbe318a85, 0xbe168317, 0xbdc9234e, 0xbd0d42af, 0x3d0d42af, 0x3dc9234e, 0x3e168317, 0x3e318a85,
    0x3e318a85, 0x3e168317, 0x3dc9234e, 0x3d0d42af, 0xbd0d42af, 0xbdc9234e, 0xbe168317, 0xbe318a85,
    0xbe318a85, 0xbe168317, 0xbdc9234e, 0xbd0d42af, 0x3d0d42af, 0x3dc9234e, 0x3e168317, 0x3e318a85,
    0x3e309ef6, 0x3e0eb4b9, 0x3da2c6d5, 0x3b8e2871, 0xbd92b689, 0xbe0911c7, 0xbe2e764c, 0xbe325ab4,
    0xbe13ffa8, 0xbdb272bd, 0xbc5510d4, 0x3d824bc1, 0x3e031a4c, 0x3e2be20a, 0x3e33a872, 0x3e18ef51,
    0x3dc1b098, 0x3cb14504, 0xbd63213d, 0xbdf9a3ed, 0xbe28e3c6, 0xbe348763, 0xbe1d80a8, 0xbdd076ff,
    0xbcf7944a, 0x3d411ee4, 0x3dec794d, 0x3e257d59, 0x3e34f6fe, 0x3e21b0dd, 0x3ddebcd5, 0x3d1ea570,
    0xbd1ea570, 0xbddebcd5, 0xbe21b0dd, 0xbe34f6fe, 0xbe257d59, 0xbdec794d, 0xbd411ee4, 0x3cf7944a,
    0x3dd076ff, 0x3e1d80a8, 0x3e348763, 0x3e28e3c6, 0x3df9a3ed, 0x3d63213d, 0xbcb14504, 0xbdc1b098,
    0xbe18ef51, 0xbe33a872, 0xbe2be20a, 0xbe031a4c, 0xbd824bc1, 0x3c5510d4, 0x3db272bd, 0x3e13ffa8,
    0x3e325ab4, 0x3e2e764c, 0x3e0911c7, 0x3d92b689, 0xbb8e2871, 0xbda2c6d5, 0xbe0eb4b9, 0xbe309ef6,
    0x3e2f982b, 0x3e062061, 0x3d73ef2f, 0xbcd47d09, 0xbdd7aa8b, 0xbe23a3b9, 0xbe34cd21, 0xbe1b43f5,
    0xbdba2005, 0xbc0e1d7b, 0x3d9aca9e, 0x3e116566, 0x3e330f61, 0x3e2a700c, 0x3df3215c, 0x3d2fefbb,
    0xbd2fefbb, 0xbdf3215c, 0xbe2a700c, 0xbe330f61, 0xbe116566, 0xbd9aca9e, 0x3c0e1d7b, 0x3dba2005,
    0x3e1b43f5, 0x3e34cd21, 0x3e23a3b9, 0x3dd7aa8b, 0x3cd47d09, 0xbd73ef2f, 0xbe062061, 0xbe2f982b,
    0xbe2f982b, 0xbe062061, 0xbd73ef2f, 0x3cd47d09, 0x3dd7aa8b, 0x3e23a3b9, 0x3e34cd21, 0x3e1b43f5,
    0x3dba2005, 0x3c0e1d7b, 0xbd9aca9e, 0xbe116566, 0xbe330f61, 0xbe2a700c, 0xbdf3215c, 0xbd2fefbb,
    0x3d2fefbb, 0x3df3215c, 0x3e2a700c, 0x3e330f61, 0x3e116566, 0x3d9aca9e, 0xbc0e1d7b, 0xbdba2005,
    0xbe1b43f5, 0xbe34cd21, 0xbe23a3b9, 0xbdd7aa8b, 0xbcd47d09, 0x3d73ef2f, 0x3e062061, 0x3e2f982b,
    0x3e2e764c, 0x3df9a3ed, 0x3d1ea570, 0xbd63213d, 0xbe0911c7, 0xbe325ab4, 0xbe28e3c6, 0xbddebcd5,
    0xbcb14504, 0x3d92b689, 0x3e13ffa8, 0x3e348763, 0x3e21b0dd, 0x3dc1b098, 0x3b8e2871, 0xbdb272bd,
    0xbe1d80a8, 0xbe34f6fe, 0xbe18ef51, 0xbda2c6d5, 0x3c5510d4, 0x3dd076ff, 0x3e257d59, 0x3e33a872,
    0x3e0eb4b9, 0x3d824bc1, 0xbcf7944a, 0xbdec794d, 0xbe2be20a, 0xbe309ef6, 0xbe031a4c, 0xbd411ee4,
    0x3d411ee4, 0x3e031a4c, 0x3e309ef6, 0x3e2be20a, 0x3dec794d, 0x3cf7944a, 0xbd824bc1, 0xbe0eb4b9,
    0xbe33a872, 0xbe257d59, 0xbdd076ff, 0xbc5510d4, 0x3da2c6d5, 0x3e18ef51, 0x3e34f6fe, 0x3e1d80a8,
    0x3db272bd, 0xbb8e2871, 0xbdc1b098, 0xbe21b0dd, 0xbe348763, 0xbe13ffa8, 0xbd92b689, 0x3cb14504,
    0x3ddebcd5, 0x3e28e3c6, 0x3e325ab4, 0x3e0911c7, 0x3d63213d, 0xbd1ea570, 0xbdf9a3ed, 0xbe2e764c,
    0x3e2d3986, 0x3de5acc6, 0x3c8df1a9, 0xbdaaa9f2, 0xbe1fa512, 0xbe3425ce, 0xbe0bee0a, 0xbd523045,
    0x3d523045, 0x3e0bee0a, 0x3e3425ce, 0x3e1fa512, 0x3daaa9f2, 0xbc8df1a9, 0xbde5acc6, 0xbe2d3986,
    0xbe2d3986, 0xbde5acc6, 0xbc8df1a9, 0x3daaa9f2, 0x3e1fa512, 0x3e3425ce, 0x3e0bee0a, 0x3d523045,
    0xbd523045, 0xbe0bee0a, 0xbe3425ce, 0xbe1fa512, 0xbdaaa9f2, 0x3c8df1a9, 0x3de5acc6, 0x3e2d3986,
    0x3e2d3986, 0x3de5acc6, 0x3c8df1a9, 0xbdaaa9f2, 0xbe1fa512, 0xbe3425ce, 0xbe0bee0a, 0xbd523045,
    0x3d523045, 0x3e0bee0a, 0x3e3425ce, 0x3e1fa512, 0x3daaa9f2, 0xbc8df1a9, 0xbde5acc6, 0xbe2d3986,
    0xbe2d3986, 0xbde5acc6, 0xbc8df1a9, 0x3daaa9f2, 0x3e1fa512, 0x3e3425ce, 0x3e0bee0a, 0x3d523045,
    0xbd523045, 0xbe0bee0a, 0xbe3425ce, 0xbe1fa512, 0xbdaaa9f2, 0x3c8df1a9, 0x3de5acc6, 0x3e2d3986,
    0x3e2be20a, 0x3dd076ff, 0xbb8e2871, 0xbddebcd5, 0xbe2e764c, 0xbe28e3c6, 0xbdc1b098, 0x3c5510d4,
    0x3dec794d, 0x3e309ef6, 0x3e257d59, 0x3db272bd, 0xbcb14504, 0xbdf9a3ed, 0xbe325ab4, 0xbe21b0dd,
    0xbda2c6d5, 0x3cf7944a, 0x3e031a4c, 0x3e33a872, 0x3e1d80a8, 0x3d92b689, 0xbd1ea570, 0xbe0911c7,
    0xbe348763, 0xbe18ef51, 0xbd824bc1, 0x3d411ee4, 0x3e0eb4b9, 0x3e34f6fe, 0x3e13ffa8, 0x3d63213d,
    0xbd63213d, 0xbe13ffa8, 0xbe34f6fe, 0xbe0eb4b9, 0xbd411ee4, 0x3d824bc1, 0x3e18ef51, 0x3e348763,
    0x3e0911c7, 0x3d1ea570, 0xbd92b689, 0xbe1d80a8, 0xbe33a872, 0xbe031a4c, 0xbcf7944a, 0x3da2c6d5,
    0x3e21b0dd, 0x3e325ab4, 0x3df9a3ed, 0x3cb14504, 0xbdb272bd, 0xbe257d59, 0xbe309ef6, 0xbdec794d,
    0xbc5510d4, 0x3dc1b098, 0x3e28e3c6, 0x3e2e764c, 0x3ddebcd5, 0x3b8e2871, 0xbdd076ff, 0xbe2be20a,
    0x3e2a700c, 0x3dba2005, 0xbcd47d09, 0xbe062061, 0xbe34cd21, 0xbe116566, 0xbd2fefbb, 0x3d9aca9e,
    0x3e23a3b9, 0x3e2f982b, 0x3dd7aa8b, 0xbc0e1d7b, 0xbdf3215c, 0xbe330f61, 0xbe1b43f5, 0xbd73ef2f,
    0x3d73ef2f, 0x3e1b43f5, 0x3e330f61, 0x3df3215c, 0x3c0e1d7b, 0xbdd7aa8b, 0xbe2f982b, 0xbe23a3b9,
    0xbd9aca9e, 0x3d2fefbb, 0x3e116566, 0x3e34cd21, 0x3e062061, 0x3cd47d09, 0xbdba2005, 0xbe2a700c,
    0xbe2a700c, 0xbdba2005, 0x3cd47d09, 0x3e062061, 0x3e34cd21, 0x3e116566, 0x3d2fefbb, 0xbd9aca9e,
    0xbe23a3b9, 0xbe2f982b, 0xbdd7aa8b, 0x3c0e1d7b, 0x3df3215c, 0x3e330f61, 0x3e1b43f5, 0x3d73ef2f,
    0xbd73ef2f, 0xbe1b43f5, 0xbe330f61, 0xbdf3215c, 0xbc0e1d7b, 0x3dd7aa8b, 0x3e2f982b, 0x3e23a3b9,
    0x3d9aca9e, 0xbd2fefbb, 0xbe116566, 0xbe34cd21, 0xbe062061, 0xbcd47d09, 0x3dba2005, 0x3e2a700c,
    0x3e28e3c6, 0x3da2c6d5, 0xbd411ee4, 0xbe18ef51, 0xbe325ab4, 0xbddebcd5, 0x3c5510d4, 0x3e031a4c,
    0x3e34f6fe, 0x3e0911c7, 0x3cb14504, 0xbdd076ff, 0xbe309ef6, 0xbe1d80a8, 0xbd63213d, 0x3d92b689,
    0x3e257d59, 0x3e2be20a, 0x3db272bd, 0xbd1ea570, 0xbe13ffa8, 0xbe33a872, 0xbdec794d, 0x3b8e2871,
    0x3df9a3ed, 0x3e348763, 0x3e0eb4b9, 0x3cf7944a, 0xbdc1b098, 0xbe2e764c, 0xbe21b0dd, 0xbd824bc1,
    0x3d824bc1, 0x3e21b0dd, 0x3e2e764c, 0x3dc1b098, 0xbcf7944a, 0xbe0eb4b9, 0xbe348763, 0xbdf9a3ed,
    0xbb8e2871, 0x3dec794d, 0x3e33a872, 0x3e13ffa8, 0x3d1ea570, 0xbdb272bd, 0xbe2be20a, 0xbe257d59,
    0xbd92b689, 0x3d63213d, 0x3e1d80a8, 0x3e309ef6, 0x3dd076ff, 0xbcb14504, 0xbe0911c7, 0xbe34f6fe,
    0xbe031a4c, 0xbc5510d4, 0x3ddebcd5, 0x3e325ab4, 0x3e18ef51, 0x3d411ee4, 0xbda2c6d5, 0xbe28e3c6,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
    0x3e273d74, 0x3d8a8bd4, 0xbd8a8bd4, 0xbe273d74, 0xbe273d74, 0xbd8a8bd4, 0x3d8a8bd4, 0x3e273d74,
  ]);
  var DCT = new Float32Array(DCT_BITS.buffer);

  var MIN_HASHABLE_DIM = 5;
  var SIZE = 64;

  // pdqhash's bindings compute luma with numpy in doubles, left to right, then cast to float:
  // fround(R * 0.299 + G * 0.587 + B * 0.114). The products are exact table entries.
  var LUMA_R = new Float64Array(256);
  var LUMA_G = new Float64Array(256);
  var LUMA_B = new Float64Array(256);
  // Luma of a grey level spread over three channels, as the server does for grey pictures.
  var LUMA_GREY = new Float32Array(256);
  for (var v = 0; v < 256; v++) {
    LUMA_R[v] = v * 0.299;
    LUMA_G[v] = v * 0.587;
    LUMA_B[v] = v * 0.114;
    LUMA_GREY[v] = LUMA_R[v] + LUMA_G[v] + LUMA_B[v];
  }

  /** The luma (as pdqhash computes it) of one colour. */
  function luma(r, g, b) {
    return fround(LUMA_R[r] + LUMA_G[g] + LUMA_B[b]);
  }

  /** downscaling.cpp computeJaroszFilterWindowSize (integer division, as in C). */
  function jaroszWindowSize(oldDimension, newDimension) {
    return Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
  }

  /**
   * downscaling.cpp box1DFloat along one row: input[inAt ..], every output written to
   * output[outAt ..]. sum / count: the int count becomes a float and the quotient is rounded
   * to float when stored into the Float32Array, exactly the C++ float division.
   */
  function boxRow(input, inAt, output, outAt, length, fullWindow) {
    var half = (fullWindow + 2) >> 1;
    var phase1 = half - 1;
    var phase2 = fullWindow - half + 1;
    var phase3 = length - fullWindow;
    var phase4 = half - 1;
    var li = inAt;
    var ri = inAt;
    var oi = outAt;
    var sum = 0;
    var count = 0;
    var i;
    for (i = 0; i < phase1; i++) {
      sum = fround(sum + input[ri++]);
      count++;
    }
    for (i = 0; i < phase2; i++) {
      sum = fround(sum + input[ri++]);
      count++;
      output[oi++] = sum / count;
    }
    for (i = 0; i < phase3; i++) {
      sum = fround(sum + input[ri++]);
      sum = fround(sum - input[li++]);
      output[oi++] = sum / count;
    }
    for (i = 0; i < phase4; i++) {
      sum = fround(sum - input[li++]);
      count--;
      output[oi++] = sum / count;
    }
  }

  /**
   * boxRow for four rows at once: rows at input[k * length ..], outputs at output[o0 ..] to
   * output[o3 ..]. Along a row, each sum depends on the one before, a chain the processor
   * must wait on; four independent chains side by side overlap (about three times faster).
   * Each row's own operations are still the C++'s, in its order.
   */
  function boxRows4(input, output, o0, o1, o2, o3, length, fullWindow) {
    var half = (fullWindow + 2) >> 1;
    var phase1 = half - 1;
    var phase2 = fullWindow - half + 1;
    var phase3 = length - fullWindow;
    var phase4 = half - 1;
    var w1 = length;
    var w2 = 2 * length;
    var w3 = 3 * length;
    var li = 0;
    var ri = 0;
    var oi = 0;
    var s0 = 0;
    var s1 = 0;
    var s2 = 0;
    var s3 = 0;
    var count = 0;
    var i;
    for (i = 0; i < phase1; i++, ri++) {
      s0 = fround(s0 + input[ri]);
      s1 = fround(s1 + input[w1 + ri]);
      s2 = fround(s2 + input[w2 + ri]);
      s3 = fround(s3 + input[w3 + ri]);
      count++;
    }
    for (i = 0; i < phase2; i++, ri++, oi++) {
      s0 = fround(s0 + input[ri]);
      s1 = fround(s1 + input[w1 + ri]);
      s2 = fround(s2 + input[w2 + ri]);
      s3 = fround(s3 + input[w3 + ri]);
      count++;
      output[o0 + oi] = s0 / count;
      output[o1 + oi] = s1 / count;
      output[o2 + oi] = s2 / count;
      output[o3 + oi] = s3 / count;
    }
    for (i = 0; i < phase3; i++, ri++, li++, oi++) {
      s0 = fround(fround(s0 + input[ri]) - input[li]);
      s1 = fround(fround(s1 + input[w1 + ri]) - input[w1 + li]);
      s2 = fround(fround(s2 + input[w2 + ri]) - input[w2 + li]);
      s3 = fround(fround(s3 + input[w3 + ri]) - input[w3 + li]);
      output[o0 + oi] = s0 / count;
      output[o1 + oi] = s1 / count;
      output[o2 + oi] = s2 / count;
      output[o3 + oi] = s3 / count;
    }
    for (i = 0; i < phase4; i++, li++, oi++) {
      s0 = fround(s0 - input[li]);
      s1 = fround(s1 - input[w1 + li]);
      s2 = fround(s2 - input[w2 + li]);
      s3 = fround(s3 - input[w3 + li]);
      count--;
      output[o0 + oi] = s0 / count;
      output[o1 + oi] = s1 / count;
      output[o2 + oi] = s2 / count;
      output[o3 + oi] = s3 / count;
    }
  }

  /**
   * box1DFloat over input[inAt + k] (k < length), keeping only the outputs at the sorted
   * positions `picks` (repeats allowed), written to output[outAt + m * outStride]: the
   * running sum is the C++'s, but quotients nobody reads are not computed.
   */
  function boxPick(input, inAt, length, fullWindow, picks, output, outAt, outStride) {
    var half = (fullWindow + 2) >> 1;
    var phase1 = half - 1;
    var phase2 = fullWindow - half + 1;
    var phase3 = length - fullWindow;
    var phase4 = half - 1;
    var li = inAt;
    var ri = inAt;
    var oi = 0;
    var m = 0;
    var want = picks[0];
    var npicks = picks.length;
    var sum = 0;
    var count = 0;
    var i;
    for (i = 0; i < phase1; i++) {
      sum = fround(sum + input[ri++]);
      count++;
    }
    for (i = 0; i < phase2; i++, oi++) {
      sum = fround(sum + input[ri++]);
      count++;
      while (oi === want) {
        output[outAt + m * outStride] = sum / count;
        want = ++m < npicks ? picks[m] : -1;
      }
    }
    for (i = 0; i < phase3; i++, oi++) {
      sum = fround(sum + input[ri++]);
      sum = fround(sum - input[li++]);
      while (oi === want) {
        output[outAt + m * outStride] = sum / count;
        want = ++m < npicks ? picks[m] : -1;
      }
    }
    for (i = 0; i < phase4; i++, oi++) {
      sum = fround(sum - input[li++]);
      count--;
      while (oi === want) {
        output[outAt + m * outStride] = sum / count;
        want = ++m < npicks ? picks[m] : -1;
      }
    }
  }

  /** boxPick for four rows at once (rows at input[k * length ..], outputs at outAt + k). */
  function boxPick4(input, length, fullWindow, picks, output, outAt, outStride) {
    var half = (fullWindow + 2) >> 1;
    var phase1 = half - 1;
    var phase2 = fullWindow - half + 1;
    var phase3 = length - fullWindow;
    var phase4 = half - 1;
    var w1 = length;
    var w2 = 2 * length;
    var w3 = 3 * length;
    var li = 0;
    var ri = 0;
    var oi = 0;
    var m = 0;
    var want = picks[0];
    var npicks = picks.length;
    var s0 = 0;
    var s1 = 0;
    var s2 = 0;
    var s3 = 0;
    var count = 0;
    var at;
    var i;
    for (i = 0; i < phase1; i++, ri++) {
      s0 = fround(s0 + input[ri]);
      s1 = fround(s1 + input[w1 + ri]);
      s2 = fround(s2 + input[w2 + ri]);
      s3 = fround(s3 + input[w3 + ri]);
      count++;
    }
    for (i = 0; i < phase2; i++, ri++, oi++) {
      s0 = fround(s0 + input[ri]);
      s1 = fround(s1 + input[w1 + ri]);
      s2 = fround(s2 + input[w2 + ri]);
      s3 = fround(s3 + input[w3 + ri]);
      count++;
      while (oi === want) {
        at = outAt + m * outStride;
        output[at] = s0 / count;
        output[at + 1] = s1 / count;
        output[at + 2] = s2 / count;
        output[at + 3] = s3 / count;
        want = ++m < npicks ? picks[m] : -1;
      }
    }
    for (i = 0; i < phase3; i++, ri++, li++, oi++) {
      s0 = fround(fround(s0 + input[ri]) - input[li]);
      s1 = fround(fround(s1 + input[w1 + ri]) - input[w1 + li]);
      s2 = fround(fround(s2 + input[w2 + ri]) - input[w2 + li]);
      s3 = fround(fround(s3 + input[w3 + ri]) - input[w3 + li]);
      while (oi === want) {
        at = outAt + m * outStride;
        output[at] = s0 / count;
        output[at + 1] = s1 / count;
        output[at + 2] = s2 / count;
        output[at + 3] = s3 / count;
        want = ++m < npicks ? picks[m] : -1;
      }
    }
    for (i = 0; i < phase4; i++, li++, oi++) {
      s0 = fround(s0 - input[li]);
      s1 = fround(s1 - input[w1 + li]);
      s2 = fround(s2 - input[w2 + li]);
      s3 = fround(s3 - input[w3 + li]);
      count--;
      while (oi === want) {
        at = outAt + m * outStride;
        output[at] = s0 / count;
        output[at + 1] = s1 / count;
        output[at + 2] = s2 / count;
        output[at + 3] = s3 / count;
        want = ++m < npicks ? picks[m] : -1;
      }
    }
  }

  /** decimateFloat's sample positions along one dimension ("target centers not corners"). */
  function decimationPicks(inLength) {
    var picks = new Int32Array(SIZE);
    for (var k = 0; k < SIZE; k++) {
      picks[k] = Math.floor(((k + 0.5) * inLength) / SIZE);
    }
    return picks;
  }

  var BLOCK = 4; // rows filtered together (boxRows4, boxPick4)

  /**
   * Streams a picture's luma in, one row at a time, and hashes it at the end.
   *
   *   var hasher = new PdqHasher(width, height);
   *   for each row: fill hasher.row (a Float32Array of `width` lumas; read the property
   *                 again for every row), then call hasher.pushRow();
   *   var result = hasher.finish(); // {hash: "64 hex digits", quality: 0..100}
   *
   * jaroszFilterFloat runs along rows, columns, rows, columns. Here rows are collected four
   * at a time and filtered along; the first pass along the columns keeps a running sum per
   * column and a ring of the last filtered rows, which it needs to subtract; the
   * rows it completes go, four at a time, through the second pass along the rows, of which
   * only the 64 columns the decimation reads are kept; the last pass runs down those 64.
   */
  function PdqHasher(width, height) {
    this.width = width;
    this.height = height;
    this.rowsIn = 0;
    this.buffer64 = new Float32Array(SIZE * SIZE);
    this.tooSmall = width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM;
    this.exact64 = width === SIZE && height === SIZE; // already downsampled: no filtering
    if (this.tooSmall || this.exact64) {
      this.row = new Float32Array(width);
      return;
    }
    this.windowAlongRows = jaroszWindowSize(width, SIZE);
    this.windowAlongCols = jaroszWindowSize(height, SIZE);
    this.lumaBlock = new Float32Array(BLOCK * width);
    this.colBlock = new Float32Array(BLOCK * width);
    this.lumaRows = [];
    this.colRows = [];
    for (var k = 0; k < BLOCK; k++) {
      this.lumaRows.push(this.lumaBlock.subarray(k * width, (k + 1) * width));
      this.colRows.push(this.colBlock.subarray(k * width, (k + 1) * width));
    }
    this.row = this.lumaRows[0];
    // The rows a column step adds and subtracts are up to `window` apart, and a block of rows
    // is filtered before its column steps run: the ring keeps window + BLOCK rows.
    this.ringSize = this.windowAlongCols + BLOCK;
    this.ring = new Float32Array(this.ringSize * width);
    this.colSums = new Float32Array(width);
    this.colCount = 0;
    this.colPhase1 = ((this.windowAlongCols + 2) >> 1) - 1;
    this.rowsOut = 0;
    this.colPicks = decimationPicks(width); // columns the decimation reads
    this.rowPicks = decimationPicks(height); // rows it reads
    // After the second row pass: the 64 sampled columns, one after the other.
    this.sampled = new Float32Array(SIZE * height);
  }

  /** Takes this.row as the next row of luma. */
  PdqHasher.prototype.pushRow = function () {
    var r = this.rowsIn++;
    if (r >= this.height) {
      throw new Error("more rows than the picture has");
    }
    if (this.tooSmall) {
      return;
    }
    if (this.exact64) {
      this.buffer64.set(this.row, r * SIZE);
      return;
    }
    var slot = r % BLOCK;
    if (slot === BLOCK - 1) {
      this._filterRows(r - slot);
    }
    this.row = this.lumaRows[(slot + 1) % BLOCK];
  };

  /** First pass along four rows of luma, then the column pass takes each of them. */
  PdqHasher.prototype._filterRows = function (first) {
    var width = this.width;
    var ring = this.ringSize;
    boxRows4(this.lumaBlock, this.ring,
      (first % ring) * width, ((first + 1) % ring) * width,
      ((first + 2) % ring) * width, ((first + 3) % ring) * width,
      width, this.windowAlongRows);
    for (var k = 0; k < BLOCK; k++) {
      this._columnStep(first + k);
    }
  };

  /** Step `r` of the first column pass (box1DFloat's phases 1 to 3) for every column. */
  PdqHasher.prototype._columnStep = function (r) {
    var width = this.width;
    var wc = this.windowAlongCols;
    var slot = r % this.ringSize;
    var filtered = this.ring.subarray(slot * width, (slot + 1) * width);
    var sums = this.colSums;
    var out = this.colRows[this.rowsOut % BLOCK];
    var j;
    if (r < wc) {
      // Phases 1 and 2: add, no subtraction; phase 2 writes.
      for (j = 0; j < width; j++) {
        sums[j] = sums[j] + filtered[j];
      }
      var count = ++this.colCount;
      if (r < this.colPhase1) {
        return;
      }
      for (j = 0; j < width; j++) {
        out[j] = sums[j] / count;
      }
    } else {
      // Phase 3: add the new row, subtract the one that left the window.
      var oldSlot = (r - wc) % this.ringSize;
      var leaving = this.ring.subarray(oldSlot * width, (oldSlot + 1) * width);
      var full = this.colCount;
      for (j = 0; j < width; j++) {
        var s = fround(sums[j] + filtered[j]);
        s = fround(s - leaving[j]);
        sums[j] = s;
        out[j] = s / full;
      }
    }
    this._columnRowDone();
  };

  /** A row of the first column pass is complete: every fourth, the second row pass. */
  PdqHasher.prototype._columnRowDone = function () {
    if (++this.rowsOut % BLOCK === 0) {
      boxPick4(this.colBlock, this.width, this.windowAlongRows, this.colPicks,
        this.sampled, this.rowsOut - BLOCK, this.height);
    }
  };

  /** The hash and quality; call once, after every row. */
  PdqHasher.prototype.finish = function () {
    if (this.rowsIn !== this.height) {
      throw new Error("the picture is missing rows");
    }
    if (this.tooSmall) {
      return { hash: "0".repeat(64), quality: 0 }; // pdqHash256FromFloatLuma: hash.clear()
    }
    if (!this.exact64) {
      this._finishFilter();
    }
    var quality = imageDomainQuality(this.buffer64);
    var dct = dct64To16(this.buffer64);
    return { hash: bitsToHex(dct), quality: quality };
  };

  PdqHasher.prototype._finishFilter = function () {
    var width = this.width;
    var height = this.height;
    var wc = this.windowAlongCols;
    var sums = this.colSums;
    var k;
    // Rows that did not fill a block of four.
    var left = this.rowsIn % BLOCK;
    for (k = 0; k < left; k++) {
      var r = this.rowsIn - left + k;
      boxRow(this.lumaBlock, k * width, this.ring, (r % this.ringSize) * width, width,
        this.windowAlongRows);
      this._columnStep(r);
    }
    // Phase 4 of the first column pass: no more rows come in, the window shrinks.
    for (var t = 0; t < this.colPhase1; t++) {
      var slot = (height - wc + t) % this.ringSize;
      var leaving = this.ring.subarray(slot * width, (slot + 1) * width);
      var out = this.colRows[this.rowsOut % BLOCK];
      var count = --this.colCount;
      for (var j = 0; j < width; j++) {
        var s = fround(sums[j] - leaving[j]);
        sums[j] = s;
        out[j] = s / count;
      }
      this._columnRowDone();
    }
    // Rows of the column pass that did not fill a block of four.
    left = this.rowsOut % BLOCK;
    for (k = 0; k < left; k++) {
      boxPick(this.colBlock, k * width, width, this.windowAlongRows, this.colPicks,
        this.sampled, this.rowsOut - left + k, height);
    }
    // Second column pass, only on the sampled columns, keeping only the sampled rows.
    for (k = 0; k < SIZE; k++) {
      boxPick(this.sampled, k * height, height, wc, this.rowPicks, this.buffer64, k, SIZE);
    }
    this.ring = this.sampled = null;
  };

  /** pdqhashing.cpp pdqImageDomainQualityMetric. */
  function imageDomainQuality(a) {
    var gradientSum = 0;
    var i;
    var j;
    var d;
    for (i = 0; i < 63; i++) {
      for (j = 0; j < 64; j++) {
        d = fround(fround(fround(a[i * 64 + j] - a[(i + 1) * 64 + j]) * 100) / 255);
        gradientSum += Math.abs(Math.trunc(d)); // int d = ...; (int)std::abs(d)
      }
    }
    for (i = 0; i < 64; i++) {
      for (j = 0; j < 63; j++) {
        d = fround(fround(fround(a[i * 64 + j] - a[i * 64 + j + 1]) * 100) / 255);
        gradientSum += Math.abs(Math.trunc(d));
      }
    }
    var quality = Math.trunc(gradientSum / 90);
    return quality > 100 ? 100 : quality;
  }

  /** pdqhashing.cpp dct64To16: B = (D A) Dt, only the 16 x 16 slots that are used. */
  function dct64To16(a) {
    var t = new Float32Array(16 * 64);
    var b = new Float32Array(16 * 16);
    var i;
    var j;
    var k;
    var sum;
    for (i = 0; i < 16; i++) {
      for (j = 0; j < 64; j++) {
        sum = 0;
        for (k = 0; k < 64; k++) {
          sum = fround(sum + fround(DCT[i * 64 + k] * a[k * 64 + j]));
        }
        t[i * 64 + j] = sum;
      }
    }
    for (i = 0; i < 16; i++) {
      for (j = 0; j < 16; j++) {
        sum = 0;
        for (k = 0; k < 64; k++) {
          sum = fround(sum + fround(t[i * 64 + k] * DCT[j * 64 + k]));
        }
        b[i * 16 + j] = sum;
      }
    }
    return b;
  }

  /** torben.cpp: the median of the 256 DCT values, without sorting. */
  function torben(m) {
    var n = m.length;
    var min = m[0];
    var max = m[0];
    var i;
    for (i = 1; i < n; i++) {
      if (m[i] < min) min = m[i];
      if (m[i] > max) max = m[i];
    }
    var less;
    var greater;
    var equal;
    var guess;
    var maxltguess;
    var mingtguess;
    for (;;) {
      guess = fround(fround(min + max) / 2);
      less = 0;
      greater = 0;
      equal = 0;
      maxltguess = min;
      mingtguess = max;
      for (i = 0; i < n; i++) {
        if (m[i] < guess) {
          less++;
          if (m[i] > maxltguess) maxltguess = m[i];
        } else if (m[i] > guess) {
          greater++;
          if (m[i] < mingtguess) mingtguess = m[i];
        } else {
          equal++;
        }
      }
      var limit = (n + 1) >> 1;
      if (less <= limit && greater <= limit) break;
      else if (less > greater) max = maxltguess;
      else min = mingtguess;
    }
    var half = (n + 1) >> 1;
    if (less >= half) return maxltguess;
    if (less + equal >= half) return guess;
    return mingtguess;
  }

  /**
   * pdqBuffer16x16ToBits, then the hex the server stores: bit k (= row * 16 + column) is set
   * when that DCT value is above the median, and the 256-bit number is written most
   * significant digit first, which is what np.packbits(hash_to_vector(...)).hex() gives.
   */
  function bitsToHex(dct) {
    var median = torben(dct);
    var hex = "";
    for (var nibble = 63; nibble >= 0; nibble--) {
      var digit = 0;
      for (var bit = 3; bit >= 0; bit--) {
        var k = nibble * 4 + bit;
        digit = (digit << 1) | (dct[k] > median ? 1 : 0);
      }
      hex += digit.toString(16);
    }
    return hex;
  }

  /**
   * PDQ of RGBA (or RGB, channels = 3) pixels, row-major, as pdqhash computes it from the
   * first three channels (alpha is ignored, not premultiplied).
   */
  function pdqFromRGBA(data, width, height, channels) {
    var step = channels || 4;
    var hasher = new PdqHasher(width, height);
    var p = 0;
    for (var y = 0; y < height; y++) {
      var row = hasher.row;
      for (var x = 0; x < width; x++, p += step) {
        row[x] = fround(LUMA_R[data[p]] + LUMA_G[data[p + 1]] + LUMA_B[data[p + 2]]);
      }
      hasher.pushRow();
    }
    return hasher.finish();
  }

  root.FlagdeskPdq = {
    PdqHasher: PdqHasher,
    pdqFromRGBA: pdqFromRGBA,
    luma: luma,
    LUMA_R: LUMA_R,
    LUMA_G: LUMA_G,
    LUMA_B: LUMA_B,
    LUMA_GREY: LUMA_GREY,
    DCT_BITS: DCT_BITS,
  };
})(self);
