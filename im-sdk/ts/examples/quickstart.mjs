// The TypeScript SDK quick start (im-sdk/ts/README.md), run by the e2e suite
// (TestTypeScriptQuickStart) against the real platform: alice sends bob a
// message, bob reads it, alice sees it sent and read.
//
// Env: API_URL (REST base), APP_ID, USER_A, SIGN_A, USER_B, SIGN_B.
// Node 20 has no global WebSocket: the ws package provides it.
import { Client } from "@whaleim/sdk";
import { WebSocket } from "ws";

/** @param {string} k */
const env = (k) => process.env[k] ?? "";
/** @param {string} userId @param {string} userSign */
function connect(userId, userSign) {
  const client = new Client({
    appId: Number(env("APP_ID")),
    userId,
    apiUrl: env("API_URL"),
    signProvider: () => userSign, // ask your back-end for a fresh sign here
    webSocket: /** @type {any} */ (WebSocket),
  });
  client.on("state", (e) => console.log(`${userId}: ${e.state}`));
  client.start();
  return client;
}

const [alice, bob] = [connect(env("USER_A"), env("SIGN_A")), connect(env("USER_B"), env("SIGN_B"))];
/** @type {NodeJS.Timeout | undefined} */
let timer;
const done = new Promise((resolve, reject) => {
  timer = setTimeout(() => reject(new Error("no read receipt within 20 s")), 20_000);
  bob.on("message", (m) => {
    console.log(`bob got "${m.body}" from ${m.from} (seq ${m.seq} of ${m.conversation})`);
    bob.markRead(m.conversation);
  });
  alice.on("message_state", (e) => console.log(`alice's message ${e.state}${e.seq ? ` with seq ${e.seq}` : ""}`));
  alice.on("read_receipt", (e) => {
    console.log(`${e.reader} read up to seq ${e.seq}; unread on bob's side: ${bob.conversations()[0]?.unread}`);
    resolve(undefined);
  });
});
alice.on("state", (e) => {
  if (e.state === "connected") alice.send({ toId: env("USER_B"), body: "hello from the TypeScript quick start" });
});
try {
  await done;
  console.log("quick start: OK");
} finally {
  clearTimeout(timer);
  alice.close();
  bob.close();
}
