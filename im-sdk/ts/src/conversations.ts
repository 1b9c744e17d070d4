// The conversation list: last message, unread count and read marks per
// conversation, kept current by the inbox, the outbox and read events.

import type { Conversation, Message } from "./events.js";
import { conversationPeer } from "./protocol.js";

/** Conversations holds the list for one user. */
export class Conversations {
  private readonly byId = new Map<string, Conversation>();
  private readonly incoming = new Map<string, { seq: number; key: number }[]>(); // others' messages not yet read

  constructor(private readonly me: string, private readonly changed: (c: Conversation) => void) {}

  /** list returns the conversations, the most recent first. */
  list(): Conversation[] {
    return [...this.byId.values()].sort((a, b) => (b.last?.time ?? 0) - (a.last?.time ?? 0) || a.id.localeCompare(b.id));
  }

  /** get returns one conversation, if known. */
  get(id: string): Conversation | undefined {
    return this.byId.get(id);
  }

  private entry(id: string): Conversation {
    let c = this.byId.get(id);
    if (!c) {
      c = { id, ...conversationPeer(id, this.me), lastSeq: 0, readSeq: 0, peerReadSeq: 0, unread: 0 };
      this.byId.set(id, c);
    }
    return c;
  }

  /** message records an emitted message (anyone's). */
  message(m: Message): void {
    const c = this.entry(m.conversation);
    if (m.seq >= c.lastSeq) {
      c.lastSeq = m.seq;
      c.last = m;
    }
    if (m.from === this.me) {
      this.readUpTo(c, m.seq);
    } else if (m.seq > c.readSeq && !m.recalled) {
      this.incoming.set(c.id, [...(this.incoming.get(c.id) ?? []), { seq: m.seq, key: m.key }]);
    }
    this.recount(c);
  }

  /** known records the server's view after a sync (max and read seqs). */
  known(id: string, readSeq: number): void {
    const c = this.entry(id);
    this.readUpTo(c, readSeq);
    this.recount(c);
  }

  /** read moves this user's read mark (its own mark or one from another device); it returns the new mark. */
  read(id: string, seq?: number): number {
    const c = this.entry(id);
    this.readUpTo(c, seq ?? c.lastSeq);
    this.recount(c);
    return c.readSeq;
  }

  /** peerRead records a read receipt from the peer. */
  peerRead(id: string, seq: number): void {
    const c = this.entry(id);
    if (seq <= c.peerReadSeq) return;
    c.peerReadSeq = seq;
    this.changed(c);
  }

  /** recalled marks the message with messageKey key withdrawn; an unread one stops counting. */
  recalled(id: string, key: number): void {
    const c = this.entry(id);
    this.incoming.set(id, (this.incoming.get(id) ?? []).filter((u) => u.key !== key));
    if (c.last && c.last.key === key) c.last = { ...c.last, body: "", recalled: true };
    this.recount(c);
  }

  /** edited replaces the last message's body when it is the one edited. */
  edited(id: string, key: number, body: string, extra?: string): void {
    const c = this.entry(id);
    if (!c.last || c.last.key !== key || c.last.recalled) return;
    c.last = { ...c.last, body, edited: true };
    if (extra) c.last.extra = extra;
    else delete c.last.extra;
    this.changed(c);
  }

  /** cleared empties the conversation up to seq: nothing before it is unread, and a last message up to it is gone. */
  cleared(id: string, seq: number): void {
    const c = this.entry(id);
    this.readUpTo(c, seq);
    if (c.last && c.last.seq <= seq) {
      c.last = { ...c.last, body: "" };
      delete c.last.extra;
    }
    this.recount(c);
  }

  private readUpTo(c: Conversation, seq: number): void {
    if (seq > c.readSeq) c.readSeq = seq;
  }

  private recount(c: Conversation): void {
    const left = (this.incoming.get(c.id) ?? []).filter((u) => u.seq > c.readSeq);
    this.incoming.set(c.id, left);
    c.unread = left.length;
    this.changed(c);
  }
}
