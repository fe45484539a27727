#!/usr/bin/env node
// Interop tests: hookseal against official webhook SDKs from npm
// (@octokit/webhooks-methods, stripe, standardwebhooks).
//
// Each case runs the hookseal CLI ($HOOKSEAL_BIN) as a subprocess and prints
// `PASS name` or `FAIL name: detail`; the last line is
// `interop-node: N passed, M failed`. Run `npm ci` in interop/ first
// (interop/setup.sh does it).

import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';

const BIN = process.env.HOOKSEAL_BIN || '';
if (!BIN) {
  console.error('interop.mjs: HOOKSEAL_BIN is not set; point it at the hookseal binary ' +
    '(interop/run.sh defaults it to target/debug/hookseal)');
  process.exit(2);
}
try {
  accessSync(BIN, constants.X_OK);
  if (!statSync(BIN).isFile()) throw new Error('not a file');
} catch {
  console.error(`interop.mjs: HOOKSEAL_BIN=${JSON.stringify(BIN)} is not an executable file`);
  process.exit(2);
}

let octokit, Stripe, StdWebhook;
try {
  octokit = await import('@octokit/webhooks-methods');
  Stripe = (await import('stripe')).default;
  StdWebhook = (await import('standardwebhooks')).Webhook;
} catch (err) {
  console.error(`interop.mjs: SDK import failed (${err.message}); run \`npm ci\` in interop/`);
  process.exit(2);
}
// No network use: the client is only a handle on stripe.webhooks.
const stripe = new Stripe('sk_test_interop_not_a_real_key');

const TS = 1_700_000_000; // fixed signing time; hookseal gets it back via --now
const SKEW = 1000;        // beyond the default 5-minute tolerance
const CLI_TIMEOUT_MS = 30_000;

// Bodies. The SDKs take the payload as a string (UTF-8), so invalid UTF-8
// cannot be signed by them; the "raw" body is as binary as they allow.
const BODY_JSON = Buffer.from('{"id":"evt_interop_1","object":"event","type":"invoice.paid","data":{"amount":4200}}');
const BODY_UTF8 = Buffer.from('{"id":"evt_interop_2","object":"event","text":"h\u00e9llo w\u00f6rld \u2014 \u2713 \u65e5\u672c\u8a9e \u{1F680}"}');
const BODY_RAW = Buffer.from('{"id":"evt_interop_3"}\r\n\x00\x01\x1f\x7f\tend \u00e9\n');

class CaseFailed extends Error {}
const fail = (detail) => { throw new CaseFailed(detail); };

// Change exactly one byte (the last ASCII letter or digit), keeping UTF-8 valid.
function tamper(body) {
  for (let i = body.length - 1; i >= 0; i--) {
    const ch = String.fromCharCode(body[i]);
    if (/^[A-Za-z0-9]$/.test(ch)) {
      const out = Buffer.from(body);
      out[i] = (ch === 'X' ? 'Y' : 'X').charCodeAt(0);
      return out;
    }
  }
  throw new Error('body has no ASCII letter or digit to alter');
}

// ------------------------------------------------------------- CLI driver

const work = mkdtempSync(join(tmpdir(), 'hookseal-interop-node-'));
let bodyCount = 0;

function run(args, body, { stdin = false } = {}) {
  let full;
  if (stdin) {
    full = [...args, '--body-file', '-'];
  } else {
    const path = join(work, `body${++bodyCount}`);
    writeFileSync(path, body);
    full = [...args, '--body-file', path];
  }
  const p = spawnSync(BIN, full, { input: stdin ? body : Buffer.alloc(0), timeout: CLI_TIMEOUT_MS });
  if (p.error) fail(`could not run hookseal ${full.slice(0, 3).join(' ')}: ${p.error.message}`);
  const code = p.status ?? `signal ${p.signal}`;
  return { code, out: p.stdout.toString('utf8'), err: p.stderr.toString('utf8') };
}

const describe = (r) =>
  `exit ${r.code}, stdout=${JSON.stringify(r.out.slice(0, 300))}, stderr=${JSON.stringify(r.err.slice(0, 300))}`;

function verify(provider, secrets, headers, body, { now, tolerance, stdin } = {}) {
  const args = ['verify', '--provider', provider];
  for (const s of secrets) args.push('--secret', s);
  for (const [name, value] of Object.entries(headers)) args.push('--header', `${name}: ${value}`);
  if (now !== undefined) args.push('--now', String(now));
  if (tolerance !== undefined) args.push('--tolerance', String(tolerance));
  return run(args, body, { stdin });
}

// Run `hookseal sign`; return its headers, checking it printed exactly `expect`.
function sign(provider, secret, body, expect, extra = [], { stdin = false } = {}) {
  const r = run(['sign', '--provider', provider, '--secret', secret, ...extra], body, { stdin });
  if (r.code !== 0) fail(`hookseal sign failed: ${describe(r)}`);
  const headers = {};
  for (const line of r.out.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const at = line.indexOf(':');
    if (at <= 0) fail(`sign output line is not 'Name: value': ${JSON.stringify(line)}`);
    const name = line.slice(0, at).trim();
    if (Object.keys(headers).some((k) => k.toLowerCase() === name.toLowerCase())) {
      fail(`sign printed header ${name} twice`);
    }
    headers[name] = line.slice(at + 1).trim();
  }
  const got = Object.keys(headers).map((k) => k.toLowerCase()).sort();
  const want = expect.map((k) => k.toLowerCase()).sort();
  if (got.join('\n') !== want.join('\n')) {
    fail(`sign printed headers ${JSON.stringify(Object.keys(headers))}, expected exactly ${JSON.stringify(expect)}`);
  }
  return headers;
}

function header(headers, name) {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name.toLowerCase()) return v;
  fail(`header ${name} missing from ${JSON.stringify(headers)}`);
}

function expectOk(r) {
  const lines = r.out.replace(/\r?\n$/, '').split(/\r?\n/);
  if (r.code !== 0 || lines.length !== 1 || !lines[0].startsWith('ok')) {
    fail(`expected exit 0 and one stdout line starting with 'ok'; got ${describe(r)}`);
  }
}

function expectReject(r, reason) {
  const first = r.err.split(/\r?\n/)[0];
  if (r.code !== 1 || !first.startsWith(`${reason}: `) || !first.slice(reason.length + 2).trim()) {
    fail(`expected exit 1 with stderr '${reason}: <sentence>'; got ${describe(r)}`);
  }
}

// ------------------------------------------------------------- case runner

let passed = 0;
let failed = 0;

async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`PASS ${name}`);
  } catch (err) {
    failed++;
    const detail = err instanceof CaseFailed ? err.message : `unexpected ${err.name}: ${err.message}`;
    console.log(`FAIL ${name}: ${detail.split('\n')[0]}`);
  }
}

// Cases every provider gets: both directions for each body, one-byte tampering
// on both sides, secret rotation, wrong secret and a missing signature header.
async function providerCases(p) {
  const [a, b] = p.secrets;
  const now = p.timestamped ? TS : undefined;
  for (const [label, body] of p.bodies) {
    await test(`${p.name}/${label}: sdk signs, hookseal verifies`, async () =>
      expectOk(verify(p.name, [a], await p.sdkSign(a, body), body, { now })));
    await test(`${p.name}/${label}: sdk-signed body altered by one byte -> signature_mismatch`, async () =>
      expectReject(verify(p.name, [a], await p.sdkSign(a, body), tamper(body), { now }), 'signature_mismatch'));
    await test(`${p.name}/${label}: hookseal signs, sdk verifies`, async () => {
      const headers = p.hooksealSign(a, body);
      if (!(await p.sdkVerify(a, body, headers))) fail(`SDK rejected hookseal's headers ${JSON.stringify(headers)}`);
    });
    await test(`${p.name}/${label}: hookseal-signed body altered by one byte -> sdk rejects`, async () => {
      const headers = p.hooksealSign(a, body);
      if (await p.sdkVerify(a, tamper(body), headers)) fail('SDK accepted a tampered body under hookseal\'s signature');
    });
  }
  const body = p.bodies[0][1];
  await test(`${p.name}: rotation, first --secret wrong and second right -> ok`, async () =>
    expectOk(verify(p.name, [b, a], await p.sdkSign(a, body), body, { now })));
  await test(`${p.name}: only a wrong secret -> signature_mismatch`, async () =>
    expectReject(verify(p.name, [b], await p.sdkSign(a, body), body, { now }), 'signature_mismatch'));
  await test(`${p.name}: hookseal signs with A, sdk with B rejects`, async () => {
    if (await p.sdkVerify(b, body, p.hooksealSign(a, body))) fail('SDK accepted hookseal\'s signature under another secret');
  });
  await test(`${p.name}: no ${p.sigHeader} header -> missing_header`, async () => {
    const headers = { ...(await p.sdkSign(a, body)) };
    delete headers[p.sigHeader];
    expectReject(verify(p.name, [a], headers, body, { now }), 'missing_header');
  });
  if (p.timestamped) {
    await test(`${p.name}: now = ts+${SKEW} -> timestamp_too_old`, async () =>
      expectReject(verify(p.name, [a], await p.sdkSign(a, body), body, { now: TS + SKEW }), 'timestamp_too_old'));
    await test(`${p.name}: now = ts+${SKEW} with --tolerance ${2 * SKEW} -> ok`, async () =>
      expectOk(verify(p.name, [a], await p.sdkSign(a, body), body, { now: TS + SKEW, tolerance: 2 * SKEW })));
  }
}

// ------------------------------------------------------------- providers

// GitHub via @octokit/webhooks-methods: X-Hub-Signature-256: sha256=<hex>.
const github = {
  name: 'github',
  secrets: ['interop-github-secret-A', 'interop-github-secret-B'],
  sigHeader: 'X-Hub-Signature-256',
  bodies: [['json', BODY_JSON], ['utf8', BODY_UTF8], ['raw-bytes', BODY_RAW]],
  timestamped: false,
  sdkSign: async (secret, body) => ({ 'X-Hub-Signature-256': await octokit.sign(secret, body.toString('utf8')) }),
  hooksealSign: (secret, body) => sign('github', secret, body, ['X-Hub-Signature-256']),
  sdkVerify: (secret, body, headers) =>
    octokit.verify(secret, body.toString('utf8'), header(headers, 'X-Hub-Signature-256')),
};

// Stripe via stripe-node: generateTestHeaderString signs, constructEvent verifies
// (with receivedAt injected, so signing at the fixed TS is deterministic).
const stripeProvider = {
  name: 'stripe',
  secrets: ['whsec_interopStripeSecretA0123456789', 'whsec_interopStripeSecretB9876543210'],
  sigHeader: 'Stripe-Signature',
  // constructEvent parses the payload as JSON after verifying, so JSON bodies only.
  bodies: [['json', BODY_JSON], ['utf8', BODY_UTF8]],
  timestamped: true,
  sdkSign: (secret, body) => ({
    'Stripe-Signature': stripe.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret, timestamp: TS }),
  }),
  hooksealSign: (secret, body) => {
    const headers = sign('stripe', secret, body, ['Stripe-Signature'], ['--timestamp', String(TS)]);
    if (!header(headers, 'Stripe-Signature').split(',').includes(`t=${TS}`)) {
      fail(`Stripe-Signature lacks t=${TS}: ${JSON.stringify(headers)}`);
    }
    return headers;
  },
  sdkVerify: (secret, body, headers) => {
    try {
      const event = stripe.webhooks.constructEvent(body, header(headers, 'Stripe-Signature'), secret, 300, undefined, TS * 1000);
      return event.id === JSON.parse(body.toString('utf8')).id;
    } catch (err) {
      if (err.type === 'StripeSignatureVerificationError') return false;
      throw err;
    }
  },
};

// Standard Webhooks via the npm package. Its verify() reads the real clock,
// so hookseal signs with --timestamp = now.
const swSecret = (label) => 'whsec_' + createHash('sha256').update(label).digest('base64');
const swNow = () => Math.floor(Date.now() / 1000);
const standard = {
  name: 'standard-webhooks',
  secrets: [swSecret('standard-webhooks-A'), swSecret('standard-webhooks-B')],
  sigHeader: 'webhook-signature',
  bodies: [['json', BODY_JSON], ['utf8', BODY_UTF8], ['raw-bytes', BODY_RAW]],
  timestamped: true,
  sdkSign: (secret, body) => ({
    'webhook-id': 'msg_node_sdk',
    'webhook-timestamp': String(TS),
    'webhook-signature': new StdWebhook(secret).sign('msg_node_sdk', new Date(TS * 1000), body.toString('utf8')),
  }),
  hooksealSign: (secret, body, opts = {}) => {
    const ts = swNow();
    const headers = sign('standard-webhooks', secret, body, ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
      ['--id', 'msg_node_hookseal', '--timestamp', String(ts)], opts);
    if (header(headers, 'webhook-id') !== 'msg_node_hookseal' || header(headers, 'webhook-timestamp') !== String(ts)) {
      fail(`--id/--timestamp not honoured: ${JSON.stringify(headers)}`);
    }
    return headers;
  },
  sdkVerify: (secret, body, headers) => {
    try {
      new StdWebhook(secret).verify(body.toString('utf8'), headers, { jsonParse: false });
      return true;
    } catch (err) {
      if (err.name === 'WebhookVerificationError') return false;
      throw err;
    }
  },
};

// ------------------------------------------------------------- cases

for (const p of [github, stripeProvider, standard]) await providerCases(p);

// GitHub secret rotation as octokit does it: verifyWithFallback(old, ..., [new]).
await test('github: hookseal signs with B, octokit verifyWithFallback(A, [B]) -> true', async () => {
  const headers = github.hooksealSign(github.secrets[1], BODY_JSON);
  const ok = await octokit.verifyWithFallback(github.secrets[0], BODY_JSON.toString('utf8'),
    header(headers, 'X-Hub-Signature-256'), [github.secrets[1]]);
  if (!ok) fail(`octokit rejected ${JSON.stringify(headers)}`);
});
await test('github: header name in lower case -> ok', async () => {
  const sig = await octokit.sign(github.secrets[0], BODY_JSON.toString('utf8'));
  expectOk(verify('github', [github.secrets[0]], { 'x-hub-signature-256': sig }, BODY_JSON));
});
await test('github: verify with --body-file - (stdin) -> ok', async () =>
  expectOk(verify('github', [github.secrets[0]], await github.sdkSign(github.secrets[0], BODY_RAW), BODY_RAW, { stdin: true })));

// Stripe during rotation sends t=..,v1=<one>,v1=<other>; hookseal accepts either secret.
for (const which of [0, 1]) {
  await test(`stripe: t=..,v1=A,v1=B from stripe-node, hookseal with secret ${'AB'[which]} -> ok`, () => {
    const [a, b] = stripeProvider.secrets.map((s) =>
      stripe.webhooks.generateTestHeaderString({ payload: BODY_JSON.toString('utf8'), secret: s, timestamp: TS }));
    const joined = `${a},${b.split(',').slice(1).join(',')}`;
    expectOk(verify('stripe', [stripeProvider.secrets[which]], { 'Stripe-Signature': joined }, BODY_JSON, { now: TS }));
  });
}
await test('stripe: hookseal-signed, stripe-node 1000 s later (tolerance 300) -> rejects', () => {
  const headers = stripeProvider.hooksealSign(stripeProvider.secrets[0], BODY_JSON);
  try {
    stripe.webhooks.constructEvent(BODY_JSON, header(headers, 'Stripe-Signature'), stripeProvider.secrets[0], 300,
      undefined, (TS + SKEW) * 1000);
  } catch (err) {
    if (err.type === 'StripeSignatureVerificationError') return;
    throw err;
  }
  fail('stripe-node accepted a stale signature');
});

// Standard Webhooks: the SDK signs with two secrets; the header lists both.
for (const which of [0, 1]) {
  await test(`standard-webhooks: two space-separated v1 signatures, hookseal with secret ${'AB'[which]} -> ok`, () => {
    const [ha, hb] = standard.secrets.map((s) => standard.sdkSign(s, BODY_UTF8));
    const both = { ...ha, 'webhook-signature': `${ha['webhook-signature']} ${hb['webhook-signature']}` };
    expectOk(verify('standard-webhooks', [standard.secrets[which]], both, BODY_UTF8, { now: TS }));
  });
}
await test('standard-webhooks: now = ts-1000 -> timestamp_in_future', () =>
  expectReject(verify('standard-webhooks', [standard.secrets[0]], standard.sdkSign(standard.secrets[0], BODY_JSON),
    BODY_JSON, { now: TS - SKEW }), 'timestamp_in_future'));
await test('standard-webhooks: sign with --body-file - (stdin), sdk verifies', () => {
  const headers = standard.hooksealSign(standard.secrets[0], BODY_RAW, { stdin: true });
  if (!standard.sdkVerify(standard.secrets[0], BODY_RAW, headers)) fail(`SDK rejected ${JSON.stringify(headers)}`);
});

rmSync(work, { recursive: true, force: true });
console.log(`interop-node: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
