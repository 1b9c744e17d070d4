// Typed events of the SDK. The names and fields match the Go SDK's, so both
// produce the same event log in the conformance suite.

/** Connection states. */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "kicked" | "closed";

/** Delivery states of an outgoing message. */
export type SendState = "sending" | "sent" | "failed";

/** Message is one chat message in a conversation, as the inbox emits it. */
export interface Message {
  conversation: string;
  seq: number;
  /** id is the sender's messageId. */
  id: string;
  /** key is the server's messageKey (a recall names the message by it). */
  key: number;
  from: string;
  to?: string;
  group?: string;
  body: string;
  extra?: string;
  /** time is the server's unix milliseconds. */
  time: number;
  /** recalled is set when the server declared the message withdrawn (its body is then empty). */
  recalled?: boolean;
  /** edited is set when the body is an edit of the one sent (1055). */
  edited?: boolean;
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

/** ErrorReason names what went wrong: bad input from the server, or a refused login. */
export type ErrorReason = "bad_frame" | "unknown_command" | "login_refused";

/**
 * The event map: each name with the value its listeners get. Names and
 * fields are the Go SDK's (im-sdk/go/whaleim), so both produce the same
 * event log in the conformance suite (im-sdk/conformance/README.md).
 */
export interface Events {
  /** the connection state changed */
  state: { state: ConnectionState };
  /** a message, exactly once, in seq order per conversation; own sends of this instance are reported by message_state instead */
  message: Message;
  /** outbox progress of one send */
  message_state: { id: string; conversation: string; state: SendState; seq?: number; code?: number };
  /** bad input from the server (the SDK reconnects) or a refused login (it renews the sign and retries) */
  error: { reason: ErrorReason; code?: number; command?: number; detail: string };
  /** 1107: the peer's device got our message */
  delivered: { conversation: string; id: string; seq: number };
  /** 1054 / 2054: reader read the conversation up to seq */
  read_receipt: { conversation: string; reader: string; seq: number };
  /** 1053 / 2053: this user read up to seq on another device */
  read: { conversation: string; seq: number };
  /** 1052: the message with messageKey key was withdrawn */
  recalled: { conversation: string; key: number };
  /** 1060: from is typing in the conversation (stopped: stopped); never stored, shown for a few seconds */
  typing: { conversation: string; from: string; stopped?: boolean };
  /** 1057: from replaced the body of the message with messageKey key; editedAt is the edit's version */
  edited: { conversation: string; key: number; seq: number; from: string; body: string; extra?: string; editedAt: number };
  /** 1058: this user deleted the messages at seqs for itself (on this device or another) */
  deleted: { conversation: string; seqs: number[] };
  /** 5002: this user cleared the conversation's history up to seq (on this device or another) */
  cleared: { conversation: string; seq: number };
  /** group, friendship, user and conversation events (commands 2000-5999) */
  notification: { command: number; data: unknown };
  /** a conversation after any change (message, read mark, receipt) */
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
