import { isAgentTool } from '../agent/agent-tool-marker.js'
import { describeError, isInstanceOf } from '../errors/describe-error.js'
import { ToolError } from '../errors/errors.js'
import type { ToolCallPart, ToolMessage } from '../messages/message.js'
import { formatIssues } from '../tool/schema.js'
import type { Tool, ToolContext } from '../tool/tool.js'
import { invokeTool, readToolCallArguments, toolFailureOutput } from '../tool/tool-call.js'
import { toText } from '../util/json.js'
import type { ActiveRun } from './active-run.js'
import { type NestedOutcome, runAgentTool } from './nested-run.js'

type Outcome = { output: string; isError: boolean; paused?: NestedPause }

/** An agent tool's nested run paused: the call waits on its calls. */
type NestedPause = Extract<NestedOutcome, { kind: 'paused' }>

/** What a durable run does around each tool call. */
export interface ToolCallSteps {
  /**
   * Called with the validated arguments before the `beforeTool` hooks: `pause` stops this call
   * (it waits for approval) and it gets no result now.
   */
  gate?(
    call: ToolCallPart,
    tool: Tool<unknown, unknown>,
    args: unknown,
    context: ToolContext<unknown>,
  ): Promise<'run' | 'pause'>
  /** Called right before the tool runs (after the hooks); the tool starts once it resolves. */
  onStart?(call: ToolCallPart): Promise<void>
  /** Called with the result; the call counts as finished once it resolves. */
  onDone?(call: ToolCallPart, message: ToolMessage): Promise<void>
  /** An agent tool's nested run paused: the call gets no result now and waits with it. */
  onNestedPause?(call: ToolCallPart, pause: NestedPause): Promise<void>
}

/**
 * Executes the tool calls of one turn: concurrently up to the run's limit when the agent allows
 * parallel calls, one by one otherwise. Results come back in the order the model asked for them;
 * a call paused by `steps.gate` has no result (`undefined`).
 */
export async function executeToolCalls(
  run: ActiveRun<unknown, unknown>,
  calls: ToolCallPart[],
  steps: ToolCallSteps = {},
): Promise<(ToolMessage | undefined)[]> {
  const limit = run.agent.parallelToolCalls ? Math.min(run.toolConcurrency, calls.length) : 1
  const results = new Array<ToolMessage | undefined>(calls.length)
  if (limit <= 1) {
    for (let index = 0; index < calls.length; index++) {
      results[index] = await executeToolCall(run, calls[index] as ToolCallPart, steps)
    }
    return results
  }
  let next = 0
  const worker = async () => {
    while (next < calls.length) {
      const index = next++
      results[index] = await executeToolCall(run, calls[index] as ToolCallPart, steps)
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
  return results
}

/** The context a tool (and its `needsApproval`) receives. */
export function toolContext(
  run: ActiveRun<unknown, unknown>,
  call: ToolCallPart,
  signal: AbortSignal,
): ToolContext<unknown> {
  return {
    context: run.context,
    signal,
    runId: run.state.runId,
    callId: call.callId,
    turn: run.state.turn,
    idempotencyKey: `${run.state.runId}:${call.callId}`,
  }
}

/** One tool call: look up, parse, validate, hooks, execute with timeout, hooks; never throws for bad input. */
async function executeToolCall(
  run: ActiveRun<unknown, unknown>,
  call: ToolCallPart,
  steps: ToolCallSteps,
): Promise<ToolMessage | undefined> {
  const { state, hooks } = run
  const turn = state.turn
  const started = performance.now()
  const tool = run.agent.getTool(call.name)
  // the same parsing, validation and error results as the tool registry's execute
  const input = await readToolCallArguments({
    tool,
    toolName: call.name,
    rawArguments: call.arguments,
    availableTools: () => run.agent.modelTools.map((entry) => entry.name),
  })
  if (tool !== undefined && input.ok && steps.gate !== undefined) {
    // Approval is decided on valid arguments, before the call is announced.
    const gate = await steps.gate(call, tool, input.value, toolContext(run, call, run.signal))
    if (gate === 'pause') return undefined
  }
  await run.emit({
    type: 'tool.start',
    turn,
    callId: call.callId,
    toolName: call.name,
    arguments: input.shown,
  })

  let args: unknown = input.shown
  let outcome: Outcome
  if (tool === undefined || !input.ok) {
    outcome = failure((input as { output: string }).output)
  } else {
    args = input.value
    outcome = await decideAndInvoke(run, tool, call, args, steps)
    if (outcome.paused !== undefined) {
      if (steps.onNestedPause === undefined) {
        throw new Error('agentloop bug: a nested run paused in a run that cannot pause. Please report it.')
      }
      await steps.onNestedPause(call, outcome.paused)
      return undefined
    }
  }

  if (hooks.hasAfterTool) {
    outcome = await hooks.afterTool({
      runId: state.runId,
      agentName: run.agent.name,
      turn,
      context: run.context,
      callId: call.callId,
      toolName: call.name,
      arguments: args,
      ...outcome,
    })
  }
  await run.emit({
    type: 'tool.end',
    turn,
    callId: call.callId,
    toolName: call.name,
    output: outcome.output,
    isError: outcome.isError,
    durationMs: performance.now() - started,
  })
  const message: ToolMessage = {
    role: 'tool',
    callId: call.callId,
    toolName: call.name,
    content: outcome.output,
  }
  if (outcome.isError) message.isError = true
  if (steps.onDone !== undefined) await steps.onDone(call, message)
  return message
}

async function decideAndInvoke(
  run: ActiveRun<unknown, unknown>,
  tool: Tool<unknown, unknown>,
  call: ToolCallPart,
  validArgs: unknown,
  steps: ToolCallSteps,
): Promise<Outcome> {
  let args = validArgs
  if (run.hooks.hasBeforeTool) {
    const decision = await run.hooks.beforeTool({
      runId: run.state.runId,
      agentName: run.agent.name,
      turn: run.state.turn,
      context: run.context,
      callId: call.callId,
      toolName: call.name,
      arguments: args,
    })
    if (decision.kind === 'deny') return failure(decision.message)
    if (decision.kind === 'result') return { output: toText(decision.result), isError: false }
    if (decision.changed) {
      const revalidated = await tool.parseArguments(decision.arguments)
      if (!revalidated.success) {
        throw new ToolError({
          toolName: call.name,
          callId: call.callId,
          message: `A beforeTool hook rewrote the arguments of tool "${call.name}" into invalid ones: ${formatIssues(revalidated.issues)}. Fix the hook.`,
        })
      }
      args = revalidated.value
    }
  }
  if (steps.onStart !== undefined) await steps.onStart(call)
  return invoke(run, tool, call, args)
}

async function invoke(
  run: ActiveRun<unknown, unknown>,
  tool: Tool<unknown, unknown>,
  call: ToolCallPart,
  args: unknown,
): Promise<Outcome> {
  if (isAgentTool(tool)) {
    const nested = await runAgentTool(run, tool, call, args)
    return nested.kind === 'done'
      ? { output: nested.output, isError: nested.isError }
      : { output: '', isError: false, paused: nested }
  }
  try {
    const value = await invokeTool({
      tool,
      args,
      callId: call.callId,
      signal: run.signal,
      context: (signal) => toolContext(run, call, signal),
    })
    return { output: toText(value), isError: false }
  } catch (error) {
    // The run itself was cancelled or timed out: that is not the tool's failure.
    if (run.signal.aborted) throw run.signal.reason
    await run.hooks.onError({
      runId: run.state.runId,
      agentName: run.agent.name,
      turn: run.state.turn,
      context: run.context,
      phase: 'tool',
      error,
      callId: call.callId,
      toolName: call.name,
    })
    // The thrown value is the tool's: read it defensively (it may be a revoked Proxy, a cycle...).
    const isToolError = isInstanceOf(error, ToolError)
    if (tool.onError === 'fail-run') {
      if (isToolError) throw error
      throw new ToolError({
        toolName: call.name,
        callId: call.callId,
        message: `Tool "${call.name}" failed and is configured with onError: 'fail-run': ${describeError(error).message}`,
        cause: error,
      })
    }
    return failure(toolFailureOutput(call.name, error))
  }
}

function failure(output: string): Outcome {
  return { output, isError: true }
}
