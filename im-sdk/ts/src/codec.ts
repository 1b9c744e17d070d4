// Wire codec of the WhaleIM client protocol (PROTOCOL.md): uplink frames
// with a 28-byte header, downlink frames with an 8-byte header, every
// integer a 4-byte big-endian word written and read through DataView.

/** Length of the fixed uplink (client to server) header. */
export const CLIENT_HEADER_SIZE = 28;
/** Length of the fixed downlink (server to client) header. */
export const SERVER_HEADER_SIZE = 8;

/** An uplink packet. Lengths on the wire derive from imei and body. */
export interface ClientPacket {
  command: number;
  version: number;
  clientType: number;
  /** Body serialization (messageType): 0 is JSON, the only one servers must support. */
  format: number;
  appId: number;
  imei: string;
  body: Uint8Array;
}

/** A downlink packet: the body is the JSON envelope. */
export interface ServerPacket {
  command: number;
  body: Uint8Array;
}

/** Bounds a decoder checks against the header before it takes the frame's bytes. */
export interface Limits {
  maxImei: number;
  maxBody: number;
}

/** The protocol's defaults: 128-byte IMEI, 64 KiB body. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({ maxImei: 128, maxBody: 64 << 10 });

/** DOWNLINK_LIMITS bound what a client takes from the server: bodies up to 16 MiB (as the Go SDK). */
export const DOWNLINK_LIMITS: Readonly<Limits> = Object.freeze({ maxImei: 128, maxBody: 16 << 20 });

/** Why a frame was refused; the names follow the Go codec's sentinel errors. */
export type FrameFault = "short header" | "truncated frame" | "negative length" | "imei too long" |
  "body too large" | "trailing bytes after packet";

/** A frame that breaks the protocol: which field, its value and the bound it broke. */
export class FrameError extends Error {
  constructor(readonly field: string, readonly value: number, readonly limit: number, readonly fault: FrameFault) {
    super(`packet: ${field} ${value} (limit ${limit}): ${fault}`);
    this.name = "FrameError";
  }
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: false });

/** encodeText returns the UTF-8 bytes of s. */
export function encodeText(s: string): Uint8Array {
  return utf8.encode(s);
}

/** decodeText returns the string of UTF-8 bytes b. */
export function decodeText(b: Uint8Array): string {
  return fromUtf8.decode(b);
}

/** encodeClient returns the frame of p. It applies no limits: that is the receiver's job. */
export function encodeClient(p: ClientPacket): Uint8Array {
  const imei = utf8.encode(p.imei);
  const out = new Uint8Array(CLIENT_HEADER_SIZE + imei.length + p.body.length);
  const v = new DataView(out.buffer);
  const words = [p.command, p.version, p.clientType, p.format, p.appId, imei.length, p.body.length];
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, false));
  out.set(imei, CLIENT_HEADER_SIZE);
  out.set(p.body, CLIENT_HEADER_SIZE + imei.length);
  return out;
}

/** encodeServer returns the frame of p (the scripted gateway and tests write these). */
export function encodeServer(p: ServerPacket): Uint8Array {
  const out = new Uint8Array(SERVER_HEADER_SIZE + p.body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, p.command >>> 0, false);
  v.setUint32(4, p.body.length, false);
  out.set(p.body, SERVER_HEADER_SIZE);
  return out;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** checkLength validates a length word like the Go codec: negative as int32, then the bound. */
function checkLength(field: string, raw: number, limit: number, tooLarge: FrameFault): number {
  if (raw > 0x7fffffff) {
    throw new FrameError(field, raw - 0x100000000, 0, "negative length");
  }
  if (raw > limit) {
    throw new FrameError(field, raw, limit, tooLarge);
  }
  return raw;
}

/** checkSize compares a whole frame with the size its header declares. */
function checkSize(n: number, imeiStart: number, imeiEnd: number, end: number): void {
  if (n < imeiEnd) throw new FrameError("imei", n - imeiStart, imeiEnd - imeiStart, "truncated frame");
  if (n < end) throw new FrameError("body", n - imeiEnd, end - imeiEnd, "truncated frame");
  if (n > end) throw new FrameError("frame", n, end, "trailing bytes after packet");
}

interface ClientHeader {
  packet: Omit<ClientPacket, "imei" | "body">;
  imeiLength: number;
  bodyLength: number;
}

function clientHeader(h: Uint8Array, lim: Limits): ClientHeader {
  const v = view(h);
  const word = (i: number) => v.getUint32(i * 4, false);
  const imeiLength = checkLength("imeiLength", word(5), lim.maxImei, "imei too long");
  const bodyLength = checkLength("bodyLength", word(6), lim.maxBody, "body too large");
  return {
    packet: { command: word(0), version: word(1), clientType: word(2), format: word(3), appId: word(4) },
    imeiLength, bodyLength,
  };
}

/** decodeClient decodes frame, which must hold exactly one uplink packet. Body is a copy. */
export function decodeClient(frame: Uint8Array, lim: Limits = DEFAULT_LIMITS): ClientPacket {
  if (frame.length < CLIENT_HEADER_SIZE) {
    throw new FrameError("header", frame.length, CLIENT_HEADER_SIZE, "short header");
  }
  const h = clientHeader(frame, lim);
  const imeiEnd = CLIENT_HEADER_SIZE + h.imeiLength;
  const end = imeiEnd + h.bodyLength;
  checkSize(frame.length, CLIENT_HEADER_SIZE, imeiEnd, end);
  return { ...h.packet, imei: decodeText(frame.subarray(CLIENT_HEADER_SIZE, imeiEnd)), body: frame.slice(imeiEnd, end) };
}

function serverLength(h: Uint8Array, lim: Limits): number {
  return checkLength("bodyLength", view(h).getUint32(4, false), lim.maxBody, "body too large");
}

/** decodeServer decodes frame, which must hold exactly one downlink packet. Body is a copy. */
export function decodeServer(frame: Uint8Array, lim: Limits = DEFAULT_LIMITS): ServerPacket {
  if (frame.length < SERVER_HEADER_SIZE) {
    throw new FrameError("header", frame.length, SERVER_HEADER_SIZE, "short header");
  }
  const n = serverLength(frame, lim);
  checkSize(frame.length, SERVER_HEADER_SIZE, SERVER_HEADER_SIZE, SERVER_HEADER_SIZE + n);
  return { command: view(frame).getUint32(0, false), body: frame.slice(SERVER_HEADER_SIZE) };
}

/**
 * StreamDecoder cuts frames out of a byte stream (TCP), where a frame may
 * arrive split across reads or several in one. Lengths are checked as soon
 * as the header is complete, before the body is buffered.
 */
export class StreamDecoder<P> {
  private buf = new Uint8Array(0);

  private constructor(private readonly headerSize: number,
    private readonly frameSize: (header: Uint8Array) => number,
    private readonly decode: (frame: Uint8Array) => P) {}

  /** client returns a decoder of uplink frames. */
  static client(lim: Limits = DEFAULT_LIMITS): StreamDecoder<ClientPacket> {
    return new StreamDecoder(CLIENT_HEADER_SIZE, (h) => {
      const c = clientHeader(h, lim);
      return CLIENT_HEADER_SIZE + c.imeiLength + c.bodyLength;
    }, (f) => decodeClient(f, lim));
  }

  /** server returns a decoder of downlink frames. */
  static server(lim: Limits = DEFAULT_LIMITS): StreamDecoder<ServerPacket> {
    return new StreamDecoder(SERVER_HEADER_SIZE, (h) => SERVER_HEADER_SIZE + serverLength(h, lim),
      (f) => decodeServer(f, lim));
  }

  /**
   * push appends chunk and returns every frame now complete. A bad header
   * throws FrameError, unless good frames came before it in the stream: those
   * are returned first and the error is kept in failed (and thrown by the
   * next push), so a login ACK that shares a read with garbage still counts.
   */
  push(chunk: Uint8Array): P[] {
    if (this.failed) throw this.failed;
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    const out: P[] = [];
    let off = 0;
    try {
      while (joined.length - off >= this.headerSize) {
        const size = this.frameSize(joined.subarray(off, off + this.headerSize));
        if (joined.length - off < size) break;
        out.push(this.decode(joined.subarray(off, off + size)));
        off += size;
      }
    } catch (err) {
      if (out.length === 0) throw err;
      this.failed = err as FrameError;
    }
    this.buf = joined.slice(off);
    return out;
  }

  /** failed is the error met after the frames the last push returned, if any. */
  failed: FrameError | null = null;

  /** pending is how many bytes of an incomplete frame are buffered. */
  get pending(): number {
    return this.buf.length;
  }
}
