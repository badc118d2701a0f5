import type { Message } from '../messages/message.js'
import type { ModelRequest } from '../model/model-request.js'
import type { ModelResponse } from '../model/model-response.js'
import type {
  AfterCompactEvent,
  AfterModelEvent,
  AfterToolEvent,
  BeforeCompactEvent,
  BeforeModelEvent,
  BeforeToolEvent,
  ErrorHookEvent,
  Hooks,
  ResumeHookEvent,
  SaveHookEvent,
  SessionAppendHookEvent,
  SessionLoadHookEvent,
  StateHookResult,
} from './hooks.js'

/** The state hooks, by name: `before*` may veto, `after*` observe. */
export interface StateHookEvents<TContext> {
  Save: SaveHookEvent<TContext>
  Resume: ResumeHookEvent<TContext>
  SessionLoad: SessionLoadHookEvent<TContext>
  SessionAppend: SessionAppendHookEvent<TContext>
}

/** A state operation's name (`Save`, `Resume`, `SessionLoad`, `SessionAppend`). */
export type StateOperation = keyof StateHookEvents<unknown>

/** The decision of the `beforeTool` hooks. */
export type ToolDecision =
  | { kind: 'run'; arguments: unknown; changed: boolean }
  | { kind: 'deny'; message: string }
  | { kind: 'result'; result: unknown }

/**
 * Runs the hooks of a runtime and an agent in the documented order. Built once per run; when no
 * hook of a kind exists, the matching `has*` flag is false and the runtime skips the call.
 */
export interface HookChain<TContext> {
  readonly hasBeforeModel: boolean
  readonly hasAfterModel: boolean
  readonly hasBeforeTool: boolean
  readonly hasAfterTool: boolean
  readonly hasCompactHooks: boolean
  beforeModel(event: BeforeModelEvent<TContext>): Promise<{ request: ModelRequest; response?: ModelResponse }>
  afterModel(event: AfterModelEvent<TContext>): Promise<ModelResponse>
  beforeTool(event: BeforeToolEvent<TContext>): Promise<ToolDecision>
  afterTool(event: AfterToolEvent<TContext>): Promise<{ output: string; isError: boolean }>
  /** The plan's messages, a hook's replacement, or a veto. */
  beforeCompact(
    event: BeforeCompactEvent<TContext>,
  ): Promise<{ kind: 'plan' } | { kind: 'replace'; messages: Message[] } | { kind: 'veto'; reason: string }>
  afterCompact(event: AfterCompactEvent<TContext>): Promise<void>
  onError(event: ErrorHookEvent<TContext>): Promise<void>
  /** Whether any state hook of the operation exists. */
  hasState(operation: StateOperation): boolean
  /** The `before<operation>` hooks: the first veto's reason, or undefined. */
  beforeState<K extends StateOperation>(
    operation: K,
    event: StateHookEvents<TContext>[K],
  ): Promise<string | undefined>
  /** The `after<operation>` hooks. */
  afterState<K extends StateOperation>(operation: K, event: StateHookEvents<TContext>[K]): Promise<void>
}

/** Accepts one set of hooks, a list, or nothing. */
export type HooksInput<TContext> = Hooks<TContext> | readonly Hooks<TContext>[] | undefined

function toList<TContext>(hooks: HooksInput<TContext>): readonly Hooks<TContext>[] {
  if (hooks === undefined) return []
  return Array.isArray(hooks) ? hooks : [hooks as Hooks<TContext>]
}

/** Composes runtime hooks (outer) and agent hooks (inner). */
export function createHookChain<TContext>(
  outer: HooksInput<TContext>,
  inner: HooksInput<TContext>,
): HookChain<TContext> {
  if (toList(outer).length === 0 && toList(inner).length === 0) return EMPTY_CHAIN as HookChain<TContext>
  return composeHooks(outer, inner)
}

function composeHooks<TContext>(
  outer: HooksInput<TContext>,
  inner: HooksInput<TContext>,
): HookChain<TContext> {
  const before = [...toList(outer), ...toList(inner)]
  const after = [...before].reverse()
  const beforeModel = before.filter((hooks) => hooks.beforeModel !== undefined)
  const afterModel = after.filter((hooks) => hooks.afterModel !== undefined)
  const beforeTool = before.filter((hooks) => hooks.beforeTool !== undefined)
  const afterTool = after.filter((hooks) => hooks.afterTool !== undefined)
  const onError = after.filter((hooks) => hooks.onError !== undefined)
  const beforeCompact = before.filter((hooks) => hooks.beforeCompact !== undefined)
  const afterCompact = after.filter((hooks) => hooks.afterCompact !== undefined)
  type StateHook = (event: unknown) => StateHookResult | Promise<StateHookResult>
  const stateHooks = (name: string, list: readonly Hooks<TContext>[]) =>
    list.flatMap((hooks) => {
      const hook = (hooks as unknown as Record<string, StateHook | undefined>)[name]
      return hook === undefined ? [] : [(event: unknown) => hook.call(hooks, event)]
    })
  const state = new Map<string, { before: StateHook[]; after: StateHook[] }>()
  for (const operation of ['Save', 'Resume', 'SessionLoad', 'SessionAppend']) {
    state.set(operation, {
      before: stateHooks(`before${operation}`, before),
      after: stateHooks(`after${operation}`, after),
    })
  }

  return {
    hasBeforeModel: beforeModel.length > 0,
    hasAfterModel: afterModel.length > 0,
    hasBeforeTool: beforeTool.length > 0,
    hasAfterTool: afterTool.length > 0,
    hasCompactHooks: beforeCompact.length > 0 || afterCompact.length > 0,
    async beforeModel(event) {
      let request = event.request
      for (const hooks of beforeModel) {
        const change = await hooks.beforeModel?.({ ...event, request })
        if (change?.request !== undefined) request = change.request
        if (change?.response !== undefined) return { request, response: change.response }
      }
      return { request }
    },
    async afterModel(event) {
      let response = event.response
      for (const hooks of afterModel) {
        const change = await hooks.afterModel?.({ ...event, response })
        if (change?.response !== undefined) response = change.response
      }
      return response
    },
    async beforeTool(event) {
      let args = event.arguments
      let changed = false
      for (const hooks of beforeTool) {
        const change = await hooks.beforeTool?.({ ...event, arguments: args })
        if (change === undefined || change === null) continue
        if ('deny' in change) return { kind: 'deny', message: change.deny }
        if ('result' in change) return { kind: 'result', result: change.result }
        if ('arguments' in change) {
          args = change.arguments
          changed = true
        }
      }
      return { kind: 'run', arguments: args, changed }
    },
    async afterTool(event) {
      let output = event.output
      let isError = event.isError
      for (const hooks of afterTool) {
        const change = await hooks.afterTool?.({ ...event, output, isError })
        if (change === undefined || change === null) continue
        output = change.output
        if (change.isError !== undefined) isError = change.isError
      }
      return { output, isError }
    },
    async beforeCompact(event) {
      let messages: Message[] | undefined
      for (const hooks of beforeCompact) {
        const change = await hooks.beforeCompact?.(
          messages === undefined ? event : { ...event, plan: { ...event.plan, messages } },
        )
        if (change === undefined || change === null) continue
        if ('veto' in change) return { kind: 'veto', reason: change.veto }
        if ('messages' in change) messages = change.messages
      }
      return messages === undefined ? { kind: 'plan' } : { kind: 'replace', messages }
    },
    async afterCompact(event) {
      for (const hooks of afterCompact) await hooks.afterCompact?.(event)
    },
    hasState(operation) {
      const hooks = state.get(operation)
      return hooks !== undefined && hooks.before.length + hooks.after.length > 0
    },
    async beforeState(operation, event) {
      for (const hook of state.get(operation)?.before ?? []) {
        const result = await hook(event)
        if (result !== undefined && result !== null && typeof result === 'object' && 'veto' in result) {
          return String(result.veto)
        }
      }
      return undefined
    },
    async afterState(operation, event) {
      for (const hook of state.get(operation)?.after ?? []) await hook(event)
    },
    async onError(event) {
      for (const hooks of onError) {
        try {
          await hooks.onError?.(event)
        } catch {
          // An observer's failure must not replace the error being reported.
        }
      }
    },
  }
}

/** The chain of a runtime and an agent without hooks, shared by all of them. */
const EMPTY_CHAIN: HookChain<unknown> = composeHooks<unknown>(undefined, undefined)
