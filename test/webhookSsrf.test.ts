// SSRF protection: a webhook URL may only reach public addresses, checked when the
// webhook is saved and again when the worker connects. Host names are answered by an
// injected resolver (there is no external DNS here), which also plays DNS rebinding.
import ipaddr from 'ipaddr.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { type ResolvedAddress, UrlPolicy } from '../src/webhooks/urlPolicy.ts';
import { type Receiver, startReceiver } from './helpers/receiver.ts';
import { codes, startTestServer, type TestServer } from './helpers/server.ts';
import { CreateWebhook, createWebhook, deliveriesOf, report, UpdateWebhook } from './helpers/webhooks.ts';

const PUBLIC = '93.184.216.34';
const answers = new Map<string, ResolvedAddress[] | (() => ResolvedAddress[])>([
  ['public.test', [{ address: PUBLIC, family: 4 }]],
  ['internal.test', [{ address: '10.1.2.3', family: 4 }]],
  ['metadata.test', [{ address: '169.254.169.254', family: 4 }]],
  ['localhost', [{ address: '127.0.0.1', family: 4 }]],
  ['v6-internal.test', [{ address: 'fd00::1', family: 6 }]],
  ['mapped.test', [{ address: '::ffff:10.0.0.1', family: 6 }]],
  [
    'mixed.test',
    [
      { address: PUBLIC, family: 4 },
      { address: '10.0.0.5', family: 4 },
    ],
  ],
]);
let rebindCalls = 0;
answers.set('rebind.test', () =>
  // Public while the webhook is saved, loopback when the worker connects.
  rebindCalls++ === 0 ? [{ address: PUBLIC, family: 4 }] : [{ address: '127.0.0.1', family: 4 }],
);

const resolver = async (hostname: string): Promise<ResolvedAddress[]> => {
  const answer = answers.get(hostname);
  if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return typeof answer === 'function' ? answer() : answer;
};

let server: TestServer;
let target: Receiver;

beforeAll(async () => {
  server = await startTestServer({
    webhookWorker: true,
    resolver,
    webhooks: { allowPrivateCidrs: [], retrySchedule: [100], timeoutMs: 1000 },
  });
  target = await startReceiver();
});
afterAll(async () => {
  await target?.close();
  await server?.stop();
});

const REFUSED_URLS = [
  // loopback, private, link-local (cloud metadata), carrier-grade NAT, unspecified, multicast, broadcast
  'http://127.0.0.1/hook',
  'http://127.1.2.3:8080/hook',
  'http://2130706433/hook', // 127.0.0.1 written as a number
  'http://0x7f.1/hook',
  'http://10.0.0.1/hook',
  'http://172.16.5.4/hook',
  'http://192.168.1.1/hook',
  'http://169.254.169.254/latest/meta-data/',
  'http://100.64.0.1/hook',
  'http://0.0.0.0/hook',
  'http://224.0.0.1/hook',
  'http://255.255.255.255/hook',
  // IPv6: loopback, unique-local, link-local, IPv4-mapped, unspecified, multicast
  'http://[::1]/hook',
  'http://[fc00::1]/hook',
  'http://[fd12:3456::1]/hook',
  'http://[fe80::1]/hook',
  'http://[::ffff:127.0.0.1]/hook',
  'http://[::ffff:a9fe:a9fe]/hook', // 169.254.169.254, mapped
  'http://[::]/hook',
  'http://[ff02::1]/hook',
  // IPv6 outside global unicast, or special-purpose inside it: IPv4-compatible (::/96),
  // NAT64, 6to4 and Teredo (embed IPv4), discard-only, documentation, SRv6, IETF protocol space
  'http://[::7f00:1]/hook',
  'http://[::127.0.0.1]/hook',
  'http://[::a9fe:a9fe]/hook',
  'http://[64:ff9b::7f00:1]/hook',
  'http://[2002:7f00:1::1]/hook',
  'http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook',
  'http://[100::1]/hook',
  'http://[2001:db8::1]/hook',
  'http://[3fff::1]/hook',
  'http://[5f00::1]/hook',
  'http://[2001:2::1]/hook',
  // names that resolve to such addresses (any one private address is enough)
  'http://localhost:4000/hook',
  'http://internal.test/hook',
  'https://metadata.test/hook',
  'http://v6-internal.test/hook',
  'http://mapped.test/hook',
  'http://mixed.test/hook',
  'http://nowhere.test/hook',
  // not http(s), or not a URL at all
  'ftp://public.test/hook',
  'file:///etc/passwd',
  'gopher://public.test/',
  'javascript:alert(1)',
  'not a url',
  'http://user:secret@public.test/hook',
];

describe('webhook URLs', () => {
  it.each(REFUSED_URLS)('refuses %s with BAD_USER_INPUT on input.url', async (url) => {
    const key = await server.key();
    const response = await key.request(CreateWebhook, { input: { url } });
    expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors![0]!.extensions!.issues![0]!.field).toBe('input.url');
    expect(response.errors![0]!.message).not.toMatch(/stack|at .*\.ts/);
  });

  it('accepts public IPv6 addresses', async () => {
    const key = await server.key();
    for (const url of ['http://[2606:4700:4700::1111]/hook', 'https://[2a00:1450:4001:82b::200e]/hook']) {
      const response = await key.request(CreateWebhook, { input: { url } });
      expect(response.errors, url).toBeUndefined();
    }
  });

  it('accepts a public host, and refuses to change it to a private one', async () => {
    const key = await server.key();
    const { id } = await createWebhook(key, 'https://public.test/hook');
    const update = await key.request(UpdateWebhook, { id, input: { url: 'http://internal.test/hook' } });
    expect(codes(update)).toEqual(['BAD_USER_INPUT']);
    const { webhook } = await deliveriesOf(key, id);
    expect(webhook.url).toBe('https://public.test/hook');
  });

  it('checks the address again when connecting (DNS rebinding) and never reaches the private one', async () => {
    const key = await server.key();
    const { id } = await createWebhook(key, `http://rebind.test:${target.port}/hook`);
    await report(key, 1);
    await expect.poll(async () => (await deliveriesOf(key, id)).deliveries[0]?.status).toBe('DEAD');
    const [delivery] = (await deliveriesOf(key, id)).deliveries;
    expect(delivery!.attempts).toBe(2);
    expect(delivery!.lastError).toBe(
      'refused: rebind.test (127.0.0.1) is a loopback address; only public addresses are allowed',
    );
    expect(delivery!.lastStatusCode).toBeNull();
    expect(target.requests).toHaveLength(0);
  });
});

describe('UrlPolicy', () => {
  it('lets operators allow private ranges (WEBHOOK_ALLOW_PRIVATE_CIDRS), including their IPv4-mapped form', () => {
    const policy = new UrlPolicy([ipaddr.parseCIDR('127.0.0.1/32'), ipaddr.parseCIDR('10.8.0.0/16')]);
    for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '10.8.3.4']) {
      expect(policy.refusal(address)).toBeUndefined();
    }
    for (const address of ['127.0.0.2', '10.9.0.1', '::1', '169.254.169.254']) {
      expect(policy.refusal(address)).toBeDefined();
    }
    expect(new UrlPolicy().refusal('8.8.8.8')).toBeUndefined();
    expect(new UrlPolicy().refusal('2001:4860:4860::8888')).toBeUndefined();
  });

  it('reads the settings, and refuses a malformed one', () => {
    const config = loadConfig({
      WEBHOOK_ALLOW_PRIVATE_CIDRS: '127.0.0.1/32, ::1/128',
      WEBHOOK_RETRY_SCHEDULE: '1s,1m',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_WORKER: 'false',
    });
    expect(config.webhooks.allowPrivateCidrs.map(([address, bits]) => `${address}/${bits}`)).toEqual([
      '127.0.0.1/32',
      '::1/128',
    ]);
    expect(config.webhooks).toMatchObject({ retrySchedule: [1000, 60_000], timeoutMs: 2000, worker: false });
    expect(loadConfig({}).webhooks).toMatchObject({
      retrySchedule: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
      timeoutMs: 15_000,
      allowPrivateCidrs: [],
      secretOverlapMs: 86_400_000,
      disableAfterMs: 432_000_000,
      worker: true,
    });
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_CIDRS: '10.0.0.0/33' })).toThrow(ConfigError);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
  });
});
