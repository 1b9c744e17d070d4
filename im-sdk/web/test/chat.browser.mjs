// Browser test of the web chat demo on a running platform: two Chromium
// contexts log in as two users and chat (1:1 and in a group they create);
// the gateways are stopped
// mid-conversation, a message is typed during the outage, and it must
// arrive exactly once after the reconnect. Screenshots go to SCREENSHOTS.
//
// The e2e suite runs it (deployments/e2e, TestWebChatInChromium), which
// owns the platform: it answers "@stop-gateways" and "@start-gateways"
// lines on stdout with a line on stdin once done.
//
// Env: WEB_URL, USER_A, SIGN_A, USER_B, SIGN_B, SCREENSHOTS (directory),
// CHROMIUM (default /usr/bin/chromium).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const url = env("WEB_URL");
const shots = env("SCREENSHOTS");
mkdirSync(shots, { recursive: true });
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const TIMEOUT = 30_000;

/** ask tells the Go test to act on the platform and waits for its answer. */
async function ask(what) {
  console.log(`@${what}`);
  const { value, done } = await lines.next();
  if (done || value.trim() !== "ok") throw new Error(`${what}: the test answered ${done ? "nothing" : value}`);
}

function step(name) {
  console.log(`step: ${name}`);
}

async function login(browser, user, sign) {
  const ctx = await browser.newContext({ viewport: { width: 900, height: 600 } });
  const page = await ctx.newPage();
  page.on("console", (m) => ["error", "warning"].includes(m.type()) && console.log(`[${user} console] ${m.text()}`));
  page.on("pageerror", (e) => console.log(`[${user} pageerror] ${e.message}`));
  await page.goto(url);
  await page.fill("#login input[name=userId]", user);
  await page.fill("#login textarea[name=userSign]", sign);
  await page.click("#login button[type=submit]");
  await page.waitForSelector("#status[data-state=connected]", { timeout: TIMEOUT });
  return page;
}

async function openChat(page, peer) {
  await page.fill("#new-chat input", peer);
  await page.click("#new-chat button");
}

async function send(page, text) {
  await page.fill("#composer input", text);
  await page.click("#composer button");
}

/** bubble is the message list item holding text. */
const bubble = (page, text) => page.locator("#messages li", { has: page.locator(".text", { hasText: text }) });

/** exactlyOnce waits until text shows, then checks it shows once. */
async function exactlyOnce(page, text, who) {
  await bubble(page, text).first().waitFor({ timeout: TIMEOUT });
  const n = await bubble(page, text).count();
  if (n !== 1) throw new Error(`${who} shows "${text}" ${n} times, want once`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let a;
let b;
try {
  const [userA, userB] = [env("USER_A"), env("USER_B")];
  const tag = Math.random().toString(36).slice(2, 8);
  const msgs = { a1: `hello ${userB}, from ${userA} ${tag}`, b1: `hi ${userA}, ${userB} here ${tag}`, group: `hello group ${tag}`,
    outage: `typed during the outage ${tag}` };

  step("log in both users");
  a = await login(browser, userA, env("SIGN_A"));
  b = await login(browser, userB, env("SIGN_B"));
  await shot(a, "01-a-logged-in");

  step("A sends; B sees an unread conversation, opens it, and A sees the read mark");
  await openChat(a, userB);
  await send(a, msgs.a1);
  await bubble(a, msgs.a1).locator(".mark[data-state=sent], .mark[data-state=read]").waitFor({ timeout: TIMEOUT });
  const convOfA = b.locator(`#conversations li[data-conversation*="${userA}"]`);
  await convOfA.locator(".unread[data-count='1']").waitFor({ timeout: TIMEOUT });
  await shot(b, "02-b-unread");
  await convOfA.click();
  await exactlyOnce(b, msgs.a1, "B");
  await convOfA.locator(".unread[data-count='0']").waitFor({ state: "attached", timeout: TIMEOUT });
  await bubble(a, msgs.a1).locator(".mark[data-state=read]").waitFor({ timeout: TIMEOUT });
  await shot(a, "03-a-read-mark");

  step("B replies; A sees it once");
  await send(b, msgs.b1);
  await exactlyOnce(a, msgs.b1, "A");
  await exactlyOnce(b, msgs.b1, "B");

  step("A creates a group with B and writes in it; B sees it once, unread");
  await a.fill("#new-group input[name=name]", `group ${tag}`);
  await a.fill("#new-group input[name=members]", userB);
  await a.click("#new-group button");
  await a.locator("#title", { hasText: "Group #" }).waitFor({ timeout: TIMEOUT });
  await send(a, msgs.group);
  await bubble(a, msgs.group).locator(".mark[data-state=sent]").waitFor({ timeout: TIMEOUT });
  const group = b.locator('#conversations li[data-conversation^="group:"]');
  await group.locator(".unread[data-count='1']").waitFor({ timeout: TIMEOUT });
  await group.click();
  await exactlyOnce(b, msgs.group, "B");
  await shot(b, "04-b-group");
  await b.locator(`#conversations li[data-conversation*="${userA}"]`).click();
  await openChat(a, userB);

  step("gateways stopped: A types a message while offline");
  await ask("stop-gateways");
  await a.waitForSelector("#status[data-state=reconnecting]", { timeout: TIMEOUT });
  await send(a, msgs.outage);
  await bubble(a, msgs.outage).locator(".mark[data-state=sending]").waitFor({ timeout: TIMEOUT });
  await shot(a, "05-a-offline-sending");

  step("gateways back: the message arrives exactly once");
  await ask("start-gateways");
  await a.waitForSelector("#status[data-state=connected]", { timeout: 60_000 });
  await bubble(a, msgs.outage).locator(".mark[data-state=sent], .mark[data-state=read]").waitFor({ timeout: 60_000 });
  await exactlyOnce(b, msgs.outage, "B");
  await shot(b, "06-b-after-reconnect");

  // resends after the reconnect would show up as late duplicates: look again once the dust settles
  await new Promise((r) => setTimeout(r, 1500));
  for (const [page, who] of [[a, "A"], [b, "B"]]) {
    for (const text of [msgs.a1, msgs.b1, msgs.outage]) await exactlyOnce(page, text, who);
  }
  await shot(a, "07-a-final");
  await shot(b, "07-b-final");
  console.log("PASS");
} catch (err) {
  for (const [page, who] of [[a, "a"], [b, "b"]]) if (page) await shot(page, `failure-${who}`).catch(() => {});
  console.log(`FAIL: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await browser.close();
  process.exit(process.exitCode ?? 0);
}
