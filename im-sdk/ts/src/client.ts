// Client ties the connection, outbox, inbox and conversation list together
// and turns downlink packets into typed events.

import { DEFAULT_LIMITS, type ServerPacket } from "./codec.js";
import { Connection, realTimers, type Timers } from "./connection.js";
import { Conversations } from "./conversations.js";
import { Emitter, type Conversation, type EventName, type Listener, type Message } from "./events.js";
import { Inbox } from "./inbox.js";
import { Outbox } from "./outbox.js";
import {
  ClientType, Command, conversationPeer, groupConversation, newMessageId, p2pConversation,
  type Envelope, type WireAck, type WireMessage, type WireRead, type WireReceiveAck, type WireRecall,
} from "./protocol.js";
import { Rest, type Credentials, type FetchLike } from "./rest.js";
import { MemoryStore, type Store } from "./store.js";
import { webSocketDialer, type Dialer, type WebSocketConstructor } from "./transport.js";

/** ClientOptions configure a Client; only the identity, apiUrl and signProvider are required. */
export interface ClientOptions {
  appId: number;
  userId: string;
  /** signProvider returns a userSign; it is called before every login, so it can renew an expiring sign. */
  signProvider: () => Promise<string> | string;
  /** apiUrl is the REST base ("http://host:18000"); "" means the page's own origin. */
  apiUrl: string;
  clientType?: number;
  imei?: string;
  /** gateways are WebSocket URLs used when the login route fails. */
  gateways?: string[];
  store?: Store;
  webSocket?: WebSocketConstructor;
  fetch?: FetchLike;
  dial?: Dialer;
  timers?: Timers;
  heartbeatMs?: number;
  loginTimeoutMs?: number;
  ackTimeoutMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  sendRetryMinMs?: number;
  pullLimit?: number;
  holeRetries?: number;
}

/** Outgoing is what the app sends: exactly one of toId and groupId. */
export interface Outgoing {
  toId?: string;
  groupId?: string;
  body: string;
  extra?: string;
}

/** Client is one logged-in device of one user. */
export class Client {
  private readonly events = new Emitter();
  private readonly conn: Connection;
  private readonly outbox: Outbox;
  private readonly inbox: Inbox;
  private readonly convs: Conversations;
  private readonly rest: Rest;
  private readonly keys = new Map<number, { conversationId: string; seq: number }>();
  private readonly recalls = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly timers: Timers;

  constructor(private readonly opts: ClientOptions) {
    const timers = (this.timers = opts.timers ?? realTimers);
    const fetcher = opts.fetch ?? (globalThis.fetch?.bind(globalThis) as unknown as FetchLike);
    this.rest = new Rest(opts.apiUrl, fetcher);
    const store = opts.store ?? new MemoryStore();
    const clientType = opts.clientType ?? ClientType.Web;
    this.convs = new Conversations(opts.userId, (c) => this.events.emit("conversation", c));
    this.conn = new Connection({
      appId: opts.appId, userId: opts.userId, clientType, imei: opts.imei ?? `web-${newMessageId().slice(0, 8)}`,
      signProvider: opts.signProvider, locate: (c) => this.rest.login(c, clientType),
      fallbackGateways: opts.gateways ?? [], dial: opts.dial ?? webSocketDialer({ ...DEFAULT_LIMITS, maxBody: 16 << 20 }, opts.webSocket),
      heartbeatMs: opts.heartbeatMs ?? 30_000, loginTimeoutMs: opts.loginTimeoutMs ?? 10_000,
      backoffMinMs: opts.backoffMinMs ?? 500, backoffMaxMs: opts.backoffMaxMs ?? 30_000, timers,
    }, {
      state: (state, reason) => this.events.emit("state", reason ? { state, reason } : { state }),
      connected: () => this.connected(),
      packet: (env, p) => this.packet(env, p),
      error: (error, code) => this.events.emit("error", code === undefined ? { error } : { error, code }),
    });
    this.outbox = new Outbox({
      ackTimeoutMs: opts.ackTimeoutMs ?? 5_000, sendRetryMinMs: opts.sendRetryMinMs ?? 1_000,
      backoffMaxMs: opts.backoffMaxMs ?? 30_000, timers,
    }, store, {
      write: (cmd, body) => this.conn.send(cmd, body),
      state: (e) => this.events.emit("message_state", e),
      sent: (p, seq, key, time) => this.sent(p.conversationId, seq, key, time, p.body, p.toId, p.groupId, p.messageId),
    });
    this.inbox = new Inbox({ pullLimit: opts.pullLimit ?? 100, holeRetries: opts.holeRetries ?? 3 }, store, {
      emit: (m) => this.delivered(m),
      pull: (id, after, limit) => this.rest.pull(this.creds(), id, after, limit),
      maxSequences: () => this.rest.maxSequences(this.creds()),
      synced: (s) => this.convs.known(s.conversationId, s.readSequence ?? 0),
      toMessage: (id, v) => this.toMessage(v, id),
      error: (error) => this.events.emit("error", { error }),
      pause: () => new Promise((r) => timers.setTimeout(r, opts.backoffMinMs ?? 500)),
    });
  }

  /** on adds a listener and returns a function that removes it. */
  on<K extends EventName>(name: K, fn: Listener<K>): () => void {
    return this.events.on(name, fn);
  }

  /** onAny adds a listener for every event. */
  onAny(fn: (name: EventName, e: unknown) => void): () => void {
    return this.events.onAny(fn);
  }

  /** start connects; the client then reconnects by itself until close or a kick. */
  start(): void {
    this.conn.start();
  }

  /** close ends the connection for good; unACKed sends stay in the store. */
  close(): void {
    this.outbox.stop();
    this.conn.close();
  }

  /** state is the connection state. */
  get state() {
    return this.conn.state;
  }

  /** conversations returns the conversation list, most recent first. */
  conversations(): Conversation[] {
    return this.convs.list();
  }

  /** send queues a message and returns its messageId; message_state events follow it. */
  send(m: Outgoing): string {
    if (!m.toId === !m.groupId) throw new Error("send: exactly one of toId and groupId");
    const messageId = newMessageId();
    const conversationId = m.groupId ? groupConversation(m.groupId) : p2pConversation(this.opts.userId, m.toId!);
    this.outbox.add({ messageId, conversationId, ...m });
    return messageId;
  }

  /** markRead marks conversationId read up to seq (default: its last seq) and tells the server. */
  markRead(conversationId: string, seq?: number): void {
    const mark = this.convs.read(conversationId, seq);
    if (mark > 0) this.sendRead(conversationId, mark);
  }

  /** recall withdraws one of this user's messages; it resolves on the server's recall ACK. */
  recall(m: Message): Promise<void> {
    const messageId = newMessageId();
    const peer = conversationPeer(m.conversationId, this.opts.userId);
    const body: WireRecall = { messageKey: m.messageKey, messageId, conversationType: peer.groupId ? 1 : 0, ...peer };
    return new Promise((resolve, reject) => {
      if (!this.conn.send(Command.MessageRecall, body)) {
        reject(new Error("recall: not connected"));
        return;
      }
      this.recalls.set(messageId, { resolve, reject });
    });
  }

  /** pending lists the sends still waiting for their up-ACK. */
  pending() {
    return this.outbox.pending();
  }

  private creds(): Credentials {
    const c = this.conn.credentials;
    if (!c) throw new Error("not logged in yet");
    return c;
  }

  private connected(): void {
    this.outbox.resendAll();
    void this.inbox.sync();
  }

  private sendRead(conversationId: string, seq: number): void {
    const peer = conversationPeer(conversationId, this.opts.userId);
    const read: WireRead = { ...peer, messageSequence: seq, conversationType: peer.groupId ? 1 : 0 };
    this.conn.send(peer.groupId ? Command.GroupRead : Command.MessageRead, read);
  }

  private sent(conversationId: string, seq: number, key: number, time: number, body: string,
    toId: string | undefined, groupId: string | undefined, messageId: string): void {
    if (seq <= 0) return;
    const m: Message = { conversationId, seq, messageId, messageKey: key, fromId: this.opts.userId, body, time };
    if (toId) m.toId = toId;
    if (groupId) m.groupId = groupId;
    this.keys.set(key, { conversationId, seq });
    this.convs.message(m);
    this.inbox.own(conversationId, seq);
  }

  private delivered(m: Message): void {
    this.keys.set(m.messageKey, { conversationId: m.conversationId, seq: m.seq });
    this.convs.message(m);
    this.events.emit("message", m);
  }

  private toMessage(v: WireMessage, conversationId?: string): Message {
    const from = v.fromId ?? "";
    const id = conversationId ?? (v.groupId ? groupConversation(v.groupId) : p2pConversation(from, v.toId ?? ""));
    const m: Message = {
      conversationId: id, seq: v.messageSequence ?? 0, messageId: v.messageId, messageKey: v.messageKey ?? 0,
      fromId: from, body: v.messageBody ?? "", time: v.messageTime ?? 0,
    };
    if (v.toId) m.toId = v.toId;
    if (v.groupId) m.groupId = v.groupId;
    if (v.extra) m.extra = v.extra;
    if (v.recalled) m.recalled = true;
    return m;
  }

  private packet(env: Envelope, p: ServerPacket): void {
    const data = (env.data ?? {}) as Record<string, unknown>;
    switch (p.command) {
      case Command.MessageAck:
      case Command.GroupMessageAck:
        this.outbox.ack(data as unknown as WireAck, env.messageId);
        return;
      case Command.MessageP2P:
      case Command.GroupMessage:
        this.incoming(p.command, data as unknown as WireMessage);
        return;
      case Command.MessageRecallAck:
        this.recallAck(data as unknown as WireAck, env.messageId);
        return;
    }
    this.notice(env, p.command, data);
  }

  private incoming(command: number, w: WireMessage): void {
    const m = this.toMessage(w);
    if (m.seq <= 0) {
      this.events.emit("error", { error: `message ${m.messageId} without a sequence` });
      return;
    }
    this.inbox.push(m);
    if (command === Command.MessageP2P && m.fromId !== this.opts.userId) {
      const ack: WireReceiveAck = { messageId: m.messageId, messageKey: m.messageKey, messageSequence: m.seq,
        fromId: this.opts.userId, toId: m.fromId };
      this.conn.send(Command.MessageReceiveAck, ack);
    }
  }

  private recallAck(a: WireAck, envId?: string): void {
    const id = a.data?.messageId || envId || "";
    const waiter = this.recalls.get(id);
    if (!waiter) return;
    this.recalls.delete(id);
    if (a.code === 200) waiter.resolve();
    else waiter.reject(new Error(`recall refused: ${a.msg} (${a.code})`));
  }

  /** notice handles receipts, read marks, recalls and the other notifications. */
  private notice(env: Envelope, command: number, data: Record<string, unknown>): void {
    const conv = (d: { fromId?: string; toId?: string; groupId?: string }, peer?: string) =>
      d.groupId ? groupConversation(d.groupId) : p2pConversation(this.opts.userId, peer ?? d.toId ?? "");
    switch (command) {
      case Command.MessageReceiveAck: {
        const r = data as unknown as WireReceiveAck;
        const id = p2pConversation(this.opts.userId, r.serverSend ? r.toId : (r.fromId ?? ""));
        this.events.emit("delivered", { conversationId: id, messageId: r.messageId, seq: r.messageSequence, serverSend: !!r.serverSend });
        return;
      }
      case Command.MessageReadNotify:
      case Command.GroupReadNotify: {
        const r = data as unknown as WireRead;
        const id = conv(r);
        this.convs.read(id, r.messageSequence);
        this.events.emit("read", { conversationId: id, seq: r.messageSequence });
        return;
      }
      case Command.MessageReadReceipt:
      case Command.GroupReadReceipt: {
        const r = data as unknown as WireRead;
        const id = conv(r, r.fromId);
        if (!r.groupId) this.convs.peerRead(id, r.messageSequence);
        this.events.emit("read_receipt", { conversationId: id, fromId: r.fromId ?? "", seq: r.messageSequence });
        return;
      }
      case Command.MessageRecallNotify: {
        const r = data as unknown as WireRecall;
        const known = this.keys.get(r.messageKey);
        const id = known?.conversationId ?? conv(r, r.fromId === this.opts.userId ? r.toId : r.fromId);
        if (known) this.convs.recalled(id, known.seq);
        this.events.emit("recalled", known ? { conversationId: id, messageKey: r.messageKey, seq: known.seq } : { conversationId: id, messageKey: r.messageKey });
        return;
      }
      case Command.ErrorNotice: {
        const e = data as { code?: number; msg?: string; command?: number };
        this.events.emit("error", { error: `server refused command ${e.command ?? 0}: ${e.msg ?? ""}`, code: e.code ?? 0 });
        return;
      }
    }
    if ((command >= 2000 && command <= 2010) || (command >= 3000 && command <= 3016) || (command >= 4000 && command <= 4005) ||
      command === 5000 || command === 5001) {
      this.events.emit("notification", { command, data: env.data ?? null });
      return;
    }
    this.events.emit("error", { error: `unknown command ${command}` });
    this.conn.drop(`unknown command ${command}`);
  }
}
