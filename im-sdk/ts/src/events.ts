// Typed events of the SDK. The names and fields match the Go SDK's, so both
// produce the same event log in the conformance suite.

/** Connection states. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "kicked" | "closed";

/** Delivery states of an outgoing message. */
export type SendState = "sending" | "sent" | "failed";

/** Message is one chat message in a conversation, as the inbox emits it. */
export interface Message {
  conversationId: string;
  seq: number;
  messageId: string;
  messageKey: number;
  fromId: string;
  toId?: string;
  groupId?: string;
  body: string;
  extra?: string;
  time: number;
  /** recalled is set when the server declared the message withdrawn. */
  recalled?: boolean;
}

/** Conversation is one entry of the conversation list. */
export interface Conversation {
  id: string;
  toId?: string;
  groupId?: string;
  last?: Message;
  /** lastSeq is the highest seq seen in the conversation (incoming or sent). */
  lastSeq: number;
  /** readSeq is how far this user has read. */
  readSeq: number;
  /** peerReadSeq is how far the peer has read (1:1 read receipts). */
  peerReadSeq: number;
  unread: number;
}

/** The event map: each name with the value its listeners get. */
export interface Events {
  state: { state: ConnectionState; reason?: string };
  message: Message;
  message_state: { messageId: string; conversationId: string; state: SendState; seq?: number; code?: number; msg?: string };
  error: { error: string; code?: number };
  recalled: { conversationId: string; messageKey: number; seq?: number };
  read: { conversationId: string; seq: number };
  read_receipt: { conversationId: string; fromId: string; seq: number };
  delivered: { conversationId: string; messageId: string; seq: number; serverSend: boolean };
  notification: { command: number; data: unknown };
  conversation: Conversation;
}

/** EventName is a key of Events. */
export type EventName = keyof Events;

/** Listener receives one event. */
export type Listener<K extends EventName> = (event: Events[K]) => void;

/** Emitter is a small typed event emitter; a listener that throws never stops the others. */
export class Emitter {
  private readonly listeners = new Map<EventName, Set<(e: never) => void>>();
  private readonly any = new Set<(name: EventName, e: unknown) => void>();

  /** on adds a listener for name and returns a function that removes it. */
  on<K extends EventName>(name: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(fn as (e: never) => void);
    return () => set.delete(fn as (e: never) => void);
  }

  /** onAny adds a listener for every event (the conformance runner logs through it). */
  onAny(fn: (name: EventName, e: unknown) => void): () => void {
    this.any.add(fn);
    return () => this.any.delete(fn);
  }

  /** emit calls the listeners of name with e. */
  emit<K extends EventName>(name: K, e: Events[K]): void {
    for (const fn of this.any) guard(() => fn(name, e));
    for (const fn of this.listeners.get(name) ?? []) guard(() => (fn as Listener<K>)(e));
  }
}

function guard(f: () => void): void {
  try {
    f();
  } catch (err) {
    // An app listener's fault must not break delivery; surface it asynchronously.
    queueMicrotask(() => {
      throw err;
    });
  }
}
