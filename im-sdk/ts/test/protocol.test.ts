import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Command, KNOWN, conversationPeer, groupConversation, newMessageId, p2pConversation, retryable } from "../src/protocol.js";

// The Go table of commands (im-common/command) is the source: a command
// the SDK does not know is treated as bad input, so the lists must agree.
const goTable = readFileSync(fileURLToPath(new URL("../../../im-common/command/command.go", import.meta.url)), "utf8");
const goCodes = [...goTable.matchAll(/\b[A-Z]\w* +Code = (\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);

describe("protocol", () => {
  it("knows exactly the commands of im-common/command", () => {
    expect(goCodes.length).toBeGreaterThan(40);
    expect([...KNOWN].sort((a, b) => a - b)).toEqual(goCodes);
    for (const code of Object.values(Command)) expect(KNOWN.has(code)).toBe(true);
  });

  it("names conversations as the server does", () => {
    expect(p2pConversation("bob", "alice")).toBe("p2p:alice:bob");
    expect(p2pConversation("alice", "bob")).toBe("p2p:alice:bob");
    expect(groupConversation("g1")).toBe("group:g1");
    // U+FF5E sorts before U+1F600 in UTF-8 bytes (Go), after it in UTF-16 code units
    expect(p2pConversation("\u{1F600}", "\uFF5E")).toBe("p2p:\uFF5E:\u{1F600}");
    expect(p2pConversation("\uFF5E", "\u{1F600}")).toBe("p2p:\uFF5E:\u{1F600}");
    expect(p2pConversation("ab", "a")).toBe("p2p:a:ab");
    expect(conversationPeer("p2p:alice:bob", "bob")).toEqual({ toId: "alice" });
    expect(conversationPeer("group:g:1", "bob")).toEqual({ groupId: "g:1" });
  });

  it("retries only the not-now codes", () => {
    expect([1009, 9000, 9001, 9002].every(retryable)).toBe(true);
    expect([200, 4000, 6003, 9003, 1004].some(retryable)).toBe(false);
  });

  it("makes version 4 UUIDs", () => {
    const ids = new Set(Array.from({ length: 100 }, newMessageId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
