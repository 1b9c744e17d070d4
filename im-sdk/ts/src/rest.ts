// The REST routes the SDK needs: the login route that hands out a gateway,
// and the sync routes (max sequences, pull).

import type { WireMessage } from "./protocol.js";

/** RestError is a REST answer with a code other than 200, or a failed request. */
export class RestError extends Error {
  constructor(readonly route: string, readonly code: number, msg: string) {
    super(`${route}: ${msg} (${code})`);
    this.name = "RestError";
  }
}

/** Gateway is what /v1/user/login answers: where to connect. */
export interface Gateway {
  brokerId?: string;
  tcpAddress?: string;
  wsAddress: string;
}

/** ConversationSeq is one entry of /v1/message/getMaxSequences. */
export interface ConversationSeq {
  conversationId: string;
  maxSequence: number;
  readSequence?: number;
  receiveSequence?: number;
  clearedSequence?: number;
}

/** Page is one answer of /v1/message/pull. */
export interface Page {
  conversationId: string;
  maxSequence: number;
  completed: boolean;
  dataList: (WireMessage & { conversationId?: string })[] | null;
}

/** Credentials authenticate every REST call (query parameters appId, identifier, userSign). */
export interface Credentials {
  appId: number;
  userId: string;
  userSign: string;
}

/** FetchLike is the subset of fetch the SDK calls (injectable for tests). */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal }) =>
  Promise<{ status: number; json(): Promise<unknown> }>;

/** Rest calls the REST API at baseUrl ("http://host:18000"; "" means the page's own origin). */
export class Rest {
  constructor(private readonly baseUrl: string, private readonly fetcher: FetchLike, private readonly timeoutMs = 10_000) {}

  /** call POSTs body to route and returns the data of a 200 answer. */
  async call<T>(route: string, c: Credentials, body: object): Promise<T> {
    const q = new URLSearchParams({ appId: String(c.appId), identifier: c.userId, userSign: c.userSign });
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.timeoutMs);
    let res: { status: number; json(): Promise<unknown> };
    try {
      res = await this.fetcher(`${this.baseUrl}${route}?${q}`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), signal: ctl.signal,
      });
    } catch (err) {
      throw new RestError(route, 0, `request failed: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    let env: { code?: number; msg?: string; data?: T };
    try {
      env = (await res.json()) as typeof env;
    } catch {
      throw new RestError(route, res.status, "answer is not JSON");
    }
    if (env.code !== 200) throw new RestError(route, env.code ?? res.status, env.msg ?? "refused");
    return env.data as T;
  }

  /** login asks the login route for a gateway for this user and client type. */
  login(c: Credentials, clientType: number): Promise<Gateway> {
    return this.call<Gateway>("/v1/user/login", c, { userId: c.userId, clientType });
  }

  /** maxSequences lists every conversation of the user with its highest seq. */
  async maxSequences(c: Credentials): Promise<ConversationSeq[]> {
    return (await this.call<ConversationSeq[] | null>("/v1/message/getMaxSequences", c, {})) ?? [];
  }

  /** pull returns the messages of conversation after lastSequence, at most maxLimit. */
  pull(c: Credentials, conversationId: string, lastSequence: number, maxLimit: number): Promise<Page> {
    return this.call<Page>("/v1/message/pull", c, { conversationId, lastSequence, maxLimit });
  }
}
