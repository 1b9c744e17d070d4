// WhaleIM client SDK: the public API.

export { Client, type ClientOptions, type Outgoing } from "./client.js";
export {
  CLIENT_HEADER_SIZE, DEFAULT_LIMITS, DOWNLINK_LIMITS, FrameError, SERVER_HEADER_SIZE, StreamDecoder, decodeClient, decodeServer,
  decodeText, encodeClient, encodeServer, encodeText, type ClientPacket, type FrameFault, type Limits, type ServerPacket,
} from "./codec.js";
export { backoff, realTimers, type Timers } from "./connection.js";
export type { Conversation, ConnectionState, ErrorReason, EventName, Events, Listener, Message, SendState } from "./events.js";
export type { PulledMessage, SeqStore } from "./inbox.js";
export type { OutboxStore, Pending } from "./outbox.js";
export {
  ClientType, Code, Command, KNOWN, conversationPeer, groupConversation, newMessageId, p2pConversation, retryable,
  type Envelope, type Peer, type WireAck, type WireMessage, type WireRead, type WireReceiveAck, type WireRecall,
} from "./protocol.js";
export { RestError, type ConversationSeq, type Credentials, type FetchLike, type Gateway, type Page } from "./rest.js";
export { MemoryStore, WebStorageStore, type StorageLike, type Store } from "./store.js";
export { webSocketDialer, type Dialer, type Transport, type TransportHandlers, type WebSocketConstructor, type WebSocketLike } from "./transport.js";
