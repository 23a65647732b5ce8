// One typed PubSub for the process, in memory (one instance) or on Redis (several).
import { EventEmitter } from 'node:events';
import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { Topic, Topics } from './topics.ts';

export type Listener<T extends Topic> = (payload: Topics[T]) => void;

export interface PubSub {
  readonly kind: 'memory' | 'redis';
  /** Resolves once the message is handed to the backend (Redis: sent to the server). */
  publish<T extends Topic>(topic: T, key: string, payload: Topics[T]): Promise<void>;
  /** Calls `listener` for every message of topic+key; returns a function that stops it. */
  subscribe<T extends Topic>(topic: T, key: string, listener: Listener<T>): Promise<() => void>;
  /** Called when the connection to the backend is lost (subscribers may have missed messages) or back. */
  onHealthChange(listener: (healthy: boolean) => void): void;
  /** False while the backend is unreachable (live delivery is interrupted). */
  isHealthy(): boolean;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const channel = (topic: Topic, key: string) => `gofindme:${topic}:${key}`;

export function createMemoryPubSub(): PubSub {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    kind: 'memory',
    async publish(topic, key, payload) {
      emitter.emit(channel(topic, key), payload);
    },
    async subscribe(topic, key, listener) {
      const name = channel(topic, key);
      const wrapped = (payload: Topics[typeof topic]) => listener(payload);
      emitter.on(name, wrapped);
      return () => {
        emitter.off(name, wrapped);
      };
    },
    onHealthChange() {},
    isHealthy: () => true,
    async ping() {},
    async close() {
      emitter.removeAllListeners();
    },
  };
}

export function createRedisPubSub(url: string): PubSub {
  const options = { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: false } as const;
  const publisher = new Redis(url, options);
  // The subscriber waits out outages: its commands queue until it reconnects (and it re-subscribes).
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  const healthListeners: ((healthy: boolean) => void)[] = [];
  let healthy = true;
  const setHealth = (value: boolean) => {
    if (value === healthy) return;
    healthy = value;
    for (const listener of healthListeners) listener(value);
  };
  // ioredis reconnects by itself; 'error' without a listener would crash the process.
  for (const client of [publisher, subscriber]) client.on('error', () => {});
  subscriber.on('close', () => setHealth(false));
  subscriber.on('ready', () => setHealth(true));
  const redis = new RedisPubSub({ publisher, subscriber });
  return {
    kind: 'redis',
    publish: (topic, key, payload) => redis.publish(channel(topic, key), payload),
    async subscribe(topic, key, listener) {
      const id = await redis.subscribe(channel(topic, key), listener);
      return () => redis.unsubscribe(id);
    },
    onHealthChange(listener) {
      healthListeners.push(listener);
    },
    isHealthy: () => healthy && subscriber.status === 'ready',
    async ping() {
      await publisher.ping();
      if (subscriber.status !== 'ready')
        throw new Error(`Redis subscriber connection is ${subscriber.status}`);
    },
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
