/**
 * The release-tag check of `npm run check:package`: when the commit being checked is a release (CI
 * building a tag, or a `v*` tag on HEAD), the tag must name the version in package.json, so a
 * publish from that tag ships the version it claims.
 *
 * @module
 */

/** Where a release tag was found. */
export interface ReleaseTag {
  tag: string
  source: 'GITHUB_REF' | 'git tag'
}

/** What the check concluded; `ok: false` carries a message that says what to change. */
export type ReleaseTagCheck = { ok: true; message: string } | { ok: false; message: string }

/** A tag that looks like a release: `v1.2.3`, `v1.2.3-beta.1`, or the same without the `v`. */
const RELEASE_TAG = /^v?\d+\.\d+\.\d+(?:[-+].*)?$/

/**
 * The release tag being built, if any: CI's `GITHUB_REF` when it is a tag (`refs/tags/v1.2.3`),
 * otherwise a release-looking tag among those pointing at HEAD (`git tag --points-at HEAD`).
 */
export function findReleaseTag(options: {
  env: Record<string, string | undefined>
  tagsAtHead: readonly string[]
}): ReleaseTag | undefined {
  const ref = options.env.GITHUB_REF
  if (ref?.startsWith('refs/tags/')) return { tag: ref.slice('refs/tags/'.length), source: 'GITHUB_REF' }
  // A branch or pull-request build on CI: tags on HEAD are not what is being released.
  if (ref !== undefined && ref !== '') return undefined
  const tag = options.tagsAtHead.map((name) => name.trim()).find((name) => RELEASE_TAG.test(name))
  return tag === undefined ? undefined : { tag, source: 'git tag' }
}

/** Checks that a release tag names the package's version (`v1.2.3` or `1.2.3` for version `1.2.3`). */
export function checkReleaseTag(options: { tag: ReleaseTag | undefined; version: string }): ReleaseTagCheck {
  const { tag, version } = options
  if (tag === undefined) return { ok: true, message: 'No release tag on this commit: nothing to compare.' }
  if (tag.tag === `v${version}` || tag.tag === version) {
    return {
      ok: true,
      message: `Release tag ${tag.tag} (${tag.source}) matches package.json version ${version}.`,
    }
  }
  return {
    ok: false,
    message: `Release tag "${tag.tag}" (from ${tag.source}) does not match package.json version "${version}". Tag the release v${version}, or set the version first (npm version <version> --no-git-tag-version) and tag that commit.`,
  }
}
