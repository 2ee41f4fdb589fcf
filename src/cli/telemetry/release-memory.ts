// Typed arrays given back to the system at once instead of at the next garbage collection: the readers of large
// JSON-lines windows hold tens of MB in a few arrays (the trace index, report's percentile lists) and replace or drop
// them at known moments, when waiting for a collection would add them to the peak.

/** ArrayBuffer.prototype.transfer (ES2024, Node 22 and later), missing from the ES2023 library types. */
type Transferable = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

/**
 * Frees `array`'s memory now: its buffer is detached (the array reads as empty afterwards). Nothing else may hold a
 * view of that buffer. Where transfer is missing, the garbage collector frees it later as before.
 *
 * @example
 * const old = this.keys; this.keys = new Float64Array(old.length * 2); ...; releaseNow(old);
 */
export function releaseNow(array: ArrayBufferView): void {
  const buffer = array.buffer as Transferable;
  if (buffer.byteLength > 0) buffer.transfer?.(0);
}
