// An in-process fake gateway and REST API for the unit tests: it records
// what the client writes and lets a test push downlink frames.
import { Client, type ClientOptions } from "../src/client.js";
import { decodeClient, decodeText, encodeServer, encodeText } from "../src/codec.js";
import type { EventName } from "../src/events.js";
import type { FetchLike } from "../src/rest.js";
import type { WebSocketConstructor, WebSocketLike } from "../src/transport.js";

export interface Sent {
  command: number;
  body: Record<string, unknown>;
}

/** FakeConn is one connection, seen from the gateway: a WebSocketLike the SDK's own transport drives. */
export class FakeConn implements WebSocketLike {
  readonly sent: Sent[] = [];
  closed = false;
  binaryType = "blob";
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(readonly url: string, private readonly fake: Fake) {
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  /** send is the client writing a frame. */
  send(frame: Uint8Array): void {
    const p = decodeClient(frame);
    const body = p.body.length ? JSON.parse(decodeText(p.body)) : {};
    this.sent.push({ command: p.command, body });
    if (p.command === 9000 && this.fake.autoLogin) queueMicrotask(() => this.push(9001, { code: 200, msg: "ok" }));
  }

  /** close is the client closing. */
  close(): void {
    this.drop();
  }

  push(command: number, data: unknown, messageId = ""): void {
    this.raw(encodeServer({ command, body: encodeText(JSON.stringify({ command, appId: 10000, messageId, data })) }));
  }

  raw(frame: Uint8Array): void {
    if (!this.closed) this.onmessage?.({ data: frame.slice().buffer });
  }

  /** drop is the gateway closing the connection. */
  drop(): void {
    if (this.closed) return;
    this.closed = true;
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }

  of(command: number): Record<string, unknown>[] {
    return this.sent.filter((s) => s.command === command).map((s) => s.body);
  }
}

/** Fake is the gateway plus REST API. */
export class Fake {
  readonly conns: FakeConn[] = [];
  readonly pulls: { conversationId: string; lastSequence: number; maxLimit: number }[] = [];
  loginFailures = 0;
  /** stored messages by conversation, as pull and getMaxSequences see them */
  readonly stored = new Map<string, Record<string, unknown>[]>();
  autoLogin = true;

  readonly webSocket: WebSocketConstructor;

  constructor() {
    const fake = this;
    this.webSocket = class extends FakeConn {
      constructor(url: string) {
        super(url, fake);
        fake.conns.push(this);
      }
    };
  }

  readonly fetch: FetchLike = async (url, init) => {
    const route = new URL(url).pathname;
    const q = JSON.parse(init.body) as Record<string, unknown>;
    const ok = (data: unknown) => ({ status: 200, json: async () => ({ code: 200, msg: "ok", data }) });
    switch (route) {
      case "/v1/user/login":
        if (this.loginFailures-- > 0) return { status: 503, json: async () => ({ code: 9001, msg: "unavailable" }) };
        return ok({ wsAddress: "ws://fake/ws" });
      case "/v1/message/getMaxSequences":
        return ok([...this.stored].map(([id, msgs]) => ({ conversationId: id, maxSequence: Math.max(0, ...msgs.map((m) => m.messageSequence as number)), readSequence: 0 })));
      case "/v1/message/pull": {
        const id = q.conversationId as string;
        const after = q.lastSequence as number;
        const limit = q.maxLimit as number;
        this.pulls.push({ conversationId: id, lastSequence: after, maxLimit: limit });
        const all = (this.stored.get(id) ?? []).filter((m) => (m.messageSequence as number) > after);
        const list = all.slice(0, limit);
        return ok({ conversationId: id, maxSequence: 0, completed: list.length === all.length, dataList: list });
      }
    }
    return { status: 404, json: async () => ({ code: 1008, msg: "not found" }) };
  };

  get last(): FakeConn {
    return this.conns[this.conns.length - 1]!;
  }

  store(conversationId: string, m: Record<string, unknown>): void {
    this.stored.set(conversationId, [...(this.stored.get(conversationId) ?? []), m]);
  }
}

/** p2p returns a 1103 delivery body. */
export function p2p(seq: number, from = "bob", to = "alice", body = `m${seq}`): Record<string, unknown> {
  return { messageId: `id-${from}-${seq}`, fromId: from, toId: to, messageBody: body, messageKey: 1000 + seq, messageSequence: seq, messageTime: 1700000000000 + seq };
}

/** newClient returns alice's client on fake with fast timers and an event log. */
export function newClient(fake: Fake, opts: Partial<ClientOptions> = {}) {
  const log: { name: EventName; e: any }[] = [];
  const c = new Client({
    appId: 10000, userId: "alice", signProvider: () => "sign", apiUrl: "http://fake", webSocket: fake.webSocket, fetch: fake.fetch,
    heartbeatMs: 10_000, ackTimeoutMs: 60, backoffMinMs: 5, backoffMaxMs: 40, sendRetryMinMs: 20, holeRetries: 1, ...opts,
  });
  c.onAny((name, e) => log.push({ name, e }));
  const events = (name: EventName) => log.filter((l) => l.name === name).map((l) => l.e);
  return { c, log, events };
}
