export { createEvent, type Envelope, type EventContext, envelopeSchema, followUp, InvalidEventError, parseEnvelope } from "./envelope";
export { CONSUMERS, type Consumer, DEAD_LETTER_QUEUE, type DeadLetter, queueOf, ROUTES } from "./routing";
export { EVENT_SCHEMAS, EVENT_TYPES, type EventData, type EventType } from "./schemas";
export { claimEvent, type EventHandler, type EventHandlers, type EventTables, type HandlerContext, type InTransaction, transactionalHandler, writeOutbox } from "./store";
export { createLiveUpdatePublisher, DEFAULT_LIVE_UPDATES_CHANNEL, type LiveUpdate, type LiveUpdatePublisher, liveUpdateSchema, noLiveUpdates, parseLiveUpdate, type PublishingClient } from "./liveUpdates";
