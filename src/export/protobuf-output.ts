/**
 * A growable byte buffer that writes the protobuf wire format in one pass.
 *
 * Why not the official writer: it sizes every request with a full estimating pass first, then writes; and it
 * reserves one byte for each length prefix, shifting the message when it turns out longer (every span is). Here a
 * nested message reserves as many length bytes as its expected size needs, and the buffer is reused from one
 * request to the next, so a request costs one pass and one copy of its bytes.
 */
export class ProtobufOutput {
  bytes: Buffer;
  position = 0;

  constructor(initialSize = 64 * 1024) {
    this.bytes = Buffer.allocUnsafe(initialSize);
  }

  /** Makes room for `count` more bytes. */
  reserve(count: number): void {
    const needed = this.position + count;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.bytes.copy(grown, 0, 0, this.position);
    this.bytes = grown;
  }

  /** A copy of what was written; the buffer is then ready for the next request. */
  take(): Uint8Array {
    const result = Buffer.allocUnsafe(this.position);
    this.bytes.copy(result, 0, 0, this.position);
    this.position = 0;
    return result;
  }

  /** A field key: field number and wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
  tag(field: number, wireType: number): void {
    const key = (field << 3) | wireType;
    if (key > 127) return this.varint32(key);
    if (this.position >= this.bytes.length) this.reserve(1);
    this.bytes[this.position++] = key;
  }

  /** An unsigned varint of at most 32 bits. */
  varint32(value: number): void {
    this.reserve(5);
    let remaining = value >>> 0;
    const bytes = this.bytes;
    let position = this.position;
    while (remaining > 127) {
      bytes[position++] = (remaining & 127) | 128;
      remaining >>>= 7;
    }
    bytes[position++] = remaining;
    this.position = position;
  }

  /** A varint of a 64-bit integer given as a JS number (negative numbers as two's complement, ten bytes). */
  varint64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) return this.varint32(value);
    this.reserve(10);
    const magnitude = Math.abs(value);
    let low = magnitude >>> 0;
    let high = Math.floor(magnitude / 4294967296) >>> 0;
    if (value < 0) {
      // Two's complement of the 64-bit magnitude.
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    const bytes = this.bytes;
    while (high > 0 || low > 127) {
      bytes[this.position++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    bytes[this.position++] = low;
  }

  fixed32(value: number): void {
    this.reserve(4);
    this.uint32LittleEndian(value >>> 0);
  }

  // By hand: Buffer#writeUInt32LE checks its arguments at every call, and these are called twice per span.
  private uint32LittleEndian(value: number): void {
    const bytes = this.bytes;
    let position = this.position;
    bytes[position++] = value & 0xff;
    bytes[position++] = (value >>> 8) & 0xff;
    bytes[position++] = (value >>> 16) & 0xff;
    bytes[position++] = value >>> 24;
    this.position = position;
  }

  /** An OpenTelemetry HrTime ([seconds, nanoseconds]) as fixed64 nanoseconds, exact beyond 2^53. */
  hrTimeFixed64(time: readonly [number, number]): void {
    const seconds = time[0];
    const nanoseconds = time[1];
    // seconds * 1e9 overflows 2^53, so it is taken in two parts: seconds = upper * 2^16 + lower.
    const lower = seconds % 65536;
    const upper = (seconds - lower) / 65536;
    const upperNanos = upper * 1e9; // < 2^46: exact; it stands for upperNanos * 2^16
    const upperNanosLow16 = upperNanos % 65536;
    const sumLow = upperNanosLow16 * 65536 + lower * 1e9 + nanoseconds; // < 2^53: exact
    const carry = Math.floor(sumLow / 4294967296);
    const low = sumLow - carry * 4294967296;
    const high = (upperNanos - upperNanosLow16) / 65536 + carry;
    this.reserve(8);
    this.uint32LittleEndian(low >>> 0);
    this.uint32LittleEndian(high >>> 0);
  }

  double(value: number): void {
    this.reserve(8);
    this.bytes.writeDoubleLE(value, this.position);
    this.position += 8;
  }

  /** A length-delimited UTF-8 string. ASCII (nearly every attribute key and value) is copied in a single loop. */
  string(value: string): void {
    const length = value.length;
    this.reserve(length + 5);
    const start = this.position;
    this.varint32(length);
    const bytes = this.bytes;
    let position = this.position;
    for (let index = 0; index < length; index++) {
      const code = value.charCodeAt(index);
      if (code > 127) return this.utf8String(value, start);
      bytes[position++] = code;
    }
    this.position = position;
  }

  private utf8String(value: string, start: number): void {
    this.position = start;
    const byteLength = Buffer.byteLength(value, 'utf8');
    this.varint32(byteLength);
    this.reserve(byteLength);
    this.position += this.bytes.write(value, this.position, byteLength, 'utf8');
  }

  /** Length-delimited bytes from a lowercase or uppercase hex string (trace and span ids). */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.reserve(length + 5);
    this.varint32(length);
    const bytes = this.bytes;
    const pairs = hexPairs();
    let position = this.position;
    for (let index = 0; index < 2 * length; index += 2) {
      bytes[position++] = pairs[((hex.charCodeAt(index) & 0xff) << 8) | (hex.charCodeAt(index + 1) & 0xff)]!;
    }
    this.position = position;
  }

  /** Bytes already encoded (a cached field), copied as they are. */
  encoded(value: Uint8Array): void {
    const length = value.length;
    this.reserve(length);
    const bytes = this.bytes;
    let position = this.position;
    for (let index = 0; index < length; index++) bytes[position++] = value[index]!;
    this.position = position;
  }

  rawBytes(value: Uint8Array): void {
    this.varint32(value.length);
    this.reserve(value.length);
    this.bytes.set(value, this.position);
    this.position += value.length;
  }

  /**
   * Starts a nested message, leaving `lengthBytes` bytes for its length; returns where it starts. Reserve what the
   * message will most likely need (1 for a key-value, 2 for a span, 3 for a batch): a wrong guess costs a shift.
   */
  beginMessage(lengthBytes: number): number {
    this.reserve(lengthBytes);
    const start = this.position;
    this.position += lengthBytes;
    return start;
  }

  /** Writes the length of the message begun at `start`, shifting it when the reserved room was not right. */
  endMessage(start: number, lengthBytes: number): void {
    const bodyStart = start + lengthBytes;
    const length = this.position - bodyStart;
    const needed = varintSize(length);
    if (needed !== lengthBytes) {
      this.reserve(needed - lengthBytes);
      this.bytes.copy(this.bytes, start + needed, bodyStart, this.position);
      this.position += needed - lengthBytes;
    }
    let remaining = length;
    let position = start;
    const bytes = this.bytes;
    while (remaining > 127) {
      bytes[position++] = (remaining & 127) | 128;
      remaining >>>= 7;
    }
    bytes[position] = remaining;
  }
}

/** Bytes of the varint of a non-negative 32-bit length. */
export function varintSize(value: number): number {
  if (value < 128) return 1;
  if (value < 16384) return 2;
  if (value < 2097152) return 3;
  if (value < 268435456) return 4;
  return 5;
}

function hexDigit(code: number): number {
  // '0'-'9' → 0-9, 'a'-'f' → 10-15, 'A'-'F' → 10-15.
  return code <= 57 ? code - 48 : (code | 32) - 87;
}

let pairTable: Uint8Array | undefined;
/** The byte of every pair of hex characters, indexed by their two char codes: three times faster than decoding. */
function hexPairs(): Uint8Array {
  if (pairTable === undefined) {
    pairTable = new Uint8Array(65536);
    const digits = '0123456789abcdefABCDEF';
    for (const high of digits) {
      for (const low of digits)
        pairTable[(high.charCodeAt(0) << 8) | low.charCodeAt(0)] =
          (hexDigit(high.charCodeAt(0)) << 4) | hexDigit(low.charCodeAt(0));
    }
  }
  return pairTable;
}
