// Logs: JSON lines with a request id, and no API key, webhook secret or signature in
// them, even at the most verbose level, from a real server process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/database.ts';
import { runCli, startServerProcess } from './helpers/processes.ts';
import { startReceiver } from './helpers/receiver.ts';
import { graphqlRequest, type TestKey } from './helpers/server.ts';
import { CreateWebhook, RotateSecret, report } from './helpers/webhooks.ts';

describe('logs', { timeout: 120_000 }, () => {
  it('are JSON lines with a request id and never contain keys, secrets or signatures', async () => {
    const database = await createTestDatabase();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gofindme-logs-'));
    const env = {
      ...(database.config.kind === 'postgres'
        ? { DATABASE_URL: database.config.url }
        : { DATABASE_URL: '', DATA_DIR: dataDir }),
      LOG_LEVEL: 'trace',
      WEBHOOK_ALLOW_PRIVATE_CIDRS: '127.0.0.1/32',
      WEBHOOK_RETRY_SCHEDULE: '100ms',
    };
    const hook = await startReceiver();
    hook.reply = (_request, index) => (index === 0 ? { status: 500, body: 'try again' } : { status: 200 });
    try {
      await runCli(['groups', 'create', 'ops'], env);
      const created = await runCli(
        ['keys', 'create', '--group', 'ops', '--name', 'ops', '--scopes', 'all', '--json'],
        env,
      );
      const secretKey = String(created.json.key);
      const server = await startServerProcess(env);
      const url = `${server.url}/graphql`;
      const key: TestKey = {
        key: secretKey,
        id: '',
        groupId: '',
        request: (document, variables) =>
          graphqlRequest(url, document, variables, { 'x-api-key': secretKey }),
      };
      const secrets: string[] = [secretKey];
      try {
        const webhook = await key.request(CreateWebhook, { input: { url: hook.url } });
        secrets.push(webhook.data!.createWebhook.secret);
        const rotated = await key.request(RotateSecret, { id: webhook.data!.createWebhook.webhook.id });
        secrets.push(rotated.data!.rotateWebhookSecret.secret);
        await report(key, 1);
        // The key as a Bearer token, a wrong key, and a caller-chosen request id.
        const traced = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${secretKey}`,
            'x-request-id': 'trace-me-123',
          },
          body: JSON.stringify({ query: '{ viewer { id } }' }),
        });
        expect(traced.headers.get('x-request-id')).toBe('trace-me-123');
        const wrong = `${secretKey.slice(0, -1)}${secretKey.endsWith('A') ? 'B' : 'A'}`;
        secrets.push(wrong);
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': wrong },
          body: JSON.stringify({ query: '{ viewer { id } }' }),
        });
        // Keys in URLs, as tracking apps send them: in the path and in the query.
        const inPath = await fetch(`${server.url}/ingest/osmand/${secretKey}?id=logged&lat=1&lon=2`);
        expect(inPath.status).toBe(200);
        const inQuery = await fetch(`${server.url}/ingest/osmand?key=${secretKey}&id=logged&lat=1&lon=3`);
        expect(inQuery.status).toBe(200);
        const generated = await fetch(`${server.url}/healthz`);
        expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        const requests = await hook.waitFor(2); // a failed attempt, then the retry
        for (const request of requests) {
          for (const signature of request.signature.split(' ')) secrets.push(signature, signature.slice(3));
        }
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        expect(await server.stop()).toBe(0);
      }

      const output = server.output();
      for (const secret of secrets) {
        expect(output).not.toContain(secret);
      }
      for (const secret of secrets.filter((s) => s.startsWith('whsec_'))) {
        expect(output).not.toContain(secret.slice('whsec_'.length));
      }
      const lines = output.split('\n').filter((line) => line.trim() !== '');
      expect(lines.length).toBeGreaterThan(10);
      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(entries.some((e) => e.reqId === 'trace-me-123' && e.msg === 'request' && e.status === 200)).toBe(
        true,
      );
      expect(entries.some((e) => e.msg === 'request' && e.status === 401)).toBe(true);
      expect(entries.some((e) => e.msg === 'request' && e.path === '/ingest/osmand/[key]')).toBe(true);
      const failed = entries.find((e) => e.msg === 'webhooks: attempt failed');
      expect(failed).toMatchObject({ error: 'HTTP 500', status: 'failed' });
      expect(failed!.reqId).toBeUndefined(); // the worker's work belongs to no request
    } finally {
      await hook.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
