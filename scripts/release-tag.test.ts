import { describe, expect, it } from 'vitest'
import { checkReleaseTag, findReleaseTag } from './release-tag.js'

describe('findReleaseTag', () => {
  it("takes CI's tag ref first", () => {
    expect(findReleaseTag({ env: { GITHUB_REF: 'refs/tags/v1.2.3' }, tagsAtHead: ['v9.9.9'] })).toEqual({
      tag: 'v1.2.3',
      source: 'GITHUB_REF',
    })
  })

  it('ignores tags on HEAD when CI builds a branch or a pull request', () => {
    expect(findReleaseTag({ env: { GITHUB_REF: 'refs/heads/main' }, tagsAtHead: ['v1.0.0'] })).toBeUndefined()
    expect(
      findReleaseTag({ env: { GITHUB_REF: 'refs/pull/7/merge' }, tagsAtHead: ['v1.0.0'] }),
    ).toBeUndefined()
  })

  it('falls back to a release-looking tag on HEAD, skipping other tags', () => {
    expect(findReleaseTag({ env: {}, tagsAtHead: ['docs-refresh', 'v0.2.0-beta.1'] })).toEqual({
      tag: 'v0.2.0-beta.1',
      source: 'git tag',
    })
    expect(findReleaseTag({ env: {}, tagsAtHead: ['nightly'] })).toBeUndefined()
    expect(findReleaseTag({ env: {}, tagsAtHead: [] })).toBeUndefined()
  })
})

describe('checkReleaseTag', () => {
  it('passes without a tag, and with a tag naming the version, with or without the v', () => {
    expect(checkReleaseTag({ tag: undefined, version: '0.1.0' }).ok).toBe(true)
    expect(checkReleaseTag({ tag: { tag: 'v0.1.0', source: 'GITHUB_REF' }, version: '0.1.0' }).ok).toBe(true)
    expect(checkReleaseTag({ tag: { tag: '0.1.0', source: 'git tag' }, version: '0.1.0' }).ok).toBe(true)
  })

  it('fails on a tag naming another version, saying both and what to do', () => {
    const result = checkReleaseTag({ tag: { tag: 'v0.2.0', source: 'GITHUB_REF' }, version: '0.1.0' })
    expect(result.ok).toBe(false)
    expect(result.message).toMatch(/"v0.2.0" \(from GITHUB_REF\) does not match package.json version "0.1.0"/)
    expect(result.message).toMatch(/Tag the release v0.1.0/)
    // A prerelease of the same version is another version.
    expect(checkReleaseTag({ tag: { tag: 'v0.1.0-rc.1', source: 'git tag' }, version: '0.1.0' }).ok).toBe(
      false,
    )
  })
})
