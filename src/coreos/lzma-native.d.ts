// The small part of lzma-native (liblzma binding, ships no types) that fleetboot uses: the native
// Stream object driven synchronously, so that a decoder can report how many input bytes one xz stream used.
declare module 'lzma-native' {
  export interface Lzma2Options {
    dictSize: number;
    lc: number;
    lp: number;
    pb: number;
    mode: number;
    niceLen: number;
    mf: number;
    depth: number;
  }
  export interface Filter {
    id: string;
    options?: Lzma2Options;
  }
  /** Called once per output chunk, then once with buf null at the stream's end (err set on failure). */
  export type BufferHandler = (
    buf: Buffer | null | undefined,
    processedChunks: number | undefined,
    err: Error | null | undefined,
    totalIn: number | null,
    totalOut: number | null,
  ) => void;
  export interface NativeStream {
    bufferHandler: BufferHandler;
    code(chunk: Buffer | null, async: boolean): void;
    streamEncoder_(filters: Filter[], check: number): number;
    streamDecoder_(memlimit: number | null, flags: number): number;
    resetUnderlying(): void;
  }
  interface LzmaNative {
    Stream: new () => NativeStream;
    CHECK_CRC32: number;
    FILTER_LZMA2: string;
    MODE_NORMAL: number;
    MF_BT4: number;
    versionString(): string;
  }
  const lzma: LzmaNative;
  export default lzma;
}
