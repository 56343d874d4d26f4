// A PDS with a real Bluesky app view behind it (the reference @atproto/pds and @atproto/bsky, wired by
// @atproto/dev-env, with an in-memory PLC directory), so counts such as likeCount come from the app view's own
// indexing of the PDS's firehose.
// Usage: NODE_PATH=<dir>/node_modules DB_POSTGRES_URL=postgres://... node atproto_appview.cjs
// Prints one JSON line when ready: {"pds", "appview", "accounts": [{"handle", "did", "appPassword"}, ...]}.
// Then reads commands, one a line: "sync" waits until the app view has indexed everything the PDS has sequenced
// and answers "synced". Ends (dropping its database schema) when its input closes or it is terminated.
const crypto = require("crypto");
const readline = require("readline");
const { TestPlc, TestPds, TestBsky, mockNetworkUtilities } = require("@atproto/dev-env");
const getPort = require("get-port");

async function account(pds, handle) {
  const password = "pw-" + crypto.randomBytes(6).toString("hex");
  const post = async (nsid, body, token) => {
    const headers = { "Content-Type": "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`${pds.url}/xrpc/${nsid}`, { method: "POST", headers, body: JSON.stringify(body) });
    const answer = await response.json();
    if (!response.ok) throw new Error(`${nsid}: ${JSON.stringify(answer)}`);
    return answer;
  };
  const made = await post("com.atproto.server.createAccount", { handle, email: `${handle}@example.test`, password });
  const app = await post("com.atproto.server.createAppPassword", { name: "tidings-test" }, made.accessJwt);
  return { handle: made.handle, did: made.did, appPassword: app.password };
}

async function indexed(pds, bsky) {
  // Everything the PDS has sequenced so far, indexed by the app view (as dev-env's processFullSubscription).
  const lastSeq = await pds.ctx.sequencer.curr();
  for (let tries = 0; tries < 2000; tries++) {
    await bsky.sub.processAll();
    const cursor = await bsky.sub.runner.getCursor();
    if (lastSeq === null || (cursor && cursor >= lastSeq)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("the app view did not catch up with the PDS");
}

async function main() {
  // Letters only (the app view refuses digits in a schema name).
  const schema = "appview_" + Array.from(crypto.randomBytes(8), (b) => String.fromCharCode(97 + (b % 26))).join("");
  const plc = await TestPlc.create({});
  const pdsPort = await getPort();
  const bsky = await TestBsky.create({
    port: await getPort(),
    plcUrl: plc.url,
    pdsPort,
    repoProvider: `ws://localhost:${pdsPort}`,
    dbPostgresUrl: process.env.DB_POSTGRES_URL,
    dbPostgresSchema: schema,
    modServiceDid: "did:example:invalidMod",
  });
  const pds = await TestPds.create({
    port: pdsPort,
    didPlcUrl: plc.url,
    bskyAppViewUrl: bsky.url,
    bskyAppViewDid: bsky.ctx.cfg.serverDid,
  });
  mockNetworkUtilities(pds, bsky);
  const accounts = [await account(pds, "alice.test"), await account(pds, "bob.test")];
  await indexed(pds, bsky);
  console.log(JSON.stringify({ pds: pds.url, appview: bsky.url, accounts }));

  let closing = false;
  const close = async () => {
    if (closing) return;
    closing = true;
    await pds.close();
    await bsky.db.db.schema.dropSchema(schema).ifExists().cascade().execute().catch(() => {});
    await bsky.close();
    await plc.close();
    process.exit(0);
  };
  const input = readline.createInterface({ input: process.stdin });
  input.on("line", async (line) => {
    if (line.trim() !== "sync") return;
    try {
      await indexed(pds, bsky);
      console.log("synced");
    } catch (error) {
      console.log(`failed: ${error.message}`);
    }
  });
  input.on("close", close);
  process.on("SIGTERM", close);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
