/**
 * The preset dictionary of archived event logs (codec `deflate-raw/events-1`, see
 * `event-archive.ts`): what a run's events repeat whatever the run (event types, field names, the
 * shapes of usage and tool calls, the standard messages), so that even a short log compresses
 * well. It holds no user data. Never change it: an archive is inflated with the dictionary it was
 * written with; a better one is a new codec (`events-2`) added beside it.
 *
 * @module
 */

/** Deflate favours the end of a dictionary (shorter distances): the most frequent text comes last. */
export const EVENT_DICTIONARY_1 = [
  '{"type":"workflow.start","workflow":"","resumed":true}',
  '{"type":"workflow.end","workflow":"","status":"completed","durationMs":0,"output":',
  '{"type":"node.start","nodeId":"","nodeType":"agent","iteration":1}',
  '{"type":"node.end","nodeId":"","status":"completed","durationMs":0,"attempts":1}',
  '{"type":"node.retry","nodeId":"","attempt":1,"delayMs":0,"error":{"name":"Error","message":""}}',
  '{"type":"node.event","nodeId":"","nodeRunId":"","event":{"type":"',
  '{"type":"step.start","step":"","index":0,"attempt":1}',
  '{"type":"step.end","step":"","index":0,"attempt":1,"durationMs":0,"checkpointed":true}',
  '{"type":"step.retry","step":"","attempt":1,"attempts":3,"delayMs":0,"error":{"name":"Error","message":""}}',
  '{"type":"step.progress","step":"","progress":0.5,"message":""}',
  '{"type":"input.request","request":',
  '{"type":"custom","name":"","data":',
  '{"type":"agent.handoff","turn":1,"callId":"","from":"","to":""}',
  '{"type":"nested.event","turn":1,"callId":"","path":[""],"event":{"type":"',
  '{"type":"approval.request","turn":1,"callId":"","toolName":"","arguments":{},"kind":"approval"}',
  '{"type":"budget.exceeded","turn":1,"budget":{"kind":"tokens","limit":0,"used":0},"message":""}',
  '{"type":"context.compact","turn":1,"tokensBefore":0,"tokensAfter":0,"budgetTokens":0,"tokenizer":"","messagesBefore":0,"messagesAfter":0,"steps":[{"strategy":"","tokensBefore":0,"tokensAfter":0,"removedMessages":0,"shrunkToolResults":0,"summarizedMessages":0}]}',
  '{"type":"checkpoint.load","turn":1,"revision":1,"status":"awaiting_approval","messages":0}',
  '{"type":"reasoning.delta","turn":1,"delta":""}',
  '"reasoning":"","raw":{},"responseModel":"","responseId":"',
  '"error":{"name":"Error","message":""}',
  '"status":"failed","status":"cancelled","status":"awaiting_input","status":"needs_review",',
  '"finishReason":"length","finishReason":"content-filter","finishReason":"error",',
  '"kind":"function","kind":"runnable","kind":"steps","parent":{"runId":"","callId":""}',
  '{"role":"system","content":""},{"type":"text","text":""},{"type":"image","image":"","mediaType":"image/png"}',
  '"cachedInputTokens":0,"reasoningTokens":0,',
  '{"type":"context.budget","turn":1,"source":"default","budgetTokens":25804,"contextWindow":32768,"reserveOutputTokens":4096,"message":"Model ',
  ' declares no context window and agent \\"',
  '\\" sets no context.maxInputTokens, so every model call is held to the default budget of ',
  ' input tokens (a ',
  '-token window less ',
  ' reserved for the answer). Set context.maxInputTokens, or the model\'s capabilities.contextWindow, to the real limit."}',
  '{"type":"run.start","agent":"","model":"","input":[{"role":"user","content":""}],"session":"","resumed":true}',
  '{"type":"session.load","sessionId":"","messages":0,"headId":null}',
  '{"type":"session.load","sessionId":"","messages":0,"headId":"',
  '{"type":"session.append","sessionId":"","messages":4}',
  '{"type":"tool.args.delta","turn":1,"callId":"","toolName":"","delta":"{\\""}',
  '{"type":"tool.start","turn":1,"callId":"call_1_0_1","toolName":"","arguments":{}}',
  '{"type":"tool.end","turn":1,"callId":"call_1_0_1","toolName":"","output":"","isError":false,"durationMs":0.',
  '{"role":"assistant","content":[{"type":"tool-call","callId":"","name":"","arguments":"{\\""}]}',
  '{"role":"tool","callId":"","toolName":"","content":""}',
  '{"type":"run.end","status":"completed","output":"","usage":{"inputTokens":0,"outputTokens":0,"totalTokens":0,"modelCalls":1,"toolCalls":0},"turns":1}',
  '{"type":"model.end","turn":1,"finishReason":"tool-calls","usage":{"inputTokens":0,"outputTokens":0,"totalTokens":0},"text":"","toolCalls":[{"callId":"","toolName":"","arguments":"{\\""}]}',
  '{"type":"model.end","turn":2,"finishReason":"stop","usage":{"inputTokens":0,"outputTokens":0,"totalTokens":0},"text":"","toolCalls":[]}',
  '{"type":"text.delta","turn":1,"delta":""}',
  '{"type":"model.start","turn":1,"model":""}',
  '{"type":"checkpoint.save","turn":1,"revision":1,"reason":"start"}',
  '{"type":"checkpoint.save","turn":1,"revision":2,"reason":"model"}',
  '{"type":"checkpoint.save","turn":1,"revision":3,"reason":"tool.start"}',
  '{"type":"checkpoint.save","turn":1,"revision":4,"reason":"tool.result"}',
  '{"type":"checkpoint.save","turn":2,"revision":5,"reason":"end"}',
  '{"type":"turn.end","turn":1},{"type":"turn.start","turn":2}',
  '{"seq":1,"time":1700000000000,"events":[{"type":"run.start","agent":"","model":"","input":[{"role":"user","content":""}],"session":""},{"type":"turn.start","turn":1},',
  '"dt":[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,2,2,2,2,2,2,2,2]}',
].join('')
