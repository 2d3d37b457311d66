// xz as coreos-installer writes it into the embed area (one stream, one LZMA2 filter, CRC32 check, because the
// kernel's XZ decoder refuses CRC64), and a decoder for exactly one xz stream that says how much input it used.

import lzma, { type NativeStream } from 'lzma-native';

/** Smallest dictionary liblzma accepts. */
const MIN_DICT = 4096;

/**
 * Compresses `input` into a single xz stream with a CRC32 check.
 *
 * coreos-installer uses `lzma_easy_encoder(9, CRC32)`: LZMA2 preset 9 with a 64 MiB dictionary. Allocating that
 * dictionary costs ~200 ms per call, and a per-host overlay is made on every new host; a dictionary of the
 * smallest power of two ≥ the input (min 4 KiB) holds the whole input just the same and costs ~7 ms. The
 * decompressed bytes are what the kernel and coreos-installer read, so they match exactly; the compressed bytes
 * differ from coreos-installer's (only the dictionary-size property byte and what follows from it), which no
 * reader depends on. The other preset-9 parameters are kept: lc 3, lp 0, pb 2, normal mode, nice_len 64, BT4.
 */
export function xzCompress(input: Buffer): Promise<Buffer> {
  let dictSize = MIN_DICT;
  while (dictSize < input.length) dictSize *= 2;
  const stream = new lzma.Stream();
  stream.streamEncoder_(
    [
      {
        id: lzma.FILTER_LZMA2,
        options: { dictSize, lc: 3, lp: 0, pb: 2, mode: lzma.MODE_NORMAL, niceLen: 64, mf: lzma.MF_BT4, depth: 0 },
      },
    ],
    lzma.CHECK_CRC32,
  );
  return Promise.resolve(runStream(stream, input, true).output);
}

export interface XzDecoded {
  /** The decompressed bytes of the first xz stream in the input. */
  data: Buffer;
  /** How many input bytes that stream occupied (header to footer). */
  consumed: number;
}

/**
 * Decodes the one xz stream at the start of `input` and stops at its footer, as coreos-installer's
 * `XzStreamDecoder` does; what follows (zeros, another archive) is the caller's business.
 */
export function xzDecompressOne(input: Buffer): XzDecoded {
  const stream = new lzma.Stream();
  stream.streamDecoder_(null, 0);
  const { output, consumed } = runStream(stream, input, false);
  if (consumed === undefined) throw new Error('xz stream is truncated');
  return { data: output, consumed };
}

/**
 * Drives a native liblzma stream synchronously over one input buffer. An encoder is then told to finish; a
 * decoder is not, so that it stops at the end of its stream and reports how far it read.
 */
function runStream(stream: NativeStream, input: Buffer, finish: boolean): { output: Buffer; consumed: number | undefined } {
  const chunks: Buffer[] = [];
  let failure: Error | undefined;
  let consumed: number | undefined;
  stream.bufferHandler = (buf, _processed, err, totalIn) => {
    if (buf) chunks.push(buf);
    else if (buf === null) {
      if (err) failure ??= err;
      else if (consumed === undefined && totalIn !== null) consumed = totalIn;
    }
  };
  try {
    stream.code(input, false);
    if (finish || (consumed === undefined && failure === undefined)) stream.code(null, false);
  } finally {
    stream.resetUnderlying();
  }
  if (failure) throw new Error(`xz: ${failure.message}`);
  return { output: Buffer.concat(chunks), consumed };
}
