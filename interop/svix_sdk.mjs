#!/usr/bin/env node
// Svix SDK interop (Node): the official npm `svix` SDK (2.5.0, used as
// published, only `serverUrl` pointing at hookseal) drives `hookseal serve`
// through the Svix API; local receivers verify every delivery with the npm
// `standardwebhooks` package.
//
// The JS SDK maps responses without validating them, so every object read is
// also checked for its key fields and their JS types after the SDK's
// deserializer (dates are valid Date objects, lists carry `iterator`...).
//
// Scenario: two applications, event types, endpoints with event-type and
// channel filters, publishing to each application (each receiver gets only
// its own application's messages, and the channel rule), a used eventId
// (409), message and attempt reads, secret rotation (old and new secret
// during the grace period), resend (manual attempt), an app-portal token
// confined to its application, deletes.
//
// Prints `PASS name` / `FAIL name: detail`; the last line is
// `svix-sdk-node: N passed, M failed`. Environment: HOOKSEAL_BIN.

import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const BIN = process.env.HOOKSEAL_BIN || '';
try {
  accessSync(BIN, constants.X_OK);
  if (!statSync(BIN).isFile()) throw new Error('not a file');
} catch {
  console.error(`svix_sdk.mjs: HOOKSEAL_BIN=${JSON.stringify(BIN)} is not an executable file; set it to the hookseal binary`);
  process.exit(2);
}

let Svix, ApiException, MessageStatus, MessageAttemptTriggerType, StdWebhook;
try {
  ({ Svix, ApiException, MessageStatus, MessageAttemptTriggerType } = await import('svix'));
  StdWebhook = (await import('standardwebhooks')).Webhook;
} catch (err) {
  console.error(`svix_sdk.mjs: SDK import failed (${err.message}); run \`npm ci\` in interop/`);
  process.exit(2);
}

// ------------------------------------------------------------- checks

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passed++;
    console.log(`PASS ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}: ${String(detail).split('\n')[0].slice(0, 500)}`);
  }
  return ok;
}

const describe = (err) => (err instanceof ApiException
  ? `ApiException ${err.code} ${JSON.stringify(err.body)}`
  : `${err?.name}: ${err?.message}`);

// One SDK call: PASS when it resolves, FAIL with the error when not.
async function call(name, fn) {
  try {
    const value = await fn();
    check(name, true);
    return value;
  } catch (err) {
    check(name, false, describe(err));
    return undefined;
  }
}

// The SDK call must reject with ApiException `status` carrying a JSON error body.
async function expectError(name, fn, status) {
  let value;
  try {
    value = await fn();
  } catch (err) {
    const bodyOk = err instanceof ApiException && err.body && typeof err.body === 'object'
      && (status === 422 ? Array.isArray(err.body.detail)
        : typeof err.body.code === 'string' && typeof err.body.detail === 'string');
    return check(name, err instanceof ApiException && err.code === status && bodyOk,
      `expected ApiException ${status} with a JSON error body, got ${describe(err)}`);
  }
  return check(name, false, `expected ApiException ${status}, the call succeeded: ${JSON.stringify(value)}`);
}

// Shapes after the SDK's deserializer. `?` = may be null/absent; `|null` = present, maybe null.
const isDate = (v) => v instanceof Date && !Number.isNaN(v.getTime());
function typeOk(v, t) {
  if (t.endsWith('?')) return v === null || v === undefined || typeOk(v, t.slice(0, -1));
  if (t.endsWith('|null')) return v === null || typeOk(v, t.slice(0, -5));
  switch (t) {
    case 'date': return isDate(v);
    case 'array': return Array.isArray(v);
    case 'object': return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'int': return Number.isInteger(v);
    default: return typeof v === t;
  }
}
const SHAPES = {
  app: { id: 'string', name: 'string', metadata: 'object', createdAt: 'date', updatedAt: 'date', uid: 'string?' },
  endpoint: { id: 'string', url: 'string', description: 'string', metadata: 'object', createdAt: 'date',
    updatedAt: 'date', eventTypes: 'array?', channels: 'array?', uid: 'string?', disabled: 'boolean?' },
  eventType: { name: 'string', description: 'string', deprecated: 'boolean', archived: 'boolean?',
    createdAt: 'date', updatedAt: 'date' },
  message: { id: 'string', eventType: 'string', payload: 'object', timestamp: 'date', eventId: 'string?',
    channels: 'array?' },
  attempt: { id: 'string', msgId: 'string', endpointId: 'string', url: 'string', response: 'string',
    responseStatusCode: 'int', responseDurationMs: 'int', status: 'int', statusText: 'string',
    triggerType: 'int', timestamp: 'date' },
  destination: { id: 'string', url: 'string', description: 'string', status: 'int', statusText: 'string',
    createdAt: 'date', updatedAt: 'date', nextAttempt: 'date?' },
  endpointMessage: { id: 'string', eventType: 'string', payload: 'object', timestamp: 'date', status: 'int',
    statusText: 'string' },
  secret: { key: 'string' },
  portal: { url: 'string', token: 'string' },
};
function shapeErrors(obj, shape) {
  if (obj === null || typeof obj !== 'object') return [`not an object: ${JSON.stringify(obj)}`];
  return Object.entries(shape).filter(([k, t]) => !typeOk(obj[k], t))
    .map(([k, t]) => `${k}: want ${t}, got ${obj[k] instanceof Date ? 'Invalid Date' : JSON.stringify(obj[k])}`);
}
function checkShape(name, obj, shape) {
  const errs = shapeErrors(obj, SHAPES[shape]);
  return check(`${name} (typed ${shape})`, errs.length === 0, errs.join('; '));
}
function checkList(name, list, shape) {
  const errs = [];
  if (!list || !Array.isArray(list.data)) errs.push('data: not an array');
  if (typeof list?.done !== 'boolean') errs.push(`done: ${JSON.stringify(list?.done)}`);
  if (list?.iterator === undefined) errs.push('iterator key missing');
  else if (!(list.iterator === null || typeof list.iterator === 'string')) errs.push(`iterator: ${JSON.stringify(list.iterator)}`);
  for (const [i, item] of (list?.data ?? []).entries()) {
    for (const e of shapeErrors(item, SHAPES[shape])) errs.push(`data[${i}].${e}`);
  }
  return check(`${name} (typed list of ${shape})`, errs.length === 0, errs.join('; '));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function poll(fn, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() >= deadline) return v;
    await sleep(100);
  }
}
// JSON values equal whatever the order of object keys (Svix, like hookseal, does not keep it).
const canon = (v) => (Array.isArray(v) ? v.map(canon)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v);
const sameJson = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));
const sameSet = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

// ------------------------------------------------------------- receivers

const received = new Map(); // path -> [{ headers, body }]
const receiver = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (!received.has(req.url)) received.set(req.url, []);
    received.get(req.url).push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(200, { 'content-length': '2' });
    res.end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${receiver.address().port}`;
const got = (path) => received.get(path) ?? [];
const idsAt = (path) => got(path).map((d) => d.headers['webhook-id']);
async function waitFor(path, n, ms = 10_000) {
  await poll(() => got(path).length >= n, ms);
  return got(path);
}
function verifies(secret, d) {
  try {
    new StdWebhook(secret).verify(d.body, d.headers);
    return true;
  } catch {
    return false;
  }
}

// ------------------------------------------------------------- the server

const work = mkdtempSync(join(tmpdir(), 'hookseal-svix-node-'));
const server = spawn(BIN, ['serve'], {
  env: {
    ...process.env,
    HOOKSEAL_SERVER__DATA_DIR: join(work, 'data'),
    HOOKSEAL_SERVER__LISTEN: '127.0.0.1:0',
    HOOKSEAL_LOG__FILTER: 'warn',
    HOOKSEAL_DELIVERY__ALLOW_HTTP: 'true',
    HOOKSEAL_DELIVERY__ALLOW_CIDRS: '["127.0.0.1/32"]',
    HOOKSEAL_DELIVERY__RETRY_SCHEDULE_SECS: '[0]',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let cleanedUp = false;
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  server.kill('SIGKILL');
  receiver.close();
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);

const { token, addr } = await new Promise((resolve) => {
  let buf = '';
  let tok;
  const timer = setTimeout(() => resolve({}), 30_000);
  server.stdout.on('data', (chunk) => {
    buf += chunk.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line.startsWith('admin token (shown once, keep it): ')) tok = line.split(': ').slice(1).join(': ').trim();
      if (line.startsWith('hookseal listening on http://')) {
        clearTimeout(timer);
        resolve({ token: tok, addr: line.split('http://')[1] });
      }
    }
  });
  server.on('exit', () => { clearTimeout(timer); resolve({}); });
});
if (!token || !addr) {
  console.error('svix_sdk.mjs: hookseal serve did not start');
  cleanup();
  process.exit(2);
}
const serverUrl = `http://${addr}`;
const svix = new Svix(token, { serverUrl });

// ------------------------------------------------------------- scenario

const S = {};
async function section(name, fn) {
  try {
    await fn();
  } catch (err) {
    check(`${name}/section-completed`, false, describe(err));
  }
}

await section('health', async () => {
  await call('health/sdk-get', () => svix.health.get());
});

await section('app', async () => {
  const a = await svix.application.create({ name: 'Acme JS', metadata: { tier: 'gold' } });
  checkShape('app/create', a, 'app');
  check('app/create-values', a.name === 'Acme JS' && a.metadata.tier === 'gold' && a.id.startsWith('app_'),
    JSON.stringify(a));
  const b = await svix.application.getOrCreate({ name: 'Beta JS', uid: 'beta-js' });
  checkShape('app/getOrCreate', b, 'app');
  const b2 = await svix.application.getOrCreate({ name: 'ignored', uid: 'beta-js' });
  check('app/getOrCreate-existing', b2.id === b.id && b2.name === 'Beta JS', JSON.stringify(b2));
  const byUid = await svix.application.get('beta-js');
  check('app/get-by-uid', byUid.id === b.id, JSON.stringify(byUid));
  const list = await svix.application.list({ limit: 1 });
  checkList('app/list-limit-1', list, 'app');
  check('app/list-limit-1-not-done', list.data.length === 1 && list.done === false && typeof list.iterator === 'string',
    JSON.stringify(list));
  const rest = await svix.application.list({ limit: 250, iterator: list.iterator });
  checkList('app/list-iterator', rest, 'app');
  const all = [...list.data, ...rest.data].map((x) => x.id);
  check('app/list-pages-cover-both', all.includes(a.id) && all.includes(b.id) && new Set(all).size === all.length,
    JSON.stringify(all));
  const p = await svix.application.patch(a.id, { name: 'Acme JS (patched)' });
  check('app/patch', p.name === 'Acme JS (patched)' && p.metadata.tier === 'gold', JSON.stringify(p));
  Object.assign(S, { A: a.id, B: b.id });
});

await section('event-type', async () => {
  for (const name of ['order.created', 'order.shipped']) {
    const et = await svix.eventType.create({ name, description: `An order event: ${name}` });
    checkShape(`event-type/create/${name}`, et, 'eventType');
  }
  const list = await svix.eventType.list();
  checkList('event-type/list', list, 'eventType');
  check('event-type/list-names', JSON.stringify(list.data.map((x) => x.name)) === '["order.created","order.shipped"]',
    JSON.stringify(list.data.map((x) => x.name)));
  const et = await svix.eventType.get('order.shipped');
  checkShape('event-type/get', et, 'eventType');
  await expectError('event-type/create-existing-409',
    () => svix.eventType.create({ name: 'order.created', description: 'again' }), 409);
});

await section('endpoint', async () => {
  const { A, B } = S;
  const ea = await svix.endpoint.create(A, { url: `${base}/a`, eventTypes: ['order.created', 'order.shipped'] });
  checkShape('endpoint/create-a', ea, 'endpoint');
  const ech = await svix.endpoint.create(A, { url: `${base}/a-ch`, channels: ['eu'] });
  checkShape('endpoint/create-a-channels', ech, 'endpoint');
  check('endpoint/channels-read-back', JSON.stringify(ech.channels) === '["eu"]', JSON.stringify(ech));
  const eb = await svix.endpoint.create(B, { url: `${base}/b`, uid: 'b-js', eventTypes: ['order.created'] });
  checkShape('endpoint/create-b', eb, 'endpoint');
  await expectError('endpoint/unknown-event-type-filter-422',
    () => svix.endpoint.create(A, { url: `${base}/x`, eventTypes: ['no.such.type'] }), 422);
  const list = await svix.endpoint.list(A);
  checkList('endpoint/list', list, 'endpoint');
  check('endpoint/list-app-a-only', sameSet(list.data.map((x) => x.id), [ea.id, ech.id]),
    JSON.stringify(list.data.map((x) => x.id)));
  const g = await svix.endpoint.get('beta-js', 'b-js');
  check('endpoint/get-by-uids', g.id === eb.id, JSON.stringify(g));
  const sec = {};
  for (const [label, app, ep] of [['a', A, ea.id], ['a-ch', A, ech.id], ['b', B, eb.id]]) {
    const s = await svix.endpoint.getSecret(app, ep);
    checkShape(`endpoint/getSecret-${label}`, s, 'secret');
    sec[label] = s.key;
  }
  check('endpoint/secrets-whsec', Object.values(sec).every((k) => k.startsWith('whsec_')), JSON.stringify(sec));
  Object.assign(S, { ea: ea.id, ech: ech.id, eb: eb.id, sec });
});

await section('msg', async () => {
  const { A, B, sec } = S;
  const p1 = { order: 1, app: 'a', note: 'caf\u00e9' };
  const p2 = { order: 2, app: 'a', items: [1, 2] };
  const pb = { order: 1, app: 'b' };
  const m1 = await svix.message.create(A, { eventType: 'order.created', eventId: 'order-1', payload: p1 });
  checkShape('msg/create-a', m1, 'message');
  const m2 = await svix.message.create(A, { eventType: 'order.shipped', payload: p2, channels: ['eu'] });
  checkShape('msg/create-a-channels', m2, 'message');
  const mb = await svix.message.create(B, { eventType: 'order.created', eventId: 'order-1', payload: pb });
  checkShape('msg/create-b', mb, 'message');
  await expectError('msg/duplicate-event-id-409',
    () => svix.message.create(A, { eventType: 'order.created', eventId: 'order-1', payload: p1 }), 409);

  const want = { '/a': [m1.id, m2.id], '/a-ch': [m2.id], '/b': [mb.id] };
  for (const [path, ids] of Object.entries(want)) await waitFor(path, ids.length);
  await sleep(700); // anything misrouted has had time to arrive
  const keys = { '/a': sec.a, '/a-ch': sec['a-ch'], '/b': sec.b };
  const payloads = { [m1.id]: p1, [m2.id]: p2, [mb.id]: pb };
  for (const [path, ids] of Object.entries(want)) {
    check(`deliver${path}/only-its-own-messages`, sameSet(idsAt(path), ids),
      `got ${JSON.stringify(idsAt(path))}, want ${JSON.stringify(ids)}`);
    check(`deliver${path}/standardwebhooks-verifies`, got(path).length > 0 && got(path).every((d) => verifies(keys[path], d)),
      JSON.stringify(got(path).map((d) => d.headers['webhook-signature'])));
    check(`deliver${path}/bodies-are-payloads`,
      got(path).every((d) => sameJson(JSON.parse(d.body), payloads[d.headers['webhook-id']])),
      JSON.stringify(got(path).map((d) => d.body)));
  }
  check('deliver/b-secret-does-not-verify-a', !got('/a').some((d) => verifies(sec.b, d)), '');

  const g = await svix.message.get(A, 'order-1');
  checkShape('msg/get-by-event-id', g, 'message');
  check('msg/get-payload-empty-without-content', g.id === m1.id && JSON.stringify(g.payload) === '{}', JSON.stringify(g));
  const gc = await svix.message.get(A, m1.id, { withContent: true });
  check('msg/get-with-content', sameJson(gc.payload, p1), JSON.stringify(gc));
  const list = await svix.message.list(A);
  checkList('msg/list', list, 'message');
  check('msg/list-app-a-newest-first', JSON.stringify(list.data.map((x) => x.id)) === JSON.stringify([m2.id, m1.id]),
    JSON.stringify(list.data.map((x) => x.id)));
  await expectError('msg/get-other-apps-message-404', () => svix.message.get(A, mb.id), 404);
  Object.assign(S, { m1: m1.id, m2: m2.id, mb: mb.id, p1 });
});

await section('attempt', async () => {
  const { A, ea, ech, m1, m2 } = S;
  const byMsg = await svix.messageAttempt.listByMsg(A, m1);
  checkList('attempt/listByMsg', byMsg, 'attempt');
  const a = byMsg.data[0];
  check('attempt/listByMsg-values', byMsg.data.length === 1 && a.endpointId === ea && a.msgId === m1
    && a.status === MessageStatus.Success && a.statusText === 'success'
    && a.triggerType === MessageAttemptTriggerType.Scheduled && a.responseStatusCode === 200,
  JSON.stringify(byMsg.data));
  const byEp = await svix.messageAttempt.listByEndpoint(A, ea);
  checkList('attempt/listByEndpoint', byEp, 'attempt');
  check('attempt/listByEndpoint-values', sameSet(byEp.data.map((x) => x.msgId), [m1, m2]),
    JSON.stringify(byEp.data.map((x) => x.msgId)));
  const one = await svix.messageAttempt.get(A, m1, a.id);
  checkShape('attempt/get', one, 'attempt');
  const dests = await svix.messageAttempt.listAttemptedDestinations(A, m2);
  checkList('attempt/listAttemptedDestinations', dests, 'destination');
  check('attempt/listAttemptedDestinations-values', sameSet(dests.data.map((x) => x.id), [ea, ech]),
    JSON.stringify(dests.data.map((x) => x.id)));
  const msgs = await svix.messageAttempt.listAttemptedMessages(A, ech);
  checkList('attempt/listAttemptedMessages', msgs, 'endpointMessage');
  check('attempt/listAttemptedMessages-values', JSON.stringify(msgs.data.map((x) => x.id)) === JSON.stringify([m2]),
    JSON.stringify(msgs.data.map((x) => x.id)));
});

await section('rotate', async () => {
  const { A, ea, sec } = S;
  const r = await call('rotate/sdk-rotateSecret', () => svix.endpoint.rotateSecret(A, ea, { gracePeriodSeconds: 120 }));
  check('rotate/resolves-void', r === undefined, JSON.stringify(r));
  const fresh = (await svix.endpoint.getSecret(A, ea)).key;
  check('rotate/getSecret-new-key', fresh !== sec.a && fresh.startsWith('whsec_'), `${fresh} vs ${sec.a}`);
  const n = got('/a').length;
  const m = await svix.message.create(A, { eventType: 'order.created', payload: { order: 3, rotated: true } });
  const after = await waitFor('/a', n + 1);
  const d = after[after.length - 1];
  if (check('rotate/delivered', after.length > n && d.headers['webhook-id'] === m.id, JSON.stringify(idsAt('/a')))) {
    check('rotate/new-secret-verifies', verifies(fresh, d), d.headers['webhook-signature']);
    check('rotate/old-secret-verifies-during-grace', verifies(sec.a, d), d.headers['webhook-signature']);
    check('rotate/two-signatures', d.headers['webhook-signature'].split(' ').length === 2, d.headers['webhook-signature']);
  }
  const chosen = `whsec_${randomBytes(24).toString('base64')}`;
  await call('rotate/chosen-key', () => svix.endpoint.rotateSecret(A, S.ech, { key: chosen }));
  check('rotate/chosen-key-read-back', (await svix.endpoint.getSecret(A, S.ech)).key === chosen, '');
  S.sec.a = fresh;
});

await section('resend', async () => {
  const { A, ea, m1 } = S;
  const before = idsAt('/a').filter((id) => id === m1).length;
  const r = await call('resend/sdk-resend', () => svix.messageAttempt.resend(A, m1, ea));
  check('resend/answer-is-empty-object', r !== null && typeof r === 'object' && Object.keys(r).length === 0,
    JSON.stringify(r));
  await poll(() => idsAt('/a').filter((id) => id === m1).length > before);
  const again = got('/a').filter((d) => d.headers['webhook-id'] === m1);
  check('resend/received-again-same-webhook-id', again.length === before + 1, JSON.stringify(idsAt('/a')));
  if (again.length > before) {
    check('resend/verifies-with-current-secret', verifies(S.sec.a, again[again.length - 1]), '');
    check('resend/same-body', sameJson(JSON.parse(again[again.length - 1].body), S.p1), again[again.length - 1].body);
  }
  const manual = await poll(async () => (await svix.messageAttempt.listByMsg(A, m1)).data
    .filter((x) => x.triggerType === MessageAttemptTriggerType.Manual));
  check('resend/manual-attempt-listed', manual.length === 1 && manual[0].status === MessageStatus.Success,
    JSON.stringify(manual));
});

await section('portal', async () => {
  const { A, B } = S;
  const acc = await svix.authentication.appPortalAccess(A, {});
  checkShape('portal/appPortalAccess', acc, 'portal');
  const app = new Svix(acc.token, { serverUrl });
  const own = await call('portal/own-endpoints', () => app.endpoint.list(A));
  check('portal/own-endpoints-listed', own?.data?.some((x) => x.id === S.ea), JSON.stringify(own?.data?.map((x) => x.id)));
  const msgs = await call('portal/own-messages', () => app.message.list(A));
  check('portal/own-messages-listed', msgs?.data?.some((x) => x.id === S.m1), JSON.stringify(msgs?.data?.map((x) => x.id)));
  await expectError('portal/other-app-get-404', () => app.application.get(B), 404);
  await expectError('portal/other-app-endpoints-404', () => app.endpoint.list(B), 404);
  await expectError('portal/other-app-messages-404', () => app.message.list(B), 404);
  await expectError('portal/other-app-message-get-404', () => app.message.get(B, S.mb), 404);
  await expectError('portal/list-apps-403', () => app.application.list(), 403);
  await expectError('portal/create-event-type-403',
    () => app.eventType.create({ name: 'portal.nope', description: 'x' }), 403);
});

await section('delete', async () => {
  const { A, B, ech } = S;
  await call('delete/endpoint', () => svix.endpoint.delete(A, ech));
  await expectError('delete/endpoint-get-404', () => svix.endpoint.get(A, ech), 404);
  await call('delete/app', () => svix.application.delete(B));
  await expectError('delete/app-get-404', () => svix.application.get(B), 404);
  await expectError('delete/app-endpoints-404', () => svix.endpoint.list(B), 404);
});

cleanup();
console.log(`svix-sdk-node: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
