/**
 * A session's branches as a tree: each branch under the one it was made from (by an edit or a
 * regenerate), its last message, which one is active, and a button to switch to it.
 *
 * @module
 */
import { html } from './html.js'

/** A branch, as `GET /api/sessions/{id}` answers. */
export interface Branch {
  branchId: string
  headId: string | null
  forkedFrom?: { branchId: string; messageId: string }
  createdAt: number
}

export interface BranchViewProps {
  branches: Branch[]
  activeBranchId: string
  /** The last message's text of each branch, by branch id (filled as they load). */
  heads: Record<string, string>
  busy: boolean
  onSwitch(branchId: string): void
}

export function BranchView(props: BranchViewProps) {
  const numbers = new Map(props.branches.map((branch, index) => [branch.branchId, index + 1]))
  const children = new Map<string | undefined, Branch[]>()
  for (const branch of props.branches) {
    const parent =
      branch.forkedFrom !== undefined && numbers.has(branch.forkedFrom.branchId)
        ? branch.forkedFrom.branchId
        : undefined
    children.set(parent, [...(children.get(parent) ?? []), branch])
  }
  const tree = (parent: string | undefined): unknown =>
    (children.get(parent) ?? []).map((branch) => {
      const active = branch.branchId === props.activeBranchId
      return html`<li key=${branch.branchId}>
        <div class=${`branch${active ? ' active' : ''}`}>
          <strong>Branch ${numbers.get(branch.branchId)}</strong>
          ${active ? html`<span class="badge">active</span>` : null}
          ${branch.forkedFrom !== undefined && html`<span class="muted"> from branch ${numbers.get(branch.forkedFrom.branchId) ?? '?'}</span>`}
          <p class="head">${props.heads[branch.branchId] ?? '…'}</p>
          ${
            !active &&
            html`<button type="button" class="quiet" disabled=${props.busy} onClick=${() => props.onSwitch(branch.branchId)}>
            Switch to branch ${numbers.get(branch.branchId)}
          </button>`
          }
        </div>
        ${(children.get(branch.branchId)?.length ?? 0) > 0 && html`<ul>${tree(branch.branchId)}</ul>`}
      </li>`
    })
  return html`<aside class="branches" aria-labelledby="branches-title">
    <h2 id="branches-title">Branches</h2>
    <ul class="tree">${tree(undefined)}</ul>
  </aside>`
}
