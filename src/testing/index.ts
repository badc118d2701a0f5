/**
 * Test doubles and helpers: a scripted model that plays back answers and records requests, and
 * helpers to collect and inspect a run's events. agentloop's own tests use them too.
 *
 * @example
 * import { scriptedModel, collectEvents } from 'agentloop/testing'
 * const model = scriptedModel([{ text: 'Hello!' }])
 * const events = await collectEvents(stream(new Agent({ name: 'hi', model }), 'Hi'))
 *
 * @module
 */
export { collectEvents, eventsOfType, eventTypes, streamedText } from './collect-events.js'
export {
  createFakeProviderServer,
  type FakeHandler,
  type FakeProviderServer,
  type FakeResponse,
  type RecordedRequest,
  splitSseEvents,
} from './fake-provider-server.js'
export {
  type ConformanceCase,
  type ModelConformanceOptions,
  modelConformanceCases,
} from './model-conformance.js'
export {
  anthropicError,
  anthropicStream,
  openaiChatStream,
  openaiError,
  openaiResponsesStream,
  splitText,
  type WireAnswer,
  type WireToolCall,
} from './provider-wire.js'
export {
  type ScriptedModel,
  type ScriptedModelOptions,
  type ScriptedToolCall,
  type ScriptedTurn,
  type ScriptedTurnSpec,
  scriptedModel,
} from './scripted-model.js'
export {
  type StorageConformanceOptions,
  type StorageFixture,
  type StorageFixtureRead,
  storageConformance,
  type TestApi,
} from './storage-conformance.js'
