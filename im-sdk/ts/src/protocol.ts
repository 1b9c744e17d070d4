// Commands, bodies and the downlink envelope of PROTOCOL.md, as the Go
// packages im-common/command and im-codec/payload define them.

/** Command numbers (header field `command`). */
export const Command = {
  Login: 9000,
  LoginAck: 9001,
  MutualLogin: 9002,
  Logout: 9003,
  Reconnect: 9004,
  ErrorNotice: 9005,
  Ping: 9999,
  MessageAck: 1046,
  MessageRecall: 1050,
  MessageRecallAck: 1051,
  MessageRecallNotify: 1052,
  MessageReadNotify: 1053,
  MessageReadReceipt: 1054,
  MessageEdit: 1055,
  MessageEditAck: 1056,
  MessageEditNotify: 1057,
  MessageDeleteNotify: 1058,
  MessageTyping: 1060,
  MessageP2P: 1103,
  MessageRead: 1106,
  MessageReceiveAck: 1107,
  GroupMessageAck: 2047,
  GroupReadNotify: 2053,
  GroupReadReceipt: 2054,
  GroupMessage: 2104,
  GroupRead: 2106,
  ConversationClear: 5002,
} as const;

/** Client types (header field `clientType`). */
export const ClientType = { WebAPI: 0, Web: 1, IOS: 2, Android: 3, Windows: 4, Mac: 5 } as const;

/** Codes of the errcode table (im-common/errcode) the SDK acts on. */
export const Code = {
  OK: 200,
  RateLimited: 1009,
  Internal: 9000,
  Unavailable: 9001,
  Timeout: 9002,
} as const;

/** retryable codes mean "not now": the same message is sent again later. Any other refusal is final. */
export function retryable(code: number): boolean {
  return code === Code.RateLimited || code === Code.Internal || code === Code.Unavailable || code === Code.Timeout;
}

/** KNOWN is every command of the protocol (im-common/command); anything else from the server is bad input. */
export const KNOWN: ReadonlySet<number> = new Set([
  9000, 9001, 9002, 9003, 9004, 9005, 9006, 9999,
  1046, 1050, 1051, 1052, 1053, 1054, 1055, 1056, 1057, 1058, 1060, 1103, 1106, 1107,
  2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, 2010, 2047, 2053, 2054, 2104, 2106,
  3000, 3001, 3002, 3003, 3004, 3005, 3010, 3011, 3012, 3013, 3014, 3015, 3016,
  4000, 4001, 4004, 4005,
  5000, 5001, 5002,
]);

/** Envelope is every downlink body: `{command, appId, userId, toId, clientType, imei, messageId, data}`. */
export interface Envelope {
  command: number;
  appId?: number;
  userId?: string;
  toId?: string;
  clientType?: number;
  imei?: string;
  messageId?: string;
  data?: unknown;
}

/** WireMessage is a 1103/2104 body, up (no server fields) or down. */
export interface WireMessage {
  messageId: string;
  fromId?: string;
  toId?: string;
  groupId?: string;
  messageBody: string;
  extra?: string;
  messageKey?: number;
  messageSequence?: number;
  messageTime?: number;
  recalled?: boolean;
  /** editedAt is the unix ms of the latest edit (history, pull and sync). */
  editedAt?: number;
}

/** WireAck is an up-ACK (1046, 2047, 1051) or a login ACK (9001, without data). */
export interface WireAck {
  code: number;
  msg: string;
  data?: { messageId: string; messageSequence?: number; messageKey?: number; messageTime?: number };
}

/** WireRead is a read mark (1106/2106) and its notifications (1053/1054/2053/2054). */
export interface WireRead {
  fromId?: string;
  toId?: string;
  groupId?: string;
  messageSequence: number;
  conversationType: number;
}

/** WireReceiveAck is 1107, from a receiver's device or (serverSend) from the server. */
export interface WireReceiveAck {
  messageId: string;
  messageKey: number;
  messageSequence: number;
  fromId?: string;
  toId: string;
  serverSend?: boolean;
}

/** WireRecall is 1050 up and 1052 down. */
export interface WireRecall {
  fromId?: string;
  messageKey: number;
  messageId: string;
  toId?: string;
  groupId?: string;
  conversationType: number;
}

/** WireTyping is 1060, up and relayed down (with fromId). */
export interface WireTyping {
  fromId?: string;
  toId?: string;
  groupId?: string;
  conversationType: number;
  stopped?: boolean;
}

/** WireEdit is 1055 up and 1057 down (with fromId, messageSequence, editedAt). */
export interface WireEdit {
  fromId?: string;
  messageKey: number;
  messageId: string;
  toId?: string;
  groupId?: string;
  conversationType: number;
  messageBody: string;
  extra?: string;
  messageSequence?: number;
  editedAt?: number;
}

/** WireDeleted is 1058: messages this user deleted for itself. */
export interface WireDeleted {
  conversationId: string;
  messageSequences: number[];
}

/** WireCleared is 5002: this user cleared a conversation's history up to clearedSequence. */
export interface WireCleared {
  conversationId: string;
  clearedSequence: number;
}

/** p2pConversation is the conversation id of a 1:1 chat, the same for both users (ordered byte-wise, as the server). */
export function p2pConversation(a: string, b: string): string {
  return byteLess(b, a) ? `p2p:${b}:${a}` : `p2p:${a}:${b}`;
}

const utf8 = new TextEncoder();

/** byteLess orders strings by their UTF-8 bytes, as Go does (UTF-16 order differs above U+FFFF). */
function byteLess(a: string, b: string): boolean {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return x.length < y.length;
}

/** groupConversation is the conversation id of a group. */
export function groupConversation(groupId: string): string {
  return `group:${groupId}`;
}

/** Peer names the other side of a conversation: a user (1:1) or a group. */
export interface Peer {
  toId?: string;
  groupId?: string;
}

/** conversationPeer returns, for user me, who conversation id is with. */
export function conversationPeer(id: string, me: string): Peer {
  if (id.startsWith("group:")) return { groupId: id.slice("group:".length) };
  const [a, b] = id.slice("p2p:".length).split(":");
  return { toId: a === me ? b : a };
}

/** newMessageId returns a random version 4 UUID. */
export function newMessageId(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
