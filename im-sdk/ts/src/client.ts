// Client ties the connection, outbox, inbox and conversation list together
// and turns downlink packets into typed events.

import { DOWNLINK_LIMITS, type ServerPacket } from "./codec.js";
import { Connection, backoff, realTimers, type Timers } from "./connection.js";
import { Conversations } from "./conversations.js";
import { Emitter, type ConnectionState, type Conversation, type EventName, type Listener, type Message } from "./events.js";
import { Inbox } from "./inbox.js";
import { Outbox, type Pending } from "./outbox.js";
import {
  ClientType, Command, KNOWN, conversationPeer, groupConversation, newMessageId, p2pConversation,
  type Envelope, type WireAck, type WireCleared, type WireDeleted, type WireEdit, type WireMessage, type WireRead,
  type WireReceiveAck, type WireRecall, type WireTyping,
} from "./protocol.js";
import { Rest, type Credentials, type FetchLike, type Gateway } from "./rest.js";
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
  /** transport replaces the WebSocket transport (tcpTransport() of "@whaleim/sdk/node" for TCP on Node). */
  transport?: { dial: Dialer; address: (g: Gateway) => string };
  timers?: Timers;
  heartbeatMs?: number;
  loginTimeoutMs?: number;
  ackTimeoutMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  sendRetryMinMs?: number;
  pullLimit?: number;
  holeRetries?: number;
  /** logger receives what the SDK recovers from by itself (failed pulls, refused frames); default: none. */
  logger?: (msg: string) => void;
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
  private readonly requests = new Map<string, { what: string; resolve: () => void; reject: (e: Error) => void }>();
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
      fallbackGateways: opts.gateways ?? [],
      dial: opts.transport?.dial ?? webSocketDialer(DOWNLINK_LIMITS, opts.webSocket),
      address: opts.transport?.address ?? ((g) => g.wsAddress),
      heartbeatMs: opts.heartbeatMs || 20_000, loginTimeoutMs: opts.loginTimeoutMs ?? 10_000,
      backoffMinMs: opts.backoffMinMs ?? 200, backoffMaxMs: opts.backoffMaxMs ?? 10_000, timers,
    }, {
      state: (state) => this.stateChanged(state),
      connected: () => this.connected(),
      packet: (env, p) => this.packet(env, p),
      error: (e) => this.events.emit("error", e),
    });
    this.outbox = new Outbox({
      ackTimeoutMs: opts.ackTimeoutMs ?? 5_000, sendRetryMinMs: opts.sendRetryMinMs ?? opts.backoffMinMs ?? 200,
      backoffMaxMs: opts.backoffMaxMs ?? 10_000, timers,
    }, store, {
      write: (cmd, body) => this.conn.send(cmd, body),
      state: (e) => this.events.emit("message_state", e),
      sent: (p, seq, key, time) => this.sent(p, seq, key, time),
    });
    this.inbox = new Inbox({ pullLimit: opts.pullLimit ?? 100, holeRetries: opts.holeRetries ?? 5 }, store, {
      deliver: (m) => this.deliver(m),
      duplicate: (m) => this.receiveAck(m),
      pull: (id, after, limit) => this.rest.pull(this.creds(), id, after, limit),
      maxSequences: () => this.rest.maxSequences(this.creds()),
      synced: (s) => this.convs.known(s.conversationId, s.readSequence ?? 0),
      toMessage: (id, v) => this.toMessage(v, id),
      online: () => this.conn.state === "connected",
      pause: (tries) => new Promise((r) => timers.setTimeout(r, backoff(tries, opts.backoffMinMs ?? 200, opts.backoffMaxMs ?? 10_000, timers.random))),
      log: (msg) => this.log(msg),
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
    this.inbox.resume();
    this.conn.start();
  }

  /** close ends the connection for good; unACKed sends stay in the store. */
  close(): void {
    this.outbox.stop();
    this.inbox.stop();
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
    const p: Pending = { messageId, conversationId, body: m.body };
    if (m.toId) p.toId = m.toId;
    if (m.groupId) p.groupId = m.groupId;
    if (m.extra) p.extra = m.extra;
    this.outbox.add(p);
    return messageId;
  }

  /** markRead marks conversationId read up to seq (default: its last seq) and tells the server. */
  markRead(conversationId: string, seq?: number): void {
    const mark = this.convs.read(conversationId, seq);
    if (mark > 0) this.sendRead(conversationId, mark);
  }

  /** recall withdraws one of this user's messages; it resolves on the server's recall ACK. */
  recall(m: Message): Promise<void> {
    return this.request("recall", Command.MessageRecall, (messageId) => {
      const peer = conversationPeer(m.conversation, this.opts.userId);
      const body: WireRecall = { messageKey: m.key, messageId, conversationType: peer.groupId ? 1 : 0, ...peer };
      return body;
    });
  }

  /**
   * edit replaces the body (and extra) of one of this user's messages; it
   * resolves on the server's edit ACK (1056) and rejects with the refusal
   * (another user's message 6007, the app's edit window passed 6006, a
   * recalled message 6008). The other devices get an "edited" event.
   */
  async edit(m: Message, body: string, extra?: string): Promise<void> {
    await this.request("edit", Command.MessageEdit, (messageId) => {
      const peer = conversationPeer(m.conversation, this.opts.userId);
      const e: WireEdit = { messageKey: m.key, messageId, conversationType: peer.groupId ? 1 : 0, messageBody: body, ...peer };
      if (extra) e.extra = extra;
      return e;
    });
    this.convs.edited(m.conversation, m.key, body, extra);
  }

  /**
   * typing tells the conversation's other users that this user is typing
   * (or stopped); it is relayed to their online devices, never stored, and
   * the gateway drops more than two a second from one device. It returns
   * false when not connected.
   */
  typing(conversationId: string, stopped = false): boolean {
    const peer = conversationPeer(conversationId, this.opts.userId);
    const t: WireTyping = { ...peer, conversationType: peer.groupId ? 1 : 0 };
    if (stopped) t.stopped = true;
    return this.conn.send(Command.MessageTyping, t);
  }

  /** deleteForMe deletes messages (by seq) of a conversation for this user only, on all its devices ("deleted" event). */
  async deleteForMe(conversationId: string, seqs: number[]): Promise<void> {
    await this.api("/v1/message/deleteForMe", { conversationId, messageSequences: seqs });
  }

  /** clearHistory clears a conversation's history for this user only, on all its devices ("cleared" event); it returns the mark. */
  async clearHistory(conversationId: string): Promise<number> {
    const r = await this.api<{ clearedSequence: number }>("/v1/message/clearHistory", { conversationId });
    return r.clearedSequence;
  }

  /** request sends the body made for a fresh request id and settles on the answer that names it (1051, 1056). */
  private request(what: string, command: number, body: (messageId: string) => object): Promise<void> {
    const messageId = newMessageId();
    return new Promise((resolve, reject) => {
      if (!this.conn.send(command, body(messageId))) {
        reject(new Error(`${what}: not connected`));
        return;
      }
      this.requests.set(messageId, { what, resolve, reject });
    });
  }

  /**
   * api calls a REST route of the platform as this user (the credentials of
   * the current login) and returns the answer's data; a refusal throws
   * RestError with its code. Groups, friends and profiles live there.
   */
  api<T = unknown>(route: string, body: object): Promise<T> {
    return this.rest.call<T>(route, this.creds(), body);
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

  private log(msg: string): void {
    this.opts.logger?.(msg);
  }

  private stateChanged(state: ConnectionState): void {
    this.events.emit("state", { state });
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

  /** sent records this instance's accepted send in the conversation list and the inbox order. */
  private sent(p: Pending, seq: number, key: number, time: number): void {
    if (seq <= 0) return;
    const m: Message = { conversation: p.conversationId, seq, id: p.messageId, key, from: this.opts.userId, body: p.body, time };
    if (p.toId) m.to = p.toId;
    if (p.groupId) m.group = p.groupId;
    this.convs.message(m);
    this.inbox.own(p.conversationId, seq);
  }

  /** deliver takes the next message in order: our own unanswered send coming back settles it, anything else is emitted. */
  private deliver(m: Message): void {
    if (m.from === this.opts.userId && this.outbox.has(m.id)) {
      this.outbox.ack({ code: 200, msg: "stored", data: { messageId: m.id, messageSequence: m.seq, messageKey: m.key, messageTime: m.time } });
      return;
    }
    this.convs.message(m);
    this.events.emit("message", m);
    this.receiveAck(m);
  }

  /** receiveAck tells the sender's devices a 1:1 message with content reached us (1107). */
  private receiveAck(m: Message): void {
    if (m.group || m.from === this.opts.userId || m.recalled) return;
    const ack: WireReceiveAck = { messageId: m.id, messageKey: m.key, messageSequence: m.seq, toId: m.from };
    this.conn.send(Command.MessageReceiveAck, ack);
  }

  private toMessage(v: WireMessage, conversationId?: string): Message {
    const from = v.fromId ?? "";
    const conversation = conversationId ?? (v.groupId ? groupConversation(v.groupId) : p2pConversation(from, v.toId ?? ""));
    const m: Message = {
      conversation, seq: v.messageSequence ?? 0, id: v.messageId ?? "", key: v.messageKey ?? 0, from,
      body: v.messageBody ?? "", time: v.messageTime ?? 0,
    };
    if (v.toId) m.to = v.toId;
    if (v.groupId) m.group = v.groupId;
    if (v.extra) m.extra = v.extra;
    if (v.recalled) m.recalled = true;
    if (v.editedAt) m.edited = true;
    return m;
  }

  /** chatNotice handles typing, edits, deletes and clears; false for any other command. */
  private chatNotice(command: number, data: Record<string, unknown>): boolean {
    switch (command) {
      case Command.MessageTyping: {
        const t = data as unknown as WireTyping;
        const conversation = t.groupId ? groupConversation(t.groupId) : p2pConversation(t.fromId ?? "", t.toId ?? "");
        const ev: { conversation: string; from: string; stopped?: boolean } = { conversation, from: t.fromId ?? "" };
        if (t.stopped) ev.stopped = true;
        this.events.emit("typing", ev);
        return true;
      }
      case Command.MessageEditNotify: {
        const e = data as unknown as WireEdit;
        const conversation = e.groupId ? groupConversation(e.groupId) : p2pConversation(e.fromId ?? "", e.toId ?? "");
        this.convs.edited(conversation, e.messageKey, e.messageBody, e.extra);
        this.events.emit("edited", { conversation, key: e.messageKey, seq: e.messageSequence ?? 0, from: e.fromId ?? "",
          body: e.messageBody, extra: e.extra, editedAt: e.editedAt ?? 0 });
        return true;
      }
      case Command.MessageDeleteNotify: {
        const d = data as unknown as WireDeleted;
        this.events.emit("deleted", { conversation: d.conversationId, seqs: d.messageSequences ?? [] });
        return true;
      }
      case Command.ConversationClear: {
        const c = data as unknown as WireCleared;
        this.convs.cleared(c.conversationId, c.clearedSequence);
        this.events.emit("cleared", { conversation: c.conversationId, seq: c.clearedSequence });
        return true;
      }
    }
    return false;
  }

  private packet(env: Envelope, p: ServerPacket): void {
    const data = env.data;
    if (DATA.has(p.command) && (typeof data !== "object" || data === null || Array.isArray(data))) {
      this.events.emit("error", { reason: "bad_frame", detail: `command ${p.command} without a data object` });
      this.conn.drop("bad data");
      return;
    }
    switch (p.command) {
      case Command.MessageAck:
      case Command.GroupMessageAck:
        this.outbox.ack(data as WireAck, env.messageId);
        return;
      case Command.MessageP2P:
      case Command.GroupMessage: {
        const m = this.toMessage(data as WireMessage);
        if (m.seq > 0) this.inbox.accept(m, true);
        return;
      }
      case Command.MessageRecallAck:
      case Command.MessageEditAck:
        this.answered(data as WireAck, env.messageId);
        return;
      case Command.ErrorNotice:
        this.log(`the gateway refused a frame: ${JSON.stringify(data)}`);
        return;
    }
    this.notice(p.command, data as Record<string, unknown>);
  }

  private answered(a: WireAck, envId?: string): void {
    const id = a.data?.messageId || envId || "";
    const waiter = this.requests.get(id);
    if (!waiter) return;
    this.requests.delete(id);
    if (a.code === 200) waiter.resolve();
    else waiter.reject(new Error(`${waiter.what} refused: ${a.msg} (${a.code})`));
  }

  /** notice turns receipts, read marks, recalls and events into typed events. */
  private notice(command: number, data: Record<string, unknown>): void {
    const me = this.opts.userId;
    switch (command) {
      case Command.MessageReceiveAck: {
        const r = data as unknown as WireReceiveAck;
        this.events.emit("delivered", { conversation: p2pConversation(me, r.fromId ?? ""), id: r.messageId, seq: r.messageSequence });
        return;
      }
      case Command.MessageReadNotify:
      case Command.GroupReadNotify: {
        const r = data as unknown as WireRead;
        const conversation = r.groupId ? groupConversation(r.groupId) : p2pConversation(me, r.toId ?? "");
        this.convs.read(conversation, r.messageSequence);
        this.events.emit("read", { conversation, seq: r.messageSequence });
        return;
      }
      case Command.MessageReadReceipt:
      case Command.GroupReadReceipt: {
        const r = data as unknown as WireRead;
        const conversation = r.groupId ? groupConversation(r.groupId) : p2pConversation(me, r.fromId ?? "");
        // the list first, so a listener of the event sees the new marks
        if (!r.groupId) this.convs.peerRead(conversation, r.messageSequence);
        this.events.emit("read_receipt", { conversation, reader: r.fromId ?? "", seq: r.messageSequence });
        return;
      }
      case Command.MessageRecallNotify: {
        const r = data as unknown as WireRecall;
        const conversation = r.groupId ? groupConversation(r.groupId) : p2pConversation(r.fromId ?? "", r.toId ?? "");
        this.convs.recalled(conversation, r.messageKey);
        this.events.emit("recalled", { conversation, key: r.messageKey });
        return;
      }
    }
    if (this.chatNotice(command, data)) return;
    if (!KNOWN.has(command)) {
      this.events.emit("error", { reason: "unknown_command", command, detail: `unknown command ${command}` });
      this.conn.drop(`unknown command ${command}`);
      return;
    }
    if (command >= 2000 && command < 6000) this.events.emit("notification", { command, data });
  }
}

/** DATA lists the commands whose envelope must carry a data object. */
const DATA: ReadonlySet<number> = new Set([
  Command.MessageAck, Command.GroupMessageAck, Command.MessageP2P, Command.GroupMessage, Command.MessageRecallAck,
  Command.MessageReceiveAck, Command.MessageReadNotify, Command.GroupReadNotify, Command.MessageReadReceipt,
  Command.GroupReadReceipt, Command.MessageRecallNotify, Command.MessageEditAck, Command.MessageEditNotify,
  Command.MessageDeleteNotify, Command.MessageTyping, Command.ConversationClear,
]);
