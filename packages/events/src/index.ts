export {
  createEvent,
  createEventOfVersion,
  type Envelope,
  type EventContext,
  envelopeSchema,
  followUp,
  InvalidEventError,
  openPersonalData,
  parseEnvelope,
} from "./envelope";
export {
  eventPiiCipher,
  eventPiiCipherFrom,
  eventPiiCipherOf,
  type EventPiiConfig,
  eventPiiSection,
  installEventPiiCipher,
  isSealed,
  PersonalDataError,
  requireEventPiiCipher,
  SEALED_VALUE,
} from "./sealing";
export { CONSUMERS, type Consumer, DEAD_LETTER_QUEUE, type DeadLetter, queueOf, ROUTES } from "./routing";
export { EVENT_SCHEMAS, EVENT_TYPES, type EventData, type EventType, PERSONAL_FIELDS } from "./schemas";
export {
  type Incompatibility,
  type JsonSchema,
  jsonSchemaReaderProblems,
  readerProblems,
  toJsonSchema,
} from "./compatibility";
export {
  checkEventContracts,
  CONSUMER_READS,
  consumersOf,
  deliveredVersion,
  EVENT_REGISTRY,
  type EventRegistry,
  isAdditive,
  PREVIOUS_VERSIONS,
  readVersion,
  routesFor,
  STILL_PUBLISHED,
} from "./versions";
export { changedVersionsProblems, type EventContractSnapshot, eventContractSnapshot } from "./contractSnapshot";
export {
  createLiveUpdatePublisher,
  DEFAULT_LIVE_UPDATES_CHANNEL,
  type LiveUpdate,
  LIVE_SPEC,
  type LiveUpdatePublisher,
  liveUpdateSchema,
  liveUpdatesSection,
  noLiveUpdates,
  parseLiveUpdate,
  type PublishingClient,
} from "./liveUpdates";
export { LiveDirectiveError, liveDirectiveName, withLiveDirective } from "./liveDirective";
export {
  type EventKeyring,
  type EventSignature,
  type SigningKey,
  EventSignatureError,
  eventKeyring,
  eventKeyringFrom,
  eventKeyringOf,
  type EventSigningConfig,
  eventSigningSection,
  installEventKeyring,
  requireSigningKey,
  type SignatureAlgorithm,
  signEvent,
  signedTextOf,
  verifyEvent,
} from "./signing";
export { eventsSections } from "./sections";
