import type { RunEvent, RunEventType } from '../events/run-event.js'

/** Reads a whole event stream into an array. */
export async function collectEvents(events: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const collected: RunEvent[] = []
  for await (const event of events) collected.push(event)
  return collected
}

/** The events of one type, typed accordingly. */
export function eventsOfType<TType extends RunEventType>(
  events: readonly RunEvent[],
  type: TType,
): Extract<RunEvent, { type: TType }>[] {
  return events.filter((event): event is Extract<RunEvent, { type: TType }> => event.type === type)
}

/** The sequence of event types, handy for asserting on the shape of a run. */
export function eventTypes(events: readonly RunEvent[]): RunEventType[] {
  return events.map((event) => event.type)
}

/** All streamed text, concatenated. */
export function streamedText(events: readonly RunEvent[]): string {
  let text = ''
  for (const event of events) if (event.type === 'text.delta') text += event.delta
  return text
}
