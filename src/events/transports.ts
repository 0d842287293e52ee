/**
 * Event transports. `local`: the embedded mode's in-process delivery — publishing an event hands
 * it to every matching consumer right away (they are idempotent, so the outbox's at-least-once
 * is enough). `nats`: JetStream — a file-backed stream with msgID de-duplication, and one durable
 * pull consumer per event consumer shared by every process (JetStream gives each message to one
 * of them; an unacknowledged one is redelivered after `ack_wait`).
 */
import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { assert } from '../shared/index.ts';
import { type EventConsumer, subjectMatches } from './consumers.ts';
import type { EventTransport } from './outbox.ts';

export function createLocalTransport(consumers: readonly EventConsumer[]): EventTransport {
  return {
    kind: 'local',
    async publish(event) {
      for (const consumer of consumers) {
        if (consumer.subjects.some((pattern) => subjectMatches(pattern, event.subject)))
          await consumer.handle(event);
      }
    },
    async close() {},
  };
}

/** The subject root events are stored under (the triggers write `rampart.…`). */
const STORED_ROOT = 'rampart';
export const EVENT_STREAM_DEFAULT = 'RAMPART_EVENTS';
/** JetStream drops a repeated msgID within this window (a publisher crash before its commit). */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;
/** Events are kept this long in the stream (consumers that were down catch up within it). */
export const STREAM_MAX_AGE_MS = 7 * 24 * 60 * 60_000;
/** A delivered message not acknowledged within this is delivered again. */
export const CONSUMER_ACK_WAIT_MS = 30_000;
export const PUBLISH_ACK_TIMEOUT_MS = 2_000;
/** Wait before a failed message is offered again. */
export const CONSUMER_RETRY_DELAY_MS = 1_000;

export interface NatsTransportOptions {
  readonly url: string;
  /** Stream name and subject root; tests use their own so parallel files never share a stream. */
  readonly stream?: string | undefined;
  readonly subjectRoot?: string | undefined;
  readonly consumers: readonly EventConsumer[];
  readonly onError?: ((details: Record<string, unknown>, message: string) => void) | undefined;
}

export interface NatsTransport extends EventTransport {
  /** Starts pulling for every consumer (each process calls it; JetStream spreads the messages). */
  startConsuming(): Promise<void>;
  readonly connection: NatsConnection;
}

export async function createNatsTransport(options: NatsTransportOptions): Promise<NatsTransport> {
  const stream = options.stream ?? EVENT_STREAM_DEFAULT;
  const root = options.subjectRoot ?? STORED_ROOT;
  const onError = options.onError ?? ((details, message) => console.error(message, details));
  const toWire = (subject: string) => {
    assert(subject.startsWith(`${STORED_ROOT}.`), 'event subjects start with the stored root');
    return `${root}${subject.slice(STORED_ROOT.length)}`;
  };
  const fromWire = (subject: string) => `${STORED_ROOT}${subject.slice(root.length)}`;
  const url = new URL(options.url);
  const connection = await connect({
    servers: `${url.hostname}:${url.port || 4222}`,
    name: 'rampart',
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    ...(url.username
      ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
      : {}),
  });
  const manager = await jetstreamManager(connection);
  const streamConfig = {
    name: stream,
    subjects: [`${root}.>`],
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(STREAM_MAX_AGE_MS),
  };
  // Every process runs this at start, possibly at the same moment: creating what another just
  // created answers an error, so each step is retried a few times before start-up fails.
  await withRetries(async () => {
    try {
      await manager.streams.info(stream);
      await manager.streams.update(stream, streamConfig);
    } catch {
      await manager.streams.add(streamConfig);
    }
  });
  for (const consumer of options.consumers) {
    assert(consumer.subjects.length === 1, 'one filter subject per consumer (NATS server 2.9)');
    await withRetries(() =>
      manager.consumers.add(stream, {
        durable_name: consumer.name,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(CONSUMER_ACK_WAIT_MS),
        filter_subject: toWire(consumer.subjects[0]!),
      }),
    );
  }
  const js = jetstream(connection);
  const stops: (() => void)[] = [];
  const loops: Promise<void>[] = [];

  async function handleOne(consumer: EventConsumer, message: JsMsg): Promise<void> {
    try {
      const body = message.json<{ eventId: string; payload: Record<string, unknown> }>();
      await consumer.handle({
        eventId: body.eventId,
        subject: fromWire(message.subject),
        payload: body.payload,
      });
      message.ack();
    } catch (error) {
      onError({ consumer: consumer.name, err: error }, 'event consumer failed; redelivering');
      message.nak(CONSUMER_RETRY_DELAY_MS);
    }
  }

  return {
    kind: 'nats',
    connection,
    async publish(event) {
      await js.publish(
        toWire(event.subject),
        JSON.stringify({ eventId: event.eventId, payload: event.payload }),
        {
          msgID: event.eventId,
          timeout: PUBLISH_ACK_TIMEOUT_MS,
        },
      );
    },
    async startConsuming() {
      for (const consumer of options.consumers) {
        const handle = await js.consumers.get(stream, consumer.name);
        const messages = await handle.consume({ max_messages: 64 });
        stops.push(() => void messages.stop());
        loops.push(
          (async () => {
            for await (const message of messages) await handleOne(consumer, message);
          })().catch((error: unknown) =>
            onError({ consumer: consumer.name, err: error }, 'event consumer stopped'),
          ),
        );
      }
    },
    async close() {
      for (const stop of stops.splice(0)) stop();
      await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 2_000).unref())]);
      await connection.drain().catch(() => connection.close());
    },
  };
}

async function withRetries(work: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await work();
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}
