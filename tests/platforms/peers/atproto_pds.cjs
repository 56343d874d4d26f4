// A real AT Protocol PDS (the reference @atproto/pds) with an in-memory PLC directory, for connector tests.
// Usage: NODE_PATH=<dir>/node_modules node atproto_pds.cjs <data dir>; prints one JSON line when ready:
// {"pds": "http://localhost:PORT", "handle", "did", "password", "appPassword"} and serves until killed.
// Tested with @atproto/pds 0.4.217 (the last release that runs on Node 20) and @did-plc/server 0.0.1.
const crypto = require("crypto");
const path = require("path");
const { PDS, envToCfg, envToSecrets, readEnv } = require("@atproto/pds");
const plc = require("@did-plc/server");
const { Secp256k1Keypair } = require("@atproto/crypto");

async function main() {
  const dataDir = process.argv[2];
  const plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: 0 });
  const plcHttp = await plcServer.start();
  const plcUrl = `http://localhost:${plcHttp.address().port}`;
  const rotation = await Secp256k1Keypair.create({ exportable: true });
  const port = 20000 + Math.floor(Math.random() * 20000);
  Object.assign(process.env, {
    PDS_PORT: String(port),
    PDS_HOSTNAME: "localhost",
    PDS_DEV_MODE: "true",
    PDS_DATA_DIRECTORY: dataDir,
    PDS_BLOBSTORE_DISK_LOCATION: path.join(dataDir, "blobs"),
    PDS_DID_PLC_URL: plcUrl,
    PDS_JWT_SECRET: crypto.randomBytes(16).toString("hex"),
    PDS_ADMIN_PASSWORD: "admin-pass",
    PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: Buffer.from(await rotation.export()).toString("hex"),
    PDS_SERVICE_HANDLE_DOMAINS: ".test",
    PDS_INVITE_REQUIRED: "false",
    PDS_RATE_LIMITS_ENABLED: "false",
    PDS_BSKY_APP_VIEW_URL: "http://localhost:1",
    PDS_BSKY_APP_VIEW_DID: "did:example:appview",
    LOG_ENABLED: "false",
  });
  const env = readEnv();
  const pds = await PDS.create(envToCfg(env), envToSecrets(env));
  await pds.start();
  const url = `http://localhost:${port}`;
  const password = "hunter2-" + crypto.randomBytes(4).toString("hex");
  const response = await fetch(`${url}/xrpc/com.atproto.server.createAccount`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ handle: "alice.test", email: "alice@example.test", password }),
  });
  const account = await response.json();
  if (!response.ok) throw new Error(JSON.stringify(account));
  const created = await fetch(`${url}/xrpc/com.atproto.server.createAppPassword`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${account.accessJwt}` },
    body: JSON.stringify({ name: "tidings-test" }),
  });
  const app = await created.json();
  if (!created.ok) throw new Error(JSON.stringify(app));
  const ready = { pds: url, handle: account.handle, did: account.did, password, appPassword: app.password };
  console.log(JSON.stringify(ready));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
