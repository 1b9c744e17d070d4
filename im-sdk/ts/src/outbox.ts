// The outbox: every send gets its messageId once and keeps it on every
// resend (after an ACK timeout, after a reconnect, after a 1009); a refusal
// is final and reported with its code.

import type { Timers } from "./connection.js";
import { backoff } from "./connection.js";
import type { Events } from "./events.js";
import { Command, retryable, type WireAck, type WireMessage } from "./protocol.js";

/** Pending is one unACKed send, as the store keeps it. */
export interface Pending {
  messageId: string;
  conversationId: string;
  toId?: string;
  groupId?: string;
  body: string;
  extra?: string;
}

/** OutboxStore persists pending sends so an app restart resends them. */
export interface OutboxStore {
  savePending(p: Pending): void;
  deletePending(messageId: string): void;
  loadPending(): Pending[];
}

/** OutboxHooks connect the outbox to the connection and the rest of the client. */
export interface OutboxHooks {
  write(command: number, body: WireMessage): boolean;
  state(e: Events["message_state"]): void;
  /** sent reports an accepted message with its seq, key and time. */
  sent(p: Pending, seq: number, key: number, time: number): void;
}

/** OutboxConfig tunes the resend timers. */
export interface OutboxConfig {
  ackTimeoutMs: number;
  sendRetryMinMs: number;
  backoffMaxMs: number;
  timers: Timers;
}

interface Entry {
  p: Pending;
  timer: unknown;
  refusals: number; // retryable refusals so far, for the backoff
}

/** Outbox tracks every send until its up-ACK. */
export class Outbox {
  private readonly entries = new Map<string, Entry>(); // insertion order = send order

  constructor(private readonly cfg: OutboxConfig, private readonly store: OutboxStore, private readonly hooks: OutboxHooks) {
    for (const p of store.loadPending()) this.entries.set(p.messageId, { p, timer: null, refusals: 0 });
  }

  /** add queues p, reports it sending and writes it if the link is up. */
  add(p: Pending): void {
    this.store.savePending(p);
    const e: Entry = { p, timer: null, refusals: 0 };
    this.entries.set(p.messageId, e);
    this.hooks.state({ id: p.messageId, conversation: p.conversationId, state: "sending" });
    this.transmit(e);
  }

  /** has tells whether messageId is a pending send of this outbox. */
  has(messageId: string): boolean {
    return this.entries.has(messageId);
  }

  /** pending lists the unACKed sends in send order. */
  pending(): Pending[] {
    return [...this.entries.values()].map((e) => e.p);
  }

  /** resendAll writes every pending send again (after a (re)connect), in send order. */
  resendAll(): void {
    for (const e of this.entries.values()) this.transmit(e);
  }

  /** ack settles the send an up-ACK names; an ACK for no pending send is a duplicate and ignored. */
  ack(a: WireAck, envelopeMessageId?: string): void {
    const id = a.data?.messageId || envelopeMessageId || "";
    const e = this.entries.get(id);
    if (!e) return;
    this.cfg.timers.clearTimeout(e.timer);
    const base = { id, conversation: e.p.conversationId };
    if (a.code === 200) {
      this.settle(e);
      const seq = a.data?.messageSequence ?? 0;
      this.hooks.sent(e.p, seq, a.data?.messageKey ?? 0, a.data?.messageTime ?? 0);
      this.hooks.state({ ...base, state: "sent", seq });
      return;
    }
    if (retryable(a.code)) {
      const delay = backoff(e.refusals++, this.cfg.sendRetryMinMs, this.cfg.backoffMaxMs, this.cfg.timers.random);
      e.timer = this.cfg.timers.setTimeout(() => this.transmit(e), delay);
      return;
    }
    this.settle(e);
    this.hooks.state({ ...base, state: "failed", code: a.code });
  }

  /** stop clears every timer (the entries stay for a later resendAll). */
  stop(): void {
    for (const e of this.entries.values()) this.cfg.timers.clearTimeout(e.timer);
  }

  private settle(e: Entry): void {
    this.entries.delete(e.p.messageId);
    this.store.deletePending(e.p.messageId);
  }

  /** transmit writes e and arms its ACK timer; while offline it waits for resendAll. */
  private transmit(e: Entry): void {
    this.cfg.timers.clearTimeout(e.timer);
    e.timer = null;
    const p = e.p;
    const body: WireMessage = { messageId: p.messageId, messageBody: p.body };
    if (p.groupId) body.groupId = p.groupId;
    else body.toId = p.toId!;
    if (p.extra) body.extra = p.extra;
    if (!this.hooks.write(p.groupId ? Command.GroupMessage : Command.MessageP2P, body)) return;
    e.timer = this.cfg.timers.setTimeout(() => this.entries.has(p.messageId) && this.transmit(e), this.cfg.ackTimeoutMs);
  }
}
