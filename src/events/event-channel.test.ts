import { describe, expect, it } from 'vitest'
import { createEventChannel } from './event-channel.js'

describe('createEventChannel', () => {
  it('delivers values in order and ends after close', async () => {
    const channel = createEventChannel<number>({ highWaterMark: 10 })
    channel.push(1)
    channel.push(2)
    channel.close()
    const seen: number[] = []
    for await (const value of channel) seen.push(value)
    expect(seen).toEqual([1, 2])
  })

  it('makes the producer wait once highWaterMark values are unread', async () => {
    const channel = createEventChannel<number>({ highWaterMark: 2 })
    expect(channel.push(1)).toBeUndefined()
    const wait = channel.push(2)
    expect(wait).toBeInstanceOf(Promise)
    let released = false
    void wait?.then(() => (released = true))
    await Promise.resolve()
    expect(released).toBe(false)
    const iterator = channel[Symbol.asyncIterator]()
    await iterator.next()
    await Promise.resolve()
    expect(released).toBe(true)
  })

  it('hands a value straight to a waiting consumer', async () => {
    const channel = createEventChannel<string>({ highWaterMark: 1 })
    const iterator = channel[Symbol.asyncIterator]()
    const next = iterator.next()
    expect(channel.push('a')).toBeUndefined()
    expect(await next).toEqual({ value: 'a', done: false })
  })

  it('calls onAbandon and releases producers when the consumer stops', async () => {
    let abandoned = 0
    const channel = createEventChannel<number>({ highWaterMark: 1, onAbandon: () => abandoned++ })
    const wait = channel.push(1)
    for await (const _ of channel) break
    await wait
    expect(abandoned).toBe(1)
    expect(channel.abandoned).toBe(true)
    expect(channel.push(2)).toBeUndefined()
  })

  it('stops waiting for the consumer after unbound()', () => {
    const channel = createEventChannel<number>({ highWaterMark: 1 })
    channel.unbound()
    for (let index = 0; index < 100; index++) expect(channel.push(index)).toBeUndefined()
  })
})
