// crc-32 ships types for its CRC-32 entry point only; this is the same API for its CRC-32C one
// (a CommonJS module: imported as a default export, by its file name as Node's ESM loader requires).
declare module 'crc-32/crc32c.js' {
  const CRC32C: { buf(data: Uint8Array, seed?: number): number };
  export default CRC32C;
}
