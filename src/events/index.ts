export {
  ACCOUNT_ACTIVITY_CONSUMER,
  createAccountActivityConsumer,
  type EventConsumer,
  subjectMatches,
} from './consumers.ts';
export {
  createEventPublisher,
  type DomainEvent,
  type EventPublisher,
  type EventTransport,
  PUBLISHED_RETENTION_MS,
} from './outbox.ts';
export {
  createLocalTransport,
  createNatsTransport,
  EVENT_STREAM_DEFAULT,
  type NatsTransport,
} from './transports.ts';
