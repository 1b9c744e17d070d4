// WebSocket transport: one binary message carries one packet each way.

import { decodeServer, type Limits, type ServerPacket } from "./codec.js";

/** Transport is one open (or opening) connection to a gateway. */
export interface Transport {
  send(frame: Uint8Array): void;
  close(): void;
}

/** TransportHandlers receive what happens on a transport; onClose is called exactly once. */
export interface TransportHandlers {
  onOpen(): void;
  onPacket(p: ServerPacket): void;
  /** onBadFrame reports a frame the codec refused; the transport is closed next. */
  onBadFrame(err: Error): void;
  onClose(reason: string): void;
}

/** Dialer opens a transport to url. */
export type Dialer = (url: string, h: TransportHandlers) => Transport;

/** WebSocketLike is the part of the WHATWG WebSocket the SDK uses (browsers, Node 22+, the ws package). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** WebSocketConstructor builds a WebSocketLike. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

const OPEN = 1;

/** webSocketDialer returns a Dialer over ctor (default: the global WebSocket). */
export function webSocketDialer(lim: Limits, ctor?: WebSocketConstructor): Dialer {
  return (url, h) => {
    const WS = ctor ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new Error("no WebSocket implementation: pass one in the client options (e.g. the ws package on Node 20)");
    const ws = new WS(url);
    ws.binaryType = "arraybuffer";
    let closed = false;
    const finish = (reason: string) => {
      if (closed) return;
      closed = true;
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        // already closing
      }
      h.onClose(reason);
    };
    ws.onopen = () => h.onOpen();
    ws.onmessage = (ev) => {
      if (closed || typeof ev.data === "string") return; // text messages are not part of the protocol
      let p: ServerPacket;
      try {
        p = decodeServer(toBytes(ev.data), lim);
      } catch (err) {
        h.onBadFrame(err as Error);
        finish(`bad frame: ${(err as Error).message}`);
        return;
      }
      h.onPacket(p);
    };
    ws.onerror = () => finish("websocket error");
    ws.onclose = (ev) => finish(`closed ${ev.code ?? ""} ${ev.reason ?? ""}`.trim());
    return {
      send(frame) {
        if (!closed && ws.readyState === OPEN) ws.send(frame);
      },
      close() {
        finish("closed by the client");
      },
    };
  };
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) {
    // the ws package may hand fragments as Buffer[]
    const parts = data as Uint8Array[];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
  throw new Error("unsupported WebSocket message data");
}
