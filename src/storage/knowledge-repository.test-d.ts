import { expectTypeOf, test } from 'vitest'
import { AUDIT_EVENT_TYPES, type AuditEventType } from './audit-repository.js'
import { FACT_TYPES, type FactType, type KnowledgeRepository } from './knowledge-repository.js'

test('fact and audit kinds are typed constants that leave room for custom strings', () => {
  expectTypeOf(FACT_TYPES.preference).toEqualTypeOf<'preference'>()
  expectTypeOf(AUDIT_EVENT_TYPES.toolCall).toEqualTypeOf<'tool_call'>()
  expectTypeOf<'recipe'>().toExtend<FactType>()
  expectTypeOf<'billing_export'>().toExtend<AuditEventType>()
  expectTypeOf<Parameters<KnowledgeRepository['putFact']>[0]['type']>().toEqualTypeOf<FactType>()
})
