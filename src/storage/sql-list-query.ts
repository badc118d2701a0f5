import { GROUP_ONLY_COLLECTIONS, orderIndexCondition } from './sql-migrations.js'
import type { ListOptions } from './store-driver.js'

/** What differs between the SQL dialects for a list query. */
export interface SqlListDialect {
  /** The records table and the index table, quoted. */
  table: string
  index: string
  /** The selected columns, on the records table aliased `r`. */
  columns: string
  /** The n-th parameter (1-based): `?` for SQLite, `$n` for PostgreSQL. */
  placeholder: (position: number) => string
}

const groupOnly = new Set<string>(GROUP_ONLY_COLLECTIONS)

/**
 * The SELECT of `StoreDriver.list` for SQLite and PostgreSQL, with its parameters. Every variant
 * reads an index in order, so `LIMIT n` reads about n rows: (collection, grp, ord, key) for a
 * group, (collection, ord, key) for a collection, the index table's primary key for an index
 * value (each entry joined to its record). `after` is a row-value comparison on the same columns.
 * A list of a whole collection repeats the condition of the partial order index (migration 3) so
 * the database can use it.
 */
export function listQuery(
  dialect: SqlListDialect,
  collection: string,
  options: ListOptions,
  now: number,
): { sql: string; parameters: unknown[] } {
  const parameters: unknown[] = []
  const parameter = (value: unknown) => {
    parameters.push(value)
    return dialect.placeholder(parameters.length)
  }
  const byIndex = options.index !== undefined
  const from = byIndex
    ? `${dialect.index} i JOIN ${dialect.table} r ON r.collection = i.collection AND r.key = i.key`
    : `${dialect.table} r`
  const position = byIndex ? 'i' : 'r'
  const conditions = [
    `${position}.collection = ${parameter(collection)}`,
    `(r.expires_at IS NULL OR r.expires_at > ${parameter(now)})`,
  ]
  if (options.index !== undefined) conditions.push(`i.index_value = ${parameter(options.index)}`)
  else if (options.group !== undefined) conditions.push(`r.grp = ${parameter(options.group)}`)
  else if (!groupOnly.has(collection)) conditions.push(orderIndexCondition('r'))
  if (options.afterOrder !== undefined) conditions.push(`${position}.ord > ${parameter(options.afterOrder)}`)
  if (options.after !== undefined) {
    const comparison = options.descending ? '<' : '>'
    conditions.push(
      `(${position}.ord, ${position}.key) ${comparison} (${parameter(options.after.order)}, ${parameter(options.after.key)})`,
    )
  }
  const direction = options.descending ? 'DESC' : 'ASC'
  let sql = `SELECT ${dialect.columns} FROM ${from} WHERE ${conditions.join(' AND ')}
    ORDER BY ${position}.ord ${direction}, ${position}.key ${direction}`
  if (options.limit !== undefined) sql += ` LIMIT ${parameter(options.limit)}`
  return { sql, parameters }
}
