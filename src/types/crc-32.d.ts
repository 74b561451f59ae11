// crc-32 ships types for its CRC-32 entry point only; this is the same API for its CRC-32C one
// (a CommonJS module: imported as a default export).
declare module 'crc-32/crc32c' {
  const CRC32C: { buf(data: Uint8Array, seed?: number): number };
  export default CRC32C;
}
